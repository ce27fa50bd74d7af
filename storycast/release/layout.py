"""The release folder's layout: configs, file names, which files a release writes, rolling shard writers.

    README.md                                        the dataset card
    croissant.json                                   Croissant (JSON-LD) metadata
    assets/storyboard-N.png                          sample storyboards shown in the card
    data/<config>/<split>-NNNNN-of-NNNNN.parquet     the tables, one folder per HF config

Anything else in the folder was not written by the release: the stage refuses to delete it.
"""
from __future__ import annotations

import functools
import hashlib
import io
import os
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from storycast.errors import StorycastError
from storycast.tables import Schema, check_arrow, load_schema

# HF config -> schema (schemas/<name>.yaml); `frames` is the default config.
CONFIGS = {
    "frames": "release_frames",
    "characters": "release_characters",
    "stories": "stories",
    "controls": "controls",
    "qc": "qc",
}
DEFAULT_CONFIG = "frames"
IMAGE_ROWS, TABLE_ROWS = 100, 1000  # rows per Parquet row group (small for image tables: Hub viewer)

_SHARD = re.compile(r"^data/(?P<config>[a-z_]+)/(?P<split>train|test)-\d{5}-of-\d{5}\.parquet$")
_PARTIAL = re.compile(r"^data/[a-z_]+/(train|test)-\d{5}\.parquet\.partial$")
_ASSET = re.compile(r"^assets/storyboard-\d+\.png$")
_TOP = {"README.md", "croissant.json"}


def schema_of(config: str) -> Schema:
    return load_schema(CONFIGS[config])


def is_release_file(rel: str, staging: bool = False) -> bool:
    """Whether a path (relative, POSIX) is one the release writes (or, in staging, leaves half-done)."""
    match = _SHARD.match(rel)
    return (rel in _TOP or bool(_ASSET.match(rel)) or bool(match and match["config"] in CONFIGS)
            or (staging and bool(_PARTIAL.match(rel))))


def foreign_files(folder: Path, staging: bool = False) -> list[str]:
    """Files (and links, and empty folders' contents aside) under `folder` the release did not write."""
    if not folder.exists():
        return []
    if not folder.is_dir():
        return [folder.name]
    out = []
    for path in sorted(folder.rglob("*")):
        if path.is_dir() and not path.is_symlink():
            continue
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink() or not is_release_file(rel, staging):
            out.append(rel)
    return out


def data_files(folder: Path) -> list[Path]:
    """The release's Parquet shards, sorted by relative path."""
    return sorted((p for p in (folder / "data").rglob("*.parquet") if p.is_file()),
                  key=lambda p: p.relative_to(folder).as_posix())


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def content_hash(folder: Path) -> str:
    """sha256 over the sorted data files' (path, sha256): the identity of the released data."""
    h = hashlib.sha256()
    for path in data_files(folder):
        h.update(f"{path.relative_to(folder).as_posix()}\0{sha256_file(path)}\n".encode())
    return h.hexdigest()


@functools.cache
def stats_columns(config: str) -> list[str]:
    """Leaf column paths that get Parquet statistics: all but image bytes (min/max of an image column
    would copy two whole images into every row group's metadata)."""
    schema = schema_of(config)
    buf = io.BytesIO()
    pq.write_table(schema.arrow_schema.empty_table(), buf)
    paths = [c.path for c in pq.ParquetFile(io.BytesIO(buf.getvalue())).schema]
    return [p for p in paths if p.split(".")[0] not in schema.image_columns]


class ShardWriter:
    """Streams one (config, split) into Parquet shards of at most `max_bytes` each.

    Rows are buffered into row groups of `row_group` rows (small for image tables, so the Hub viewer
    can page through them). A shard is closed before the next row group would take it past
    `max_bytes` (footer included); only a single row group larger than that makes a larger file.
    Shards are written as `<split>-NNNNN.parquet.partial` and renamed to `-NNNNN-of-NNNNN.parquet`
    by `close()`, once their number is known. At least one (possibly empty) shard is always written
    so every declared split has a file.
    """

    FOOTER_PER_COLUMN = 300  # Parquet footer bytes per leaf column per row group (offsets, statistics)

    def __init__(self, folder: Path, config: str, split: str, max_bytes: int):
        self.folder, self.config, self.split, self.max_bytes = folder, config, split, max_bytes
        self.schema = schema_of(config)
        self.arrow_schema = self.schema.arrow_schema
        self.row_group = IMAGE_ROWS if self.schema.image_columns else TABLE_ROWS
        self.parts: list[Path] = []
        self.rows = 0
        self._file = self._writer = None
        self._groups = 0
        self._buffer: list[pa.Table] = []
        self._buffered = 0
        folder.mkdir(parents=True, exist_ok=True)

    def _open(self) -> None:
        path = self.folder / f"{self.split}-{len(self.parts):05d}.parquet.partial"
        self.parts.append(path)
        self._file = open(path, "wb")  # noqa: SIM115 - closed in _close
        self._writer = pq.ParquetWriter(self._file, self.arrow_schema, compression="zstd",
                                        write_statistics=stats_columns(self.config))
        self._groups = 0

    def _close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._file.close()
            self._writer = self._file = None

    def _footer(self, groups: int) -> int:
        """An upper estimate of the footer: schema (Arrow + HF metadata) and per-row-group metadata."""
        hf = self.arrow_schema.metadata[b"huggingface"]
        base = 1024 + 2 * len(self.arrow_schema.serialize()) + 2 * len(hf)
        return base + groups * (len(stats_columns(self.config)) + 4) * self.FOOTER_PER_COLUMN

    def _flush(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        if self._writer is not None and (self._file.tell() + table.nbytes + self._footer(self._groups + 1)
                                         > self.max_bytes):
            self._close()
        if self._writer is None:
            self._open()
        self._writer.write_table(table, row_group_size=self.row_group)
        self._groups += -(-table.num_rows // self.row_group)

    def write(self, table: pa.Table) -> None:
        """Append rows (exactly the config's schema); they reach the file a row group at a time."""
        if table.num_rows == 0:
            return
        check_arrow(table, self.schema, f"release {self.config}/{self.split}")
        self._buffer.append(table.replace_schema_metadata(self.arrow_schema.metadata))
        self._buffered += table.num_rows
        self.rows += table.num_rows
        if self._buffered >= self.row_group:
            whole = pa.concat_tables(self._buffer).combine_chunks()
            cut = self._buffered - self._buffered % self.row_group
            self._flush(whole.slice(0, cut))
            self._buffer = [whole.slice(cut)] if cut < whole.num_rows else []
            self._buffered -= cut

    def close(self) -> list[Path]:
        """Finish the shards and give them their final names; returns them in order."""
        if self._buffer:
            self._flush(pa.concat_tables(self._buffer).combine_chunks())
            self._buffer, self._buffered = [], 0
        if not self.parts:
            self._open()
        self._close()
        total = len(self.parts)
        final = []
        for i, part in enumerate(self.parts):
            path = self.folder / f"{self.split}-{i:05d}-of-{total:05d}.parquet"
            os.replace(part, path)
            final.append(path)
        return final


def check_output(target: Path, staging: Path) -> None:
    """Refuse to build over files the release did not write (in the output or the staging folder)."""
    for folder, is_staging in ((staging, True), (target, False)):
        foreign = foreign_files(folder, staging=is_staging)
        if foreign:
            more = f" (and {len(foreign) - 1} more)" if len(foreign) > 1 else ""
            raise StorycastError(f"{folder / foreign[0]}{more} was not written by the release: move it "
                                 f"out of {folder} (the release replaces that folder whole)")
