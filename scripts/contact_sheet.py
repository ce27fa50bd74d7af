"""Write a PNG contact sheet of the procedural renderer for a person to look at.

    python scripts/contact_sheet.py /tmp/sheet.png [--section all|poses|styles|expressions|settings|
                                                    shots|templates|cast] [--cell 256] [--seed 7]

Sections: the 28 poses (one character each, facings and styles rotating), the 6 art styles on one
scene, the 12 expressions (medium close-ups), the 12 settings under day/dusk/night, the shot types
and camera angles, character turnaround templates, and a cast sheet of many identities.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from storycast import vocab  # noqa: E402
from storycast.characters import sample_characters  # noqa: E402
from storycast.renderers.procedural import ProceduralRenderer  # noqa: E402
from storycast.renderers.procedural.demo import frame  # noqa: E402

SECTIONS = ("poses", "styles", "expressions", "settings", "shots", "templates", "cast", "catalog")


def _label(img: Image.Image, text: str) -> Image.Image:
    d = ImageDraw.Draw(img)
    d.rectangle((0, 0, img.width, 13), fill=(0, 0, 0))
    d.text((3, 1), text, fill=(255, 255, 255))
    return img


def _grid(cells: list[tuple[Image.Image, str]], cols: int, cell: int, title: str) -> Image.Image:
    rows = (len(cells) + cols - 1) // cols
    sheet = Image.new("RGB", (cols * cell, rows * cell + 20), (40, 40, 44))
    ImageDraw.Draw(sheet).text((4, 4), title, fill=(255, 255, 255))
    for i, (img, text) in enumerate(cells):
        im = _label(img.resize((cell, cell), Image.Resampling.LANCZOS), text)
        sheet.paste(im, ((i % cols) * cell, 20 + (i // cols) * cell))
    return sheet


def build(section: str, cell: int, seed: int, r: ProceduralRenderer) -> list[Image.Image]:
    chars = sample_characters(60, seed, 3)
    styles, facings = vocab.ART_STYLES, ("front", "right", "left", "back")
    out = []
    if section in ("all", "poses"):
        cells = []
        for i, pose in enumerate(vocab.POSES):
            st = styles[i % 6]
            req = frame([chars[i]], poses=[pose], facings=[facings[i % 3]], style=st, seed=seed + i,
                        setting=list(vocab.SETTINGS)[i % 12], expressions=[vocab.EXPRESSIONS[i % 12]])
            cells.append((r.render_frame(req), f"{pose} {facings[i % 3]} {st}"))
        out.append(_grid(cells, 7, cell, "poses"))
    if section in ("all", "styles"):
        cells = []
        for st in styles:
            req = frame(chars[:3], poses=["waving", "standing", "pointing"], facings=["right", "front",
                                                                                      "left"],
                        expressions=["happy", "surprised", "determined"], style=st, setting="market_square",
                        seed=seed)
            cells.append((r.render_frame(req), st))
        out.append(_grid(cells, 6, cell, "art styles"))
    if section in ("all", "expressions"):
        cells = []
        for i, ex in enumerate(vocab.EXPRESSIONS):
            spec = chars[i + 3]
            req = frame([spec], expressions=[ex], shot="medium_close", style="outlined_cel",
                        setting="classroom",
                        seed=seed + i, facings=["front" if i % 3 else "right"])
            cells.append((r.render_frame(req), f"{ex} ({spec['species']})"))
        out.append(_grid(cells, 6, cell, "expressions"))
    if section in ("all", "settings"):
        cells = []
        for i, st in enumerate(vocab.SETTINGS):
            for j, light in enumerate(vocab.LIGHTINGS):
                req = frame(chars[10 + i:12 + i], setting=st, lighting=light, style=styles[(i + j) % 6],
                            poses=["walking", "standing"], facings=["right", "front"], shot="wide",
                            seed=seed + 3 * i + j)
                cells.append((r.render_frame(req), f"{st} {light} {styles[(i + j) % 6]}"))
        out.append(_grid(cells, 6, cell, "settings x lighting"))
    if section in ("all", "shots"):
        cells = []
        for shot in vocab.SHOT_TYPES:
            for angle in vocab.CAMERA_ANGLES:
                req = frame(chars[30:32], shot=shot, angle=angle, setting="city_street", seed=seed,
                            poses=["standing", "hands_on_hips"], expressions=["happy", "confused"],
                            style="flat_vector")
                cells.append((r.render_frame(req), f"{shot} {angle}"))
        out.append(_grid(cells, 8, cell, "shot types x camera angles"))
    if section in ("all", "templates"):
        cells = [(r.render_template(chars[40 + i], 512, seed), f"{chars[40 + i]['species']} "
                  f"{chars[40 + i]['art_style']}") for i in range(6)]
        out.append(_grid(cells, 3, cell * 2, "templates"))
    if section in ("all", "cast"):
        cells = []
        for i in range(0, 48, 3):
            req = frame(chars[i:i + 3], style=chars[i]["art_style"],
                        setting=list(vocab.SETTINGS)[i // 3 % 12],
                        facings=[facings[(i + k) % 4] for k in range(3)], seed=seed + i,
                        expressions=[vocab.EXPRESSIONS[(i + k) % 12] for k in range(3)])
            cells.append((r.render_frame(req), ", ".join(f"{c['species']}/{c['hair_style']}"
                                                        for c in chars[i:i + 3])))
        out.append(_grid(cells, 4, cell * 3 // 2, "cast"))
    if section in ("all", "catalog"):
        out += _catalog(chars[0], cell, r)
    return out


def _catalog(base: dict, cell: int, r: ProceduralRenderer) -> list[Image.Image]:
    """Every value of the appearance attributes on one plain character, front / right / back."""
    base = dict(base, species="human", covering_color="peach", accessories=[], pattern="plain", top="tshirt",
                bottom="trousers", bottom_color="navy", hair_style="short", hair_color="brown")
    rows = [("hair_style", v, {"hair_style": v}) for v in vocab.HAIR_STYLES]
    for sp, info in vocab.SPECIES.items():
        cover = next(iter(vocab.COVERING_COLORS[info["covering"]]))
        rows.append(("species", sp, {"species": sp, "covering_color": cover,
                                     "hair_style": "short" if info["hair"] else "bald"}))
    rows += [("accessory", a, {"accessories": [a], "accessory_color": "red"}) for a in vocab.ACCESSORIES]
    for i, t in enumerate(vocab.TOPS):
        rows.append(("top", t, {"top": t, "pattern": "striped" if i % 2 else "dotted",
                                "bottom": "" if t in vocab.FULL_LENGTH_TOPS else "trousers"}))
    rows += [("bottom", b, {"bottom": b}) for b in vocab.BOTTOMS]
    rows += [("pattern", pt, {"pattern": pt}) for pt in vocab.PATTERNS]
    rows += [("build", bd, {"build": bd}) for bd in vocab.BUILDS]
    sheets = []
    cells = []
    for what, value, change in rows:
        spec = dict(base, **change)
        req = frame([spec, spec, spec], facings=["front", "right", "back"], shot="full", style="outlined_cel",
                    setting="classroom", seed=1)
        cells.append((r.render_frame(req), f"{what}={value}"))
    sheets.append(_grid(cells, 8, cell, "catalog (front / right / back)"))
    return sheets


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--section", default="all", choices=("all",) + SECTIONS)
    ap.add_argument("--cell", type=int, default=256)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--supersample", type=int, default=2)
    args = ap.parse_args(argv)
    r = ProceduralRenderer(supersample=args.supersample)
    t0 = time.perf_counter()
    parts = build(args.section, args.cell, args.seed, r)
    width = max(p.width for p in parts)
    sheet = Image.new("RGB", (width, sum(p.height for p in parts)), (30, 30, 34))
    y = 0
    for part in parts:
        sheet.paste(part, (0, y))
        y += part.height
    args.out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(args.out)
    print(f"wrote {args.out} ({sheet.width}x{sheet.height}) in {time.perf_counter() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
