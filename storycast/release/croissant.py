"""Croissant 1.0 (JSON-LD) metadata for the release, generated from `schemas/`.

One `cr:FileObject` per Parquet shard (with its sha256), one `cr:FileSet` per config grouping its
shards, and one `cr:RecordSet` per config whose fields extract the declared columns (images as
`sc:ImageObject` from the `bytes` of the HF Image struct; list columns `repeated`) plus the split,
read from the shard's file name.
"""
from __future__ import annotations

import json
from pathlib import Path

from storycast.release.card import PRETTY_NAME
from storycast.release.layout import CONFIGS, schema_of, sha256_file
from storycast.release.split import SPLITS

CONFORMS_TO = "http://mlcommons.org/croissant/1.0"
CONTEXT = {
    "@language": "en", "@vocab": "https://schema.org/", "citeAs": "cr:citeAs", "column": "cr:column",
    "conformsTo": "dct:conformsTo", "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/", "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"}, "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty", "samplingRate": "cr:samplingRate",
    "examples": {"@id": "cr:examples", "@type": "@json"}, "extract": "cr:extract", "field": "cr:field",
    "fileProperty": "cr:fileProperty", "fileObject": "cr:fileObject", "fileSet": "cr:fileSet",
    "format": "cr:format", "includes": "cr:includes", "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath", "key": "cr:key", "md5": "cr:md5", "parentField": "cr:parentField",
    "path": "cr:path", "recordSet": "cr:recordSet", "references": "cr:references", "regex": "cr:regex",
    "repeated": "cr:repeated", "replace": "cr:replace", "sc": "https://schema.org/",
    "separator": "cr:separator", "source": "cr:source", "subField": "cr:subField",
    "transform": "cr:transform",
}
_TYPES = {"string": "sc:Text", "bool": "sc:Boolean", "float32": "sc:Float", "float64": "sc:Float",
          "int8": "sc:Integer", "int16": "sc:Integer", "int32": "sc:Integer", "int64": "sc:Integer",
          "image": "sc:ImageObject"}
PARQUET = "application/x-parquet"
LICENSES = {"cc-by-4.0": "https://creativecommons.org/licenses/by/4.0/"}
CITATION = ("@article{2k-characters-10k-stories, title={2K-Characters-10K-Stories: A Quality-Gated "
            "Stylized Narrative Dataset with Disentangled Control and Sequence Consistency}, "
            "journal={arXiv preprint arXiv:2512.05557}, year={2025}}")


def _field(config: str, column: str, decl: dict) -> dict:
    base, depth = decl["type"], 0
    while base.startswith("list<"):
        base, depth = base[5:-1], depth + 1
    source = {"fileSet": {"@id": f"parquet-{config}"}, "extract": {"column": column}}
    if base == "image":
        source["transform"] = {"jsonPath": "bytes"}
    field = {"@type": "cr:Field", "@id": f"{config}/{column}", "name": f"{config}/{column}",
             "description": decl["description"], "dataType": _TYPES[base], "source": source}
    if depth:
        field["repeated"] = True
        if depth > 1:
            field["description"] += f" (nested {depth} levels: {decl['type']})"
    return field


def _record_set(config: str) -> dict:
    schema = schema_of(config)
    pattern = f"^.*data/{config}/({'|'.join(SPLITS)})-\\d+-of-\\d+\\.parquet$"
    split = {"@type": "cr:Field", "@id": f"{config}/split", "name": f"{config}/split",
             "description": "Split of the row: train or test (disjoint character identities).",
             "dataType": "sc:Text",
             "source": {"fileSet": {"@id": f"parquet-{config}"}, "extract": {"fileProperty": "fullpath"},
                        "transform": {"regex": pattern}}}
    return {"@type": "cr:RecordSet", "@id": config, "name": config, "description": schema.description,
            "field": [split, *(_field(config, c, d) for c, d in schema.columns.items())]}


def metadata(folder: Path, summary: dict) -> dict:
    """The Croissant document for a finished release folder (data files must be in place)."""
    files, sets = [], []
    for config in CONFIGS:
        for path in sorted((folder / "data" / config).glob("*.parquet")):
            rel = path.relative_to(folder).as_posix()
            files.append({"@type": "cr:FileObject", "@id": rel, "name": rel, "contentUrl": rel,
                          "encodingFormat": PARQUET, "sha256": sha256_file(path)})
        sets.append({"@type": "cr:FileSet", "@id": f"parquet-{config}", "name": f"parquet-{config}",
                     "description": f"Parquet shards of the {config} config.",
                     "encodingFormat": PARQUET, "includes": f"data/{config}/*.parquet"})
    license_id = summary["license"]
    return {
        "@context": CONTEXT, "@type": "sc:Dataset", "conformsTo": CONFORMS_TO,
        "name": "2K-Characters-10K-Stories-storycast", "alternateName": PRETTY_NAME,
        "description": ("Synthetic illustrated stories with decoupled identity, pose, expression and "
                        "composition controls, built by the storycast pipeline after the recipe of "
                        "arXiv:2512.05557. Train and test hold disjoint character identities."),
        "license": LICENSES.get(license_id, license_id), "url": "https://arxiv.org/abs/2512.05557",
        "version": summary["version"], "citeAs": CITATION, "inLanguage": "en",
        "keywords": ["story visualization", "character consistency", "pose control", "synthetic"],
        "distribution": files + sets,
        "recordSet": [_record_set(c) for c in CONFIGS],
    }


def write(folder: Path, summary: dict) -> Path:
    path = folder / "croissant.json"
    path.write_text(json.dumps(metadata(folder, summary), indent=1, sort_keys=False) + "\n")
    return path


def read_version(folder: Path) -> str:
    """The release version recorded in a release folder (what `publish` tags)."""
    return json.loads((folder / "croissant.json").read_text())["version"]
