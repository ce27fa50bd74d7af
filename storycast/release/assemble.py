"""Join the pipeline tables into the release configs and stream them into split shards.

Memory stays flat: characters are read one template batch at a time; stories one input shard at a
time (script tables and pose maps of one shard, final images in batches of `IMAGE_ROWS`).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from storycast.errors import StorycastError
from storycast.release import inputs as inp
from storycast.release.layout import CONFIGS, IMAGE_ROWS, ShardWriter, schema_of
from storycast.release.split import SPLITS, Split


@dataclass
class Stats:
    """What the card and metrics report, gathered while streaming."""
    poses: Counter = field(default_factory=Counter)
    expressions: Counter = field(default_factory=Counter)
    shot_types: Counter = field(default_factory=Counter)
    camera_angles: Counter = field(default_factory=Counter)
    planners: Counter = field(default_factory=Counter)
    judges: Counter = field(default_factory=Counter)
    renderers: Counter = field(default_factory=Counter)
    qc_frames: int = 0           # frames of kept stories (all went through QC)
    qc_first_pass: int = 0       # ... whose first attempt (attempt 0) passed
    qc_final_pass: int = 0       # ... whose final verdict is pass
    qc_rounds: int = 0           # repairs summed over those frames
    failed_excluded: int = 0     # failed frames left out of `frames`
    faulty_excluded: int = 0     # frames left out because they still show an injected fault
    dropped_frames: int = 0      # frames of dropped (mixed-cast) stories
    storyboards: dict = field(default_factory=dict)  # story id -> [(frame_index, narration, png)]
    titles: dict = field(default_factory=dict)       # storyboard story id -> title


def _split_of(ids: pa.Array, lookup: dict[str, str | None]) -> list[str | None]:
    return [lookup.get(i) for i in ids.to_pylist()]


def _mask(sides: list[str | None], split: str) -> pa.Array:
    return pa.array([s == split for s in sides], type=pa.bool_())


def _conform(table: pa.Table, config: str) -> pa.Table:
    """Reorder/cast to the release schema (column sets were checked by the input schemas)."""
    schema = schema_of(config).arrow_schema
    return pa.Table.from_arrays([table[n] for n in schema.names], schema=schema)


class RenderedImages:
    """The render table's images, read in step with the qc_frames rows of the same shard (the qc stage
    writes its rows in the render table's order), whatever the batch boundaries of either file."""

    def __init__(self, path: Path):
        self.path = path
        self._batches = inp.batches(path, "render", IMAGE_ROWS, ["frame_id", "image"])
        self._pending: list[pa.Table] = []

    def _next(self, n: int) -> pa.Table:
        """The next `n` rows (fewer at the end of the file)."""
        have = sum(t.num_rows for t in self._pending)
        while have < n and (batch := next(self._batches, None)) is not None:
            self._pending.append(pa.Table.from_batches([batch]))
            have += batch.num_rows
        if not self._pending:
            return pa.table({"frame_id": pa.array([], pa.string())})
        table = pa.concat_tables(self._pending)
        self._pending = [table.slice(n)]
        return table.slice(0, n)

    def fill(self, batch: pa.Table, qc_path: Path) -> pa.Table:
        """qc_frames rows with the rendered image where the loop left it untouched (null `image`)."""
        rendered = self._next(batch.num_rows)
        ids, drawn = batch["frame_id"].combine_chunks(), rendered["frame_id"].combine_chunks()
        if not drawn.equals(ids):
            k = next((i for i in range(len(ids)) if i >= len(drawn) or ids[i] != drawn[i]), 0)
            other = drawn[k].as_py() if k < len(drawn) else "nothing"
            raise StorycastError(f"frame {ids[k].as_py()} of {qc_path} is {other} in {self.path}: the qc stage "
                                 "ran on other renders; rerun the qc stage")
        image = batch["image"].combine_chunks()
        if not image.null_count:
            return batch
        filled = pc.if_else(pc.is_null(image), rendered["image"].combine_chunks(), image)
        return batch.set_column(batch.schema.get_field_index("image"), "image", filled)


class Assembler:
    def __init__(self, staging: Path, split: Split, max_bytes: int, include_failed: bool,
                 storyboard_ids: list[str]):
        self.split, self.include_failed = split, include_failed
        self.writers = {(c, s): ShardWriter(staging / "data" / c, c, s, max_bytes)
                        for c in CONFIGS for s in SPLITS}
        self.stats = Stats(storyboards={s: [] for s in storyboard_ids})

    def _write(self, config: str, table: pa.Table, sides: list[str | None]) -> None:
        for name in SPLITS:
            part = table.filter(_mask(sides, name))
            if part.num_rows:
                self.writers[(config, name)].write(_conform(part, config))

    def characters(self, inputs: inp.Inputs) -> None:
        """Approved characters joined with their template sheets, by split."""
        review = inp.approved(inputs)
        ids = review["character_id"].combine_chunks()
        seen: set[str] = set()
        for path in inputs.shards["templates"]:
            for batch in inp.batches(path, "templates", IMAGE_ROWS):
                t = pa.Table.from_batches([batch])
                idx = pc.index_in(t["character_id"], value_set=ids)
                keep = pc.is_valid(idx)
                t, idx = t.filter(keep), idx.filter(keep)
                if not t.num_rows:
                    continue
                seen.update(t["character_id"].to_pylist())
                rows = review.take(idx)
                joined = {n: rows[n] for n in rows.column_names}
                joined.update(template=t["image"], template_prompt=t["prompt"], template_seed=t["seed"],
                              renderer=t["renderer"], renderer_version=t["renderer_version"])
                table = pa.table(joined)
                self.stats.renderers.update(
                    f"{r} {v}".strip() for r, v in zip(t["renderer"].to_pylist(),
                                                      t["renderer_version"].to_pylist()))
                self._write("characters", table, _split_of(t["character_id"], self.split.characters))
        missing = sorted(set(ids.to_pylist()) - seen)
        if missing:
            raise StorycastError(f"approved character {missing[0]} has no template sheet in "
                                 f"{inp.INPUTS['templates'][0]} ({len(missing)} missing): rerun the "
                                 "templates stage")

    def story_shard(self, inputs: inp.Inputs, files: dict[str, Path]) -> None:
        """One input shard of stories: stories, frames (with images), controls and QC by split."""
        sides = self.split.stories
        stories = inp.read(inputs, "stories", files["stories"])
        unknown = [s for s in stories["story_id"].to_pylist() if s not in sides]
        if unknown:
            raise StorycastError(f"{files['stories']}: story {unknown[0]} changed during the release")
        self.stats.planners.update(p for p, s in zip(stories["planner"].to_pylist(),
                                                    stories["story_id"].to_pylist()) if sides[s])
        self._write("stories", stories, _split_of(stories["story_id"], sides))
        self.stats.titles.update((s, t) for s, t in zip(stories["story_id"].to_pylist(),
                                                        stories["title"].to_pylist())
                                 if s in self.stats.storyboards)

        frames = inp.read(inputs, "frames", files["frames"])
        posemaps = inp.read(inputs, "posemaps", files["posemaps"])
        qc = inp.read(inputs, "qc", files["qc"])
        released: set[str] = set()
        qc_ids: set[str] = set()
        rendered = RenderedImages(files["render"])
        for batch in inp.batches(files["qc_frames"], "qc_frames", IMAGE_ROWS):
            batch = rendered.fill(pa.Table.from_batches([batch]), files["qc_frames"])
            released.update(self._frames_batch(batch, frames, posemaps, files, qc_ids))
        missing = sorted(set(frames["frame_id"].to_pylist()) - qc_ids)
        if missing:
            raise StorycastError(f"frame {missing[0]} of {files['frames']} has no row in "
                                 f"{files['qc_frames']}: rerun the qc stage")
        self._qc_stats(qc, sides)
        self._write("qc", qc, _split_of(qc["story_id"], sides))
        controls = inp.read(inputs, "controls", files["controls"])
        controls = controls.filter(pc.is_in(controls["frame_id"],
                                            value_set=pa.array(sorted(released), pa.string())))
        control_sides = _split_of(controls["story_id"], sides)
        self._check_cast(controls["frame_id"], [[c] for c in controls["character_id"].to_pylist()],
                         control_sides)
        self._write("controls", controls, control_sides)

    def _check_cast(self, frame_ids, characters: list[list[str]], sides: list[str | None]) -> None:
        """A released row may only show characters of its own split (its story's cast)."""
        of = self.split.characters
        for i, (cids, side) in enumerate(zip(characters, sides)):
            if side is not None and any(of.get(c) != side for c in cids):
                bad = next(c for c in cids if of.get(c) != side)
                raise StorycastError(f"frame {frame_ids[i].as_py()} shows {bad}, who is not in its story's "
                                     "cast (rerun the stories and controls stages)")

    def _frames_batch(self, batch: pa.Table, frames: pa.Table, posemaps: pa.Table,
                      files: dict[str, Path], qc_ids: set[str]) -> list[str]:
        ids = batch["frame_id"]
        qc_ids.update(ids.to_pylist())
        fidx = pc.index_in(ids, value_set=frames["frame_id"].combine_chunks())
        pidx = pc.index_in(ids, value_set=posemaps["frame_id"].combine_chunks())
        for idx, table in ((fidx, "frames"), (pidx, "posemaps")):
            if idx.null_count:
                bad = ids.filter(pc.is_null(idx))[0].as_py()
                raise StorycastError(f"frame {bad} of {files['qc_frames']} is missing from {files[table]}")
        sides = _split_of(batch["story_id"], self.split.stories)
        self._check_cast(ids, frames["character_ids"].take(fidx).to_pylist(), sides)
        passed = pc.equal(batch["qc_verdict"], "pass").to_pylist()
        # An injected fault (`qc.fault_rate`) measures the judge; a frame still showing one is never
        # released, whatever `include_failed` says (it stays in `qc` and `qc_frames`).
        faulted = pc.not_equal(batch["fault"], "").to_pylist()
        released = [not f and (p or self.include_failed) for f, p in zip(faulted, passed)]
        in_story = [s is not None for s in sides]
        st = self.stats
        st.dropped_frames += in_story.count(False)
        st.qc_frames += sum(in_story)
        st.qc_final_pass += sum(k and p for k, p in zip(in_story, passed))
        st.qc_rounds += sum(r for k, r in zip(in_story, batch["qc_rounds"].to_pylist()) if k)
        st.faulty_excluded += sum(k and f for k, f in zip(in_story, faulted))
        st.failed_excluded += sum(k and not f and not r for k, f, r in zip(in_story, faulted, released))
        sides = [s if r else None for s, r in zip(sides, released)]
        script, pose = frames.take(fidx), posemaps.take(pidx)
        cols = {n: script[n] for n in script.column_names}
        cols.update(image=batch["image"], pose_map=pose["pose_map"], width=pose["width"],
                    height=pose["height"], prompt=batch["prompt"], qc_verdict=batch["qc_verdict"],
                    qc_rounds=batch["qc_rounds"])
        table = pa.table(cols)
        kept = table.filter(pa.array([s is not None for s in sides], pa.bool_()))
        self._frame_stats(kept)
        self._write("frames", table, sides)
        return kept["frame_id"].to_pylist()

    def _frame_stats(self, kept: pa.Table) -> None:
        st = self.stats
        for col, counter in (("poses", st.poses), ("expressions", st.expressions)):
            counter.update(pc.list_flatten(kept[col]).to_pylist())
        st.shot_types.update(kept["shot_type"].to_pylist())
        st.camera_angles.update(kept["camera_angle"].to_pylist())
        wanted = pc.is_in(kept["story_id"], value_set=pa.array(list(st.storyboards), pa.string()))
        for row in kept.filter(wanted).select(["story_id", "frame_index", "narration", "image"]).to_pylist():
            st.storyboards[row["story_id"]].append((row["frame_index"], row["narration"],
                                                    row["image"]["bytes"]))

    def _qc_stats(self, qc: pa.Table, sides: dict[str, str | None]) -> None:
        st = self.stats
        for r in qc.select(["story_id", "attempt", "verdict", "judge"]).to_pylist():
            if sides.get(r["story_id"]) is not None:
                st.judges[r["judge"]] += 1
                st.qc_first_pass += r["attempt"] == 0 and r["verdict"] == "pass"

    def close(self) -> dict[tuple[str, str], list[Path]]:
        return {key: w.close() for key, w in self.writers.items()}

    def rows(self) -> dict[tuple[str, str], int]:
        return {key: w.rows for key, w in self.writers.items()}
