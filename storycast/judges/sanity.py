"""The measured judge's image sanity: right size, not blank or flat, no noise blotch (a diffusion
decoder's artefact: a patch of 8x8 blocks with many distinct colours).

The blotch detector runs on every judged frame (and every repair), so it is written for speed but
counts exactly as the plain definition (sort each block's colours, count the distinct ones): colours
are compared as 3 masked bytes read as one integer, and only blocks that could hold more than
BLOTCH_LEVELS distinct colours (that many colour changes along their rows) are sorted and counted.
Illustrations are mostly flat, so most blocks skip the sort."""
from __future__ import annotations

import numpy as np

from storycast.renderers.base import FrameRequest

BLOTCH_LEVELS, BLOTCH_BLOCK, BLOTCH_WINDOW = 24, 8, 5
BLOTCH_MARGIN = 2          # blocks around the noisy ones a repair redraws too (the blotch's fading rim)


def sanity_check(img: np.ndarray, req: FrameRequest) -> tuple[float, str, tuple | None]:
    """(score, why, blotch box) for size, blank/flat images and noise blotches."""
    h, w = img.shape[:2]
    if (w, h) != (req.width, req.height):
        return 0.0, f"image is {w}x{h}, the request asks for {req.width}x{req.height}", None
    lum = img[::4, ::4] @ np.array([0.299, 0.587, 0.114])
    if float(lum.std()) < 2.0:
        return 0.0, "blank image (no contrast)", None
    small = img[::8, ::8].reshape(-1, 3).astype(np.int32)
    # distinct 5-bit colours; a count of a bincount is a sort-free np.unique
    if np.count_nonzero(np.bincount(small[:, 0] // 8 * 1024 + small[:, 1] // 8 * 32 + small[:, 2] // 8)) < 6:
        return 0.0, "flat image (almost no distinct colours)", None
    count, box = blotch(img)
    score = 1.0 - count / (2.0 * 16)
    return score, f"noise blotch around {list(box)} ({count} noisy blocks)", box


def colour_codes(img: np.ndarray) -> np.ndarray:
    """Per pixel of an RGB uint8 image, its colour at 4 bits per channel as one integer (equal codes
    <=> equal quantised colours): each pixel's 3 bytes (and the next pixel's first one, masked off)
    read in place as a little-endian uint32, so no per-channel pass over the image is needed."""
    h, w = img.shape[:2]
    buf = np.empty(h * w * 3 + 1, dtype=np.uint8)      # one spare byte: the last pixel's 4th
    buf[:-1] = np.ascontiguousarray(img[..., :3], dtype=np.uint8).reshape(-1)
    return np.ndarray((h, w), dtype="<u4", buffer=buf, strides=(3 * w, 3)) & 0xF0F0F0


def noisy_blocks(code: np.ndarray) -> np.ndarray:
    """Per BLOTCH_BLOCK block of `code` (a whole number of blocks), 1 where it holds more than
    BLOTCH_LEVELS distinct codes."""
    b = BLOTCH_BLOCK
    hb, wb = code.shape[0] // b, code.shape[1] // b
    # A block holds at most as many distinct codes as runs along its rows: b + the changes inside
    # them. Changes along the flattened image (one contiguous pass, several times faster than row
    # by row); a row's first pixel, compared with the previous row's last, is on a block edge.
    flat = code.reshape(-1)
    change = np.empty(flat.size, dtype=np.uint8)
    change[0] = 0
    np.not_equal(flat[1:], flat[:-1], out=change[1:].view(bool))
    # Each block row's b = 8 flags are the bytes of one word: summed over the block's rows byte by
    # byte (at most 8 each), the first byte (changes across the block's left edge) masked off, and
    # the bytes added up by a multiplication.
    words = change.view("<u8").reshape(hb, b, wb)                   # BLOTCH_BLOCK = 8: a word a block row
    rows = words[:, 0].copy()
    for r in range(1, b):
        rows += words[:, r]
    rows &= np.uint64(0xFFFFFFFFFFFFFF00)
    runs = ((rows * np.uint64(0x0101010101010101)) >> np.uint64(56)).astype(np.int32) + b
    noisy = np.zeros((hb, wb), dtype=np.int32)
    maybe = np.nonzero(runs > BLOTCH_LEVELS)
    if len(maybe[0]):
        blocks = code.reshape(hb, b, wb, b).transpose(0, 2, 1, 3)[maybe].reshape(-1, b * b)
        blocks.sort(axis=1)
        noisy[maybe] = np.count_nonzero(blocks[:, 1:] != blocks[:, :-1], axis=1) + 1 > BLOTCH_LEVELS
    return noisy


def blotch(img: np.ndarray) -> tuple[int, tuple[int, int, int, int]]:
    """Largest count of 'noisy' 8x8 blocks (more than BLOTCH_LEVELS distinct colours at 4 bits per
    channel) in any 5x5-block window, and the box in pixels a repair must redraw (`blotch_box`)."""
    b, k = BLOTCH_BLOCK, BLOTCH_WINDOW
    hb, wb = img.shape[0] // b, img.shape[1] // b
    if hb < k or wb < k:
        return 0, (0, 0, img.shape[1], img.shape[0])
    noisy = noisy_blocks(np.ascontiguousarray(colour_codes(img)[: hb * b, : wb * b]))
    ii = np.zeros((hb + 1, wb + 1), dtype=np.int32)
    ii[1:, 1:] = noisy.cumsum(0).cumsum(1)
    win = ii[k:, k:] - ii[:-k, k:] - ii[k:, :-k] + ii[:-k, :-k]
    y, x = np.unravel_index(int(np.argmax(win)), win.shape)
    return int(win[y, x]), blotch_box(noisy, y, x, img.shape)


def blotch_box(noisy: np.ndarray, y: int, x: int, shape) -> tuple[int, int, int, int]:
    """The box around the noisy blocks joined to the k x k window at block (y, x) (through gaps of one
    block), grown by BLOTCH_MARGIN blocks: a blotch wider than the window, and its fading rim, whose
    blocks hold too few colours to count as noisy, are inside it, so redrawing the box removes all of it."""
    b, k = BLOTCH_BLOCK, BLOTCH_WINDOW
    near = _dilate(noisy.astype(bool))                        # a gap of one quiet block still joins
    joined = np.zeros_like(near)
    joined[y:y + k, x:x + k] = near[y:y + k, x:x + k]
    while True:
        grown = _dilate(joined) & near
        if (grown == joined).all():
            break
        joined = grown
    rows, cols = np.nonzero(joined) if joined.any() else ([y, y + k - 1], [x, x + k - 1])
    m = BLOTCH_MARGIN
    return (max(0, int(min(cols) - m) * b), max(0, int(min(rows) - m) * b),
            min(int(shape[1]), int(max(cols) + 1 + m) * b), min(int(shape[0]), int(max(rows) + 1 + m) * b))


def _dilate(mask: np.ndarray) -> np.ndarray:
    """`mask` grown by one block in each of the 8 directions."""
    out = mask.copy()
    out[1:] |= mask[:-1]
    out[:-1] |= mask[1:]
    wide = out.copy()
    out[:, 1:] |= wide[:, :-1]
    out[:, :-1] |= wide[:, 1:]
    return out
