import itertools

import pytest

from storycast import vocab
from storycast.characters import (
    InfeasibleCount,
    largest_feasible_count,
    sample_characters,
    visible_distance,
)
from tests.conftest import stage, write_params


def test_every_pair_differs_in_min_distance_visible_attributes():
    chars = sample_characters(300, seed=7, min_distance=6)
    assert min(visible_distance(a, b) for a, b in itertools.combinations(chars, 2)) >= 6


def test_ids_are_stable_strings_and_values_in_vocab():
    chars = sample_characters(50, seed=1, min_distance=3)
    assert [c["character_id"] for c in chars] == [f"c{i:05d}" for i in range(1, 51)]
    for c in chars:
        assert c["species"] in vocab.SPECIES and c["art_style"] in vocab.ART_STYLES
        assert c["top_color"] in vocab.PALETTES[c["palette"]]
        assert (c["bottom"] == "") == (c["top"] in vocab.FULL_LENGTH_TOPS)
        assert c["name"] in c["identity_prompt"]


def test_growing_the_count_keeps_earlier_characters_identical():
    assert sample_characters(40, 3, 4)[:25] == sample_characters(25, 3, 4)


def test_seed_changes_identities():
    assert sample_characters(10, 1, 3) != sample_characters(10, 2, 3)


def test_infeasible_count_fails_at_once_naming_param_and_bound():
    bound = largest_feasible_count(16)
    with pytest.raises(InfeasibleCount, match=rf"characters.count=2000 .* at most {bound}"):
        sample_characters(2000, 1, 16)
    sample_characters(bound, 1, 16)  # the bound itself is reachable here


def test_min_distance_outside_attribute_count_is_an_error():
    with pytest.raises(InfeasibleCount, match="characters.min_distance=17"):
        largest_feasible_count(17)


def test_stage_reports_infeasible_count_as_one_line(tiny_repo):
    write_params(tiny_repo, {"characters": {"count": 50, "min_distance": 16}})
    proc = stage("characters", tiny_repo)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert "characters.count=50" in proc.stderr and "at most 3" in proc.stderr
    assert not (tiny_repo / "data/characters/characters.parquet").exists()
