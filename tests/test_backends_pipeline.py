"""The real-model backends through `dvc repro`: the tiny-model profile (tiny diffusers pipelines built
in-process, profiles/tiny-models.yaml) selects the diffusers renderer for templates and frames."""
import pyarrow.parquet as pq
import pytest
import yaml

from tests.conftest import REPO, dvc, make_repo

pytest.importorskip("torch")
pytest.importorskip("diffusers")
pytest.importorskip("transformers")


def test_tiny_model_profile_runs_through_dvc_repro(tmp_path):
    from tests.tiny_models import build_all

    profile = yaml.safe_load((REPO / "profiles/tiny-models.yaml").read_text())
    profile["templates"]["size"] = 64  # CPU time: the wiring is what is tested, not the pixels
    repo = make_repo(tmp_path / "repo", profile)
    build_all(repo / ".storycast/tiny-models")
    proc = dvc("repro", "render", cwd=repo)
    assert "Running stage 'render'" in proc.stdout
    frames = [r for p in sorted((repo / "data/render/render").glob("*.parquet"))
              for r in pq.read_table(p, columns=["frame_id", "renderer", "renderer_version", "width"]).to_pylist()]
    assert frames and {r["renderer"] for r in frames} == {"diffusers"}
    assert {r["width"] for r in frames} == {profile["controls"]["width"]}
    assert all(".storycast/tiny-models/sd" in r["renderer_version"] for r in frames)
    templates = pq.read_table(next((repo / "data/templates/templates").glob("*.parquet")), columns=["renderer"])
    assert set(templates.column(0).to_pylist()) == {"diffusers"}
    assert dvc("status", "render", "--json", cwd=repo).stdout.strip() in ("{}", "")  # render and upstream
