"""The embedded procedural illustrator: determinism, sizes, identity, poses, expressions, styles,
settings, lighting, occlusion, validation and templates."""
from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
from PIL import Image

from storycast import vocab
from storycast.characters import sample_characters
from storycast.renderers import Renderer, get_renderer
from storycast.renderers.procedural import TEMPLATE_BACKGROUND, ProceduralRenderer
from storycast.renderers.procedural.demo import frame, place
from storycast.renderers.procedural.geometry import hex_rgb
from storycast.skeleton import NOSE


@pytest.fixture(scope="module")
def chars() -> list[dict]:
    return sample_characters(16, 3, 3)


@pytest.fixture(scope="module")
def r() -> ProceduralRenderer:
    return ProceduralRenderer()


def _a(img: Image.Image) -> np.ndarray:
    return np.asarray(img, dtype=np.float32)


def _diff(a: Image.Image, b: Image.Image) -> float:
    return float(np.abs(_a(a) - _a(b)).mean())


def _with(spec: dict, **changes) -> dict:
    out = dict(spec)
    out.update(changes)
    return out


def test_is_a_renderer(r):
    assert isinstance(r, Renderer)
    assert r.name == "procedural" and r.version
    assert get_renderer("procedural", supersample=1).supersample == 1
    with pytest.raises(ValueError, match="nope"):
        get_renderer("nope")


@pytest.mark.parametrize("style", vocab.ART_STYLES)
def test_deterministic(r, chars, style):
    req = frame(chars[:3], poses=["running", "waving", "sitting"], facings=["left", "front", "back"],
                expressions=["happy", "crying", "sleepy"], style=style, lighting="night", angle="dutch_tilt",
                setting="snowy_village", seed=12345)
    a = r.render_frame(req)
    b = ProceduralRenderer().render_frame(req)      # a fresh instance: no hidden state
    assert a.tobytes() == b.tobytes()
    other = r.render_frame(dataclasses.replace(req, seed=54321))
    assert other.tobytes() != a.tobytes(), "the frame seed should move props / texture"


@pytest.mark.parametrize("w,h", [(512, 512), (640, 360), (97, 301), (64, 64)])
@pytest.mark.parametrize("style", ["outlined_cel", "pixel_art", "painterly", "ink"])
def test_exact_size_and_mode(r, chars, w, h, style):
    img = r.render_frame(frame(chars[:2], width=w, height=h, style=style, shot="medium"))
    assert img.mode == "RGB"
    assert img.size == (w, h)


def _colour_fraction(img: Image.Image, bbox, rgb, tol: float = 10.0) -> float:
    a = _a(img)
    x0, y0, x1, y1 = (int(round(v)) for v in bbox)
    x0, y0 = max(x0, 0), max(y0, 0)
    crop = a[y0:y1, x0:x1]
    near = np.abs(crop - np.asarray(rgb, dtype=np.float32)).max(axis=2) <= tol
    return float(near.mean())


def test_identity_colour_stable_across_poses(r, chars):
    spec = _with(chars[0], top="hoodie", top_color="magenta", pattern="plain", accessories=[])
    rgb = hex_rgb(vocab.COLORS["magenta"])
    fractions = []
    for pose, facing in (("standing", "front"), ("running", "right"), ("cheering", "left")):
        req = frame([spec], poses=[pose], facings=[facing], style="outlined_cel", setting="classroom", seed=7)
        fractions.append(_colour_fraction(r.render_frame(req), req.characters[0].bbox, rgb))
    assert min(fractions) > 0.03, fractions
    assert max(fractions) < 4 * min(fractions), fractions
    other = _with(spec, top_color="lime")
    req = frame([other], style="outlined_cel", setting="classroom", seed=7)
    assert _colour_fraction(r.render_frame(req), req.characters[0].bbox, rgb) < 0.005


def test_appearance_ignores_frame_seed(r, chars):
    """The character's own pixels do not depend on the frame seed (only the background does)."""
    spec = chars[1]
    reqs = [frame([spec], style="flat_vector", setting="classroom", seed=s, shot="medium") for s in (1, 2)]
    imgs = [_a(r.render_frame(q)) for q in reqs]
    c = reqs[0].characters[0]
    x, y = (int(v) for v in c.keypoints[NOSE])
    face = [im[y - 20:y + 20, x - 20:x + 20] for im in imgs]
    assert np.array_equal(face[0], face[1])


def test_spec_with_extra_columns_and_arrays(r, chars):
    """Specs straight from a table row: extra (unhashable) columns, accessories as an array."""
    spec = _with(chars[2], review={"status": "approved", "notes": ["ok"]},
                 accessories=np.array(["cap", "scarf"]))
    plain = _with(chars[2], accessories=["cap", "scarf"])
    a = r.render_frame(frame([spec], seed=2))
    b = r.render_frame(frame([plain], seed=2))
    assert a.tobytes() == b.tobytes()


def test_different_poses_give_different_images(r, chars):
    imgs = {pose: r.render_frame(frame([chars[2]], poses=[pose], setting="desert", seed=3))
            for pose in ("standing", "waving", "sitting", "kicking", "lying_down")}
    for (p1, a), (p2, b) in itertools.combinations(imgs.items(), 2):
        assert _diff(a, b) > 3.0, (p1, p2)


def test_different_expressions_give_different_faces(r, chars):
    """Every pair of expressions repaints a visible part of the face: at least 1% of the face crop
    changes by more than 40 levels (mouth, brows, eyes, marks), for several species."""
    for spec in (_with(c, accessories=[]) for c in chars[3:6]):
        crops = {}
        for ex in vocab.EXPRESSIONS:
            req = frame([spec], expressions=[ex], shot="medium_close", style="outlined_cel",
                        setting="kitchen", seed=9)
            c = req.characters[0]
            x, y = c.keypoints[NOSE]
            half = 0.17 * c.scale
            box = tuple(int(round(v)) for v in (x - half, y - half * 1.2, x + half, y + half))
            crops[ex] = _a(r.render_frame(req).crop(box))
        for (e1, a), (e2, b) in itertools.combinations(crops.items(), 2):
            changed = float((np.abs(a - b).max(axis=2) > 40).mean())
            assert changed > 0.01, (spec["species"], e1, e2, changed)


def test_styles_differ(r, chars):
    imgs = {s: r.render_frame(frame(chars[4:7], style=s, setting="market_square",
                                    seed=4)) for s in vocab.ART_STYLES}
    for (s1, a), (s2, b) in itertools.combinations(imgs.items(), 2):
        assert _diff(a, b) > 6.0, (s1, s2)


def test_every_setting_renders_and_differs(r, chars):
    imgs = {}
    for s in vocab.SETTINGS:
        img = r.render_frame(frame(chars[:2], setting=s, shot="wide", style="flat_vector", seed=11))
        assert img.size == (512, 512)
        assert _a(img).std() > 15, f"{s} looks blank"
        imgs[s] = img
    for (s1, a), (s2, b) in itertools.combinations(imgs.items(), 2):
        assert _diff(a, b) > 15.0, (s1, s2)


@pytest.mark.parametrize("setting", ["forest", "classroom", "space_station", "underwater_reef"])
@pytest.mark.parametrize("style", ["flat_vector", "ink", "pixel_art"])
def test_night_darker_than_day(r, chars, setting, style):
    lum = {}
    for light in vocab.LIGHTINGS:
        img = r.render_frame(frame(chars[:2], setting=setting, lighting=light, style=style, seed=2))
        lum[light] = float(np.asarray(img.convert("L"), dtype=np.float32).mean())
    assert lum["night"] < lum["day"] - 15, lum
    assert lum["dusk"] < lum["day"], lum


def test_nearer_character_occludes(r, chars):
    a = _with(chars[5], top="sweater", top_color="red", pattern="plain", accessories=[])
    b = _with(chars[6], top="sweater", top_color="blue", pattern="plain", accessories=[])
    for near, far, rgb in ((a, b, hex_rgb(vocab.COLORS["red"])), (b, a, hex_rgb(vocab.COLORS["blue"]))):
        cs = [place(near, "standing", "neutral", "front", "full", 512, 512, 256, 470, depth=0),
              place(far, "standing", "neutral", "front", "full", 512, 512, 256, 470, depth=1)]
        req = frame([near], style="flat_vector", setting="classroom")
        req = dataclasses.replace(req, characters=(cs[0], cs[1]))   # nearest listed first: order is by depth
        img = r.render_frame(req)
        torso = cs[0].keypoints[1] + (cs[0].keypoints[8] + cs[0].keypoints[11] - 2 * cs[0].keypoints[1]) / 4
        x, y = (int(v) for v in torso)
        assert _colour_fraction(img, (x - 4, y - 4, x + 4, y + 4), rgb, tol=25) > 0.5


BAD = [
    ("art_style", "cubism"), ("setting", "moon_base"), ("lighting", "noon"), ("shot_type", "macro"),
    ("camera_angle", "fisheye"), ("width", 32), ("height", 5000), ("width", 100.5),
]


@pytest.mark.parametrize("field,value", BAD)
def test_bad_frame_fields_raise(r, chars, field, value):
    req = dataclasses.replace(frame(chars[:1]), **{field: value})
    with pytest.raises(ValueError, match=field) as info:
        r.render_frame(req)
    assert repr(value) in str(info.value) and "demo" in str(info.value)


@pytest.mark.parametrize("field,value", [("pose", "flying"), ("expression", "bored"), ("facing", "up")])
def test_bad_character_controls_raise(r, chars, field, value):
    req = frame(chars[:1])
    bad = dataclasses.replace(req.characters[0], **{field: value})
    with pytest.raises(ValueError, match=field) as info:
        r.render_frame(dataclasses.replace(req, characters=(bad,)))
    assert repr(value) in str(info.value) and chars[0]["character_id"] in str(info.value)


def test_bad_template_raises(r, chars):
    with pytest.raises(ValueError, match="art_style"):
        r.render_template(_with(chars[0], art_style="oil"), 256, 0)
    with pytest.raises(ValueError, match="width"):
        r.render_template(chars[0], 8, 0)


def test_bad_constructor_knobs():
    with pytest.raises(ValueError, match="supersample"):
        ProceduralRenderer(supersample=0)
    with pytest.raises(ValueError, match="pixel_size"):
        ProceduralRenderer(pixel_size=0)


def test_knobs_change_the_picture(chars):
    req = frame(chars[:2], style="outlined_cel")
    assert ProceduralRenderer(supersample=1).render_frame(req).tobytes() != \
        ProceduralRenderer(supersample=2).render_frame(req).tobytes()
    px = dataclasses.replace(req, art_style="pixel_art")
    assert ProceduralRenderer(pixel_size=3).render_frame(px).tobytes() != \
        ProceduralRenderer(pixel_size=5).render_frame(px).tobytes()


@pytest.mark.parametrize("i", range(4))
def test_template(r, chars, i):
    spec = chars[8 + i]
    img = r.render_template(spec, 1024, 0)
    assert img.size == (1024, 1024) and img.mode == "RGB"
    a = np.asarray(img)
    for y, x in ((0, 0), (0, 1023), (1023, 0), (1023, 1023), (5, 512)):
        assert tuple(a[y, x]) == TEMPLATE_BACKGROUND
    drawn = np.any(a != np.asarray(TEMPLATE_BACKGROUND, dtype=np.uint8), axis=2)
    rows_front = np.nonzero(drawn[:, :430].any(axis=1))[0]
    rows_side = np.nonzero(drawn[:, 560:].any(axis=1))[0]
    front_h, side_h = rows_front[-1] - rows_front[0], rows_side[-1] - rows_side[0]
    assert front_h > 0.75 * 1024, "the front view should fill the height"
    assert side_h < 0.8 * front_h, "the side and back views are smaller than the front view"
    assert img.tobytes() == r.render_template(spec, 1024, 0).tobytes()
