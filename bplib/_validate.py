"""Input checks shared by the package, with messages that say what was expected.

Every public function of bplib runs its arguments through these, so that bad
input stops with a ValueError naming the argument, the value and what was
expected, instead of a traceback from inside NumPy or a silent wrong result.
"""
import decimal
import difflib
import functools
import inspect
import numbers

import numpy as np


# Other libraries' names for options of ours (scikit-learn's "logistic", Keras' "linear", ...).
ALIASES = {"linear": "identity", "logistic": "sigmoid", "mse": "quadratic", "squared_error": "quadratic",
           "log_loss": "cross_entropy", "crossentropy": "cross_entropy"}


def suggestion(name, options):
    """" Did you mean 'x'?" for the option closest to ``name`` (in any case, or another library's name
    for it), or ""."""
    text = str(name).strip().lower().replace("-", "_")
    words = {str(option).lower(): str(option) for option in options}
    if text in words or ALIASES.get(text) in words:
        close = [words.get(text) or words[ALIASES[text]]]
    else:
        close = [words[w] for w in difflib.get_close_matches(text, list(words), n=1)]
    return f" Did you mean {close[0]!r}?" if close else ""


def choose(kind, name, options):
    """Return ``name`` (as a str) if it is one of ``options``, else raise a ValueError naming the options."""
    if isinstance(name, str) and name in options:
        return str(name)   # np.str_ too, which would show as np.str_('relu') in a repr
    raise ValueError(f"unknown {kind} {name!r}; expected one of {sorted(options)}.{suggestion(name, options)}")


def is_int(value):
    """True for an integer of any type (a Python int, a NumPy int), not for a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


# Real numbers of any type. Decimal is no numbers.Real (it does not mix with floats in arithmetic), but it
# is a real number, and float() takes it.
REAL_TYPES = (numbers.Real, decimal.Decimal)


def _is_real(value):
    return isinstance(value, REAL_TYPES) and not isinstance(value, (bool, np.bool_))


def is_positive_int(value):
    """True for 1, 2, ... of any integer type (not for True, 2.0 or "2")."""
    return is_int(value) and value >= 1


def positive_int(value, name):
    """``value`` as an int, or a ValueError if it is not a positive integer."""
    if not is_positive_int(value):
        raise ValueError(f"{name} must be a positive integer, got {brief(value)}")
    return int(value)


def _as_float(value):
    """``value`` as a float if it is a real number (not a bool), else None.

    Any real type counts (a NumPy scalar, a Fraction, a Python int above 2**64);
    one beyond float64's range becomes infinity, which the callers refuse.
    """
    if not _is_real(value):
        return None
    try:
        return float(value)
    except OverflowError:  # a Python int of 400 digits, say
        return float("inf") if value > 0 else float("-inf")
    except ValueError:  # Decimal("sNaN") refuses to become a float
        return float("nan")


def positive_number(value, name):
    """``value`` as a float, or a ValueError if it is not a positive finite number."""
    number = _as_float(value)
    if number is None or not np.isfinite(number) or number <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {brief(value)}")
    return number


def non_negative_number(value, name):
    """``value`` as a float, or a ValueError if it is not a finite number >= 0."""
    number = _as_float(value)
    if number is None or not np.isfinite(number) or number < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {brief(value)}")
    return number


def finite_number(value, name):
    """``value`` as a float, or a ValueError if it is not a finite real number."""
    number = _as_float(value)
    if number is None or not np.isfinite(number):
        shown = brief(value)
        beyond = " (beyond float64's range)" if number is not None and "inf" not in shown.lower() \
            and not np.isnan(number) else ""
        raise ValueError(f"{name} must be a finite number, got {shown}{beyond}")
    return number


def brief(value):
    """``repr(value)``, cut short for a message (a Python int of 400 digits, say)."""
    shown = repr(value)
    return shown if len(shown) <= 40 else f"{shown[:12]}... ({len(shown)} characters)"


def flag(value, name):
    """``value`` as a bool, or a ValueError if it is not True or False."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {brief(value)}")
    return bool(value)


def seed(value, name="seed", allow_none=False):
    """``value`` as an int >= 0 (what ``np.random.default_rng`` takes), or a ValueError.

    ``allow_none`` lets None through, for arguments where None means "carry on
    with the generator you already have".
    """
    if value is None and allow_none:
        return None
    if not is_int(value) or value < 0:
        expected = "None or an integer >= 0" if allow_none else "an integer >= 0"
        raise ValueError(f"{name} must be {expected} (runs are reproducible from it), got {brief(value)}")
    return int(value)


def int_in_range(value, name, low, high):
    """``value`` as an int, or a ValueError if it is not an integer from ``low`` to ``high``."""
    if not is_int(value) or not low <= value <= high:
        raise ValueError(f"{name} must be an integer from {low} to {high}, got {brief(value)}")
    return int(value)


def number_in_range(value, name, low, high, hint=""):
    """``value`` as a float, or a ValueError if it is not a finite number from ``low`` to ``high``.

    A value a hair outside the range (a slider's rounding, 1e-9 relative) is
    moved onto the nearer end instead of refused.
    """
    number = _as_float(value)
    if number is None or not np.isfinite(number) \
            or not low - 1e-9 * abs(low) <= number <= high + 1e-9 * abs(high):
        raise ValueError(f"{name} must be a number from {low:g} to {high:g}, got {brief(value)}{hint}")
    return float(min(max(number, low), high))


def batch_size(value):
    """``value`` as an int, or None (the whole set); a ValueError for anything else."""
    if value is None:
        return None
    if not is_positive_int(value):
        raise ValueError(f"batch_size must be None (the whole set) or a positive integer, got {brief(value)}")
    return int(value)


# Iterables that are not a list of layer widths in order: a set iterates in the order of its
# hashes ({5, 2, 1} gives 1, 2, 5), a dict over its keys, a string over its characters.
UNORDERED = (str, bytes, set, frozenset, dict)


def layer_widths(value, name):
    """A tuple of positive ints (one int means one layer), or a ValueError naming ``name``."""
    widths = (value,) if is_int(value) else value
    try:
        widths = tuple(widths) if not isinstance(widths, UNORDERED) else None
    except TypeError:
        widths = None
    if widths is None or not all(is_positive_int(width) for width in widths):
        raise ValueError(f"{name} must be a tuple of positive integers, one per layer "
                         f"(e.g. (32,) or (64, 32); () for none), got {brief(value)}")
    return tuple(int(width) for width in widths)


def float_dtype(value, name="dtype"):
    """np.float32 or np.float64 (as a NumPy dtype), or a ValueError."""
    try:
        dtype = np.dtype(value) if value is not None else None
    except TypeError:
        dtype = None
    if dtype is not None:
        dtype = dtype.newbyteorder("=")   # '>f8' is float64 too, stored the other way round
    if dtype is None or dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"{name} must be np.float64 or np.float32, got {brief(value)}")
    return dtype


def unmasked(values, name):
    """A ValueError if ``values`` is a masked array with masked entries: np.asarray would use the values
    under the mask as data."""
    if isinstance(values, np.ma.MaskedArray) and np.ma.is_masked(values):
        raise ValueError(f"{name} has masked entries; expected plain numbers: fill them in "
                         "(.filled(value)) or leave those rows out")


_NONE = object()  # "no such element", where None is an element to find


def real_array(values, name):
    """``values`` as a NumPy array of real numbers, or a ValueError.

    Integers and bools become float64, float16 becomes float32, float32 and
    float64 stay as they are, long doubles become float64; strings, complex
    numbers, None, ragged lists, masked entries and numbers beyond float64's
    range are refused.
    """
    unmasked(values, name)
    array, holding = None, ""
    if not isinstance(values, (str, bytes)):
        try:
            array = np.asarray(values)
            if array.dtype.kind == "O":  # a list mixing Python numbers, say; None would become NaN, and
                # float() would read a string "1" as a number, which a list of strings is not
                other = next((v for v in array.ravel() if not isinstance(v, REAL_TYPES + (np.bool_,))), _NONE)
                if other is _NONE:
                    array = np.asarray(values, dtype=np.float64)
                else:
                    shown = "None" if other is None else f"{type(other).__name__} {brief(other)}"
                    array, holding = None, f" holding {shown}"
        except OverflowError:  # a Python int of 400 digits
            raise ValueError(_beyond_float64(name)) from None
        except (TypeError, ValueError):  # None inside, a ragged list, a string inside
            array = None
    if array is None or array.dtype.kind not in "biuf":
        what = type(values).__name__ + holding if array is None else f"{type(values).__name__} of dtype {array.dtype}"
        raise ValueError(f"{name} must be real numbers (ints or floats, in equal-length rows), got {what}")
    if array.dtype.kind == "f" and array.dtype.itemsize > 8:  # a long double
        with np.errstate(over="ignore"):
            narrowed = array.astype(np.float64)
        if (np.isinf(narrowed) & np.isfinite(array)).any():
            raise ValueError(_beyond_float64(name))
        return narrowed
    if array.dtype.kind != "f":
        return array.astype(np.float64)
    return array.astype(np.float32) if array.dtype.itemsize < 4 else array


def _beyond_float64(name):
    return f"{name} has entries beyond float64's range (about 1.8e308); expected finite numbers: scale them"


def _as_float64(values, name):
    return real_array(values, name).astype(np.float64, copy=False)


def as_matrix(values, name, n_columns=None, who=None):
    """``values`` as a finite float64 array of shape (n_samples, n_columns).

    A 1-D array is taken as one column when ``n_columns`` is 1, and refused
    otherwise (it would be ambiguous: one sample or one feature?). ``who``
    says in a message what needs that many columns (by default "the network
    expects n_columns").
    """
    array = _as_float64(values, name)
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
            f"{name} has {array.shape[1]} columns but {who or f'the network expects {n_columns}'}: "
            f"expected shape (n_samples, {n_columns}), got {array.shape}"
        )
    if array.shape[0] == 0:
        raise ValueError(f"{name} has no rows: expected at least one sample")
    all_finite(array, name)
    return array


def all_finite(array, name):
    """A ValueError naming the first NaN or infinity in ``array``, if there is one."""
    if not np.isfinite(array).all():
        bad = np.argwhere(~np.isfinite(array))[0]
        where = f" (first at row {bad[0]}, column {bad[1]})" if len(bad) == 2 else \
            f" (first at index {tuple(int(i) for i in bad)})" if len(bad) else ""
        raise ValueError(f"{name} contains NaN or infinity{where}; expected finite numbers")


def within(array, name, low, high, why):
    """A ValueError if an entry of ``array`` lies outside [low, high]."""
    if array.size and (array.min() < low or array.max() > high):
        bad = np.argwhere((array < low) | (array > high))[0]
        where = f"at row {bad[0]}, column {bad[1]}" if len(bad) == 2 else f"at index {tuple(bad)}"
        raise ValueError(f"{name} must lie in [{low:g}, {high:g}] ({why}); "
                         f"got {_shortest(array[tuple(bad)])} {where}")


def _shortest(value):
    """A float as the shortest text that reads back as it: 1.0000000000000002 (not 1, as :g gives), 2."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def separate(arrays):
    """A ValueError if two of ``arrays`` (a dict name -> array) share memory, so that a change of one
    would change the other."""
    named = list(arrays.items())
    for j, (name, array) in enumerate(named):
        for other_name, other in named[:j]:
            if np.shares_memory(array, other):
                raise ValueError(f"{name} shares its memory with {other_name}: each needs an array of its own "
                                 "(a step or a nudge of one would change the other); store a copy, .copy()")


def apart_from(array, others):
    """``array``, or a copy of it if it may share memory with one of ``others`` (which are about to change)."""
    return array.copy() if any(np.may_share_memory(array, other) for other in others) else array


def same_rows(X, Y):
    if X.shape[0] != Y.shape[0]:
        raise ValueError(
            f"X has {X.shape[0]} rows but Y has {Y.shape[0]}: expected one target row per sample"
        )


def _arguments(name, parameters, args, kwargs):
    """The arguments of a call of ``name(*parameters)`` as a dict, or the TypeError Python would raise."""
    if len(args) > len(parameters):
        raise TypeError(f"{name}() takes {len(parameters)} arguments but {len(args)} were given")
    values = dict(zip(parameters, args))
    for key, value in kwargs.items():
        if key not in parameters or key in values:
            raise TypeError(f"{name}() got an unexpected or repeated argument {key!r}")
        values[key] = value
    if len(values) < len(parameters):
        missing = [p for p in parameters if p not in values]
        raise TypeError(f"{name}() is missing argument(s) {', '.join(missing)}")
    return values


def batch_function(shapes, within_unit=()):
    """Decorator for a function of batches: its arguments' shapes are checked, its result must be finite.

    ``shapes`` maps each array argument to its dimensions, e.g.
    ``{"delta": "n, n_l", "previous_activation": "n, n_prev"}``: the argument
    becomes a float64 array with that many dimensions, a name used twice must
    be the same length each time, and the batch has at least one sample
    (``n >= 1``). ``within_unit`` names arguments that must lie in [0, 1]
    (probabilities, cross-entropy targets). A NaN or infinity in the result
    raises a ValueError naming the argument that had one or, if none did, the
    overflow; the function itself stays the bare formula. NaN and infinity in
    the arguments are let through to the formula, so that this costs one
    check on the result when all is well.
    """
    dimensions = {arg: tuple(d.strip() for d in spec.split(",")) for arg, spec in shapes.items()}

    def decorate(function):
        parameters = tuple(inspect.signature(function).parameters)
        name = function.__name__

        @functools.wraps(function)
        def checked(*args, **kwargs):
            values = _arguments(name, parameters, args, kwargs)
            lengths = {}  # dimension name -> (length, the argument it was first seen in)
            for arg, dims in dimensions.items():
                value = values[arg]
                array = value if type(value) is np.ndarray and value.dtype == np.float64 else _as_float64(value, arg)
                if array.ndim != len(dims):
                    raise ValueError(f"{name}: {arg} must be a {len(dims)}-D array of shape ({', '.join(dims)}), "
                                     f"got shape {array.shape}")
                for dim, length in zip(dims, array.shape):
                    first_length, first_arg = lengths.setdefault(dim, (length, arg))
                    if first_length != length:
                        raise ValueError(f"{name}: {arg} has shape {array.shape}, expected ({', '.join(dims)}) "
                                         f"with {dim} = {first_length} as in {first_arg}")
                values[arg] = array
            if lengths["n"][0] == 0:
                raise ValueError(f"{name}: the batch has no rows (n = 0); expected at least one sample")
            for arg in within_unit:
                all_finite(values[arg], f"{name}: {arg}")
                within(values[arg], f"{name}: {arg}", 0.0, 1.0, "probabilities")
            with np.errstate(all="ignore"):
                result = function(**values)
            if not np.isfinite(result).all():
                for arg in dimensions:
                    all_finite(values[arg], f"{name}: {arg}")
                largest = max(float(np.abs(values[arg]).max(initial=0.0)) for arg in dimensions)
                raise ValueError(f"{name}: the result overflowed float64 (it is NaN or infinite although every "
                                 f"argument is finite): the sums and products it takes of values up to "
                                 f"{largest:.3g} go beyond 1.8e308; scale the data (X, Y) or the weights they "
                                 "come from")
            return result

        checked.formula = function  # the bare formula, for callers that have checked the arguments
        return checked

    return decorate
