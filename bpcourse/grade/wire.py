"""The wire format: what the grader sends a kernel and how it reads what comes back.

Test cases go to the kernel in ``bplib._encoding``'s JSON form (the one form of
case inputs and outputs). Each exercise is one execute request: a cell that
runs ``inside.py`` (sent as text) on a JSON spec and leaves the record, a JSON
string, in a variable that the request's ``user_expressions`` reads back.

What comes back is untrusted: the kernel ran the learner's code first. So the
record is read here as data only (``json`` then a strict check of the form:
one-key objects ``float``, ``tuple``, ``dict``, ``opaque``; arrays of bool,
integer or float dtypes whose nested lists match their shape; bounded sizes and
depth; no pickles, no objects, no networks), and anything else raises
``DecodeError``. Outputs the kernel could not write as data arrive as
``opaque`` and are judged as placeholders (``Unreadable``), which are never right.
"""
import ast
import json
import math
from pathlib import Path

import numpy as np

from . import inside

SOURCE = (Path(__file__).resolve().parent / "inside.py").read_text(encoding="utf-8")
RESULT = "__bp_grade_result__"
MAX_NUMBERS = inside.MAX_NUMBERS
MAX_DEPTH = 40
MAX_VALUES = 3 * MAX_NUMBERS   # JSON values in one reply: its outputs' numbers, their lists, the record's own
_NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
_DTYPES = {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
           "float16", "float32", "float64"}

# The cell for one exercise. It names only builtins it imports itself, and takes the module's
# text and the spec as literals; the record lands in RESULT for the user expression to read.
COLLECT_CELL = """import builtins as __bp_builtins
__bp_builtins.globals().pop({result!r}, None)
__bp_namespace = {{"__name__": "__bp_inside__"}}
__bp_builtins.exec(__bp_builtins.compile({source!r}, "bp-grade-inside.py", "exec"), __bp_namespace)
{result} = __bp_namespace["run"]({spec!r}, __bp_builtins.globals())
del __bp_builtins, __bp_namespace
"""


class DecodeError(ValueError):
    """The kernel's reply is not data of the agreed form."""


class Unreadable:
    """Stands for an output the kernel could not send as data (an object, a complex array...)."""

    def __init__(self, note=""):
        self.note = note

    def __repr__(self):
        return f"<{type(self).__name__}{': ' + self.note if self.note else ''}>"


def _unreadable(type_name, note):
    name = type_name if isinstance(type_name, str) and type_name.isidentifier() else "object"
    note = note if isinstance(note, str) else ""
    return type(name[:60], (Unreadable,), {})(note[:100])


def collect_cell(spec):
    """The code of the execute request that collects one exercise's outputs (``spec``: a dict)."""
    return COLLECT_CELL.format(result=RESULT, source=SOURCE, spec=json.dumps(spec, allow_nan=False))


class _Budget:
    def __init__(self):
        self.numbers = MAX_NUMBERS

    def take(self, n):
        self.numbers -= n
        if self.numbers < 0:
            raise DecodeError(f"more than {MAX_NUMBERS} numbers")


def decode(value, budget=None, depth=0):
    """The Python value for data in ``bplib._encoding``'s form (plus ``opaque``); DecodeError
    for anything else."""
    budget = _Budget() if budget is None else budget
    if depth > MAX_DEPTH:
        raise DecodeError("nested too deeply")
    budget.take(1)
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise DecodeError("a bare non-finite float")
        return value
    if isinstance(value, list):
        return [decode(v, budget, depth + 1) for v in value]
    if not isinstance(value, dict):
        raise DecodeError(f"unexpected {type(value).__name__}")
    if set(value) == {"array", "dtype", "shape"}:
        return _decode_array(value, budget)
    if len(value) != 1:
        raise DecodeError(f"an object with keys {sorted(value)[:5]}")
    (tag, content), = value.items()
    if tag == "float":
        if content not in _NONFINITE:
            raise DecodeError("bad float")
        return _NONFINITE[content]
    if tag == "tuple":
        if not isinstance(content, list):
            raise DecodeError("tuple without items")
        return tuple(decode(v, budget, depth + 1) for v in content)
    if tag == "dict":
        if not isinstance(content, list):
            raise DecodeError("dict without items")
        result = {}
        for pair in content:
            if not (isinstance(pair, list) and len(pair) == 2):
                raise DecodeError("bad dict item")
            key = decode(pair[0], budget, depth + 1)
            try:
                result[key] = decode(pair[1], budget, depth + 1)
            except TypeError as error:  # an unhashable key
                raise DecodeError(str(error)) from None
        return result
    if tag == "opaque":
        if not isinstance(content, dict):
            raise DecodeError("bad opaque")
        return _unreadable(content.get("type"), content.get("note"))
    raise DecodeError(f"unknown tag {tag!r}")


def _decode_array(value, budget):
    dtype, shape = value["dtype"], value["shape"]
    if dtype not in _DTYPES:
        raise DecodeError(f"bad array dtype {str(dtype)[:20]!r}")
    if not (isinstance(shape, list) and len(shape) <= 32
            and all(type(n) is int and 0 <= n <= MAX_NUMBERS for n in shape)):
        raise DecodeError("bad array shape")
    size = math.prod(shape)
    budget.take(size)
    kind = np.dtype(dtype).kind
    leaves = []

    def walk(data, level):
        if level == len(shape):
            leaves.append(_leaf(data, kind))
            return
        if not isinstance(data, list) or len(data) != shape[level]:
            raise DecodeError("array data does not match its shape")
        for item in data:
            walk(item, level + 1)

    walk(value["array"], 0)
    try:
        return np.array(leaves, dtype=dtype).reshape(shape)
    except OverflowError:
        raise DecodeError(f"a number out of range for {dtype}") from None


def _leaf(x, kind):
    if kind == "b":
        if type(x) is not bool:
            raise DecodeError("bad bool array")
        return x
    if kind in "iu":
        if type(x) is not int:
            raise DecodeError("bad integer array")
        return x
    if type(x) is float or type(x) is int:
        if type(x) is float and not math.isfinite(x):
            raise DecodeError("a bare non-finite float")
        return x
    if isinstance(x, dict) and len(x) == 1 and x.get("float") in _NONFINITE:
        return _NONFINITE[x["float"]]
    raise DecodeError("bad float array")


def _reject_constant(name):
    raise DecodeError(f"bare {name} in JSON")


def json_values(text):
    """At most how many values the JSON in ``text`` (str or bytes) holds, counted without parsing
    it: each but the first follows a comma or opens a bracket. Parsing costs about 70 bytes of
    memory a value (64 MB of ``[],`` becomes 1.4 GB): what is larger than MAX_VALUES is not parsed."""
    marks = (b",", b"[", b"{") if isinstance(text, (bytes, bytearray)) else (",", "[", "{")
    return sum(text.count(mark) for mark in marks)


def read_record(expression, limit):
    """The record in an execute reply's user expression (the repr of a str holding JSON)."""
    try:
        if expression["status"] != "ok":
            raise DecodeError(f"the result could not be read in the kernel ({str(expression.get('ename'))[:60]})")
        text = expression["data"]["text/plain"]
    except (KeyError, TypeError):
        raise DecodeError("no result in the kernel's reply") from None
    if not isinstance(text, str) or len(text) > limit:
        raise DecodeError("the result is not text, or too long")
    try:
        literal = ast.literal_eval(text)
        if not isinstance(literal, str):
            raise DecodeError("the result is not a string")
        if json_values(literal) > MAX_VALUES:
            raise DecodeError(f"the result holds more than {MAX_VALUES:,} values")
        record = json.loads(literal, parse_constant=_reject_constant)
    except DecodeError:
        raise
    except Exception as error:  # SyntaxError, ValueError, MemoryError, RecursionError...
        raise DecodeError(f"unreadable result ({type(error).__name__})") from None
    if not isinstance(record, dict):
        raise DecodeError("the result is not a record")
    return record
