import datasets
import pytest

from storycast.tables import SchemaError, load_schema, read_table, to_arrow, write_rows

ROW = {"frame_id": "s000001-00", "width": 4, "height": 4,
       "pose_map": {"bytes": b"\x89PNG-not-checked-here", "path": None}}


def test_every_schema_builds_features_with_descriptions():
    for name in ("characters", "review", "stories", "frames", "controls", "posemaps"):
        schema = load_schema(name)
        assert isinstance(schema.features, datasets.Features)
        assert all(d["description"] for d in schema.columns.values())
        assert schema.arrow_schema.metadata[b"huggingface"]


def test_review_extends_characters():
    assert list(load_schema("review").columns)[:21] == list(load_schema("characters").columns)


def test_undeclared_and_missing_columns_are_named():
    with pytest.raises(SchemaError, match=r"row 0: missing columns \['height'\], undeclared columns \['h'\]"):
        to_arrow([{**{k: v for k, v in ROW.items() if k != "height"}, "h": 1}], load_schema("posemaps"))


def test_wrong_type_names_the_column():
    with pytest.raises(SchemaError, match="column 'width'"):
        to_arrow([{**ROW, "width": "wide"}], load_schema("posemaps"))


def test_read_checks_the_declared_types(tmp_path):
    path = write_rows([ROW], tmp_path / "t.parquet", load_schema("posemaps"))
    assert read_table(path, load_schema("posemaps")).num_rows == 1
    with pytest.raises(SchemaError, match="do not match schemas/controls.yaml"):
        read_table(path, load_schema("controls"))
    assert not list(tmp_path.glob(".*tmp"))  # the atomic write left no temp file


def test_failed_write_leaves_nothing(tmp_path):
    with pytest.raises(SchemaError):
        write_rows([{**ROW, "width": "x"}], tmp_path / "t.parquet", load_schema("posemaps"))
    assert list(tmp_path.iterdir()) == []
