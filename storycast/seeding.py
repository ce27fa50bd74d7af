"""Seeds derived from (global seed, namespace, stable entity id).

Python's hash() is salted per process, so ids are hashed with BLAKE2 instead: the same entity gets
the same stream on every machine, in every worker, whatever else is generated around it.
"""
from __future__ import annotations

import hashlib

import numpy as np


def seed_for(global_seed: int, *parts: str) -> int:
    """A 63-bit seed from the global seed and a path of stable names."""
    h = hashlib.blake2b(digest_size=8)
    h.update(str(int(global_seed)).encode())
    for part in parts:
        h.update(b"\x00" + str(part).encode())
    return int.from_bytes(h.digest(), "little") >> 1  # 63 bits: fits the int64 seed columns


def rng_for(global_seed: int, *parts: str) -> np.random.Generator:
    """An independent generator for one entity in one namespace (e.g. "stories", "s000042")."""
    return np.random.default_rng(seed_for(global_seed, *parts))
