"""Immediate feedback on the course's exercises.

``check("hidden-error", hidden_error)`` runs the learner's function on the
exercise's test cases and prints "Correct" or raises ``ExerciseFailed`` with
what is wrong: the known mistake it matches (missing sigma', W instead of
W^T, missing 1/m, a sign, ...), a wrong or transposed shape, or the entry
that differs and by how much. A stub's ``NotImplementedError`` passes
through unchanged, so an unfinished exercise reads as unfinished.

``judge(exercise, case_index, output)`` is the comparison on its own: the
grader runs student code in another process and only hands the output here.
"""
import warnings

import numpy as np

from .exercises import get


class ExerciseFailed(AssertionError):
    """The learner's answer is not right yet; the message says why."""


def check(exercise_id, function):
    """Try ``function`` on exercise ``exercise_id``; print "Correct: ..." or raise ``ExerciseFailed``."""
    __tracebackhide__ = True  # IPython shows the learner their cell and their code, not ours
    passed, message = evaluate(exercise_id, function)
    if not passed:
        raise ExerciseFailed(message) from None
    print(message)


def evaluate(exercise_id, function):
    """``(passed, message)`` for ``function`` on every test case of the exercise."""
    __tracebackhide__ = True
    exercise = get(exercise_id)
    if not callable(function):
        return False, f"expected the function {exercise.function}, got {type(function).__name__}"
    cases = exercise.cases()
    for index in range(len(cases)):
        case = exercise.cases()[index]
        described = describe(case)
        try:
            output = run_quietly(exercise, function, case)
        except NotImplementedError:
            raise
        except Exception as error:  # the learner's code failed: say how, on which input
            return False, (f"{exercise.function} raised {type(error).__name__}: {error}\n"
                           f"on test case {index + 1}: {described}")
        message = judge(exercise, index, output)
        if message is not None:
            return False, f"{exercise.function}, test case {index + 1} ({described}):\n{message}"
    return True, f"Correct: {exercise.function} passes all {len(cases)} test cases."


def run_quietly(exercise, function, case):
    """``exercise.run(function, case)`` with numpy's warnings silenced: an
    overflow is reported once, by the judgement, not as a warning."""
    __tracebackhide__ = True
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return exercise.run(function, case)


def judge(exercise, case_index, output):
    """None if ``output`` is right for test case ``case_index``, else a message
    naming the likely mistake or the first difference."""
    if isinstance(exercise, str):
        exercise = get(exercise)
    if exercise.judge is not None:
        return exercise.judge(output, exercise.cases()[case_index])
    expected = run_quietly(exercise, exercise.reference, exercise.cases()[case_index])
    difference = compare(output, expected, exercise.rtol, exercise.atol)
    if difference is None:
        return None
    for mistake, wrong in exercise.mistakes:
        try:
            wrong_output = run_quietly(exercise, wrong, exercise.cases()[case_index])
        except Exception:  # a wrong variant that cannot run on this case cannot match
            continue
        if compare(output, wrong_output, exercise.rtol, exercise.atol) is None:
            return f"likely mistake: {mistake}"
    return difference


def describe(case):
    """A short account of a test case's inputs: names with shapes or values."""
    parts = []
    for name, value in case.items():
        if isinstance(value, np.ndarray):
            parts.append(f"{name} shape {value.shape}")
        elif isinstance(value, (list, tuple)) and value and all(isinstance(v, np.ndarray) for v in value):
            parts.append(f"{name} shapes {[v.shape for v in value]}")
        elif isinstance(value, (int, float, np.floating)):
            parts.append(f"{name}={value:g}")
        else:
            parts.append(f"{name}: {type(value).__name__}")
    return ", ".join(parts)


def compare(output, expected, rtol=1e-6, atol=1e-9, where="your result"):
    """None if ``output`` matches ``expected`` (nested tuples/lists/dicts of
    arrays and numbers), else a message saying where and how it differs."""
    if isinstance(expected, dict):
        if not isinstance(output, dict) or set(output) != set(expected):
            return f"{where} should be a dict with keys {sorted(expected)}"
        for key in expected:
            message = compare(output[key], expected[key], rtol, atol, f"{where}[{key!r}]")
            if message:
                return message
        return None
    if isinstance(expected, (tuple, list)):
        if not isinstance(output, (tuple, list)) or len(output) != len(expected):
            got = f"{type(output).__name__} of length {len(output)}" if isinstance(output, (tuple, list)) else type(output).__name__
            return f"{where} should be a {type(expected).__name__} of {len(expected)} items, got a {got}"
        for i, (out_item, exp_item) in enumerate(zip(output, expected)):
            message = compare(out_item, exp_item, rtol, atol, f"item {i} of {where}")
            if message:
                return message
        return None
    if isinstance(expected, str):
        return None if output == expected else f"{where} is {output!r}, expected {expected!r}"
    return _compare_arrays(output, expected, rtol, atol, where)


def _compare_arrays(output, expected, rtol, atol, where):
    expected = np.asarray(expected, dtype=float)
    if output is None:
        return f"{where} is None: did you forget to return it?"
    try:
        got = np.asarray(output, dtype=float)
    except (TypeError, ValueError):
        return f"{where} should be numeric with shape {expected.shape}, got {type(output).__name__}"
    if got.size == 1 and expected.size == 1:
        got, expected = got.reshape(()), expected.reshape(())
    if got.shape != expected.shape:
        if got.shape == expected.T.shape and np.allclose(got, expected.T, rtol=rtol, atol=atol):
            return f"{where} is transposed: expected shape {expected.shape}, got {got.shape}"
        return f"wrong shape: {where} should have shape {expected.shape}, got {got.shape}"
    # equal_nan lets a known wrong answer that overflows be recognised as such
    close = np.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return None
    if not np.all(np.isfinite(got)):
        return f"{where} contains NaN or infinity (an overflow, or log/division of 0?)"
    if got.ndim == 0:
        return f"{where} is {float(got):.6g}, expected {float(expected):.6g}"
    worst = np.unravel_index(np.argmax(np.abs(got - expected)), got.shape)
    index = ", ".join(str(i) for i in worst)
    return (f"entry [{index}] of {where} is {got[worst]:.6g}, expected {expected[worst]:.6g} "
            f"({int((~close).sum())} of {close.size} entries differ)")
