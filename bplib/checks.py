"""Immediate feedback on the course's exercises.

``check("hidden-error", hidden_error)`` runs the learner's function on the
exercise's test cases and prints "Correct" or raises ``ExerciseFailed`` with
what is wrong: the known mistake it matches (missing sigma', w instead of
w^T, missing 1/n, a sign, ...), a wrong or transposed shape, an input
changed in place, or the entry that differs and by how much, named in the
course's notation (``weight_grads[0] = dC/dw^1``). A stub's
``NotImplementedError`` passes through unchanged, so an unfinished exercise
reads as unfinished.

The test cases, their expected outputs and the outputs of the known
mistakes are data (``bplib/exercise_data/<id>.json``, written by the course
build from the instructors' answer key, which is not part of bplib): the
feedback compares outputs, it never calls a reference answer.

Three parts, each a table:

- ``INVOKERS``: how a function is called on a test case (plain call, a
  gradient check, a training step on a network, an autograd graph built
  with the learner's operation, ...). An invoker returns the function's
  output, or a *problem* (``{"__problem__": key, ...}``) when the function
  broke the exercise's contract in a way the output cannot show (changed an
  input in place, ignored ``rng``, returned something that is not a list of
  pairs). Errors raised by the learner's own code propagate; the invoker's
  own work never raises on a strange output.
- ``JUDGES``: how an output is judged against the expected one and the
  outputs of known mistakes (``judge_output``; the grader uses it too).
- ``MESSAGES``: every learner-facing sentence, one format string with named
  fields each.

Language
--------
Feedback is in English or in Simplified Chinese, chosen by ``language()``
anew at each check (so ``%env`` or a change of folder takes effect at once):

1. the environment variable ``BPLIB_LANGUAGE``, if set and not empty: ``en``
   or ``zh`` (anything else is a ValueError); in a notebook,
   ``%env BPLIB_LANGUAGE=zh``;
2. otherwise ``zh`` when the working directory is a folder named ``zh``:
   JupyterLab and nbval start a notebook's kernel in the notebook's folder,
   so the notebooks of the Chinese edition, ``notebooks/zh/*.ipynb``, get
   Chinese feedback;
3. otherwise English. The locale (``LANG``, ``LC_ALL``, ``LANGUAGE``) is not
   read: an English notebook on a machine set up for Chinese stays English,
   like its text.

Translation is the standard library's ``gettext``, from the catalogue
``bplib/locale/zh_CN/LC_MESSAGES/bplib.mo`` (loaded on first use, once per
language). Every string a learner can read is marked in the code with the
no-op ``N_`` (for extraction) and translated where it is shown: a sentence
by ``_say``, a name or phrase by ``_t``. The names of known mistakes and the
diagnosis' evidence come in English from the exercise data (written from the
answer key, where they are marked too) and are translated when printed.
Notation and code stay as they are inside Chinese sentences. Errors in using
the library itself (an unknown exercise id) stay English.
``python -m bpcourse messages`` re-extracts the catalogue, updates the
translation and compiles it.
"""
import contextlib
import functools
import inspect
import json
import math
import os
import re
import threading
import warnings
from importlib import resources

import numpy as np

from ._encoding import decode
from ._validate import choose

# -- the language of the feedback ---------------------------------------------------------------------------
LANGUAGES = ("en", "zh")
LANGUAGE_VARIABLE = "BPLIB_LANGUAGE"
# What gettext looks up for each language (the catalogue is in zh_CN; zh catches a plain "zh" folder).
_GETTEXT_LANGUAGES = {"zh": ["zh_CN", "zh"]}
LOCALE_FOLDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "locale")


def N_(message):
    """Mark ``message`` for the catalogue (``python -m bpcourse messages`` extracts it); it is
    translated where it is shown, so that the language is the one of that moment."""
    return message


def language():
    """The language of the feedback, ``"en"`` or ``"zh"``: ``BPLIB_LANGUAGE`` if set, else ``"zh"``
    in a folder named ``zh``, else ``"en"`` (the module's docstring says why)."""
    chosen = os.environ.get(LANGUAGE_VARIABLE, "")
    if chosen:
        if chosen not in LANGUAGES:
            raise ValueError(f"{LANGUAGE_VARIABLE} is {chosen!r}; expected one of {', '.join(LANGUAGES)} "
                             f"(or leave it empty to follow the notebook's folder)")
        return chosen
    try:
        folder = os.path.basename(os.getcwd())
    except OSError:  # the working directory was removed: nothing says Chinese
        return "en"
    return folder if folder in _GETTEXT_LANGUAGES else "en"


@functools.lru_cache(maxsize=None)
def _catalogue(lang):
    """The gettext translations of ``lang``, read once; None for English, the language of the msgids."""
    if lang == "en":
        return None
    import gettext

    return gettext.translation("bplib", localedir=LOCALE_FOLDER, languages=_GETTEXT_LANGUAGES[lang], fallback=True)


def _t(message):
    """``message`` (an English msgid) in the language of the feedback."""
    catalogue = _catalogue(language())
    return message if catalogue is None else catalogue.gettext(message)


# -- every sentence a learner reads ----------------------------------------------------------------------------
MESSAGES = {
    # evaluate
    "correct": N_("Correct: {name} passes all {count} test cases."),
    "correct-one": N_("Correct: {name} passes its test case."),
    "unfinished": N_("This exercise is not done yet: replace the line raise NotImplementedError(...) with your code."),
    "not-callable": N_("expected the function {name}, got {kind}"),
    "argument-names": N_("keep the stub's argument names: def {name}({expected}), yours is def {name}({got})"),
    "raised": N_("{name} raised {error_type}: {error}\non test case {number}: {case}"),
    "raised-in-line": N_("{name} raised {error_type}: {error}\nin line {line} of {function}{code}\n"
                         "on test case {number}: {case}"),
    "line-shown": N_(": {code}"),
    "np-max-of-two": N_("\n(np.{function}(a, b) takes b as an axis; for two arrays entry by entry, use np.{pair}(a, b))"),
    "max-of-arrays": N_("\n(Python's {function}(a, b) compares two arrays as wholes; entry by entry, use np.{pair}(a, b))"),
    "failed-case": N_("{name}, test case {number} ({case}):\n{message}"),
    "likely-mistake": N_("likely mistake: {mistake}"),
    # problems an invoker found
    "input-changed": N_("{argument} was changed in place: leave the inputs as they are and return the result as a "
                        "new array (`new = a - b` makes a new array; `a -= b` overwrites a)"),
    "list-changed": N_("{argument} (a list) was changed: pop, append or {argument}[i] = ... change the caller's "
                       "list; loop over it as it is, or work on a copy (list({argument}))"),
    "step-input-changed": N_("{argument} was changed in place: a training step changes only net.weights and "
                             "net.biases, and leaves the data as it is"),
    "not-restored": N_("the parameter array was left changed: put each entry back after nudging it"),
    "rng-unused": N_("the generator rng was not used: draw the weights with rng (rng.normal(...)), "
                     "not with np.random.* or a generator of your own, so that the seed decides them"),
    "not-reproducible": N_("two generators with the same seed gave different weights: draw them with the rng "
                           "argument only, not with np.random.* (whose global state the seed does not set)"),
    "repeated-draws": N_("only {unique} different numbers among {size} weights: draw every entry independently "
                         "(size=(n_out, n_in)), do not repeat one row or column"),
    "not-pairs": N_("the result should be a list of (layer, 'w' or 'b') pairs, got {kind}"),
    "not-a-pair": N_("the result should be a list of (layer, 'w' or 'b') pairs, but one item is {item}"),
    "not-pairs-gradient-check": N_("the result should be a list of (layer, 'w' or 'b') pairs, got the GradientCheck "
                                   "itself: it has a method that lists the failing pairs"),
    "not-a-value": N_("{function} should return a Value (with .data, .grad, .parents and .backward_rule), "
                      "got {kind}"),
    "wrong-parents": N_("the Value returned by {function} should have its inputs as parents, {expected}, so that "
                        "backward() can reach them; its parents are {got}"),
    "rule-not-callable": N_("the backward_rule of the Value returned by {function} should be a function, got {kind}"),
    "backward-recursion": N_("{function} never finished (RecursionError): it ends up calling itself. If it calls "
                             ".backward() on a Value, that calls your {function} again: run each node's "
                             "backward_rule() instead"),
    "rule-ran-early": N_("{function} changed the grad of its inputs while building the graph: the chain-rule "
                         "updates belong inside the backward_rule, which backward() calls later"),
    "not-a-dict": N_("the result should be a dict from each letter {letters} to a mistake's name, got {kind}"),
    "unknown-letters": N_("the keys should be the letters {letters} exactly, got {got}"),
    "unknown-mistake": N_("bug {letter}: {got!r} is not one of the mistakes' names {names}"),
    "mistake-twice": N_("each mistake is planted in exactly one bug, but {mistake!r} is given for {letters}"),
    "diagnosis-score": N_("{right} of {total} bugs matched correctly."),
    "diagnosis-contradiction": N_("{score} Bug {letter} is not {mistake}: {evidence}."),
    "bug-described": N_("{bug} ({description})"),
    "and": N_(" and "),
    # describing test cases and values
    "list-separator": N_(", "),
    "case-shape": N_("{name} shape {shape}"),
    "case-shapes": N_("{name} shapes {shapes}"),
    "case-network": N_("{name}: Network {sizes}"),
    "case-type": N_("{name}: {type}"),
    "case-backprop-fn": N_("backprop_fn: net.backprop"),
    "case-backprop-fn-bug": N_("backprop_fn: a backprop with a planted bug"),
    "graph-case": N_("C = {graph} at {values}"),
    "kind-array": N_("an array of shape {shape}"),
    "kind-sequence": N_("a {type} of length {length}"),
    "kind-a": N_("a {type}"),
    "kind-an": N_("an {type}"),
    "your-function": N_("your function"),
    # comparing outputs
    "your-result": N_("your result"),
    "item-of": N_("item {index} of {where}"),
    "should-be-dict": N_("{where} should be a dict with keys {keys}"),
    "should-be-sequence": N_("{where} should be a {kind} of {length} items, got {got}"),
    "string-differs": N_("{where} is {got!r}, expected {expected!r}"),
    "forgot-return": N_("{where} is None: did you forget to return it?"),
    "should-be-number": N_("{where} should be a single number, got {got}"),
    "should-be-array": N_("{where} should be a numpy array of shape {shape}, got {got}{advice}"),
    "wrap-in-array": N_(": wrap it in np.array(...)"),
    "matrix": N_("{where} is an np.matrix: return a plain numpy array (np.asarray or the @ operator on arrays)"),
    "not-float64": N_("{where} has dtype {dtype}: return float64, NumPy's default float{advice}"),
    "integer-zeros-like": N_(" (np.zeros_like of an integer array makes an integer array; give dtype=float)"),
    "not-numeric": N_("{where} should be numbers with shape {shape}, got {got}"),
    "transposed": N_("{where} is transposed: expected shape {expected}, got {got}"),
    "wrong-shape": N_("wrong shape: {where} should have shape {expected}, got {got}"),
    "not-finite": N_("{where} contains NaN or infinity (an overflow, or log/division of 0?)"),
    "number-differs": N_("{where} is {got:.6g}, expected {expected:.6g}{hint}"),
    "entry-differs": N_("entry [{index}] of {where} is {got:.6g}, expected {expected:.6g} "
                        "({count} of {size} entries differ){hint}"),
    "hint-sign": N_(": every entry has the opposite sign, so a sign is flipped somewhere"),
    "hint-factor": N_(": every entry is {factor:.4g} times the expected one, so a constant factor is missing or extra"),
    # numerical gradient
    "gradient-shape": N_("wrong shape: expected {expected} (the shape of param), got {got}"),
    "gradient-zero": N_("your gradient is 0 everywhere: cost() reads param itself, so nudge the entries of param in "
                        "place (param[index] = ...), not a copy of it"),
    "gradient-twice": N_("twice the true gradient: the central difference (C(p + eps) - C(p - eps)) spans 2 eps, "
                         "so divide by 2 eps"),
    "gradient-half": N_("half the true gradient: (C(p + eps) - C(p - eps)) / (2 eps) has the step 2 eps once in the "
                        "denominator"),
    "gradient-sign": N_("the negative of the true gradient: the difference is C(p + eps) - C(p - eps), in that order"),
    "not-central": N_("close but not central: off by up to {error:.1e}. A one-sided difference "
                      "(C(p + eps) - C(p)) / eps has an O(eps) error; use (C(p + eps) - C(p - eps)) / (2 eps)"),
    "gradient-ignores-eps": N_("that is the exact derivative, not the central difference with the eps you were "
                               "given ({eps:g}): nudge each entry by +eps and -eps, as the exercise asks, and "
                               "divide by 2 eps"),
    "four-point": N_("that is the four-point difference (more accurate, but not what is asked): the exercise's "
                     "central difference is (C(p + eps) - C(p - eps)) / (2 eps)"),
    "close-not-eps": N_("close, but off by up to {error:.1e} from the central difference with the eps you were "
                        "given ({eps:g}): nudge each entry by exactly +eps and -eps, and divide by 2 eps"),
    "gradient-off": N_("off by up to {error:.3g} from the central difference"),
    # initialisation
    "init-transposed": N_("transposed: w^l has shape (n_out, n_in) = {expected}, you returned {got}"),
    "init-shape": N_("wrong shape: expected (n_out, n_in) = {expected}, got {got}"),
    "init-mean": N_("the weights should be centred on 0; their mean is {mean:.4f}"),
    "init-standard-normal": N_("standard deviation {std:.3f}: that is N(0, 1); "
                               "scale it by 1/sqrt(n_in) = {wanted:.3f}"),
    "init-variance-as-std": N_("standard deviation {std:.4f} = 1/n_in: use 1/sqrt(n_in) = {wanted:.4f} "
                               "(the variance is 1/n_in)"),
    "init-std": N_("standard deviation {std:.4f}, expected 1/sqrt(n_in) = {wanted:.4f}"),
    "init-not-normal": N_("the weights do not look normally distributed (excess kurtosis {kurtosis:.2f}, "
                          "0 for a normal distribution{hint}): draw them with rng.normal or rng.standard_normal"),
    "init-uniform-hint": N_("; about -1.2 for uniform draws"),
    # layers at fault
    "layers-differ": N_("expected {expected_count} failing parameters, you reported {got}"),
    "layers-twice": N_("you reported {got}: name each failing parameter once"),
    "layers-other": N_("you reported {got}: as many as fail, but not the same ones (the layers are numbered 1 to "
                       "{last}, as in w^l)"),
    "layer-name": N_("{name!r} is not a parameter's name: the names are 'w' and 'b', in lower case"),
    "layer-number": N_("there is no layer {layer}: this net's layers are numbered 1 to {last}, as in w^l "
                       "(net.weights[l - 1])"),
    # train step
    "net-unchanged": N_("net.weights and net.biases are exactly as they were: the step must change the net itself. "
                        "`w = w - ...` only rebinds a name, and returned arrays are ignored; "
                        "update in place (w -= learning_rate * grad) or assign net.weights[i] = ..."),
    # autograd graphs
    "graph-value": N_("the value of {node} is {got:.6g}, expected {expected:.6g}"),
    "graph-grad": N_("dC/d({node}) is {got:.6g}, expected {expected:.6g}{hint}"),
    "no-gradient": N_("no gradient reached the inputs of {function}: does the Value you return have a "
                      "backward_rule that adds to its inputs' grad?"),
    "graph-used-twice": N_(" ({leaf} is used more than once: its gradients from every use must add up)"),
    "graph-sign": N_(" (the right size with the wrong sign: check the sign in the rule that sends it)"),
}


# Chinese templates put a space on each side of a field, as beside code and numbers; where the
# field turns out to be Chinese text, the space between two Chinese characters goes.
# (A pattern, not a compiled one: re compiles it on first use, not at every import of the module.)
_CHINESE = "[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"  # Han characters, CJK and full-width punctuation
_SPACE_BETWEEN_HAN = f"(?<={_CHINESE}) (?={_CHINESE})"


def say(key, lang, **fields):
    """The learner-facing message ``key`` in ``lang`` (one of ``LANGUAGES``), with its fields filled in."""
    catalogue = _catalogue(lang)
    if catalogue is None:
        return MESSAGES[key].format(**fields)
    return re.sub(_SPACE_BETWEEN_HAN, "", catalogue.gettext(MESSAGES[key]).format(**fields))


def _say(key, **fields):
    """The learner-facing message ``key``, in the language of the feedback, with its fields filled in."""
    if _withholding() and "expected" in fields and not isinstance(fields["expected"], (tuple, list, str)):
        fields["expected"] = _Withheld()   # a number of a hidden case's answer (shapes stay)
    return say(key, language(), **fields)


class _Withheld:
    """Stands in for a hidden test case's expected value in a message: any format gives "(hidden)"."""

    def __format__(self, spec):
        return "(hidden)"

    __str__ = __repr__ = lambda self: "(hidden)"


_EXPECTED_HIDDEN = threading.local()   # .on: withhold expected values (set in this thread only)


def _withholding():
    """True inside ``expected_withheld()`` in this thread."""
    return getattr(_EXPECTED_HIDDEN, "on", False)


@contextlib.contextmanager
def expected_withheld():
    """Within it, messages show no expected value (a grader's feedback on hidden test cases, whose
    answers a student must not learn), nor a hint that gives one away (every entry's sign or factor)."""
    previous, _EXPECTED_HIDDEN.on = _withholding(), True
    try:
        yield
    finally:
        _EXPECTED_HIDDEN.on = previous


STUB_TEXT = "replace this line with your code"  # in every exercise stub's NotImplementedError


class ExerciseFailed(AssertionError):
    """The learner's answer is not right yet; the message says why."""

    def _render_traceback_(self):
        # IPython shows this instead of a traceback: the message is the feedback, and the frames
        # (the check cell, then this module's raise) would only put library code before it.
        return [f"{type(self).__name__}: {self}"]


class ArgumentNamesDiffer(TypeError):
    """The learner's function does not take the stub's argument names; the checker calls it by name."""

    def __init__(self, name, expected, got):
        self.expected, self.got = expected, got
        super().__init__(_say("argument-names", name=name, expected=expected, got=got))


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
        return False, _say("not-callable", name=name, kind=type(function).__name__)
    cases = data["cases"]
    for index, case in enumerate(cases):
        inputs = decode(case["inputs"])
        described = describe(inputs)
        try:
            output = run_quietly(data["invoke"], function, inputs)
        except NotImplementedError as error:
            # A stub's message is code, the same in every edition: the translated ones add a line of their own.
            if STUB_TEXT in str(error) and language() != "en":
                error.add_note(_say("unfinished"))
            raise
        except ArgumentNamesDiffer as error:  # the checker could not call it: not an error of the learner's code
            return False, _say("argument-names", name=name, expected=error.expected, got=error.got)
        except Exception as error:  # the learner's code failed: say how, where, on which input
            where = _where_raised(error, function)
            if where is None:
                return False, _say("raised", name=name, error_type=type(error).__name__, error=error,
                                   number=index + 1, case=described)
            hint = where.pop("hint")
            return False, _say("raised-in-line", name=name, error_type=type(error).__name__, error=error,
                               number=index + 1, case=described, **where) + hint
        mistakes = [(mistake["name"], decode(mistake["output"])) for mistake in case["mistakes"]]
        message = judge_output(data["judge"], decode(case["inputs"]), output, decode(case["expected"]), mistakes,
                               data["rtol"], data["atol"], names=data.get("names"))
        if message is not None:
            return False, _say("failed-case", name=name, number=index + 1, case=described, message=message)
    return True, _say("correct" if len(cases) > 1 else "correct-one", name=name, count=len(cases))


def _where_raised(error, function):
    """The fields of ``MESSAGES["raised-in-line"]`` for the last frame of ``error``'s traceback that
    runs code from the file (or notebook cell) of the learner's ``function``, else None."""
    import linecache

    code = getattr(function, "__code__", None)
    if code is None:  # a builtin or a callable object: no source of the learner's to point into
        return None
    found = None
    traceback = error.__traceback__
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == code.co_filename:
            found = traceback
        traceback = traceback.tb_next
    if found is None:
        return None
    frame_code, line = found.tb_frame.f_code, found.tb_lineno
    text = linecache.getline(frame_code.co_filename, line).strip()
    # counted from the def line, as the learner reads the function (a cell's own numbering differs)
    return {"line": line - frame_code.co_firstlineno + 1, "function": frame_code.co_name,
            "code": _say("line-shown", code=text) if text else "", "hint": _line_hint(error, text)}


# np.max(a, b): NumPy takes b as the axis (TypeError "only integer scalar arrays ..." or AxisError);
# max(a, b) on arrays: Python compares them as wholes ("The truth value of an array ... is ambiguous").
_NP_MAX_OF_TWO = re.compile(r"\bnp\.a?(max|min)\((?:[^(),]|\([^()]*\))+,")
_BUILTIN_MAX = re.compile(r"(?<![\w.])(max|min)\(")


_ENTRY_BY_ENTRY = {"max": "maximum", "min": "minimum"}


def _line_hint(error, text):
    """A line of advice for a NumPy error that the learner's ``text`` (the line that raised) explains."""
    found = _NP_MAX_OF_TWO.search(text)
    if found and isinstance(error, (TypeError, ValueError, np.exceptions.AxisError)):
        return _say("np-max-of-two", function=found.group(1), pair=_ENTRY_BY_ENTRY[found.group(1)])
    found = _BUILTIN_MAX.search(text)
    if found and isinstance(error, ValueError) and "truth value of an array" in str(error):
        return _say("max-of-arrays", function=found.group(1), pair=_ENTRY_BY_ENTRY[found.group(1)])
    return ""


def exercise_ids():
    """The ids of the exercises that have feedback data, sorted."""
    folder = resources.files(__package__) / "exercise_data"
    return sorted(entry.name[:-5] for entry in folder.iterdir() if entry.name.endswith(".json"))


def load(exercise_id):
    """The feedback data of one exercise, as written by the course build (a dict)."""
    choose("exercise id", exercise_id, exercise_ids())
    text = (resources.files(__package__) / "exercise_data" / f"{exercise_id}.json").read_text(encoding="utf-8")
    return json.loads(text)


# -- problems: what an invoker found that the output cannot show -----------------------------------------------
PROBLEM = "__problem__"


def problem(key, **fields):
    """An output that stands for a broken contract (message ``MESSAGES[key]``); plain data, so it travels."""
    return {PROBLEM: key, **fields}


def problem_message(output):
    """The message of a problem output, or None for an ordinary output."""
    if isinstance(output, dict) and output.get(PROBLEM) in MESSAGES:
        fields = {key: value for key, value in output.items() if key != PROBLEM}
        return _say(output[PROBLEM], **fields)
    return None


# -- how an exercise's function is called ------------------------------------------------------------------------
def _bind(function, case):
    """``(args, kwargs)`` to call ``function`` with the case's arguments: by name (the stub's names; a
    parameter list in another order works too), or ``ArgumentNamesDiffer`` if it does not take those
    names. A NumPy ufunc given as the answer (``sigmoid = scipy.special.expit``) takes its inputs by
    position, in the stub's order."""
    if isinstance(function, np.ufunc) and function.nin == len(case):
        return tuple(case.values()), {}
    try:  # np.vectorize takes (*args, **kwargs) and passes them on: the names are its function's
        signature = inspect.signature(function.pyfunc if isinstance(function, np.vectorize) else function)
    except (TypeError, ValueError):  # a builtin or C function: nothing to read, just call it
        return (), case
    try:
        signature.bind(**case)
    except TypeError:
        if list(signature.parameters) == list(case):  # the stub's names, positional-only: by position
            return tuple(case.values()), {}
        name = getattr(function, "__name__", "function")
        raise ArgumentNamesDiffer(name, ", ".join(case), str(signature)[1:-1]) from None
    return (), case


def _parts_in(value, path):
    """``(path, part)`` for ``value`` and everything nested in it (lists, tuples, dicts), outermost first."""
    yield path, value
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _parts_in(item, f"{path}[{i}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _parts_in(item, f"{path}[{key!r}]")


def _snapshot(case):
    """What ``_changed`` compares with: a copy of every input array, and the items of every input list
    and dict (weights.pop(0) empties the caller's list while every array stays as it was)."""
    parts = [(path, part) for name, value in case.items() for path, part in _parts_in(value, name)]
    arrays = [(path, part, part.copy()) for path, part in parts if isinstance(part, np.ndarray)]
    holders = [(path, part, _members(part)) for path, part in parts if isinstance(part, (list, dict))]
    return arrays, holders


def _members(holder):
    """A list's or dict's (index or key, item) pairs; they hold on to the items themselves."""
    return list(holder.items()) if isinstance(holder, dict) else list(enumerate(holder))


def _changed(snapshot):
    """The name of the first input (an array's entries, or a list's items) changed since ``_snapshot``, or None."""
    arrays, holders = snapshot
    for path, holder, before in holders:   # (returns the path; _call tells a list's change from an array's)
        now = _members(holder)   # the same keys, each holding the same object
        if len(now) != len(before) or any(key != old_key or item is not old_item
                                          for (key, item), (old_key, old_item) in zip(now, before)):
            return path
    for path, array, before in arrays:
        if array.shape != before.shape or not np.array_equal(array, before, equal_nan=True):
            return path
    return None


def _call(function, case):
    """``function(**case)``; a problem if it changed one of its input arrays."""
    __tracebackhide__ = True
    args, kwargs = _bind(function, case)
    snapshot = _snapshot(case)
    output = function(*args, **kwargs)
    changed = _changed(snapshot)
    if changed is None:
        return output
    holders = {path for path, _, _ in snapshot[1]}
    return problem("list-changed" if changed in holders else "input-changed", argument=changed)


def _call_float(function, case):
    """As ``_call``, with a numeric answer turned into a float (an int or numpy scalar is fine)."""
    __tracebackhide__ = True
    output = _call(function, case)
    if isinstance(output, (int, float, np.integer, np.floating)) and not isinstance(output, (bool, np.bool_)):
        return float(output)
    return output


def _numerical_gradient(function, case):
    """Calls ``function(cost, param, eps)`` on a smooth cost of ``param`` and
    notes whether ``param`` was put back afterwards."""
    __tracebackhide__ = True
    param, target = case["param"], case["target"]
    before = param.copy()

    def cost():
        return _smooth_cost(param, target)

    args, kwargs = _bind(function, {"cost": cost, "param": param, "eps": case["eps"]})
    grad = function(*args, **kwargs)
    # Restoring by += eps, -= 2 eps, += eps drifts by rounding (about 1e-16): that is restored.
    if param.shape != before.shape or not np.allclose(param, before, rtol=0, atol=1e-12):
        return problem("not-restored")
    return grad


def _smooth_cost_terms(param, target):
    """The two terms of the numerical-gradient exercise's cost, entry by entry (the cost is their sum
    over every entry); ``_smooth_cost_gradient`` is its exact gradient."""
    return np.cos(param) * target, param ** 3


def _smooth_cost(param, target):
    return float(sum(np.sum(term) for term in _smooth_cost_terms(param, target)))


def _smooth_cost_gradient(param, target):
    return -np.sin(param) * target + 3 * param ** 2


def _train_step(function, case):
    """Calls ``function(net, X, Y, learning_rate)``; its output is the net's ``(weights, biases)`` afterwards."""
    __tracebackhide__ = True
    net = case["net"]
    args, kwargs = _bind(function, {"net": net, "X": case["X"], "Y": case["Y"], "learning_rate": case["learning_rate"]})
    snapshot = _snapshot({"X": case["X"], "Y": case["Y"]})
    function(*args, **kwargs)
    changed = _changed(snapshot)
    if changed:   # the net is meant to change in place, so not "return a new array"
        return problem("step-input-changed", argument=changed)
    try:
        return ([np.array(w, dtype=float, copy=True) for w in net.weights],
                [np.array(b, dtype=float, copy=True) for b in net.biases])
    except (TypeError, ValueError):  # the learner put something odd into the net: show it as it is
        return (list(net.weights), list(net.biases))


def _layers_at_fault(function, case):
    """Calls ``function(backprop_fn, net, X, Y)`` with a backprop that has the case's planted bug
    (or none); its output is the sorted list of ``(layer, "w" or "b")`` pairs."""
    __tracebackhide__ = True
    from .bughunt import planted_bug

    net, bug = case["net"], case["bug"]
    if bug is None:
        backprop_fn = net.backprop
    else:
        planted = planted_bug(bug)

        def backprop_fn(X, Y):
            return planted(net.weights, net.biases, X, Y)
    args, kwargs = _bind(function, {"backprop_fn": backprop_fn, "net": net, "X": case["X"], "Y": case["Y"]})
    found = function(*args, **kwargs)
    if found is None:
        return problem("forgot-return", where=_say("your-result"))
    if type(found).__name__ == "GradientCheck":
        return problem("not-pairs-gradient-check")
    try:
        items = list(found) if not isinstance(found, (str, bytes, dict)) else None  # not their letters or keys
    except TypeError:
        items = None
    if items is None:
        return problem("not-pairs", kind=_kind(found))
    for item in items:
        try:
            layer, name = item
        except (TypeError, ValueError):
            layer = name = None
        if not (isinstance(layer, (int, np.integer)) and not isinstance(layer, bool) and isinstance(name, str)):
            return problem("not-a-pair", item=repr(item)[:60])
    return sorted((int(layer), name) for layer, name in items)


def _draw_with_rng(function, case):
    """``function(**case)`` where ``case["rng"]`` is a numpy Generator: a problem if the
    function did not draw from it, or if a second generator in the same state gives other numbers."""
    __tracebackhide__ = True
    def fresh():
        generator = np.random.Generator(type(case["rng"].bit_generator)())
        generator.bit_generator.state = case["rng"].bit_generator.state
        return generator

    start = case["rng"].bit_generator.state
    first = _call(function, dict(case, rng=fresh()))
    used = fresh()
    second = _call(function, dict(case, rng=used))
    if used.bit_generator.state == start:
        return problem("rng-unused")
    if problem_message(first) is None and not (isinstance(first, np.ndarray) and isinstance(second, np.ndarray)
                                               and np.array_equal(first, second, equal_nan=True)):
        if isinstance(first, np.ndarray) or isinstance(second, np.ndarray):
            return problem("not-reproducible")
    return first


def _no_arguments(function, case):
    """Calls ``function()``; the case holds what the judge needs, not arguments."""
    __tracebackhide__ = True
    _bind(function, {})
    return function()


# -- autograd graphs (notebook 11) -----------------------------------------------------------------------------
# A graph is a list of nodes, each a leaf ["leaf", name, number] or an operation
# ["add", i, j], ["mul", i, j], ["tanh", i] on earlier nodes; the last node is C.
_OPERATIONS = {"add": "+", "mul": "*", "tanh": "tanh"}


def node_labels(nodes):
    """How each node of a graph is written in messages: "x", "x * y", "tanh(x * y)"."""
    labels = []
    for spec in nodes:
        kind = spec[0]
        if kind == "leaf":
            labels.append(spec[1])
        elif kind == "tanh":
            labels.append(f"tanh({labels[spec[1]]})")
        else:  # a sum inside a product needs parentheses
            left, right = (f"({labels[i]})" if kind == "mul" and nodes[i][0] == "add" else labels[i]
                           for i in spec[1:])
            labels.append(f"{left} {_OPERATIONS[kind]} {right}")
    return labels


def graph_case_fields(nodes, separator=", "):
    """The fields of ``MESSAGES["graph-case"]`` for a graph: its formula ``C = ...`` and its leaves' values."""
    values = separator.join(f"{spec[1]} = {spec[2]:g}" for spec in nodes if spec[0] == "leaf")
    return {"graph": node_labels(nodes)[-1], "values": values}


def _value_class(function):
    """The notebook's own Value class (found beside the learner's function), else bplib's: also when
    the name Value there is something else (a float, say) or makes nodes that cannot be graph nodes."""
    from .autograd import Value

    candidate = getattr(function, "__globals__", {}).get("Value")
    if not isinstance(candidate, type):
        return Value
    try:
        node = candidate(0.5)
        node.grad, node.parents, node.backward_rule = 0.0, (), lambda: None
        usable = node.data == 0.5
    except Exception:  # noqa: BLE001 - a class the checker cannot build its nodes with
        usable = False
    return candidate if usable else Value


def _new_value(cls, data):
    from .autograd import Value

    try:
        node = cls(data)
    except Exception:  # a Value class we cannot build nodes with: the checker's own will do
        node = Value(data)
    node.grad = 0.0
    return node


def _checker_operation(cls, kind, inputs):
    """An operation node built by the checker, with the right backward rule."""
    if kind == "add":
        a, b = inputs
        out = _new_value(cls, a.data + b.data)

        def rule():
            a.grad += out.grad
            b.grad += out.grad
    elif kind == "mul":
        a, b = inputs
        out = _new_value(cls, a.data * b.data)

        def rule():
            a.grad += out.grad * b.data
            b.grad += out.grad * a.data
    else:
        (x,) = inputs
        t = math.tanh(x.data)
        out = _new_value(cls, t)

        def rule():
            x.grad += out.grad * (1.0 - t * t)
    out.parents, out.op, out.backward_rule = tuple(inputs), _OPERATIONS[kind], rule
    return out


def _value_problem(out, inputs, function):
    """A problem if ``out`` is not a Value built from ``inputs`` with a callable rule, else None."""
    name = getattr(function, "__name__", None) or _say("your-function")
    if not all(hasattr(out, attribute) for attribute in ("data", "grad", "parents", "backward_rule")):
        return problem("not-a-value", function=name, kind=_kind(out))
    try:
        parents = list(out.parents)
    except TypeError:
        parents = None
    wanted = "(a, b)" if len(inputs) > 1 else "(x,)"  # as Python writes the tuple: (x) is x itself
    if parents is None or len(parents) != len(inputs) or not all(
            sum(p is x for p in parents) == sum(y is x for y in inputs) for x in inputs):
        return problem("wrong-parents", function=name, expected=wanted, got=_kind(out.parents))
    if not callable(out.backward_rule):
        return problem("rule-not-callable", function=name, kind=_kind(out.backward_rule))
    return None


def _graph_output(nodes):
    def number(value):
        try:
            return float(value)
        except (TypeError, ValueError):
            return math.nan
    return {"data": np.array([number(node.data) for node in nodes]),
            "grad": np.array([number(node.grad) for node in nodes])}


def _reference_backward(root):
    __tracebackhide__ = True
    from .autograd import graph_order

    order = graph_order(root)
    root.grad = 1.0
    for node in reversed(order):
        node.backward_rule()


def _value_operation(function, case):
    """Builds the case's graph, making its ``case["op"]`` nodes with ``function`` (the learner's
    add, mul or tanh) and the others itself, runs a correct backward from the last node,
    and returns every node's data and grad."""
    __tracebackhide__ = True
    cls = _value_class(function)
    nodes = []
    for spec in case["nodes"]:
        if spec[0] == "leaf":
            nodes.append(_new_value(cls, spec[2]))
            continue
        inputs = [nodes[i] for i in spec[1:]]
        if spec[0] != case["op"]:
            nodes.append(_checker_operation(cls, spec[0], inputs))
            continue
        grads = [node.grad for node in inputs]
        out = function(*inputs)
        found = _value_problem(out, inputs, function)
        if found:
            return found
        if [node.grad for node in inputs] != grads:
            return problem("rule-ran-early", function=getattr(function, "__name__", None) or _say("your-function"))
        out.grad = 0.0
        nodes.append(out)
    _reference_backward(nodes[-1])
    return _graph_output(nodes)


def _value_backward(function, case):
    """Builds the case's graph with correct rules (of the notebook's Value class), calls
    ``function(C)`` (the learner's backward) on its last node, and returns every node's data and grad."""
    __tracebackhide__ = True
    # The notebook's own class, as the learner's backward meets it there: a backward that only
    # calls root.backward() would pass on bplib's Value but recurse forever in the notebook.
    cls = _value_class(function)
    nodes, rules_ran = [], []
    for spec in case["nodes"]:
        rules_ran.append(0)
        if spec[0] == "leaf":
            nodes.append(_new_value(cls, spec[2]))
            continue
        node = _checker_operation(cls, spec[0], [nodes[i] for i in spec[1:]])
        node.backward_rule = _counted(node.backward_rule, rules_ran, len(nodes))
        nodes.append(node)
    try:
        function(nodes[-1])
    except RecursionError:
        # These graphs have a handful of nodes: endless recursion is backward calling itself, most
        # likely through Value.backward(), which calls the learner's backward in notebook 11.
        return problem("backward-recursion", function=getattr(function, "__name__", None) or _say("your-function"))
    # Which rules ran tells mistakes apart that leave the same gradients: running the rules from
    # the leaves up and running only C's rule both leave every node but C's parents at 0.
    return dict(_graph_output(nodes), rules_ran=np.array(rules_ran, dtype=float))


def _counted(rule, counts, index):
    """``rule``, counting its runs in ``counts[index]`` (a leaf's rule, which does nothing, is not counted)."""
    def counted_rule():
        counts[index] += 1
        rule()
    return counted_rule


def _judge_graph(case, output, expected, mistakes, rtol, atol, names=None):
    labels = node_labels(case["nodes"])
    for i, (got, want) in enumerate(zip(output["data"], expected["data"])):
        if not math.isclose(got, want, rel_tol=rtol, abs_tol=atol):
            return _say("graph-value", node=labels[i], got=got, expected=want)
    judged = ("data", "grad")  # which rules ran is evidence for naming a mistake, not part of being right
    difference = compare({key: output[key] for key in judged}, {key: expected[key] for key in judged}, rtol, atol)
    if difference is None:
        return None
    # a mistake that matches with the rules that ran too, else one that leaves the same numbers
    named = _named_mistake(output, mistakes, rtol, atol) or _named_mistake(
        {key: output[key] for key in judged}, [(mistake, {key: wrong[key] for key in judged if key in wrong})
                                               for mistake, wrong in mistakes if isinstance(wrong, dict)], rtol, atol)
    if named:
        return named
    if "op" in case:  # the learner's operation: did any gradient get through it at all?
        inputs = sorted({i for spec in case["nodes"] if spec[0] == case["op"] for i in spec[1:]})
        if all(output["grad"][i] == 0 for i in inputs) and any(expected["grad"][i] != 0 for i in inputs):
            return _say("no-gradient", function=case["op"])
    uses = [sum(i in spec[1:] for spec in case["nodes"] if spec[0] != "leaf") for i in range(len(labels))]
    wrong = [not math.isclose(got, want, rel_tol=rtol, abs_tol=atol)
             for got, want in zip(output["grad"], expected["grad"])]
    # Adding up is the suspect only when the nodes used once all came out right.
    accumulation = not any(is_wrong and uses[i] <= 1 for i, is_wrong in enumerate(wrong[:-1]))
    for i in reversed(range(len(labels))):  # from C back: the first wrong gradient is where it starts
        if wrong[i]:
            got, want = output["grad"][i], expected["grad"][i]
            if uses[i] > 1 and accumulation:
                hint = _say("graph-used-twice", leaf=labels[i])
            elif _negated(got, want, rtol, atol):
                hint = _say("graph-sign")
            else:
                hint = ""
            return _say("graph-grad", node=labels[i], got=got, expected=want, hint=hint)
    return difference


INVOKERS = {"call": _call, "float": _call_float, "numerical-gradient": _numerical_gradient,
            "train-step": _train_step, "layers-at-fault": _layers_at_fault, "no-arguments": _no_arguments,
            "draw-with-rng": _draw_with_rng, "value-operation": _value_operation, "value-backward": _value_backward}


def run_quietly(invoke, function, case):
    """The output of ``function`` on ``case``, called the way ``invoke`` names, with
    numpy's warnings silenced: an overflow is reported once, by the judgement."""
    __tracebackhide__ = True
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return INVOKERS[invoke](function, case)


# -- how an output is judged ---------------------------------------------------------------------------------
def judge_output(judge, case, output, expected, mistakes, rtol=1e-6, atol=1e-9, names=None):
    """None if ``output`` is right for ``case``, else a message naming the likely
    mistake or the first difference.

    judge: a key of ``JUDGES``; expected: the right output; mistakes:
    ``[(what went wrong, the output that mistake gives)]``; names: how the
    parts of a tuple output are called in messages (see ``compare``).
    """
    message = problem_message(output)
    if message is not None:
        return message
    return JUDGES[judge](case, output, expected, mistakes, rtol, atol, names)


def _named_mistake(output, mistakes, rtol, atol):
    for mistake, wrong_output in mistakes:
        if problem_message(wrong_output) is None and compare(output, wrong_output, rtol, atol) is None:
            return _say("likely-mistake", mistake=_t(mistake))
    return None


def _judge_compare(case, output, expected, mistakes, rtol, atol, names=None):
    difference = compare(output, expected, rtol, atol, names=names)
    if difference is None:
        return None
    return _named_mistake(output, mistakes, rtol, atol) or difference


def _judge_numerical_gradient(case, output, expected, mistakes, rtol, atol, names=None):
    structure = array_problem(output, expected.shape)
    if structure is not None:
        return structure
    if output.shape != expected.shape:
        return _say("gradient-shape", expected=expected.shape, got=output.shape)
    if not np.all(np.isfinite(output)):
        return _say("not-finite", where=_say("your-result"))
    error = float(np.max(np.abs(output - expected)))
    if error < 1e-6:
        return None
    scale = float(np.max(np.abs(expected)))
    for key, factor in (("gradient-twice", 2.0), ("gradient-half", 0.5), ("gradient-sign", -1.0)):
        if np.max(np.abs(output - factor * expected)) < 1e-6 * max(1.0, scale):
            return _say(key)
    if np.max(np.abs(output)) < 1e-9:
        return _say("gradient-zero")
    param, target, eps = case["param"], case["target"], case["eps"]
    if np.max(np.abs(output - _smooth_cost_gradient(param, target))) < 1e-6:
        return _say("gradient-ignores-eps", eps=eps)
    # The cost is a sum over entries, so its one-sided differences can be written entry by entry.
    entry = lambda p: sum(_smooth_cost_terms(p, target))  # noqa: E731
    for one_sided in ((entry(param + eps) - entry(param)) / eps, (entry(param) - entry(param - eps)) / eps):
        if np.max(np.abs(output - one_sided)) < 1e-7 * max(1.0, scale):
            return _say("not-central", error=error)
    four_point = (entry(param - 2 * eps) - 8 * entry(param - eps) + 8 * entry(param + eps) - entry(param + 2 * eps))
    # (tightly: at a small eps the four-point difference is the derivative itself, to 1e-12)
    if np.max(np.abs(output - four_point / (12 * eps))) < 1e-9 * max(1.0, scale):
        return _say("four-point")
    if error < 1e-2:  # a central difference with a step of its own, say
        return _say("close-not-eps", error=error, eps=eps)
    return _say("gradient-off", error=error)


def _judge_init_statistics(case, output, expected, mistakes, rtol, atol, names=None):
    n_in, n_out = case["n_in"], case["n_out"]
    structure = array_problem(output, (n_out, n_in))
    if structure is not None:
        return structure
    if output.shape == (n_in, n_out) and n_in != n_out:
        return _say("init-transposed", expected=(n_out, n_in), got=output.shape)
    if output.shape != (n_out, n_in):
        return _say("init-shape", expected=(n_out, n_in), got=output.shape)
    if not np.all(np.isfinite(output)):
        return _say("not-finite", where=_say("your-result"))
    unique = len(np.unique(output))
    if unique < output.size:
        return _say("repeated-draws", unique=unique, size=output.size)
    std, mean = float(output.std()), float(output.mean())
    wanted = 1.0 / np.sqrt(n_in)
    # With n_in * n_out >= 50,000 draws the sample mean and standard deviation
    # are within 1% of the truth, so 5% margins separate the cases cleanly.
    if abs(mean) > 0.05 * wanted:
        return _say("init-mean", mean=mean)
    # The excess kurtosis of 50,000 normal draws is 0 +- 0.02; uniform draws give -1.2.
    kurtosis = float(np.mean((output - mean) ** 4) / std ** 4 - 3.0)
    if abs(kurtosis) > 0.25:
        hint = _say("init-uniform-hint") if abs(kurtosis + 1.2) < 0.25 else ""
        return _say("init-not-normal", kurtosis=kurtosis, hint=hint)
    if abs(std / wanted - 1) < 0.05:
        return None
    if abs(std - 1) < 0.05:
        return _say("init-standard-normal", std=std, wanted=wanted)
    if abs(std * n_in - 1) < 0.05:
        return _say("init-variance-as-std", std=std, wanted=wanted)
    return _say("init-std", std=std, wanted=wanted)


def _judge_layers(case, output, expected, mistakes, rtol, atol, names=None):
    expected = sorted(tuple(pair) for pair in expected)
    output = [tuple(pair) for pair in output]
    if output == expected:
        return None
    for mistake, wrong_output in mistakes:
        if problem_message(wrong_output) is None and output == sorted(tuple(pair) for pair in wrong_output):
            return _say("likely-mistake", mistake=_t(mistake))
    if len(set(output)) < len(output):
        return _say("layers-twice", got=output)
    n_layers = len(case["net"].weights)
    for layer, name in output:
        if name not in ("w", "b"):
            return _say("layer-name", name=name)
        if not 1 <= layer <= n_layers:
            return _say("layer-number", layer=layer, last=n_layers)
    if len(output) == len(expected):
        return _say("layers-other", got=output, last=n_layers)
    return _say("layers-differ", expected_count=len(expected), got=output)


def _judge_train_step(case, output, expected, mistakes, rtol, atol, names=None):
    net = case["net"]
    before = (list(net.weights), list(net.biases))
    if compare(output, before, rtol=0, atol=0) is None and compare(before, expected, rtol, atol) is not None:
        return _say("net-unchanged")
    return _judge_compare(case, output, expected, mistakes, rtol, atol, names)


def _judge_diagnosis(case, output, expected, mistakes, rtol, atol, names=None):
    """The learner's ``{letter: mistake}``: how many are right, and for one wrong
    letter the evidence that contradicts it (never the right answer itself)."""
    letters = sorted(expected)
    evidence = case["evidence"]
    separator = _say("list-separator")
    if output is None:
        return _say("forgot-return", where=_say("your-result"))
    if not isinstance(output, dict):
        return _say("not-a-dict", letters=separator.join(letters), kind=_kind(output))
    if sorted(map(str, output)) != letters:
        return _say("unknown-letters", letters=separator.join(letters),
                    got=separator.join(sorted(map(str, output))) or "{}")  # an empty dict: say so
    known = sorted(evidence["predicted"])
    for letter in letters:
        if output[letter] not in evidence["predicted"]:
            return _say("unknown-mistake", letter=letter, got=output[letter], names=separator.join(known))
    for mistake in known:
        users = [letter for letter in letters if output[letter] == mistake]
        if len(users) > 1:
            return _say("mistake-twice", mistake=mistake, letters=_say("and").join(users))
    right = sum(output[letter] == expected[letter] for letter in letters)
    if right == len(letters):
        return None
    message = _say("diagnosis-score", right=right, total=len(letters))
    for letter in letters:
        claimed = output[letter]
        if claimed == expected[letter]:
            continue
        seen, predicted = evidence["observed"][letter], evidence["predicted"][claimed]
        for fact in evidence["facts"]:
            if seen[fact] != predicted[fact]:
                described = _say("bug-described", bug=claimed, description=_t(evidence["descriptions"][claimed]))
                text = _t(evidence["phrases"][fact]).format(letter=letter, seen=_phrase(seen[fact]),
                                                            predicted=_phrase(predicted[fact]), mistake=described)
                return _say("diagnosis-contradiction", score=message, letter=letter, mistake=repr(claimed),
                            evidence=text)
    return message


def _phrase(value):
    """A phrase of the exercise data, translated: a msgid, or ``[msgid, {field: value}]`` when it holds a number."""
    if isinstance(value, (list, tuple)) and len(value) == 2 and isinstance(value[1], dict):
        return _t(value[0]).format(**value[1])
    return _t(str(value))


JUDGES = {"compare": _judge_compare, "numerical-gradient": _judge_numerical_gradient,
          "init-statistics": _judge_init_statistics, "layers": _judge_layers, "train-step": _judge_train_step,
          "diagnosis": _judge_diagnosis, "graph": _judge_graph}
JUDGES_WITHOUT_EXPECTED = {"init-statistics"}


# -- describing and comparing ----------------------------------------------------------------------------------
def _kind(value):
    """A short account of what a value is, for messages: "a list", "an array of shape (3,)", "None"."""
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return _say("kind-array", shape=value.shape)
    if isinstance(value, (list, tuple)):
        return _say("kind-sequence", type=type(value).__name__, length=len(value))
    name = type(value).__name__
    return _say("kind-an" if name[:1].lower() in "aeiou" else "kind-a", type=name)


def describe(case):
    """A short account of a test case's inputs: names with shapes or values."""
    if "nodes" in case:  # an autograd graph: its formula and its leaves' values say it all
        return _say("graph-case", **graph_case_fields(case["nodes"], _say("list-separator")))
    if "about" in case:
        return _t(str(case["about"]))
    parts = []
    for name, value in case.items():
        if name == "bug":  # layers_at_fault gets a backprop_fn made from it: named as its parameter
            parts.append(_say("case-backprop-fn" if value is None else "case-backprop-fn-bug"))
        elif isinstance(value, np.ndarray):
            parts.append(_say("case-shape", name=name, shape=value.shape))
        elif isinstance(value, (list, tuple)) and value and all(isinstance(v, np.ndarray) for v in value):
            parts.append(_say("case-shapes", name=name, shapes=[v.shape for v in value]))
        elif isinstance(value, (int, float, np.floating)) and not isinstance(value, bool):
            text = f"{value:g}"
            if isinstance(value, (float, np.floating)) and re.fullmatch(r"-?\d+", text):
                text += ".0"   # a float shown as one: -2.0, not the int -2
            parts.append(f"{name}={text}")
        elif value is None:
            parts.append(f"{name}=None")
        elif type(value).__name__ == "Network":
            parts.append(_say("case-network", name=name, sizes=value.sizes))
        else:
            parts.append(_say("case-type", name=name, type=type(value).__name__))
    return _say("list-separator").join(parts)


def _item_where(where, index, names):
    """How item ``index`` of a sequence is named: by ``names`` (templates with {i} = index and
    {l} = index + 1, the layer) or as "item i of ...". Returns (name, names for its items)."""
    if isinstance(names, str):  # one template for every item
        return names.format(i=index, l=index + 1), None
    if names is not None and index < len(names):
        name = names[index]
        if isinstance(name, str):
            return name, None
        if isinstance(name, (list, tuple)) and len(name) == 2:  # [name of the list, template of its items]
            return name[0], name[1]
    return _say("item-of", index=index, where=where), None


def compare(output, expected, rtol=1e-6, atol=1e-9, where=None, names=None):
    """None if ``output`` matches ``expected`` (nested tuples/lists/dicts of
    arrays and numbers), else a message saying where and how it differs.

    An expected array asks for a float64 numpy array of its shape (not a list,
    an np.matrix or float32); an expected number for a single number. ``names``
    names the items of a sequence: a list with, for each item, a string or
    ``[name, template]`` (the template names that item's own items, with
    ``{i}`` the index and ``{l}`` = index + 1), or one template for all.
    ``where`` names ``output`` in the message (by default "your result").
    """
    if where is None:
        where = _say("your-result")
    if output is None and isinstance(expected, (dict, tuple, list)):
        return _say("forgot-return", where=where)
    if isinstance(expected, dict):
        if not isinstance(output, dict) or set(output) != set(expected):
            return _say("should-be-dict", where=where, keys=sorted(expected))
        for key in expected:
            message = compare(output[key], expected[key], rtol, atol, f"{where}[{key!r}]")
            if message:
                return message
        return None
    if isinstance(expected, (tuple, list)):
        if not isinstance(output, (tuple, list)) or len(output) != len(expected):
            return _say("should-be-sequence", where=where, kind=type(expected).__name__, length=len(expected),
                        got=_kind(output))
        for i, (out_item, exp_item) in enumerate(zip(output, expected)):
            item_where, item_names = _item_where(where, i, names)
            message = compare(out_item, exp_item, rtol, atol, item_where, item_names)
            if message:
                return message
        return None
    if isinstance(expected, str):
        return None if output == expected else _say("string-differs", where=where, got=output, expected=expected)
    if output is None:
        return _say("forgot-return", where=where)
    if not isinstance(expected, np.ndarray):
        return _compare_numbers(output, expected, rtol, atol, where)
    return _compare_arrays(output, expected, rtol, atol, where)


def _is_number(value):
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def _compare_numbers(output, expected, rtol, atol, where):
    if isinstance(output, np.ndarray) and output.ndim == 0 and output.dtype.kind in "iuf":
        output = output[()]
    if not _is_number(output):
        return _say("should-be-number", where=where, got=_kind(output))
    got, want = float(output), float(expected)
    if math.isclose(got, want, rel_tol=rtol, abs_tol=atol) or (math.isnan(got) and math.isnan(want)) or got == want:
        return None
    if not math.isfinite(got):
        return _say("not-finite", where=where)
    hint = _say("hint-sign") if _negated(got, want, rtol, atol) else ""
    return _say("number-differs", where=where, got=got, expected=want, hint=hint)


def _negated(got, want, rtol, atol):
    """True when the number ``got`` is ``-want`` (not 0), a sign to tell the learner about; never
    while expected values are withheld, since it would give ``want`` away."""
    return want != 0 and math.isclose(got, -want, rel_tol=rtol, abs_tol=atol) and not _withholding()


def array_problem(output, shape, where=None):
    """None if ``output`` is a float64 numpy array (any shape), else what it is instead;
    ``shape`` is the expected shape, for the message; ``where`` names ``output`` (by default "your result")."""
    if where is None:
        where = _say("your-result")
    if output is None:
        return _say("forgot-return", where=where)
    if isinstance(output, np.matrix):
        return _say("matrix", where=where)
    if not isinstance(output, np.ndarray):
        advice = _say("wrap-in-array") if isinstance(output, (list, tuple)) and _shape_of(output) == shape else ""
        return _say("should-be-array", where=where, shape=shape, got=_kind(output), advice=advice)
    if output.dtype.kind not in "iuf":
        return _say("not-numeric", where=where, shape=shape, got=f"dtype {output.dtype}")
    if output.dtype != np.float64:
        advice = _say("integer-zeros-like") if output.dtype.kind in "iu" else ""
        return _say("not-float64", where=where, dtype=output.dtype, advice=advice)
    return None


def _shape_of(items):
    """The shape np.array would give a list of numbers or arrays, or None (ragged, or not numbers)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            array = np.array(items, dtype=float)
    except (TypeError, ValueError):
        return None
    return array.shape


def _compare_arrays(output, expected, rtol, atol, where):
    message = array_problem(output, expected.shape, where)
    if message:
        return message
    got = output
    if got.shape != expected.shape:
        if got.shape == expected.T.shape and np.allclose(got, expected.T, rtol=rtol, atol=atol):
            return _say("transposed", where=where, expected=expected.shape, got=got.shape)
        return _say("wrong-shape", where=where, expected=expected.shape, got=got.shape)
    # equal_nan lets a known wrong answer that overflows be recognised as such
    close = np.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return None
    if not np.all(np.isfinite(got)):
        return _say("not-finite", where=where)
    if got.ndim == 0:
        return _compare_numbers(got, expected[()], rtol, atol, where)
    worst = np.unravel_index(np.argmax(np.where(close, 0, np.abs(got - expected))), got.shape)
    return _say("entry-differs", index=", ".join(str(i) for i in worst), where=where, got=got[worst],
                expected=expected[worst], count=int((~close).sum()), size=close.size,
                hint=_scaled_hint(got, expected, rtol, atol))


def _scaled_hint(got, expected, rtol, atol):
    """A hint when every entry is the expected one times the same constant (-1: a flipped sign; 1/n,
    2, ...: a factor), which a learner sees at once that way and not from one entry; else ""."""
    if _withholding():   # got / factor would be the hidden answer
        return ""
    scale = np.abs(expected).max(initial=0.0)
    clear = np.abs(expected) > 1e-3 * scale   # entries large enough to give the factor
    if clear.sum() < 2:
        return ""
    factor = float(np.median(got[clear] / expected[clear]))
    if not (math.isfinite(factor) and abs(factor) > 1e-12
            and np.allclose(got, factor * expected, rtol=max(rtol, 1e-9), atol=atol)):
        return ""
    if math.isclose(factor, -1.0, rel_tol=1e-6):
        return _say("hint-sign")
    return _say("hint-factor", factor=factor)
