"""Small synthetic data sets for demos and tests, made with the standard library only."""

from __future__ import annotations

import math
import random

__all__ = ["make_moons"]


def make_moons(
    n: int = 100, noise: float = 0.1, seed: int | None = 0
) -> tuple[list[list[float]], list[int]]:
    """Two interleaving half circles in 2-D, labelled +1 and -1 (micrograd's demo data).

    Points alternate between the moons, so the classes are balanced; the same seed gives
    the same points.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise ValueError(f"make_moons: n must be an int >= 2, got {n!r}")
    if not noise >= 0:
        raise ValueError(f"make_moons: noise must be >= 0, got {noise!r}")
    rng = random.Random(seed)
    points, labels = [], []
    for i in range(n):
        t = math.pi * rng.random()
        if i % 2 == 0:  # upper moon
            x, y, label = math.cos(t), math.sin(t), 1
        else:  # lower moon, shifted right and down
            x, y, label = 1.0 - math.cos(t), 0.5 - math.sin(t), -1
        points.append([x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise)])
        labels.append(label)
    return points, labels
