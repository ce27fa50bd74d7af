"""The quality-gated loop: faults, repairs (local edits byte-exact outside the mask, prompt tuning),
every attempt recorded, bad judge answers / missing templates / failing repairs recorded as that
frame's failure, and the stage over a tiny built pipeline."""
from __future__ import annotations

import dataclasses
import importlib.util
import io
import json
import math
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image

from storycast.characters import sample_characters
from storycast.editors.local_edit import Redraws, RerenderEditor, composite, local_edit, unchanged_outside
from storycast.editors.prompt_tuning import tune
from storycast.errors import StorycastError
from storycast.faults import FAULTS, INJECTORS, inject
from storycast.judges import Judgement, parse_judgement
from storycast.judges.base import CHECKS, Region, box_fraction_inside
from storycast.judges.measured import DEFAULT_THRESHOLDS, MeasuredJudge
from storycast.judges.template_sheet import template_reference
from storycast.qc import sample_frames
from storycast.qc_loop import QCSettings, choose_repair, run_frame
from storycast.render import decode, decode_pixels, encode
from storycast.renderers.procedural import ProceduralRenderer
from storycast.seeding import rng_for
from storycast.tables import load_schema, to_arrow
from tests.conftest import dvc

THRESHOLDS = dict(DEFAULT_THRESHOLDS)   # the calibrated ones, as params.yaml
QC_PARAMS = {"judge": "measured", "thresholds": THRESHOLDS, "max_rounds": 3,
             "repair_order": ["local_edit", "prompt_tuning"],
             "local_checks": ["identity", "expression", "pose", "sanity"], "zoom": 0.85, "fault_rate": 0.15,
             "faults": list(FAULTS), "retrieval_crops": 200}
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def world():
    chars = sample_characters(24, 404, 3)
    renderer = ProceduralRenderer()
    refs = {c["character_id"]: template_reference(renderer.render_template(c, 512, 3), c) for c in chars}
    items = sample_frames(chars, 24, 405)
    images = [renderer.render_frame(req) for _, req in items]
    return renderer, refs, items, images


def _run(world, i, judge=None, editor=None, refs=None, **settings):
    renderer, all_refs, items, images = world
    frame, req = items[i]
    return run_frame(frame, req, images[i], judge=judge or MeasuredJudge(THRESHOLDS), renderer=renderer,
                     editor=editor or RerenderEditor(renderer), templates={},
                     references=all_refs if refs is None else refs,
                     settings=dataclasses.replace(QCSettings(), **settings), seed=9)


# ---------------------------------------------------------------- local edits
def test_local_edit_changes_nothing_outside_the_mask(world):
    renderer, _, items, images = world
    _, req = items[3]
    faulty = INJECTORS["artefact"](images[3], req, renderer, rng_for(1, "t"))[0]
    box = (100, 120, 260, 300)
    out = local_edit(RerenderEditor(renderer), faulty, box, req, seed=1)
    a, b = np.asarray(faulty), np.asarray(out)
    outside = np.ones(a.shape[:2], dtype=bool)
    outside[120:300, 100:260] = False
    assert a[outside].tobytes() == b[outside].tobytes()                 # byte-exact outside
    assert b[120:300, 100:260].tobytes() == np.asarray(images[3])[120:300, 100:260].tobytes()

    class Wild:                                   # an editor that repaints the whole frame
        def edit(self, image, box, prompt, seed):
            return Image.new("RGB", image.size, (255, 0, 255))
    wild = local_edit(Wild(), faulty, (10.4, 20.6, 50.2, 80.9), req, seed=1)
    assert unchanged_outside(faulty, wild, (10, 20, 51, 81))
    assert np.asarray(wild)[20:81, 10:51].tolist() == [[[255, 0, 255]] * 41] * 61
    with pytest.raises(ValueError, match="no area"):
        local_edit(Wild(), faulty, (600, 600, 700, 700), req, seed=1)
    with pytest.raises(ValueError, match="edited image is 10x10"):
        composite(faulty, Image.new("RGB", (10, 10)), box)


# ---------------------------------------------------------------- faults and repairs
def test_faults_are_seeded_and_labelled(world):
    renderer, _, items, images = world
    _, req = items[5]
    a, fa = inject(images[5], req, renderer, 3, 1.0, FAULTS)
    b, fb = inject(images[5], req, renderer, 3, 1.0, FAULTS)
    assert fa == fb and a.tobytes() == b.tobytes() and fa.label.startswith(fa.kind + ":")
    same, none = inject(images[5], req, renderer, 3, 0.0, FAULTS)
    assert none is None and same is images[5]
    rate = np.mean([inject(images[i], items[i][1], renderer, 8, 0.25, ("artefact",))[1] is not None
                    for i in range(len(items))])
    assert 0.0 < rate < 0.6


def test_faulty_frames_are_repaired_and_every_attempt_recorded(world):
    fixed = restored = 0
    for i in range(8):
        out = _run(world, i, fault_rate=1.0, faults=("artefact",))
        rows = out.rows
        assert [r["attempt"] for r in rows] == list(range(len(rows)))
        assert rows[0]["fault"].startswith("artefact:") and all(r["fault"] == "" for r in rows[1:])
        edited = rows[0]["edited_region"]              # the blotch's box, and a character's it spoils
        assert rows[0]["verdict"] == "fail" and rows[0]["action"] == "local_edit" and len(edited) in (4, 8)
        assert out.rounds == len(rows) - 1
        # `changed` says whether the final image differs from the render by a pixel; where it does
        # not, the outcome is the render itself (the stage then stores no copy of it)
        differs = not np.array_equal(np.asarray(out.image), np.asarray(world[3][i]))
        assert out.changed == differs and (differs or out.image is world[3][i])
        fixed += out.verdict == "pass"
        restored += not out.changed
        assert out.fault_kept is None or out.changed      # a final image that is the render shows no fault
        to_arrow(rows, load_schema("qc"))                      # rows match the declared table
    assert fixed == 8
    assert restored >= 1      # redrawing the blotch's box brings the render back exactly


def _passes() -> Judgement:
    return Judgement({c: 1.0 for c in CHECKS}, "pass", (), (), (), False, {})


def _fails_identity(cid: str, reason: str, regions=()) -> Judgement:
    return Judgement({**{c: 1.0 for c in CHECKS}, "identity": 0.1}, "fail", (f"identity: {cid}: {reason}",), (cid,),
                     tuple(regions), False, {})


class Lenient:
    """A judge that passes every frame (it misses every fault)."""
    name = "lenient"

    def judge(self, jr):
        return _passes()


class Narrow:
    """A judge that fails identity once, pointing at a box (`box`), then passes."""
    name = "narrow"

    def __init__(self, box):
        self.box, self.calls = box, 0

    def judge(self, jr):
        self.calls += 1
        if self.calls > 1:
            return _passes()
        cid = jr.request.characters[0].character["character_id"]
        return _fails_identity(cid, "off", [Region(self.box, "character", cid, "identity")])


def test_the_outcome_says_which_injected_fault_the_final_image_still_shows(world):
    """A fault the judge lets through, or a repair that redraws only part of its box, is kept (and
    the release leaves the frame out); a redraw of its whole box, or a re-render, removes it."""
    missed = _run(world, 2, judge=Lenient(), fault_rate=1.0, faults=("artefact",))
    assert missed.verdict == "pass" and missed.fault_kept == missed.fault is not None
    assert missed.rows[0]["fault"] == missed.fault_kept.label and missed.changed
    x0, y0, x1, y1 = missed.fault.region
    half = _run(world, 2, judge=Narrow((x0, y0, (x0 + x1) / 2, y1)), fault_rate=1.0, faults=("artefact",))
    assert half.rows[0]["action"] == "local_edit" and half.verdict == "pass" and half.fault_kept == half.fault
    whole = _run(world, 2, judge=Narrow((x0 - 3, y0 - 3, x1 + 3, y1 + 3)), fault_rate=1.0, faults=("artefact",))
    assert whole.verdict == "pass" and whole.fault_kept is None and not whole.changed
    tuned = _run(world, 2, judge=Narrow((x0, y0, x1, y1)), fault_rate=1.0, faults=("artefact",),
                 repair_order=("prompt_tuning",))
    assert tuned.rows[0]["action"] == "prompt_tuning" and tuned.fault_kept is None
    assert _run(world, 2, judge=Lenient(), fault_rate=0.0).fault_kept is None     # no fault injected


def test_metrics_count_a_fault_the_final_image_still_shows_as_kept_not_repaired():
    from storycast.qc_metrics import FrameStats, ShardStats, metrics
    stats = ShardStats()
    for first, final, kept in (("fail", "pass", False), ("fail", "pass", True), ("pass", "pass", True),
                               ("fail", "fail", True)):
        stats.add(FrameStats(first, final, 1, "artefact", ("sanity",), ("local_edit",), {}, "ink", fault_kept=kept))
    det = metrics(stats.to_json(), {"max_rounds": 3, "fault_rate": 0.15})["detection"]
    assert det["faulty_kept"] == 3 and det["by_fault"]["artefact"]["kept"] == 3
    assert det["by_fault"]["artefact"]["repaired_rate"] == round(1 / 3, 4)     # of the 3 flagged, 1 is gone


class Counting:
    """A renderer that counts its full-frame drawings."""

    def __init__(self, inner):
        self.inner, self.name, self.version, self.drawn = inner, inner.name, inner.version, 0

    def render_frame(self, request):
        self.drawn += 1
        return self.inner.render_frame(request)


def test_redraws_answer_the_frames_own_request_with_the_stored_render_and_change_no_outcome(world):
    renderer, refs, items, images = world
    plain, inner = Counting(renderer), Counting(renderer)
    cached = Redraws(inner)
    for i in range(6):
        frame, req = items[i]
        outcomes = []
        for r in (plain, cached):
            if r is cached:
                r.start_frame(req, images[i])
            outcomes.append(run_frame(frame, req, images[i], judge=MeasuredJudge(THRESHOLDS), renderer=r,
                                      editor=RerenderEditor(r), templates={}, references=refs,
                                      settings=dataclasses.replace(QCSettings(), fault_rate=1.0), seed=9))
        a, b = outcomes
        assert a.rows == b.rows and np.array_equal(np.asarray(a.image), np.asarray(b.image))
    assert 0 < inner.drawn < plain.drawn                 # the frame's own request is never drawn again
    cached.start_frame(items[0][1], images[0])
    assert cached.render_frame(items[0][1]) is images[0]
    equal = dataclasses.replace(items[0][1])             # an equal request, another object: drawn
    before = inner.drawn
    assert np.array_equal(np.asarray(cached.render_frame(equal)), np.asarray(images[0]))
    assert inner.drawn == before + 1


class CountingJudge:
    """The measured judge, counting its answers; `deterministic` as told."""

    def __init__(self, deterministic: bool):
        self.inner, self.calls, self.deterministic = MeasuredJudge({**THRESHOLDS, "identity": 1.01}), 0, deterministic
        self.name = self.inner.name

    def judge(self, jr):
        self.calls += 1
        return self.inner.judge(jr)


def test_an_image_a_local_edit_left_as_it_was_is_not_judged_again(world):
    # identity > 1 fails every clean frame: a local edit redraws the request as it was drawn
    counted = []
    for deterministic in (True, False):
        judge = CountingJudge(deterministic)
        out = _run(world, 0, judge=judge, fault_rate=0.0, repair_order=("local_edit", "prompt_tuning"),
                   local_checks=("identity",), max_rounds=3)
        # after a prompt tuning the image is its request drawn whole: the re-render editor would redraw
        # it as it is, so the next repair is another tuning; both draw a new sample
        assert [r["action"] for r in out.rows] == ["local_edit", "prompt_tuning", "prompt_tuning", "none"]
        counted.append((out.rows, judge.calls))
    (rows, calls), (rows_always, calls_always) = counted
    assert rows == rows_always                   # the same attempts, scores and reasons either way
    assert (calls, calls_always) == (3, 4)       # after the local edit, the judge was not asked again


def test_a_rewrite_after_a_repair_that_changed_nothing_draws_a_new_sample(world):
    """The rule-based rewrite of an identity, pose or expression failure restates the prompt, which
    the procedural renderer draws as before: once a repair has drawn the image again unchanged, the
    rewrite draws a new sample (a new seed) too."""
    renderer, _, items, images = world
    req = items[0][1]
    cid = req.characters[0].character["character_id"]
    j = _fails_identity(cid, "torso colour off")
    restated, note = tune(req, j, attempt=1, seed=9)
    assert restated.seed == req.seed and note == "prompt only"
    assert np.array_equal(np.asarray(renderer.render_frame(restated)), np.asarray(images[0]))   # drawn as before
    resampled, note = tune(req, j, attempt=1, seed=9, resample=True)
    assert resampled.seed != req.seed and note == "new seed"
    assert not np.array_equal(np.asarray(renderer.render_frame(resampled)), np.asarray(images[0]))

    class RejectsTheRender:
        """Fails the rendered image (no region to edit), passes any other."""
        name = "strict"

        def judge(self, jr):
            return j if np.array_equal(np.asarray(jr.image), np.asarray(images[0])) else _passes()
    out = _run(world, 0, judge=RejectsTheRender(), fault_rate=0.0)
    assert [r["action"] for r in out.rows] == ["prompt_tuning", "prompt_tuning", "none"]
    assert [r["verdict"] for r in out.rows] == ["fail", "fail", "pass"] and out.changed


def test_decoded_pixels_are_the_decoded_images_and_change_no_outcome(world):
    renderer, refs, items, images = world
    for image in images[:3] + [images[3].convert("RGBA")]:
        raw = encode(image)["bytes"]
        pixels = decode_pixels(raw)
        assert not pixels.flags.writeable and np.array_equal(pixels, np.asarray(decode(raw)))
    png = io.BytesIO()
    images[0].save(png, format="PNG")
    assert np.array_equal(decode_pixels(png.getvalue()), np.asarray(images[0]))
    for i in range(6):
        frame, req = items[i]
        pixels = decode_pixels(encode(images[i])["bytes"])
        a, b = (run_frame(frame, req, Image.fromarray(pixels), judge=MeasuredJudge(THRESHOLDS), renderer=renderer,
                          editor=RerenderEditor(renderer), templates={}, references=refs,
                          settings=dataclasses.replace(QCSettings(), fault_rate=0.5), seed=9, **kw)
                for kw in ({}, {"pixels": pixels}))
        assert a.rows == b.rows and np.array_equal(np.asarray(a.image), np.asarray(b.image))


def test_template_references_from_stored_sheets_skip_unreadable_ones(world, tmp_path):
    from storycast.executor import Shard
    from storycast.qc import ref_shard, references_load

    renderer, refs, items, images = world
    chars = sample_characters(3, 404, 3)
    sheets = [renderer.render_template(c, 512, 3) for c in chars]
    stored = [encode(s)["bytes"] for s in sheets]
    stored[1] = stored[1][:60]                       # a WebP cut short: libwebp cannot read it
    rows = {"character_id": [c["character_id"] for c in chars] + ["c99999"],
            "image": [{"bytes": b, "path": None} for b in stored] + [{"bytes": b"not an image", "path": None}]}
    path, pool = tmp_path / "shard-00000.parquet", tmp_path / "pool.parquet"
    pq.write_table(pa.table(rows), path)
    pq.write_table(pa.table({"character_id": [c["character_id"] for c in chars],
                             "top": [c["top"] for c in chars]}), pool)
    out = tmp_path / "refs.npz"
    out.write_bytes(ref_shard(Shard(0, [], (str(path), str(pool))))["refs.npz"])
    loaded = references_load([out])
    assert sorted(loaded) == [chars[0]["character_id"], chars[2]["character_id"]]
    for i in (0, 2):                                 # the same references as from the sheet image
        want, got = refs[chars[i]["character_id"]], loaded[chars[i]["character_id"]]
        assert np.allclose(got.front.lab, want.front.lab.astype(np.float32), equal_nan=True)
        assert np.array_equal(got.back.seen, want.back.seen)


def test_choose_repair_follows_the_failing_checks():
    s = QCSettings()
    region = (Region((0, 0, 10, 10)),)
    face = Judgement({}, "fail", ("expression: c1: reads sad",), ("c1",), region)
    layout = Judgement({}, "fail", ("visibility: c1: hidden",), ("c1",), region)
    assert choose_repair(face, s, None, set()) == "local_edit"
    assert choose_repair(face, s, "local_edit", set()) == "prompt_tuning"     # not the same edit twice
    assert choose_repair(layout, s, None, set()) == "prompt_tuning"
    assert choose_repair(face, s, None, {"local_edit", "prompt_tuning"}) is None


def test_prompt_tuning_relayouts_and_restates(world):
    _, _, items, _ = world
    _, req = next((f, r) for f, r in items if len(r.characters) >= 2)
    a, b = req.characters[0], req.characters[1]
    j = Judgement({}, "fail", (f"in_frame: {a.character['character_id']}: cut off",
                                f"identity: {b.character['character_id']}: torso colour off",
                                "sanity: -: blotch"), (), ())
    tuned, note = tune(req, j, attempt=0, seed=5, zoom=0.8)
    assert "zoomed out" in note and "new seed" in note and tuned.seed != req.seed
    assert " || repair: " in tuned.prompt and b.character["name"] in tuned.prompt.split("repair:")[1]
    assert tuned.prompt.startswith(req.prompt)
    for old, new in zip(req.characters, tuned.characters):
        assert math.isclose(new.scale, old.scale * 0.8)
        assert box_fraction_inside(new.bbox, req.width, req.height) >= box_fraction_inside(old.bbox, req.width,
                                                                                             req.height) - 1e-9
    again, _ = tune(tuned, j, attempt=1, seed=5)
    assert again.prompt.count(" || repair: ") == 1                  # the repair block is replaced, not stacked


# ---------------------------------------------------------------- bad input never crashes the loop
class BadVLM:
    """A stand-in VLM judge whose JSON answer misses a score."""
    name = "vlm:bad"

    def judge(self, request):
        return parse_judgement({"scores": {"identity": 0.9, "pose": 1.7}}, THRESHOLDS)


def test_bad_judge_answer_is_recorded_as_error(world):
    out = _run(world, 0, judge=BadVLM(), fault_rate=0.0)
    assert [r["verdict"] for r in out.rows] == ["error"] * 4 and out.verdict == "fail"
    assert "missing expression" in out.rows[0]["reasons"][0] and out.rows[0]["reasons"][0].startswith("judge: -:")
    assert out.rows[0]["score_identity"] is None and out.rows[0]["action"] == "prompt_tuning"
    to_arrow(out.rows, load_schema("qc"))


def test_character_without_template_fails_with_reason(world):
    _, refs, items, _ = world
    cid = items[2][1].characters[0].character["character_id"]
    out = _run(world, 2, refs={k: v for k, v in refs.items() if k != cid}, fault_rate=0.0)
    assert len(out.rows) == 1 and out.verdict == "fail" and out.rows[0]["verdict"] == "error"
    assert out.rows[0]["reasons"] == [f"identity: {cid}: no template for this character"]


def test_failing_repair_is_recorded_and_the_next_one_tried(world):
    class Broken:
        def edit(self, image, box, prompt, seed):
            raise RuntimeError("inpainting model fell over")
    out = _run(world, 4, editor=Broken(), fault_rate=1.0, faults=("artefact",))
    first = out.rows[0]
    assert first["action"] == "local_edit" and "repair: -: local_edit failed: RuntimeError" in first["reasons"][-1]
    assert out.rows[1]["action"] == "prompt_tuning" and out.verdict == "pass"


# ---------------------------------------------------------------- the stage on a tiny pipeline
def _stage_module():
    spec = importlib.util.spec_from_file_location("stage_qc", REPO / "stages" / "qc.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_stage_on_a_built_tiny_pipeline(built_copy, monkeypatch):
    monkeypatch.chdir(built_copy)
    monkeypatch.setenv("STORYCAST_CACHE", str(built_copy / ".storycast/cache"))
    import yaml
    doc = yaml.safe_load((built_copy / "params.yaml").read_text())
    params = {"seed": doc["seed"], "renderer": doc["renderer"], "executor": doc["executor"], "editor": doc["editor"],
              "qc": {**QC_PARAMS, "fault_rate": 0.5}}     # nothing but seed, renderer, executor, editor and qc
    stage = _stage_module()
    stage.qc(params)
    qc_rows = [r for f in sorted((built_copy / "data/qc/qc").glob("shard-*.parquet"))
               for r in pq.read_table(f).to_pylist()]
    finals = [r for f in sorted((built_copy / "data/qc/frames").glob("shard-*.parquet"))
              for r in pq.read_table(f).to_pylist()]
    frames = [r for f in sorted((built_copy / "data/stories/frames").glob("shard-*.parquet"))
              for r in pq.read_table(f, columns=["frame_id"]).to_pylist()]
    assert sorted(r["frame_id"] for r in finals) == sorted(r["frame_id"] for r in frames)   # none dropped
    assert {r["frame_id"] for r in qc_rows} == {r["frame_id"] for r in finals}
    assert any(r["fault"] for r in qc_rows) and {r["qc_verdict"] for r in finals} <= {"pass", "fail"}
    stored = {r["frame_id"] for r in finals if r["image"] is not None}     # the render's image is not copied
    faulted = {r["frame_id"] for r in qc_rows if r["fault"]}
    assert stored <= faulted | {r["frame_id"] for r in qc_rows if r["action"] != "none"}
    missed = {r["frame_id"] for r in qc_rows if r["fault"] and r["verdict"] == "pass"}
    assert missed <= stored           # a fault the judge let through is in the final image
    kept = {r["frame_id"]: r["fault"] for r in finals if r["fault"]}      # ... and named there
    assert set(missed) <= set(kept) <= stored
    assert all(kept[r["frame_id"]] == r["fault"] for r in qc_rows if r["frame_id"] in kept and r["attempt"] == 0)
    assert len(stored) < len(finals)
    renders = sorted((built_copy / "data/render/render").glob("*.parquet"))
    rendered = {r["frame_id"]: r["image"]["bytes"] for f in renders
                for r in pq.read_table(f, columns=["frame_id", "image"]).to_pylist()}
    for r in finals:                  # a copy exactly where the final image differs from the render
        if r["image"] is not None:
            assert not np.array_equal(decode_pixels(r["image"]["bytes"]), decode_pixels(rendered[r["frame_id"]]))
    from storycast.show import _frame_images  # what `storycast show` draws
    shown = _frame_images([r["frame_id"] for r in finals])
    assert set(shown) == {r["frame_id"] for r in finals}
    some = next(r for r in finals if r["image"] is not None)
    assert np.array_equal(np.asarray(shown[some["frame_id"]]),
                          np.asarray(Image.open(io.BytesIO(some["image"]["bytes"])).convert("RGB")))
    metrics = json.loads((built_copy / "metrics/qc.json").read_text())
    assert metrics["frames"] == len(frames) and metrics["detection"]["faulty_frames"] > 0
    assert metrics["detection"]["faulty_kept"] == len(kept)
    assert set(metrics) >= {"first_pass_rate", "final_pass_rate", "rounds", "first_attempt_failures", "repairs",
                            "detection", "identity_retrieval"}
    det = metrics["detection"]
    by_style = det["by_style"]                                    # per art style, adding up to the totals
    assert sum(v["clean_frames"] for v in by_style.values()) == det["clean_frames"]
    assert sum(v["faulty_frames"] for v in by_style.values()) == det["faulty_frames"]
    flagged = sum(v["faulty_flagged_rate"] * v["faulty_frames"] for v in by_style.values() if v["faulty_frames"])
    assert round(flagged) == round(det["faulty_flagged_rate"] * det["faulty_frames"])
    assert (built_copy / "plots/qc_scores.csv").read_text().startswith("score,identity_clean,identity_faulty")
    shown = json.loads(dvc("plots", "show", "--json", cwd=built_copy).stdout)["data"]
    assert sorted(shown) == sorted(f"qc_{c}" for c in CHECKS)        # one declared plot per check
    assert {row["field"] for row in shown["qc_pose"][0]["content"]["data"]["values"]} == {"pose_clean", "pose_faulty"}
    before = {p.name: p.read_bytes() for p in (built_copy / "data/qc/frames").glob("*.parquet")}
    os.utime(built_copy / "params.yaml")
    stage.qc(params)                                              # from the shard cache: same bytes
    assert before == {p.name: p.read_bytes() for p in (built_copy / "data/qc/frames").glob("*.parquet")}
    with pytest.raises(ValueError, match="qc.faults has unknown 'meteor'"):
        stage.qc({**params, "qc": {**params["qc"], "faults": ["meteor"]}})


def test_stage_names_a_rendered_frame_it_cannot_decode_and_writes_nothing(built_copy, monkeypatch):
    monkeypatch.chdir(built_copy)
    monkeypatch.setenv("STORYCAST_CACHE", str(built_copy / ".storycast/cache"))
    import yaml
    doc = yaml.safe_load((built_copy / "params.yaml").read_text())
    params = {"seed": doc["seed"], "renderer": doc["renderer"], "executor": doc["executor"], "editor": doc["editor"],
              "qc": QC_PARAMS}
    shard = sorted((built_copy / "data/render/render").glob("shard-*.parquet"))[-1]
    table = pq.read_table(shard)
    rows = table.to_pylist()
    rows[1]["image"] = {**rows[1]["image"], "bytes": rows[1]["image"]["bytes"][:200]}     # cut off mid-stream
    shard.chmod(0o644)
    pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), shard)
    before = sorted(p.relative_to(built_copy) for p in built_copy.glob("data/qc/**/*"))
    bad = rows[1]["frame_id"]
    with pytest.raises(StorycastError, match=f"{shard.name}: the image of frame {bad} cannot be decoded"):
        _stage_module().qc(params)
    assert sorted(p.relative_to(built_copy) for p in built_copy.glob("data/qc/**/*")) == before
