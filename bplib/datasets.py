"""Small data sets, all generated or shipped with scikit-learn: nothing is downloaded.

Every loader returns ``X`` with shape ``(n_samples, n_features)`` and targets
with one row per sample.
"""
import importlib.util
import math
from collections import namedtuple
from pathlib import Path

import numpy as np

from . import _validate
from ._validate import choose

Split = namedtuple("Split", "X_train X_test y_train y_test")
MAX_SAMPLES = 10 ** 7
MAX_NOISE = 1e6  # a standard deviation, for points of order 1
MAX_CLASSES = 10 ** 6
MAX_TURNS = 1e6  # of the spiral


def xor():
    """The four XOR points: X ``(4, 2)`` and Y ``(4, 1)`` with y = x1 XOR x2."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    Y = np.array([[0.0], [1.0], [1.0], [0.0]])
    return X, Y


def sin(n_samples=20, low=-5.0, high=5.0):
    """y = sin(x) at ``n_samples`` evenly spaced x in [low, high]: X, Y ``(n, 1)``."""
    n_samples = _validate.int_in_range(n_samples, "n_samples", 1, MAX_SAMPLES)
    low, high = _validate.finite_number(low, "low"), _validate.finite_number(high, "high")
    if not (low < high and np.isfinite(high - low)):
        raise ValueError(f"low must be below high (and high - low finite), got low={low!r} and high={high!r}")
    X = np.linspace(low, high, n_samples).reshape(-1, 1)
    return X, np.sin(X)


def one_hot(labels, n_classes=None):
    """Integer labels ``(n_samples,)`` -> one-hot rows ``(n_samples, n_classes)``.

    ``n_classes`` defaults to the largest label + 1. Whole-number floats such
    as 3.0 count as labels; no labels give an empty ``(0, n_classes)`` array.
    """
    if n_classes is not None:
        n_classes = _validate.int_in_range(n_classes, "n_classes", 1, MAX_CLASSES)
    _validate.unmasked(labels, "labels")
    array = np.asarray(labels) if not isinstance(labels, (str, bytes)) else np.asarray([labels])
    if array.dtype.kind == "f":  # float16 labels are compared with 10**6 below; a long double may not fit
        array = _validate.real_array(array, "labels").astype(np.float64)
    if array.dtype.kind == "O" and array.ndim == 1 and array.size and not all(_validate.is_int(v) for v in array):
        # Whole-number floats, Fractions or Decimals among Python objects: as a float array would be
        array = _validate.real_array(array, "labels").astype(np.float64)
    if array.dtype.kind == "O" and array.ndim == 1 and array.size and all(_validate.is_int(v) for v in array):
        try:
            array = array.astype(np.int64)  # Python ints, NumPy ints: labels like any others
        except OverflowError:
            biggest = max(array, key=abs)   # Python ints beyond int64: no label of a class one_hot can make
            raise ValueError(f"label {_validate.brief(biggest)} is beyond what one_hot can encode: labels run from 0 to "
                             f"n_classes - 1, and one_hot makes at most {MAX_CLASSES} classes") from None
    if array.size == 0 and array.ndim == 1:
        if n_classes is None:
            raise ValueError("labels is empty, so n_classes cannot be inferred from it: pass n_classes")
        return np.zeros((0, n_classes))
    whole = array.dtype.kind in "iu" or (array.dtype.kind == "f" and np.isfinite(array).all()
                                          and np.array_equal(array, np.round(array)))
    if array.ndim != 1 or not whole or array.min() < 0:
        raise ValueError(f"labels must be a 1-D array of non-negative integers, got dtype {array.dtype} "
                         f"and shape {array.shape}")
    if n_classes is None and array.max() >= MAX_CLASSES:
        raise ValueError(f"label {array.max()} would make {int(array.max()) + 1} classes; "
                         f"one_hot makes at most {MAX_CLASSES}")
    n_classes = int(array.max()) + 1 if n_classes is None else n_classes
    if array.max() >= n_classes:  # before the cast to int64, which a label of 1e300 would overflow
        raise ValueError(f"label {array.max()} does not fit n_classes={n_classes}: labels run from 0 to n_classes - 1")
    array = array.astype(np.int64)
    encoded = np.zeros((array.size, n_classes))
    encoded[np.arange(array.size), array] = 1.0
    return encoded


def digits(scaled=True):
    """scikit-learn's 8x8 digits (1,797 images) split 80/20 with ``random_state=1``.

    Returns ``Split(X_train, X_test, y_train, y_test)``: X ``(n, 64)`` with
    pixels divided by 16 into [0, 1] (``scaled=False`` keeps the raw 0..16,
    to show what that does), y integer labels ``(n,)``; use ``one_hot`` for
    training targets. The split is ``train_test_split(X, y, test_size=0.2,
    random_state=1)``'s: the test set is the first 20% (rounded up) of a
    ``RandomState(1)`` permutation, the training set the rest, in that order.
    """
    scaled = _validate.flag(scaled, "scaled")
    pixels, labels = _digits_table()
    X = pixels / 16.0 if scaled else pixels
    order = np.random.RandomState(1).permutation(len(labels))
    n_test = math.ceil(0.2 * len(labels))
    test, train = order[:n_test], order[n_test:]
    return Split(X[train], X[test], labels[train], labels[test])


def _digits_table():
    """(pixels ``(1797, 64)`` float, labels ``(1797,)`` int) as ``sklearn.datasets.load_digits`` gives them.

    Read straight from the file scikit-learn ships, which is what load_digits
    reads: importing scikit-learn costs about 2 s, reading the file 0.05 s.
    """
    spec = importlib.util.find_spec("sklearn")  # finds the package without importing it
    csv = Path(spec.submodule_search_locations[0], "datasets", "data", "digits.csv.gz") if spec else None
    if csv is None or not csv.is_file():  # a scikit-learn that keeps its data elsewhere: ask it
        from sklearn.datasets import load_digits

        data = load_digits()
        return data.data, data.target
    table = np.loadtxt(csv, delimiter=",")
    return table[:, :-1], table[:, -1].astype(np.int64)


def _noisy(X, noise, rng):
    return X + rng.normal(0.0, noise, size=X.shape) if noise > 0 else X


def _checked(n_samples, noise, seed):
    """The common arguments of the generated sets, checked."""
    return (_validate.int_in_range(n_samples, "n_samples", 1, MAX_SAMPLES),
            _validate.number_in_range(noise, "noise", 0.0, MAX_NOISE), np.random.default_rng(_validate.seed(seed)))


def moons(n_samples=200, noise=0.1, seed=0):
    """Two interleaving half circles: X ``(n, 2)``, labels ``(n,)`` in {0, 1}."""
    n_samples, noise, rng = _checked(n_samples, noise, seed)
    n_top = n_samples // 2
    t_top = np.linspace(0.0, np.pi, n_top)
    t_bottom = np.linspace(0.0, np.pi, n_samples - n_top)
    X = np.vstack([np.c_[np.cos(t_top), np.sin(t_top)],
                   np.c_[1.0 - np.cos(t_bottom), 0.5 - np.sin(t_bottom)]])
    y = np.r_[np.zeros(n_top, int), np.ones(n_samples - n_top, int)]
    return _shuffled(_noisy(X, noise, rng), y, rng)


def circles(n_samples=200, noise=0.05, factor=0.5, seed=0):
    """A small circle (label 1) of radius ``factor`` (0 < factor < 1) inside a large one (label 0):
    X ``(n, 2)``, y ``(n,)``."""
    n_samples, noise, rng = _checked(n_samples, noise, seed)
    factor = _validate.positive_number(factor, "factor")
    if factor >= 1:
        raise ValueError(f"factor is the inner circle's radius and must be below 1 (the outer one's), got {factor!r}")
    n_outer = n_samples // 2
    t_outer = np.linspace(0.0, 2 * np.pi, n_outer, endpoint=False)
    t_inner = np.linspace(0.0, 2 * np.pi, n_samples - n_outer, endpoint=False)
    X = np.vstack([np.c_[np.cos(t_outer), np.sin(t_outer)],
                   factor * np.c_[np.cos(t_inner), np.sin(t_inner)]])
    y = np.r_[np.zeros(n_outer, int), np.ones(n_samples - n_outer, int)]
    return _shuffled(_noisy(X, noise, rng), y, rng)


def spiral(n_samples=200, noise=0.05, turns=1.5, seed=0):
    """Two interleaved spiral arms of ``turns`` turns: X ``(n, 2)`` in about [-1, 1]^2, y ``(n,)``."""
    n_samples, noise, rng = _checked(n_samples, noise, seed)
    turns = _validate.positive_number(turns, "turns")
    if turns > MAX_TURNS:  # the angles would overflow, or be too large for float64 to place the points
        raise ValueError(f"turns must be a positive number up to {MAX_TURNS:g}, got {turns!r}")
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
    ``noise`` (at least 0.001, so that the blobs have some spread): X ``(n, 2)``, y ``(n,)``."""
    n_samples, noise, rng = _checked(n_samples, noise, seed)
    half = n_samples // 2
    centres = np.repeat(np.array([[-1.0, -1.0], [1.0, 1.0]]), [half, n_samples - half], axis=0)
    y = np.r_[np.zeros(half, int), np.ones(n_samples - half, int)]
    return _shuffled(_noisy(centres, max(noise, 1e-3), rng), y, rng)


def xor_points(n_samples=200, noise=0.1, seed=0):
    """A cloud version of XOR for the playground: points near the four corners
    of the unit square, label = x1 XOR x2; X ``(n, 2)``, y ``(n,)``."""
    n_samples, noise, rng = _checked(n_samples, noise, seed)
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
