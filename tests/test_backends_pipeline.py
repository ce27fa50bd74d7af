"""The real-model backends through `dvc repro`: the tiny-model profile (tiny models built in-process,
profiles/tiny-models.yaml) selects the diffusers renderer for templates and frames, a tiny VLM judge,
a tiny chat-model prompt tuner and the diffusers inpainting editor in the qc stage."""
import pyarrow.parquet as pq
import pytest
import yaml

from tests.conftest import REPO, commit_all, dvc, make_repo, write_params

pytest.importorskip("torch")
pytest.importorskip("diffusers")
pytest.importorskip("transformers")


def _rows(folder):
    return [r for p in sorted(folder.glob("*.parquet")) for r in pq.read_table(p).to_pylist()]


def test_tiny_model_profile_runs_through_dvc_repro(tmp_path):
    from tests.tiny_models import build_all

    profile = yaml.safe_load((REPO / "profiles/tiny-models.yaml").read_text())
    profile["templates"]["size"] = 64  # CPU time: the wiring is what is tested, not the pixels
    repo = make_repo(tmp_path / "repo", profile)
    build_all(repo / ".storycast/tiny-models")
    proc = dvc("repro", "qc", cwd=repo)
    assert "Running stage 'render'" in proc.stdout and "Running stage 'qc'" in proc.stdout
    frames = [r for p in sorted((repo / "data/render/render").glob("*.parquet"))
              for r in pq.read_table(p, columns=["frame_id", "renderer", "renderer_version", "width"]).to_pylist()]
    assert frames and {r["renderer"] for r in frames} == {"diffusers"}
    assert {r["width"] for r in frames} == {profile["controls"]["width"]}
    assert all(".storycast/tiny-models/sd" in r["renderer_version"] for r in frames)
    templates = pq.read_table(next((repo / "data/templates/templates").glob("*.parquet")), columns=["renderer"])
    assert set(templates.column(0).to_pylist()) == {"diffusers"}

    # The tiny VLM's answers are gibberish: each attempt is an `error` with the reason, the stage carries on,
    # every frame is kept, and the repair after an error is a regeneration by the rule-based tuner.
    qc_rows, finals = _rows(repo / "data/qc/qc"), _rows(repo / "data/qc/frames")
    assert sorted(r["frame_id"] for r in finals) == sorted(r["frame_id"] for r in frames)
    assert {r["judge"] for r in qc_rows} == {"transformers:.storycast/tiny-models/vlm"}
    assert {r["verdict"] for r in qc_rows} == {"error"}
    assert all(r["reasons"][0].startswith("judge: -: transformers judge gave no valid answer in 2 attempts")
               for r in qc_rows)
    first = [r for r in qc_rows if r["attempt"] == 0]
    assert {(r["action"], r["repair_by"]) for r in first} == {("prompt_tuning", "rules")}
    assert all("transformers tuner gave no valid prompt (the judge gave no reasons to act on)" in r["reasons"][-1]
               for r in first)
    assert {r["qc_verdict"] for r in finals} == {"fail"}
    assert dvc("status", "qc", "--json", cwd=repo).stdout.strip() in ("{}", "")   # qc and upstream
    commit_all(repo, "tiny models built")

    # Judged by the measured judge instead (only qc params change: render is not rerun): the noise frames
    # fail identity, so the inpainting editor repairs the boxes, then the tiny chat model is asked for a
    # prompt, gives none that is valid, and the rule-based tuner's rewrite is used (said in the reasons).
    write_params(repo, {"qc": {"judge": "measured", "max_rounds": 2, "fault_rate": 0.0}})
    diff = dvc("params", "diff", "--json", cwd=repo).stdout
    assert "qc.judge" in diff and "renderer" not in diff
    proc = dvc("repro", "qc", cwd=repo)
    assert "Stage 'render' didn't change, skipping" in proc.stdout and "Running stage 'qc'" in proc.stdout
    qc_rows = _rows(repo / "data/qc/qc")
    edits = [r for r in qc_rows if r["action"] == "local_edit"]
    assert edits and {r["repair_by"] for r in edits} == {"inpaint"} and all(r["edited_region"] for r in edits)
    tuned = [r for r in qc_rows if r["action"] == "prompt_tuning"]
    assert tuned and {r["repair_by"] for r in tuned} == {"rules"}
    assert all("repair: -: transformers tuner gave no valid prompt" in r["reasons"][-1] for r in tuned)
    assert all(r["prompt_after"] != r["prompt_before"] for r in tuned)
