"""Small synthetic data sets for demos and tests, made with the standard library only."""

from __future__ import annotations

import math
import random

__all__ = ["make_moons", "make_blobs", "make_spirals"]


def _check(name: str, n: object, classes: object, noise: float) -> None:
    if isinstance(classes, bool) or not isinstance(classes, int) or classes < 2:
        raise ValueError(f"{name}: classes must be an int >= 2, got {classes!r}")
    if isinstance(n, bool) or not isinstance(n, int) or n < classes:
        raise ValueError(f"{name}: n must be an int >= classes ({classes}), got {n!r}")
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not 0 <= noise < float("inf"):
        raise ValueError(f"{name}: noise must be a finite number >= 0, got {noise!r}")


def make_moons(n: int = 100, noise: float = 0.1, seed: int | None = 0) -> tuple[list[list[float]], list[int]]:
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


def make_blobs(
    n: int = 100, classes: int = 3, noise: float = 0.5, seed: int | None = 0
) -> tuple[list[list[float]], list[int]]:
    """`classes` round clusters in 2-D, labelled 0, 1, ..., classes - 1 (for `nn.cross_entropy`).

    Cluster k is centred at distance 2 from the origin at angle 2 pi k / classes (class 0 on the
    positive x axis), and its points are that centre plus Gaussian noise of standard deviation
    `noise` on each coordinate: at the default 0.5 the clusters barely touch, and a larger
    noise makes them overlap. Points cycle through the classes (0, 1, 2, 0, 1, ...), so the
    classes are balanced; the same seed gives the same points.
    """
    _check("make_blobs", n, classes, noise)
    rng = random.Random(seed)
    points, labels = [], []
    for i in range(n):
        k = i % classes
        angle = 2.0 * math.pi * k / classes
        cx, cy = 2.0 * math.cos(angle), 2.0 * math.sin(angle)
        points.append([cx + rng.gauss(0.0, noise), cy + rng.gauss(0.0, noise)])
        labels.append(k)
    return points, labels


def make_spirals(
    n: int = 150, classes: int = 3, noise: float = 0.05, seed: int | None = 0
) -> tuple[list[list[float]], list[int]]:
    """`classes` spiral arms winding out of the origin in 2-D, labelled 0, ..., classes - 1.

    A point of arm k sits at radius r, uniform in [0, 1), and angle 2 pi k / classes + 4 r
    (radians: each arm turns about two thirds of a circle, as in CS231n's spiral data), plus
    Gaussian noise of standard deviation `noise` on each coordinate. No straight line
    separates the arms, so a model needs a hidden layer. Points cycle through the classes
    (0, 1, 2, 0, 1, ...), so the classes are balanced; the same seed gives the same points.
    """
    _check("make_spirals", n, classes, noise)
    rng = random.Random(seed)
    points, labels = [], []
    for i in range(n):
        k = i % classes
        r = rng.random()
        angle = 2.0 * math.pi * k / classes + 4.0 * r
        points.append([r * math.cos(angle) + rng.gauss(0.0, noise), r * math.sin(angle) + rng.gauss(0.0, noise)])
        labels.append(k)
    return points, labels
