"""`benchmarks/qc_misses.py`: the missed-fault breakdown counts what the qc table says."""
from __future__ import annotations

from benchmark_scripts import load

from storycast.characters import sample_characters


def test_misses_counts_flagged_and_describes_each_miss():
    m = load("qc_misses")
    a, b = sample_characters(2, 404, 3)
    ca, cb = a["character_id"], b["character_id"]
    qc = [{"frame_id": "f0", "fault": f"identity_drift:{ca}:torso:red->blue", "verdict": "pass"},
          {"frame_id": "f1", "fault": f"identity_drift:{cb}:hair:black->white", "verdict": "fail"},
          {"frame_id": "f2", "fault": f"wrong_expression:{cb}:happy->sad", "verdict": "pass"},
          {"frame_id": "f3", "fault": "", "verdict": "fail"}]
    frames = {f: {"art_style": "ink" if f != "f2" else "pastel", "lighting": "night", "shot_type": "wide"}
              for f in ("f0", "f1", "f2", "f3")}
    controls = {("f0", ca): {"scale": 120.0, "facing": "left"}, ("f2", cb): {"scale": 300.0, "facing": "front"}}
    counts, missed = m.misses_of(qc, frames, controls, {ca: a, cb: b})
    assert counts[("identity_drift", "ink")] == [1, 2]          # one of two drifts flagged
    assert counts[("wrong_expression", "pastel")] == [0, 1]
    assert len(counts) == 2                                     # the clean frame counts nowhere
    drift, = missed["identity_drift"]
    assert (drift["frame_id"], drift["part"], drift["facing"], drift["scale"]) == ("f0", "torso", "left", 120.0)
    face, = missed["wrong_expression"]
    assert (face["style"], face["part"], face["light_marks"]) == ("pastel", "-", m.light_marks(b))

