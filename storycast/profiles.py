"""Params profiles: a YAML file of overrides (e.g. `profiles/gpu.yaml`) merged into params.yaml.

    python -m storycast.profiles apply profiles/gpu.yaml [--params params.yaml] [--dry-run]

Keys are rewritten in place through a round-trip YAML parser (ruamel.yaml, which DVC already
depends on), so params.yaml keeps its comments, order and layout; only the profile's keys change
and keys it adds are appended to their section. The merged document is validated against
`storycast.params` before anything is written, and written atomically.
"""
from __future__ import annotations

import argparse
import io
import os
import sys
from pathlib import Path

import yaml

from storycast.errors import StorycastError


class ProfileError(StorycastError):
    """A profile that cannot be applied."""


def _kind(value) -> type:
    """The YAML kind of a value (ruamel's float and quoted-string subclasses count as float, str):
    1 -> 1.0 is a change (int to float), a re-quoted equal string is not."""
    for kind in (bool, int, float, str):
        if isinstance(value, kind):
            return kind
    return type(value)


def _merge(doc, overrides: dict, prefix: str, changed: list[str]) -> None:
    from ruamel.yaml.comments import CommentedMap

    for key, value in overrides.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            if key not in doc or doc[key] is None:
                doc[key] = CommentedMap()
            elif not isinstance(doc[key], dict):
                raise ProfileError(f"profile sets {dotted} as a section, but params.yaml has a value there")
            _merge(doc[key], value, dotted + ".", changed)
        else:
            if isinstance(doc.get(key), dict):
                raise ProfileError(f"profile sets {dotted} to a value, but params.yaml has a section there")
            if key not in doc or doc[key] != value or _kind(doc[key]) != _kind(value):
                changed.append(dotted)
                doc[key] = value


def apply_profile(profile: str | Path, params: str | Path = "params.yaml", *, dry_run: bool = False,
                  validate: bool = True) -> list[str]:
    """Merge `profile` into `params`; return the dotted keys whose value changed."""
    from ruamel.yaml import YAML

    profile, params = Path(profile), Path(params)
    for path in (profile, params):
        if not path.is_file():
            raise ProfileError(f"{path} not found")
    overrides = yaml.safe_load(profile.read_text())
    if not isinstance(overrides, dict):
        raise ProfileError(f"{profile}: expected a mapping of params sections")
    rt = YAML()
    rt.preserve_quotes = True
    rt.width = 4096
    doc = rt.load(params.read_text())
    changed: list[str] = []
    _merge(doc, overrides, "", changed)
    buf = io.StringIO()
    rt.dump(doc, buf)
    text = buf.getvalue()
    if validate:
        from storycast.params import validate as check

        check(yaml.safe_load(text))
    if not dry_run and changed:
        tmp = params.with_name(f".{params.name}.tmp")
        tmp.write_text(text)
        os.replace(tmp, params)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m storycast.profiles", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    app = sub.add_parser("apply", help="merge a profile into params.yaml")
    app.add_argument("profile")
    app.add_argument("--params", default="params.yaml")
    app.add_argument("--dry-run", action="store_true", help="validate and list the changes, write nothing")
    args = parser.parse_args(argv)
    try:
        changed = apply_profile(args.profile, args.params, dry_run=args.dry_run)
    except StorycastError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    verb = "would change" if args.dry_run else "changed"
    print(f"{args.params}: {verb} {len(changed)} keys" + "".join(f"\n  {k}" for k in changed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
