"""Expression adherence as far as pixels allow: a linear discriminant over the face.

The face is sampled on a 32 x 32 grid in head coordinates (from the neck/nose keypoints, mirrored so
a three-quarter view always looks right), as CIELAB relative to the middle of the face. A linear
discriminant (LDA) per art style and view (front / three-quarter) maps it to 11 numbers; the asked
expression fits when its family (happy/laughing, sad/crying, surprised/scared, angry/disgusted/
determined, neutral/sleepy/confused) is about as close as the closest expression, in units of that
style and view's clean margins (`ExpressionModel.scale`). One discriminant per style because hatching,
a pixel grid or soft pastel edges draw a mouth differently: a shared one whitens those differences
away with the expressions. Fitted on calibration faces drawn by the embedded renderer
(`benchmarks/calibrate_expression.py`) and stored beside this module in `expression_model.npz`;
it describes that renderer's drawing, so another renderer needs a recalibration or a VLM judge.
The check blends it with a small convolutional net over the same patch (`face_net`, `expression_fit`).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from storycast import vocab
from storycast.judges.base import head_up
from storycast.judges.embedding import box_means, light_correct, srgb_to_lab
from storycast.renderers.base import CharacterControl
from storycast.skeleton import NECK
from storycast.tables import npz_bytes, write_bytes

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


def other_families(expression: str) -> list[str]:
    """The expressions outside `expression`'s family, sorted: what a wrong expression is drawn from."""
    family = next(fam for fam in FAMILIES if expression in fam)
    return sorted(e for e in vocab.EXPRESSIONS if e not in family)


def view_of(facing: str) -> str:
    return "front" if facing == "front" else "side"


# ---------------------------------------------------------------- the model
@dataclass(frozen=True)
class ExpressionModel:
    """One art style and view: projection W (D x 11), the 12 expressions' projected means (12 x 11),
    and `scale`, the margin scored 0.5 (`calibrate_expression.py` sets it from held-out clean faces)."""
    W: np.ndarray
    means: np.ndarray
    scale: float


MODEL_FILE = Path(__file__).with_name("expression_model.npz")


def fit(rows: list[tuple[str, str, str, np.ndarray]], ridge: float = 0.1) -> dict[tuple[str, str], tuple]:
    """Per (art style, view), the LDA (W, projected means) from (style, view, expression, features)
    rows."""
    model = {}
    for style, view in sorted({(s, v) for s, v, _, _ in rows}):
        mine = [(e, f) for s, v, e, f in rows if (s, v) == (style, view)]
        X = np.stack([f for _, f in mine])
        y = np.array([vocab.EXPRESSIONS.index(e) for e, _ in mine])
        model[(style, view)] = lda(X, y, len(vocab.EXPRESSIONS), ridge)
    return model


def lda(X: np.ndarray, y: np.ndarray, k: int, ridge: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Linear discriminant of `k` classes: projection W (D x k-1), whitened (W^T Sw W = I), and the
    class means projected (k x k-1). A class without rows sits at the overall mean."""
    X = np.asarray(X, dtype=np.float64)     # features are stored as float32; Cholesky of 3,072 inputs needs more
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


def margins(W: np.ndarray, means: np.ndarray, f: np.ndarray, asked: str) -> tuple[float, str]:
    """(distance of the asked expression's family minus the closest expression's, closest)."""
    return family_gap(((means - f @ W) ** 2).sum(axis=1), asked)


def family_gap(d: np.ndarray, asked: str) -> tuple[float, str]:
    """From one number per expression (vocab.EXPRESSIONS order, lower: likelier), the asked family's
    lowest minus the lowest of all, and the expression with the lowest (`face_net` reads its
    log-probabilities negated)."""
    family = next(fam for fam in FAMILIES if asked in fam)
    best = vocab.EXPRESSIONS[int(np.argmin(d))]
    return float(min(d[vocab.EXPRESSIONS.index(e)] for e in family) - d.min()), best


def save(models: dict[tuple[str, str], ExpressionModel], path: Path = MODEL_FILE) -> None:
    """Write the models (float16 projections) atomically: a half-written file never replaces a good one."""
    keys = sorted(models)
    arrays = {"styles": np.array([s for s, _ in keys]), "views": np.array([v for _, v in keys]),
              "W": np.stack([models[k].W for k in keys]).astype(np.float16),
              "means": np.stack([models[k].means for k in keys]).astype(np.float16),
              "scale": np.array([models[k].scale for k in keys], dtype=np.float32)}
    write_bytes(path, npz_bytes(arrays))


@functools.cache
def load(path: Path = MODEL_FILE) -> dict[tuple[str, str], ExpressionModel]:
    with np.load(path) as data:
        if data["W"].shape[1] != GRID * GRID * 3:
            raise ValueError(f"{path} was fitted on {data['W'].shape[1]} features, not {GRID * GRID * 3}: "
                             "rerun benchmarks/calibrate_expression.py")
        models = {(str(s), str(v)): ExpressionModel(data["W"][i].astype(np.float32),
                                                    data["means"][i].astype(np.float32), float(data["scale"][i]))
                  for i, (s, v) in enumerate(zip(data["styles"], data["views"]))}
    missing = [(s, v) for s in vocab.ART_STYLES for v in VIEWS if (s, v) not in models]
    if missing:
        raise ValueError(f"{path} has no model for art style {missing[0][0]!r}, view {missing[0][1]!r}: "
                         "rerun benchmarks/calibrate_expression.py")
    return models


def expression_fit(face: np.ndarray | None, c: CharacterControl, style: str) -> tuple[float, str]:
    """Score in [0, 1] (0.5 at the calibrated margin) and the expression the face reads as, from the
    face's `features` (None: not measurable, the asked expression stands): by the style's `face_net`
    where it has one (blended with the discriminant per its `weights`), else by its discriminant."""
    if face is None:
        return 1.0, c.expression
    from storycast.judges import face_net  # it imports this module

    view = view_of(c.facing)
    net = face_net.load().get(style)
    m = load()[(style, view)]
    if net is None:
        margin, best = margins(m.W, m.means, face, c.expression)
        return float(np.clip(1.0 - 0.5 * margin / m.scale, 0.0, 1.0)), best
    # the net, blended with the discriminant where that helps (the shipped file has a net for every style)
    margin, best = face_net.family_margin(net.log_probs(face, view), c.expression)
    linear = margins(m.W, m.means, face, c.expression)[0] / m.scale if net.weights[view] else 0.0
    return float(np.clip(1.0 - 0.5 * net.blended(margin, linear, view), 0.0, 1.0)), best
