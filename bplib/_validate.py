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
