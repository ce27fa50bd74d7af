import pytest

from storycast.review import ReviewError, apply_review, read_verdicts
from tests.conftest import dvc, stage, write_params

IDS = {"c00001", "c00002", "c00003"}
HEADER = "character_id,verdict,reviewer,note\n"


def write(tmp_path, text):
    path = tmp_path / "characters.csv"
    path.write_text(text)
    return path


def test_verdicts_and_policy_are_told_apart(tmp_path):
    path = write(tmp_path, HEADER + "c00002,rejected,ana,hands unreadable\n")
    chars = [{"character_id": i} for i in sorted(IDS)]
    out = apply_review(chars, read_verdicts(path, IDS), "approve")
    assert [(c["review_status"], c["review_source"]) for c in out] == [
        ("approved", "policy"), ("rejected", "expert"), ("approved", "policy")]
    assert out[1]["reviewer"] == "ana" and out[1]["review_note"] == "hands unreadable"
    assert {c["review_status"] for c in apply_review(chars, {}, "reject")} == {"rejected"}


@pytest.mark.parametrize("text, message", [
    ("", r"characters.csv:1: expected the header"),
    ("id,verdict,reviewer,note\n", r"characters.csv:1: expected the header"),
    (HEADER + "c00009,approved,ana,\n", r"characters.csv:2: unknown character_id 'c00009'"),
    (HEADER + "c00001,maybe,ana,\n", r"characters.csv:2: verdict 'maybe' for c00001"),
    (HEADER + "c00001,approved,ana,\nc00001,rejected,bo,\n",
     r"characters.csv:3: duplicate verdict for c00001 \(first on line 2\)"),
    (HEADER + "c00001,approved\n", r"characters.csv:2: expected 4 fields, got 2"),
    (HEADER + "c00001,approved,,\n", r"characters.csv:2: verdict for c00001 has no reviewer"),
])
def test_malformed_verdict_files_name_file_and_line(tmp_path, text, message):
    with pytest.raises(ReviewError, match=message):
        read_verdicts(write(tmp_path, text), IDS)


def test_missing_verdict_file(tmp_path):
    with pytest.raises(ReviewError, match="verdict file not found"):
        read_verdicts(tmp_path / "nope.csv", IDS)


def test_stage_rejects_bad_verdict_file_without_writing(tiny_repo):
    dvc("repro", "characters", cwd=tiny_repo)
    (tiny_repo / "reviews/characters.csv").write_text(HEADER + "c99999,approved,ana,\n")
    proc = stage("review", tiny_repo)
    assert proc.returncode == 2
    assert "reviews/characters.csv:2: unknown character_id 'c99999'" in proc.stderr
    assert not (tiny_repo / "data/review").exists()


def test_empty_approved_pool_fails_stories_clearly(tiny_repo):
    write_params(tiny_repo, {"review": {"unreviewed": "reject"}})
    proc = dvc("repro", cwd=tiny_repo, check=False)
    assert proc.returncode != 0
    assert "approved pool is empty" in proc.stderr + proc.stdout
    assert not (tiny_repo / "data/stories").exists()
