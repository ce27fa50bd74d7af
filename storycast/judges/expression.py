"""Expression adherence as far as pixels allow: a linear discriminant over the face.

The face is sampled on a 32 x 32 grid in head coordinates (from the neck/nose keypoints, mirrored so
a three-quarter view always looks right), as CIELAB relative to the middle of the face. A linear
discriminant (LDA, one per view: front / three-quarter) maps it to 11 numbers; the asked
expression fits when its family (happy/laughing, sad/crying, surprised/scared, angry/disgusted/
determined, neutral/sleepy/confused) is about as close as the closest expression. The projection
and class means are measured on calibration faces drawn by the embedded renderer
(`benchmarks/bench_qc.py --calibrate`), stored compressed in `calibration.EXPRESSION_MODEL`; they
describe that renderer's drawing, so another renderer needs a recalibration or a VLM judge.
"""
from __future__ import annotations

import base64
import functools
import io
import zlib

import numpy as np

from storycast import vocab
from storycast.judges.base import head_up
from storycast.judges.embedding import box_means, light_correct, srgb_to_lab
from storycast.renderers.base import CharacterControl
from storycast.skeleton import NECK

GRID = 32
FAMILIES = ({"happy", "laughing"}, {"sad", "crying"}, {"surprised", "scared"},
            {"angry", "disgusted", "determined"}, {"neutral", "sleepy", "confused"})
VIEWS = ("front", "side")


def face_patch(img: np.ndarray, c: CharacterControl, lighting: str = "day", place: str = "out",
               tone: str = "colour") -> np.ndarray | None:
    """GRID x GRID CIELAB samples over the head (x in [-1.4, 1.4], y in [-1.3, 1.1] head radii)."""
    kp = np.asarray(c.keypoints, dtype=np.float64)
    up = head_up(kp, c.scale, c.facing)
    across = np.array([-up[1], up[0]])
    r = 0.1 * c.scale
    centre = kp[NECK] + up * 0.108 * c.scale
    mirror = -1.0 if c.facing == "left" else 1.0
    gx, gy = np.meshgrid(np.linspace(-1.4, 1.4, GRID), np.linspace(-1.3, 1.1, GRID))
    pts = centre + r * (across[None] * (gx.ravel() * mirror)[:, None] - up[None] * gy.ravel()[:, None])
    colours, ok = box_means(img, pts, max(0, int(round(0.04 * r))))
    if not ok.all():
        return None
    return srgb_to_lab(light_correct(colours, lighting, place, tone)).reshape(GRID, GRID, 3)


def features(patch: np.ndarray) -> np.ndarray:
    mid = slice(GRID * 7 // 16, GRID * 11 // 16), slice(GRID * 5 // 16, GRID * 11 // 16)
    ref = np.median(patch[mid].reshape(-1, 3), axis=0)
    return ((patch - ref) / 20.0).ravel()


def view_of(facing: str) -> str:
    return "front" if facing == "front" else "side"


# ---------------------------------------------------------------- the model
def fit(rows: list[tuple[str, str, np.ndarray]], ridge: float = 0.1) -> dict:
    """LDA per view from (view, expression, features) rows: projection W (D x 11), class means in
    the projected space (12 x 11)."""
    model = {}
    for view in VIEWS:
        X = np.stack([f for v, _, f in rows if v == view])
        y = np.array([vocab.EXPRESSIONS.index(e) for v, e, _ in rows if v == view])
        W, means = lda(X, y, len(vocab.EXPRESSIONS), ridge)
        model[view] = {"W": W.astype(np.float32), "means": means.astype(np.float32)}
    return model


def lda(X: np.ndarray, y: np.ndarray, k: int, ridge: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Linear discriminant of `k` classes: projection W (D x k-1), whitened (W^T Sw W = I), and the
    class means projected (k x k-1). A class without rows sits at the overall mean."""
    mu = X.mean(axis=0)
    means = np.stack([X[y == c].mean(axis=0) if (y == c).any() else mu for c in range(k)])
    Xc = X - means[y]
    Sw = Xc.T @ Xc / len(X)
    Sw += ridge * np.eye(len(Sw)) * np.trace(Sw) / len(Sw)
    Mc = means - mu
    Sb = Mc.T @ Mc / len(Mc)
    L = np.linalg.cholesky(Sw)
    Li = np.linalg.inv(L)
    vals, vecs = np.linalg.eigh(Li @ Sb @ Li.T)
    W = Li.T @ vecs[:, ::-1][:, : k - 1]
    return W, means @ W


def margins(model: dict, view: str, f: np.ndarray, asked: str) -> tuple[float, str]:
    """(distance of the asked expression's family minus the closest expression's, closest)."""
    m = model[view]
    z = f @ m["W"]
    d = ((m["means"] - z) ** 2).sum(axis=1)
    family = next(fam for fam in FAMILIES if asked in fam)
    best = vocab.EXPRESSIONS[int(np.argmin(d))]
    return float(min(d[vocab.EXPRESSIONS.index(e)] for e in family) - d.min()), best


def encode(model: dict, scale: float) -> str:
    buf = io.BytesIO()
    arrays = {f"{v}_{k}": model[v][k].astype(np.float16) for v in VIEWS for k in ("W", "means")}
    np.savez(buf, scale=np.float32(scale), **arrays)
    return base64.b64encode(zlib.compress(buf.getvalue(), 9)).decode()


@functools.cache
def load() -> tuple[dict, float] | None:
    from storycast.judges import calibration

    blob = getattr(calibration, "EXPRESSION_MODEL", "")
    if not blob:
        return None
    data = np.load(io.BytesIO(zlib.decompress(base64.b64decode(blob))))
    model = {v: {k: data[f"{v}_{k}"].astype(np.float32) for k in ("W", "means")} for v in VIEWS}
    return model, float(data["scale"])


def expression_fit(face: np.ndarray | None, c: CharacterControl) -> tuple[float, str]:
    """Score in [0, 1] (0.5 at the calibrated margin) and the expression the face reads as, from the
    face's `features` (None: not measurable, the asked expression stands)."""
    loaded = load()
    if face is None or loaded is None:
        return 1.0, c.expression
    model, scale = loaded
    margin, best = margins(model, view_of(c.facing), face, c.expression)
    return float(np.clip(1.0 - 0.5 * margin / scale, 0.0, 1.0)), best
