"""Input checks shared by the package, with messages that say what was expected."""
import difflib
import numbers

import numpy as np


def suggestion(name, options):
    """" Did you mean 'x'?" for the option closest to ``name``, or ""."""
    close = difflib.get_close_matches(str(name), list(options), n=1)
    return f" Did you mean {close[0]!r}?" if close else ""


def choose(kind, name, options):
    """Return ``name`` if it is one of ``options``, else raise a ValueError naming the options."""
    if name in options:
        return name
    raise ValueError(f"unknown {kind} {name!r}; expected one of {sorted(options)}.{suggestion(name, options)}")


def is_positive_int(value):
    """True for 1, 2, ... of any integer type (not for True, 2.0 or "2")."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 1


def positive_int(value, name):
    """``value`` as an int, or a ValueError if it is not a positive integer."""
    if not is_positive_int(value):
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def positive_number(value, name):
    """``value`` as a float, or a ValueError if it is not a positive finite number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return float(value)


def int_in_range(value, name, low, high):
    """``value`` as an int, or a ValueError if it is not an integer from ``low`` to ``high``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not low <= value <= high:
        raise ValueError(f"{name} must be an integer from {low} to {high}, got {value!r}")
    return int(value)


def number_in_range(value, name, low, high, hint=""):
    """``value`` as a float, or a ValueError if it is not a finite number from ``low`` to ``high``.

    A value a hair outside the range (a slider's rounding, 1e-9 relative) is
    moved onto the nearer end instead of refused.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value) \
            or not low - 1e-9 * abs(low) <= value <= high + 1e-9 * abs(high):
        raise ValueError(f"{name} must be a number from {low:g} to {high:g}, got {value!r}{hint}")
    return float(min(max(value, low), high))


def batch_size(value):
    """``value`` as an int, or None (the whole set); a ValueError for anything else."""
    if value is None:
        return None
    if not is_positive_int(value):
        raise ValueError(f"batch_size must be None (the whole set) or a positive integer, got {value!r}")
    return int(value)


def layer_widths(value, name):
    """A tuple of positive ints (one int means one layer), or a ValueError naming ``name``."""
    widths = (value,) if isinstance(value, numbers.Integral) and not isinstance(value, bool) else value
    try:
        widths = tuple(widths) if not isinstance(widths, (str, bytes)) else None
    except TypeError:
        widths = None
    if widths is None or not all(is_positive_int(width) for width in widths):
        raise ValueError(f"{name} must be a tuple of positive integers, one per layer "
                         f"(e.g. (32,) or (64, 32); () for none), got {value!r}")
    return tuple(int(width) for width in widths)


def as_matrix(values, name, n_columns=None):
    """``values`` as a finite float64 array of shape (n_samples, n_columns).

    A 1-D array is taken as one column when ``n_columns`` is 1, and refused
    otherwise (it would be ambiguous: one sample or one feature?).
    """
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be numeric, got {type(values).__name__}: {error}") from None
    if array.ndim == 1 and n_columns == 1:
        array = array.reshape(-1, 1)
    if array.ndim != 2:
        expected = f"(n_samples, {n_columns})" if n_columns is not None else "(n_samples, n_features)"
        raise ValueError(
            f"{name} must be a 2-D array of shape {expected} (one row per sample), "
            f"got shape {array.shape}"
        )
    if n_columns is not None and array.shape[1] != n_columns:
        raise ValueError(
            f"{name} has {array.shape[1]} columns but the network expects {n_columns}: "
            f"expected shape (n_samples, {n_columns}), got {array.shape}"
        )
    if array.shape[0] == 0:
        raise ValueError(f"{name} has no rows: expected at least one sample")
    if not np.all(np.isfinite(array)):
        bad = np.argwhere(~np.isfinite(array))[0]
        raise ValueError(
            f"{name} contains NaN or infinity (first at row {bad[0]}, column {bad[1]}); "
            "expected finite numbers"
        )
    return array


def same_rows(X, Y):
    if X.shape[0] != Y.shape[0]:
        raise ValueError(
            f"X has {X.shape[0]} rows but Y has {Y.shape[0]}: expected one target row per sample"
        )
