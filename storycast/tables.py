"""Tables: one YAML declaration per table in `schemas/` gives the Arrow schema, the HF Features,
validation on write and on read, and (later) the dataset card's column docs.

Parquet files are written through `datasets.Features.arrow_schema`, so the HF feature metadata
travels in the file and `load_dataset("parquet", ...)` returns the declared types (images too).
"""
from __future__ import annotations

import functools
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from storycast.errors import StorycastError

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
_SCALARS = {"string", "bool", "int8", "int16", "int32", "int64", "float32", "float64"}
_LIST = re.compile(r"^list<(.+)>$")


class SchemaError(StorycastError):
    """A table's data does not match its declaration."""


def _feature(type_decl: str, where: str):
    import datasets

    if type_decl in _SCALARS:
        return datasets.Value(type_decl)
    if type_decl == "image":
        return datasets.Image()
    match = _LIST.match(type_decl)
    if match:
        return datasets.List(_feature(match.group(1), where))
    raise SchemaError(f"{where}: unknown column type {type_decl!r}")


@dataclass(frozen=True)
class Schema:
    name: str
    description: str
    columns: dict[str, dict]  # name -> {"type": ..., "description": ...}

    @functools.cached_property
    def features(self):
        import datasets

        return datasets.Features({c: _feature(d["type"], f"schemas/{self.name}.yaml: {c}")
                                  for c, d in self.columns.items()})

    @functools.cached_property
    def arrow_schema(self) -> pa.Schema:
        return self.features.arrow_schema

    @property
    def image_columns(self) -> list[str]:
        return [c for c, d in self.columns.items() if d["type"] == "image"]


@functools.cache
def load_schema(name: str) -> Schema:
    """Read `schemas/<name>.yaml` (with `extends:` resolved: the parent's columns come first)."""
    path = SCHEMA_DIR / f"{name}.yaml"
    if not path.exists():
        raise SchemaError(f"no schema declared for table {name!r} (expected {path})")
    doc = yaml.safe_load(path.read_text())
    columns: dict[str, dict] = {}
    if doc.get("extends"):
        columns.update(load_schema(doc["extends"]).columns)
    for col, decl in (doc.get("columns") or {}).items():
        if not isinstance(decl, dict) or set(decl) != {"type", "description"}:
            got = sorted(decl) if isinstance(decl, dict) else decl
            raise SchemaError(f"{path}: column {col!r} needs exactly a type and a description, got {got} "
                              f"(quote descriptions that contain commas)")
        columns[col] = decl
    return Schema(name=name, description=doc.get("description", ""), columns=columns)


def to_arrow(rows: list[dict], schema: Schema) -> pa.Table:
    """Rows (dicts) to an Arrow table of exactly the declared columns and types."""
    names = list(schema.columns)
    for i, row in enumerate(rows):
        if set(row) != set(names):
            missing = sorted(set(names) - set(row))
            extra = sorted(set(row) - set(names))
            raise SchemaError(f"table {schema.name}, row {i}: missing columns {missing}, "
                              f"undeclared columns {extra}")
    columns = {n: [row[n] for row in rows] for n in names}
    try:
        return pa.Table.from_pydict(columns, schema=schema.arrow_schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError) as err:
        bad = _first_bad_column(columns, schema)
        raise SchemaError(f"table {schema.name}: {bad}: {err}") from None


def _first_bad_column(columns: dict, schema: Schema) -> str:
    for name, values in columns.items():
        try:
            pa.array(values, type=schema.arrow_schema.field(name).type)
        except Exception:  # noqa: BLE001 - we only want the column's name
            return f"column {name!r} ({schema.columns[name]['type']})"
    return "a column"


def check_arrow(table: pa.Table, schema: Schema, source: str) -> pa.Table:
    """Raise unless `table` has exactly the declared column names and types (in order)."""
    expected = schema.arrow_schema
    if table.schema.names != expected.names:
        raise SchemaError(f"{source}: columns {table.schema.names} do not match schemas/"
                          f"{schema.name}.yaml {expected.names}")
    for field in expected:
        actual = table.schema.field(field.name).type
        if actual != field.type:
            raise SchemaError(f"{source}: column {field.name!r} has type {actual}, "
                              f"schemas/{schema.name}.yaml declares {field.type}")
    return table


def atomic_path(path: Path):
    """A temporary sibling of `path` to write to; `os.replace` it onto `path` when complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    return Path(tmp)


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Write a file atomically: a half-written file never replaces a good one."""
    path = Path(path)
    tmp = atomic_path(path)
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def npz_bytes(arrays: dict) -> bytes:
    """`arrays` as the bytes of a compressed .npz file (models and references: `write_bytes` writes
    them atomically)."""
    import io

    import numpy as np

    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


def write_table(table: pa.Table, path: str | Path, schema: Schema,
                row_group_size: int = 1000) -> Path:
    """Validate and write a Parquet file atomically: readers never see a half-written file."""
    path = Path(path)
    check_arrow(table, schema, str(path))
    table = table.replace_schema_metadata(schema.arrow_schema.metadata)
    tmp = atomic_path(path)
    try:
        pq.write_table(table, tmp, row_group_size=row_group_size, compression="zstd")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_rows(rows: list[dict], path: str | Path, schema: Schema, **kw) -> Path:
    return write_table(to_arrow(rows, schema), path, schema, **kw)


def read_table(path: str | Path, schema: Schema, columns: list[str] | None = None) -> pa.Table:
    """Read a Parquet file and check it against its declaration."""
    path = Path(path)
    if not path.exists():
        raise SchemaError(f"missing table {path}: run the stage that writes it (dvc repro)")
    table = pq.read_table(path)
    check_arrow(table, schema, str(path))
    return table.select(columns) if columns else table


def read_rows(path: str | Path, schema: Schema, columns: list[str] | None = None) -> list[dict]:
    return read_table(path, schema, columns).to_pylist()


def shard_paths(folder: str | Path) -> list[Path]:
    """The shard files of a sharded table, in shard order."""
    folder = Path(folder)
    if not folder.is_dir():
        raise SchemaError(f"missing table folder {folder}: run the stage that writes it (dvc repro)")
    return sorted(folder.glob("shard-*.parquet"))


def shard_name(index: int) -> str:
    return f"shard-{index:05d}.parquet"


def table_bytes(rows: list[dict], schema: Schema, row_group_size: int = 1000) -> bytes:
    """A validated Parquet file as bytes (for the shard cache)."""
    import io

    table = to_arrow(rows, schema)
    buf = io.BytesIO()
    pq.write_table(table, buf, row_group_size=row_group_size, compression="zstd")
    return buf.getvalue()
