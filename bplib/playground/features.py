"""Input features, as TensorFlow Playground has them: the network sees
functions of the point (x1, x2) instead of the point itself.

With x1^2 and x2^2 one layer can draw a circle (x1^2 + x2^2 = r^2 is a
straight line in those features); with x1*x2 it can draw XOR's quadrants.
"""
import numpy as np

FEATURES = ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin x1", "sin x2")
DEFAULT_FEATURES = ("x1", "x2")

# Each maps X (n_samples, 2) -> one column (n_samples,). The 1-D sin set has
# a single input x, taken as x1, so only the features of x1 apply to it.
_COLUMNS = {
    "x1": lambda X: X[:, 0],
    "x2": lambda X: X[:, 1],
    "x1^2": lambda X: X[:, 0] ** 2,
    "x2^2": lambda X: X[:, 1] ** 2,
    "x1*x2": lambda X: X[:, 0] * X[:, 1],
    "sin x1": lambda X: np.sin(X[:, 0]),
    "sin x2": lambda X: np.sin(X[:, 1]),
}
ONE_INPUT_FEATURES = ("x1", "x1^2", "sin x1")


def validated(names):
    """``names`` as a tuple in the canonical order, or a ValueError.

    Accepts any iterable of feature names (a single name too); refuses
    unknown names and the empty selection (a network needs an input).
    """
    if isinstance(names, str):
        names = (names,)
    try:
        chosen = list(names)
    except TypeError:
        raise ValueError(f"features must be a tuple of names from {list(FEATURES)}, got {names!r}") from None
    unknown = [name for name in chosen if name not in FEATURES]
    if unknown:
        from .._validate import suggestion

        raise ValueError(f"unknown feature {unknown[0]!r}; expected names from {list(FEATURES)}."
                         f"{suggestion(unknown[0], FEATURES)}")
    if not chosen:
        raise ValueError(f"features must name at least one input, e.g. ('x1', 'x2'); got none. "
                         f"Choose from {list(FEATURES)}")
    return tuple(name for name in FEATURES if name in chosen)


def used(names, n_inputs):
    """The features of ``names`` that apply to data with ``n_inputs`` columns (1 or 2).

    Raises ValueError when none does: the sin set has one input x = x1, so a
    selection of x2-features only leaves the network without input.
    """
    if n_inputs == 2:
        return names
    kept = tuple(name for name in names if name in ONE_INPUT_FEATURES)
    if not kept:
        raise ValueError(f"the sin data set has one input x (= x1), and the features {list(names)} all use x2; "
                         f"choose at least one of {list(ONE_INPUT_FEATURES)}")
    return kept


def transform(X, names):
    """The feature matrix ``(n_samples, len(names))`` of points X ``(n_samples, 1 or 2)``."""
    return np.column_stack([_COLUMNS[name](X) for name in names])


def label(name, n_inputs):
    """How a feature is written on the diagram: x1 is plain x for the 1-D set."""
    if n_inputs == 1:
        return name.replace("x1", "x")
    return name
