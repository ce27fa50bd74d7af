"""Story consistency: each character's colours against its own in the story's other frames."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from storycast.characters import sample_characters
from storycast.faults import identity_drift
from storycast.judges import JudgeRequest
from storycast.judges.calibration import STORY_NOISE, noise_keys
from storycast.judges.measured import DEFAULT_THRESHOLDS, MeasuredJudge
from storycast.judges.story import (
    MIN_PEERS,
    STORY_PARTS,
    TONE_ROWS,
    VOUCH_MULTIPLE,
    deviations,
    part_tones,
    story_peers,
    vouch_distance,
)
from storycast.judges.template_sheet import template_reference
from storycast.qc import sample_frames, story_peers_of
from storycast.qc_loop import QCSettings, first_attempt
from storycast.renderers.procedural import ProceduralRenderer
from storycast.seeding import rng_for

THRESHOLDS = dict(DEFAULT_THRESHOLDS)


def test_deviation_is_from_the_nearest_of_two_peers_so_one_faulty_peer_does_not_move_it():
    clean = np.array([[50.0, 10.0, 10.0], [30.0, 0.0, 0.0]])
    drifted = clean + np.array([[40.0, 0.0, 0.0], [0.0, 30.0, 0.0]])
    peers = np.stack([clean + 1.0, drifted])
    np.testing.assert_allclose(deviations(clean, peers), [np.sqrt(3.0)] * 2)
    assert deviations(drifted, np.stack([clean, clean + 2.0]))[0] == pytest.approx(np.linalg.norm([38.0, -2.0, -2.0]))
    # fewer than MIN_PEERS peers, or a part unseen here: no deviation
    assert np.isnan(deviations(clean, peers[:MIN_PEERS - 1])).all()
    assert np.isnan(deviations(clean, None)).all()
    unseen = clean.copy()
    unseen[1] = np.nan
    assert np.isnan(deviations(unseen, peers)[1]) and np.isfinite(deviations(unseen, peers)[0])


def test_a_twin_drifted_alike_does_not_vouch_for_a_drift_among_three_peers_or_more():
    clean = np.array([[50.0, 10.0, 10.0], [30.0, 0.0, 0.0]])
    drifted = clean + np.array([[40.0, 0.0, 0.0], [0.0, 30.0, 0.0]])        # beyond 3 flat_vector story units
    twin = drifted + 0.5
    peers = np.stack([clean + 1.0, twin, clean - 1.0])
    # no other peer lies near the twin: the drift is measured against the nearest peer vouched for
    np.testing.assert_allclose(deviations(drifted, peers, "flat_vector"),
                               np.linalg.norm(drifted - (clean + 1.0), axis=1))
    np.testing.assert_allclose(deviations(drifted, peers), [np.sqrt(0.75)] * 2)          # no units: the nearest
    # a clean frame is measured against its nearest peer, the clean peers vouching for each other
    np.testing.assert_allclose(deviations(clean, np.stack([drifted, clean + 1.0, clean + 2.0]), "flat_vector"),
                               [np.sqrt(3.0)] * 2)
    # two peers: nothing to vouch with, the nearest
    np.testing.assert_allclose(deviations(drifted, peers[:2], "flat_vector"), [np.sqrt(0.75)] * 2)
    assert vouch_distance("flat_vector", "torso") == pytest.approx(VOUCH_MULTIPLE * STORY_NOISE["flat_vector"]["torso"])
    assert vouch_distance(None, "torso") == np.inf


def test_story_peers_leave_the_frame_itself_out():
    a, b, c = (np.full((len(TONE_ROWS), 3), v) for v in (1.0, 2.0, 3.0))
    peers = story_peers([{"x": a, "y": a}, {"x": b}, {"x": c, "y": c}])
    assert sorted(peers[0]) == ["x", "y"]
    np.testing.assert_array_equal(peers[0]["x"][:, 0, 0], [2.0, 3.0])
    np.testing.assert_array_equal(peers[1]["x"][:, 0, 0], [1.0, 3.0])
    np.testing.assert_array_equal(peers[2]["y"][:, 0, 0], [1.0])     # y is in two frames only


def test_every_noise_key_has_story_units():
    keys = [k for style in ("flat_vector", "outlined_cel", "pastel", "ink", "pixel_art", "painterly")
            for k in noise_keys(style)]
    for key in keys:
        assert set(STORY_NOISE[key]) == set(STORY_PARTS), key
        assert all(0.5 < v < 40 for v in STORY_NOISE[key].values()), key


@pytest.fixture(scope="module")
def story():
    """A story of one ink character alone: eight frames, their renders and its template reference."""
    chars = [c for c in sample_characters(60, 31, 3) if c["art_style"] == "ink"][2:3]
    renderer = ProceduralRenderer()
    refs = {c["character_id"]: template_reference(renderer.render_template(c, 512, 3), c) for c in chars}
    items = sample_frames(chars, 8, 32)
    return renderer, refs, items, [renderer.render_frame(req) for _, req in items]


def _judge(judge, image, req, refs, peers=None):
    return judge.judge(JudgeRequest(image, req, {}, refs, np.asarray(image), peers))


def test_described_frames_are_judged_as_fresh_ones(story):
    """`story_tones` keeps its descriptors for the judge: the judgement is the one a fresh judge gives."""
    _, refs, items, images = story
    judge = MeasuredJudge(THRESHOLDS)
    for (_, req), image in zip(items[:3], images[:3]):
        pixels = np.asarray(image)
        tones = judge.story_tones(pixels, req)
        cid = req.characters[0].character["character_id"]
        assert tones[cid].shape == (len(TONE_ROWS), 3)
        kept = judge.judge(JudgeRequest(image, req, {}, refs, pixels))
        fresh = MeasuredJudge(THRESHOLDS).judge(JudgeRequest(image, req, {}, refs, pixels))
        assert kept.scores == fresh.scores and kept.reasons == fresh.reasons
        np.testing.assert_array_equal(MeasuredJudge(THRESHOLDS).story_tones(pixels.copy(), req)[cid], tones[cid])
        desc = fresh.details["characters"][cid]["descriptor"]
        np.testing.assert_array_equal(part_tones(desc)[1], tones[cid][1])        # the hair as judged
        assert desc.grid is None and np.isnan(tones[cid][TONE_ROWS.index("torso_grid")]).all()   # an open jacket


def test_the_torso_grid_is_read_in_ink_and_its_mean_is_the_tones_last_row():
    chars = sample_characters(60, 31, 3)
    ink = next(c for c in chars if c["art_style"] == "ink" and c["top"] != "jacket")
    flat = next(c for c in chars if c["art_style"] == "flat_vector")
    judge, renderer = MeasuredJudge(THRESHOLDS), ProceduralRenderer()
    for char, read in ((ink, True), (flat, False)):
        _, req = sample_frames([char], 1, 33)[0]
        pixels = np.asarray(renderer.render_frame(req))
        row = judge.story_tones(pixels, req)[char["character_id"]][TONE_ROWS.index("torso_grid")]
        refs = {char["character_id"]: template_reference(renderer.render_template(char, 512, 3), char)}
        judged = judge.judge(JudgeRequest(None, req, {}, refs, pixels))
        desc = judged.details["characters"][char["character_id"]]["descriptor"]
        if read:
            assert desc.grid is not None and len(desc.grid) >= 8
            np.testing.assert_allclose(row, desc.grid.mean(axis=0))
        else:
            assert desc.grid is None and np.isnan(row).all()


def test_a_drift_the_template_misses_fails_against_the_story(story):
    """An ink top redrawn in another hatch density: the template's wide ink noise lets some through,
    the same character's other frames do not; the story's clean frames still pass."""
    renderer, refs, items, images = story
    judge = MeasuredJudge(THRESHOLDS)
    tones = [judge.story_tones(np.asarray(im), req) for (_, req), im in zip(items, images)]
    peers = story_peers(tones)
    caught = 0
    for i, ((_, req), image) in enumerate(zip(items, images)):
        assert _judge(judge, image, req, refs, peers[i]).scores["identity"] >= THRESHOLDS["identity"]
        out = identity_drift(image, req, renderer, rng_for(5, "story-test", str(i)))
        if out is None:
            continue
        drifted = out[0]
        alone = _judge(judge, drifted, req, refs)
        told = _judge(judge, drifted, req, refs, peers[i])
        assert told.scores["identity"] <= alone.scores["identity"]
        # failed on the story alone: exactly when the template comparison passes it
        assert told.details["failed_on_story_alone"] == (alone.verdict == "pass" and told.verdict == "fail")
        if told.details["failed_on_story_alone"]:
            caught += 1
            assert any("story's other frames" in r for r in told.reasons)
    assert caught >= 2                  # measured: frames 0 and 2 (the template check passes them)


def _prepared(renderer, items, images) -> list:
    """The story's frames as `qc_shard` prepares them, without faults."""
    settings = dataclasses.replace(QCSettings(), fault_rate=0.0)
    return [(frame, req, im, np.asarray(im), first_attempt(im, np.asarray(im), req, renderer, settings, 1))
            for (frame, req), im in zip(items, images)]


def test_the_loop_gives_no_peers_to_a_judge_that_does_not_describe_frames(story):
    renderer, _, items, images = story
    jobs = _prepared(renderer, items, images)

    class Blind:
        name = "blind"
    assert story_peers_of(Blind(), jobs) == [None] * len(jobs)
    peers = story_peers_of(MeasuredJudge(THRESHOLDS), jobs)
    assert [len(p[items[0][1].characters[0].character["character_id"]]) for p in peers] == [len(jobs) - 1] * len(jobs)


def test_a_broken_frame_gives_the_story_no_colours_and_the_shard_goes_on(story):
    """A first attempt of the wrong size, and a judge whose `story_tones` raises on one frame: those
    frames give no colours to the others (their own judging records what is wrong), nothing raises."""
    from PIL import Image

    renderer, _, items, images = story
    jobs = _prepared(renderer, items, images)
    small = Image.new("RGB", (64, 64), "white")
    jobs[0] = (*jobs[0][:4], (small, None, np.asarray(small)))
    judge = MeasuredJudge(THRESHOLDS)
    cid = items[0][1].characters[0].character["character_id"]
    assert judge.story_tones(np.asarray(small), items[0][1]) == {}
    # the broken frame is judged without the story (it has no colours to compare); the others without it
    assert [len(p.get(cid, ())) for p in story_peers_of(judge, jobs)] == [0] + [len(jobs) - 2] * (len(jobs) - 1)

    class Flaky(MeasuredJudge):
        def story_tones(self, pixels, req):
            if req.frame_id == items[1][1].frame_id:
                raise RuntimeError("bad frame")
            return super().story_tones(pixels, req)
    peers = story_peers_of(Flaky(THRESHOLDS), jobs)
    assert [len(p.get(cid, ())) for p in peers] == [0, 0] + [len(jobs) - 3] * (len(jobs) - 2)


def test_metrics_count_frames_flagged_by_the_story_alone():
    from storycast.qc_metrics import FrameStats, ShardStats, metrics
    stats = ShardStats()
    for fault, alone in (("identity_drift", True), ("", True), ("", False), ("artefact", False)):
        stats.add(FrameStats("fail", "pass", 1, fault, ("identity",), ("local_edit",), {}, "ink",
                             by_story_alone=alone))
    params = {"max_rounds": 3, "fault_rate": 0.15}
    assert metrics(stats.to_json(), params)["detection"]["flagged_by_story_alone"] == {"faulty": 1, "clean": 1}


def test_story_score_is_the_worst_part_in_its_units_on_the_identity_scale():
    from storycast.judges.story import story_score
    units = STORY_NOISE["ink"]
    score, note = story_score(np.array([units["torso"] * 3.0, units["hair"] * 1.5]), "ink")
    assert score == pytest.approx(1.0 - 3.0 / 6.0) and note.startswith("torso colour is") and "3.0x" in note
    score, note = story_score(np.array([np.nan, units["hair"] * 4.0]), "ink")
    assert score == pytest.approx(1.0 - 4.0 / 6.0) and note.startswith("hair colour is")
    assert story_score(np.array([np.nan, np.nan]), "ink") == (1.0, "")
    assert story_score(np.array([50.0, 50.0]), "no such style") == (1.0, "")   # no units: not judged
