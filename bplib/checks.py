"""Immediate feedback on the course's exercises.

``check("hidden-error", hidden_error)`` runs the learner's function on the
exercise's test cases and prints "Correct" or raises ``ExerciseFailed`` with
what is wrong: the known mistake it matches (missing sigma', w instead of
w^T, missing 1/n, a sign, ...), a wrong or transposed shape, or the entry
that differs and by how much. A stub's ``NotImplementedError`` passes
through unchanged, so an unfinished exercise reads as unfinished.

The test cases, their expected outputs and the outputs of the known
mistakes are data (``bplib/exercise_data/<id>.json``, written by the course
build from the instructors' answer key, which is not part of bplib): the
feedback compares outputs, it never calls a reference answer.

``judge_output(...)`` is the comparison on its own; the grader uses it too.
"""
import json
import warnings
from importlib import resources

import numpy as np

from ._encoding import decode
from ._validate import choose


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
    """``(passed, message)`` for ``function`` on every public test case of the exercise."""
    __tracebackhide__ = True
    data = load(exercise_id)
    name = data["function"]
    if not callable(function):
        return False, f"expected the function {name}, got {type(function).__name__}"
    cases = data["cases"]
    for index, case in enumerate(cases):
        inputs = decode(case["inputs"])
        described = describe(inputs)
        try:
            output = run_quietly(data["invoke"], function, inputs)
        except NotImplementedError:
            raise
        except Exception as error:  # the learner's code failed: say how, on which input
            return False, (f"{name} raised {type(error).__name__}: {error}\n"
                           f"on test case {index + 1}: {described}")
        mistakes = [(mistake["name"], decode(mistake["output"])) for mistake in case["mistakes"]]
        message = judge_output(data["judge"], decode(case["inputs"]), output, decode(case["expected"]), mistakes,
                               data["rtol"], data["atol"])
        if message is not None:
            return False, f"{name}, test case {index + 1} ({described}):\n{message}"
    return True, f"Correct: {name} passes all {len(cases)} test cases."


def exercise_ids():
    """The ids of the exercises that have feedback data, sorted."""
    folder = resources.files(__package__) / "exercise_data"
    return sorted(entry.name[:-5] for entry in folder.iterdir() if entry.name.endswith(".json"))


def load(exercise_id):
    """The feedback data of one exercise, as written by the course build (a dict)."""
    choose("exercise id", exercise_id, exercise_ids())
    text = (resources.files(__package__) / "exercise_data" / f"{exercise_id}.json").read_text(encoding="utf-8")
    return json.loads(text)


# -- how an exercise's function is called --------------------------------------------------------------------
def _call(function, case):
    return function(**case)


def _call_float(function, case):
    return float(function(**case))


def _numerical_gradient(function, case):
    """Calls ``function(cost, param, eps)`` on a smooth cost of ``param`` and
    notes whether ``param`` was put back afterwards."""
    param, target = case["param"], case["target"]
    before = param.copy()

    def cost():
        return float(np.sum(np.cos(param) * target) + np.sum(param ** 3))

    grad = function(cost, param, case["eps"])
    if not np.allclose(param, before, rtol=0, atol=1e-12):
        return {"restored": False, "grad": grad}
    return grad


def _train_step(function, case):
    """Calls ``function(net, X, Y, learning_rate)``; its output is the net's parameters afterwards."""
    net = case["net"]
    function(net, case["X"], case["Y"], case["learning_rate"])
    return [np.array(w, copy=True) for w in net.weights] + [np.array(b, copy=True) for b in net.biases]


def _layers_at_fault(function, case):
    """Calls ``function(backprop_fn, net, X, Y)`` with a backprop that has the case's planted bug
    (or none); its output is the sorted list of ``(layer, "w" or "b")`` pairs."""
    from .bughunt import planted_bug

    net, bug = case["net"], case["bug"]
    if bug is None:
        backprop_fn = net.backprop
    else:
        planted = planted_bug(bug)

        def backprop_fn(X, Y):
            return planted(net.weights, net.biases, X, Y)
    found = function(backprop_fn, net, case["X"], case["Y"])
    return sorted((int(layer), str(name)) for layer, name in found)


INVOKERS = {"call": _call, "float": _call_float, "numerical-gradient": _numerical_gradient,
            "train-step": _train_step, "layers-at-fault": _layers_at_fault}


def run_quietly(invoke, function, case):
    """The output of ``function`` on ``case``, called the way ``invoke`` names, with
    numpy's warnings silenced: an overflow is reported once, by the judgement."""
    __tracebackhide__ = True
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return INVOKERS[invoke](function, case)


# -- how an output is judged ---------------------------------------------------------------------------------
def judge_output(judge, case, output, expected, mistakes, rtol=1e-6, atol=1e-9):
    """None if ``output`` is right for ``case``, else a message naming the likely
    mistake or the first difference.

    judge: a key of ``JUDGES``; expected: the right output; mistakes:
    ``[(what went wrong, the output that mistake gives)]``.
    """
    return JUDGES[judge](case, output, expected, mistakes, rtol, atol)


def _judge_compare(case, output, expected, mistakes, rtol, atol):
    difference = compare(output, expected, rtol, atol)
    if difference is None:
        return None
    for mistake, wrong_output in mistakes:
        if compare(output, wrong_output, rtol, atol) is None:
            return f"likely mistake: {mistake}"
    return difference


def _judge_numerical_gradient(case, output, expected, mistakes, rtol, atol):
    if isinstance(output, dict):
        return "the parameter array was left changed: put each entry back after nudging it"
    try:
        output = np.asarray(output, dtype=float)
    except (TypeError, ValueError):
        return f"your result should be an array of numbers shaped like param, got {type(output).__name__}"
    if output.shape != expected.shape:
        return f"wrong shape: expected {expected.shape} (the shape of param), got {output.shape}"
    error = np.max(np.abs(output - expected))
    if error < 1e-6:
        return None
    if error < 1e-2:
        return (f"close but not central: off by up to {error:.1e}. A one-sided difference "
                "(C(p + eps) - C(p)) / eps has an O(eps) error; use (C(p + eps) - C(p - eps)) / (2 eps)")
    return f"off by up to {error:.3g} from the true gradient"


def _judge_init_statistics(case, output, expected, mistakes, rtol, atol):
    n_in, n_out = case["n_in"], case["n_out"]
    try:
        output = np.asarray(output, dtype=float)
    except (TypeError, ValueError):
        return f"your result should be an array of shape (n_out, n_in) = {(n_out, n_in)}, got {type(output).__name__}"
    if output.shape == (n_in, n_out) and n_in != n_out:
        return f"transposed: w^l has shape (n_out, n_in) = {(n_out, n_in)}, you returned {output.shape}"
    if output.shape != (n_out, n_in):
        return f"wrong shape: expected (n_out, n_in) = {(n_out, n_in)}, got {output.shape}"
    std, mean = output.std(), output.mean()
    wanted = 1.0 / np.sqrt(n_in)
    # With n_in * n_out >= 50,000 draws the sample mean and standard deviation
    # are within 1% of the truth, so 5% margins separate the cases cleanly.
    if abs(mean) > 0.05 * wanted:
        return f"the weights should be centred on 0; their mean is {mean:.4f}"
    if abs(std / wanted - 1) < 0.05:
        return None
    if abs(std - 1) < 0.05:
        return f"standard deviation {std:.3f}: that is N(0, 1); scale it by 1/sqrt(n_in) = {wanted:.3f}"
    if abs(std * n_in - 1) < 0.05:
        return f"standard deviation {std:.4f} = 1/n_in: use 1/sqrt(n_in) = {wanted:.4f} (the variance is 1/n_in)"
    return f"standard deviation {std:.4f}, expected 1/sqrt(n_in) = {wanted:.4f}"


def _judge_layers(case, output, expected, mistakes, rtol, atol):
    expected = [tuple(pair) for pair in expected]
    if output == expected:
        return None
    return f"expected the parameters {expected} to disagree, you reported {output}"


JUDGES = {"compare": _judge_compare, "numerical-gradient": _judge_numerical_gradient,
          "init-statistics": _judge_init_statistics, "layers": _judge_layers}
JUDGES_WITHOUT_EXPECTED = {"init-statistics"}


# -- describing and comparing ----------------------------------------------------------------------------------
def describe(case):
    """A short account of a test case's inputs: names with shapes or values."""
    parts = []
    for name, value in case.items():
        if isinstance(value, np.ndarray):
            parts.append(f"{name} shape {value.shape}")
        elif isinstance(value, (list, tuple)) and value and all(isinstance(v, np.ndarray) for v in value):
            parts.append(f"{name} shapes {[v.shape for v in value]}")
        elif isinstance(value, (int, float, np.floating)) and not isinstance(value, bool):
            parts.append(f"{name}={value:g}")
        elif value is None:
            parts.append(f"{name}=None")
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
            got = f"{type(output).__name__} of length {len(output)}" if isinstance(output, (tuple, list)) \
                else type(output).__name__
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
