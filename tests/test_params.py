import re

import pytest
import yaml

from storycast import params
from tests.conftest import REPO, stage, write_params


def test_shipped_params_validate():
    doc = params.load(REPO / "params.yaml")
    assert doc["characters"]["count"] == 2000 and doc["stories"]["count"] == 10000


def test_dvc_yaml_lists_exactly_the_keys_each_stage_reads():
    stages = yaml.safe_load((REPO / "dvc.yaml").read_text())["stages"]
    shared_sections = {"seed", "executor", "renderer", "editor"}
    for name, spec in stages.items():
        declared = set()
        for entry in spec.get("params", []):  # a section name stands for all its keys
            declared |= set(params.keys_read(entry))
        reads = set(params.keys_read(name)) if name in params.SPEC else set()
        shared = {p for p in declared if p.split(".")[0] in shared_sections}
        assert reads <= declared, f"{name} reads undeclared params {reads - declared}"
        assert declared - shared == reads, f"{name} declares params it does not read"
        if name == "release":  # the release reads the global seed for its split
            assert "seed" in declared


@pytest.mark.parametrize("overrides, message", [
    ({"characters": {"count": "many"}}, "params.yaml: characters.count must be an integer, got 'many'"),
    ({"characters": {"count": 2.5}}, "params.yaml: characters.count must be an integer"),
    ({"characters": {"colour": 1}}, "params.yaml: unknown key characters.colour"),
    ({"stories": {"planner": "gpt"}}, "params.yaml: stories.planner='gpt' is not one of template"),
    ({"controls": {"width": 10}}, "params.yaml: controls.width=10 is out of range"),
    ({"review": {"unreviewed": True}}, "params.yaml: review.unreviewed must be a string"),
])
def test_bad_params_are_one_line_errors(tiny_repo, overrides, message):
    write_params(tiny_repo, overrides)
    proc = stage("characters", tiny_repo)
    assert proc.returncode == 2
    assert re.search(re.escape(message), proc.stderr), proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tiny_repo / "data").exists()


def test_missing_and_unknown_top_level_keys():
    with pytest.raises(params.ParamsError, match="missing key seed"):
        params.validate({k: v for k, v in yaml.safe_load((REPO / "params.yaml").read_text()).items()
                         if k != "seed"})
    doc = yaml.safe_load((REPO / "params.yaml").read_text())
    with pytest.raises(params.ParamsError, match="unknown key sed"):
        params.validate({**doc, "sed": 1})
