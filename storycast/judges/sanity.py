"""The measured judge's image sanity: right size, not blank or flat, no noise blotch (a diffusion
decoder's artefact: a patch of 8x8 blocks with many distinct colours)."""
from __future__ import annotations

import numpy as np

from storycast.renderers.base import FrameRequest

BLOTCH_LEVELS, BLOTCH_BLOCK, BLOTCH_WINDOW = 24, 8, 5


def sanity_check(img: np.ndarray, req: FrameRequest) -> tuple[float, str, tuple | None]:
    """(score, why, blotch box) for size, blank/flat images and noise blotches."""
    h, w = img.shape[:2]
    if (w, h) != (req.width, req.height):
        return 0.0, f"image is {w}x{h}, the request asks for {req.width}x{req.height}", None
    lum = img[::4, ::4] @ np.array([0.299, 0.587, 0.114])
    if float(lum.std()) < 2.0:
        return 0.0, "blank image (no contrast)", None
    small = img[::8, ::8].reshape(-1, 3).astype(np.int32)
    if len(np.unique(small[:, 0] // 8 * 1024 + small[:, 1] // 8 * 32 + small[:, 2] // 8)) < 6:
        return 0.0, "flat image (almost no distinct colours)", None
    count, box = blotch(img)
    score = 1.0 - count / (2.0 * 16)
    return score, f"noise blotch around {list(box)} ({count} noisy blocks)", box


def blotch(img: np.ndarray) -> tuple[int, tuple[int, int, int, int]]:
    """Largest count of 'noisy' 8x8 blocks (more than BLOTCH_LEVELS distinct colours at 4 bits per
    channel) in any 5x5-block window, and that window's box in pixels."""
    q = (img >> 4).astype(np.int32)
    code = (q[..., 0] << 8) | (q[..., 1] << 4) | q[..., 2]
    b = BLOTCH_BLOCK
    hb, wb = code.shape[0] // b, code.shape[1] // b
    blocks = code[: hb * b, : wb * b].reshape(hb, b, wb, b).transpose(0, 2, 1, 3).reshape(hb, wb, b * b)
    blocks = np.sort(blocks, axis=2)
    noisy = ((np.diff(blocks, axis=2) != 0).sum(axis=2) + 1 > BLOTCH_LEVELS).astype(np.int32)
    k = BLOTCH_WINDOW
    if hb < k or wb < k:
        return 0, (0, 0, img.shape[1], img.shape[0])
    ii = np.zeros((hb + 1, wb + 1), dtype=np.int32)
    ii[1:, 1:] = noisy.cumsum(0).cumsum(1)
    win = ii[k:, k:] - ii[:-k, k:] - ii[k:, :-k] + ii[:-k, :-k]
    y, x = np.unravel_index(int(np.argmax(win)), win.shape)
    box = (int(x * b - b), int(y * b - b), int(min(img.shape[1], (x + k + 1) * b)),
           int(min(img.shape[0], (y + k + 1) * b)))
    return int(win[y, x]), (max(box[0], 0), max(box[1], 0), box[2], box[3])
