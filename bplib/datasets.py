"""Small data sets, all generated or shipped with scikit-learn: nothing is downloaded.

Every loader returns ``X`` with shape ``(n_samples, n_features)`` and targets
with one row per sample.
"""
from collections import namedtuple

import numpy as np

from ._validate import choose

Split = namedtuple("Split", "X_train X_test y_train y_test")


def xor():
    """The four XOR points: X ``(4, 2)`` and Y ``(4, 1)`` with y = x1 XOR x2."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    Y = np.array([[0.0], [1.0], [1.0], [0.0]])
    return X, Y


def sin(n_samples=20, low=-5.0, high=5.0):
    """y = sin(x) at ``n_samples`` evenly spaced x in [low, high]: X, Y ``(n, 1)``."""
    X = np.linspace(low, high, n_samples).reshape(-1, 1)
    return X, np.sin(X)


def one_hot(labels, n_classes=None):
    """Integer labels ``(n_samples,)`` -> one-hot rows ``(n_samples, n_classes)``."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0:
        raise ValueError(f"labels must be a 1-D array of non-negative integers, got dtype {labels.dtype} "
                         f"and shape {labels.shape}")
    n_classes = int(labels.max()) + 1 if n_classes is None else n_classes
    if labels.max() >= n_classes:
        raise ValueError(f"label {labels.max()} does not fit n_classes={n_classes}")
    encoded = np.zeros((labels.size, n_classes))
    encoded[np.arange(labels.size), labels] = 1.0
    return encoded


def digits(scaled=True):
    """scikit-learn's 8x8 digits split 80/20 with ``random_state=1``.

    Returns ``Split(X_train, X_test, y_train, y_test)``: X ``(n, 64)`` with
    pixels divided by 16 into [0, 1] (``scaled=False`` keeps the raw 0..16,
    to show what that does), y integer labels ``(n,)``; use ``one_hot`` for
    training targets.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    data = load_digits()
    X = data.data / 16.0 if scaled else data.data.astype(float)
    return Split(*train_test_split(X, data.target, test_size=0.2, random_state=1))


def _noisy(X, noise, rng):
    return X + rng.normal(0.0, noise, size=X.shape) if noise > 0 else X


def moons(n_samples=200, noise=0.1, seed=0):
    """Two interleaving half circles: X ``(n, 2)``, labels ``(n,)`` in {0, 1}."""
    rng = np.random.default_rng(seed)
    n_top = n_samples // 2
    t_top = np.linspace(0.0, np.pi, n_top)
    t_bottom = np.linspace(0.0, np.pi, n_samples - n_top)
    X = np.vstack([np.c_[np.cos(t_top), np.sin(t_top)],
                   np.c_[1.0 - np.cos(t_bottom), 0.5 - np.sin(t_bottom)]])
    y = np.r_[np.zeros(n_top, int), np.ones(n_samples - n_top, int)]
    return _shuffled(_noisy(X, noise, rng), y, rng)


def circles(n_samples=200, noise=0.05, factor=0.5, seed=0):
    """A small circle (label 1) inside a large one (label 0): X ``(n, 2)``, y ``(n,)``."""
    rng = np.random.default_rng(seed)
    n_outer = n_samples // 2
    t_outer = np.linspace(0.0, 2 * np.pi, n_outer, endpoint=False)
    t_inner = np.linspace(0.0, 2 * np.pi, n_samples - n_outer, endpoint=False)
    X = np.vstack([np.c_[np.cos(t_outer), np.sin(t_outer)],
                   factor * np.c_[np.cos(t_inner), np.sin(t_inner)]])
    y = np.r_[np.zeros(n_outer, int), np.ones(n_samples - n_outer, int)]
    return _shuffled(_noisy(X, noise, rng), y, rng)


def spiral(n_samples=200, noise=0.05, turns=1.5, seed=0):
    """Two interleaved spiral arms: X ``(n, 2)`` in about [-1, 1]^2, y ``(n,)``."""
    rng = np.random.default_rng(seed)
    half = n_samples // 2
    arms = []
    for label, count in ((0, half), (1, n_samples - half)):
        radius = np.linspace(0.1, 1.0, count)
        angle = 2 * np.pi * turns * radius + label * np.pi
        arms.append(np.c_[radius * np.cos(angle), radius * np.sin(angle)])
    X = np.vstack(arms)
    y = np.r_[np.zeros(half, int), np.ones(n_samples - half, int)]
    return _shuffled(_noisy(X, noise, rng), y, rng)


def blobs(n_samples=200, noise=0.3, seed=0):
    """Two Gaussian blobs centred at (-1, -1) and (1, 1) with standard deviation
    ``noise``: X ``(n, 2)``, y ``(n,)``."""
    rng = np.random.default_rng(seed)
    half = n_samples // 2
    centres = np.repeat(np.array([[-1.0, -1.0], [1.0, 1.0]]), [half, n_samples - half], axis=0)
    y = np.r_[np.zeros(half, int), np.ones(n_samples - half, int)]
    return _shuffled(_noisy(centres, max(noise, 1e-3), rng), y, rng)


def xor_points(n_samples=200, noise=0.1, seed=0):
    """A cloud version of XOR for the playground: points near the four corners
    of the unit square, label = x1 XOR x2; X ``(n, 2)``, y ``(n,)``."""
    rng = np.random.default_rng(seed)
    corners = rng.integers(0, 2, size=(n_samples, 2))
    y = (corners[:, 0] ^ corners[:, 1]).astype(int)
    return _noisy(corners.astype(float), noise, rng), y


def _shuffled(X, y, rng):
    order = rng.permutation(len(y))
    return X[order], y[order]


CLASSIFICATION_SETS = {"xor": xor_points, "moons": moons, "circles": circles,
                       "spiral": spiral, "blobs": blobs}


def classification(name, n_samples=200, noise=0.1, seed=0):
    """One of the playground's 2-D sets by name: X ``(n, 2)``, labels ``(n,)``."""
    choose("data set", name, CLASSIFICATION_SETS)
    return CLASSIFICATION_SETS[name](n_samples=n_samples, noise=noise, seed=seed)
