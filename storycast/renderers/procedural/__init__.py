"""The embedded `procedural` illustrator: draws every frame itself, offline, on the CPU.

Pipeline per frame: validate -> lay out the camera (horizon, ground perspective) -> background
(sky or walls, ground, props from the frame seed) -> optional dutch tilt / close-up blur of the
background -> characters far to near -> downsample (anti-aliasing) -> lighting tint -> art-style
post-processing. Character appearance comes from the identity spec only; the frame seed only
places props and textures, so an identity looks the same in every frame.
"""
from __future__ import annotations

import numpy as np
from PIL import Image, ImageChops

from storycast.renderers.base import (
    CharacterControl,
    FrameRequest,
    rgb_image,
    validate_request,
    validate_template,
)
from storycast.renderers.procedural import figure, scene
from storycast.renderers.procedural.canvas import Painter
from storycast.renderers.procedural.scene import dutch_tilt_degrees
from storycast.renderers.procedural.styles import StyleKnobs, make_styles
from storycast.skeleton import pose_keypoints
from storycast.vocab import HEIGHTS

__all__ = ["ProceduralRenderer", "dutch_tilt_degrees", "TEMPLATE_BACKGROUND"]

TEMPLATE_BACKGROUND = (226, 226, 230)
BLUR = {"medium_close": 1.2, "close_up": 2.2}


class ProceduralRenderer:
    """Stylized illustrations drawn with Pillow; deterministic for a given request."""

    name = "procedural"
    version = "1"

    def __init__(self, supersample: int = 2, outline_px: float = 1.7, cel_strength: float = 0.78,
                 texture_strength: float = 0.6, hatch_spacing: float = 4.0, pixel_size: int = 4,
                 pixel_colors: int = 32, pastel_amount: float = 0.38, background_blur: float = 1.0,
                 dutch_tilt_characters: bool = False,
                 template_background: tuple[int, int, int] = TEMPLATE_BACKGROUND):
        if int(supersample) != supersample or not 1 <= supersample <= 4:
            raise ValueError(f"supersample {supersample!r} must be an integer in [1, 4]")
        if int(pixel_size) != pixel_size or not 1 <= pixel_size <= 16:
            raise ValueError(f"pixel_size {pixel_size!r} must be an integer in [1, 16]")
        if not 2 <= pixel_colors <= 256:
            raise ValueError(f"pixel_colors {pixel_colors!r} must be in [2, 256]")
        self.supersample = int(supersample)
        self.outline_px = float(outline_px)
        self.cel_strength = float(cel_strength)
        self.pixel_size = int(pixel_size)
        self.background_blur = float(background_blur)
        self.dutch_tilt_characters = bool(dutch_tilt_characters)
        self.template_background = tuple(int(c) for c in template_background)
        self.knobs = StyleKnobs(texture_strength=float(texture_strength), hatch_spacing=float(hatch_spacing),
                                pixel_colors=int(pixel_colors), pastel_amount=float(pastel_amount))
        self._styles = make_styles(self.knobs)

    # ------------------------------------------------------------------ frames
    def render_frame(self, request: FrameRequest) -> Image.Image:
        validate_request(request)
        rng = np.random.default_rng(int(request.seed) % (2**64))
        style = self._styles[request.art_style]
        p = self._painter(request.width, request.height, style, (0, 0, 0))
        lay = scene.layout(request)
        scene.draw_background(p, request, lay, rng)
        tilted = request.camera_angle == "dutch_tilt"
        deg = dutch_tilt_degrees(request.seed)
        if tilted and not self.dutch_tilt_characters:
            p.reset_image(scene.tilt(p.img, deg, smooth=p.k < 2))
        blur = BLUR.get(request.shot_type, 0.0) * self.background_blur
        if blur > 0 and not style.pixel:
            p.reset_image(scene.blur_background(p.img, blur * p.k / 2))
        order = sorted(range(len(request.characters)), key=lambda i: (-request.characters[i].depth, i))
        for i in order:
            c = request.characters[i]
            scene.ground_shadow(p, c, lay)
            if c.pose == "sitting":
                scene.seat(p, c, lay, request.setting)
            figure.draw_character(p, c)
        if tilted and self.dutch_tilt_characters:
            p.reset_image(scene.tilt(p.img, deg, smooth=p.k < 2))
        return self._finish(p, style, rng, request.width, request.height,
                            lambda im: scene.apply_lighting(im, request.lighting, request.setting,
                                                                   style.light_strength))

    # ------------------------------------------------------------------ templates
    def render_template(self, character: dict, size: int = 1024, seed: int = 0) -> Image.Image:
        """A turnaround sheet: front view (largest), right and back views, neutral gray backdrop."""
        validate_template(character, size)
        style = self._styles[character["art_style"]]
        bg = self.template_background
        p = self._painter(size, size, style, bg)
        tallness = 0.93 + 0.07 * (HEIGHTS[character["height"]] - 0.86) / 0.14
        s_front = 0.9 * size * tallness
        ground = 0.965 * size
        views = (("back", 0.855, 0.62), ("right", 0.63, 0.62), ("front", 0.28, 1.0))
        controls = []
        for facing, xf, k in views:
            s = s_front * k
            kp, vis = pose_keypoints("standing", facing)
            kp_px = kp * s + np.array([xf * size, ground - 0.47 * s])
            bbox = (kp_px[:, 0].min() - 0.2 * s, kp_px[:, 1].min() - 0.15 * s, kp_px[:, 0].max() + 0.2 * s,
                    ground)
            controls.append(CharacterControl(character, "standing", "neutral", facing, kp_px, vis, s, 0,
                                             bbox))
            rx, ry, cx = 0.2 * s * p.k, 0.035 * s * p.k, xf * size * p.k
            p.adraw.ellipse((cx - rx, ground * p.k - ry, cx + rx, ground * p.k + ry), fill=(40, 40, 60, 40))
        backdrop = p.img.copy()
        for c in controls:
            figure.draw_character(p, c)
        changed = ImageChops.difference(p.img, backdrop).split()
        drawn = ImageChops.lighter(ImageChops.lighter(changed[0], changed[1]), changed[2]).point(
            lambda v: 255 if v else 0)
        rng = np.random.default_rng(int(seed) % (2**64))
        img = self._finish(p, style, rng, size, size, None)
        # output pixels none of whose canvas samples were drawn on keep the plain backdrop
        untouched = np.asarray(self._downsample(drawn, p.k, size, size)) == 0
        plain = np.asarray(self._downsample(backdrop, p.k, size, size))
        out = np.array(img)
        out[untouched] = plain[untouched]
        return Image.fromarray(out, "RGB")

    # ------------------------------------------------------------------ helpers
    def _painter(self, w: int, h: int, style, bg) -> Painter:
        k = 1.0 / self.pixel_size if style.pixel else float(self.supersample)
        return Painter(w, h, k, style, self.outline_px, self.cel_strength, bg)

    def _finish(self, p: Painter, style, rng, w: int, h: int, light) -> Image.Image:
        img = p.img
        if style.pixel:
            if light is not None:
                img = light(img)
            img = style.post(img, rng)
            ps = self.pixel_size
            img = img.resize((img.width * ps, img.height * ps), Image.Resampling.NEAREST).crop((0, 0, w, h))
            return img
        img = self._downsample(img, p.k, w, h)
        if light is not None:
            img = light(img)
        return rgb_image(style.post(img, rng))

    def _downsample(self, img: Image.Image, k: float, w: int, h: int) -> Image.Image:
        if k < 1:
            ps = self.pixel_size
            return img.resize((img.width * ps, img.height * ps), Image.Resampling.NEAREST).crop((0, 0, w, h))
        ss = int(k)
        if ss > 1:
            img = img.reduce(ss)
        return img if img.size == (w, h) else img.resize((w, h), Image.Resampling.BOX)
