"""Grade submitted notebooks: run each one, then test the functions it defines.

    python -m bpcourse grade submissions/*.ipynb --out grades.csv [--json] [--jobs 4] [--timeout 300]

Each submission runs top to bottom in a fresh IPython kernel of its own, in a
temporary working folder that is also its HOME and TMPDIR, with a memory
limit. Then, for each exercise of the notebook, the grader asks that kernel to
call the learner's function on the exercise's test cases (``bpcourse.exercises``)
and to send back the outputs as plain data. The grader judges those outputs in
its own process with ``bplib.checks.judge`` and awards the points of
``bpcourse.exercises`` (all or nothing per exercise, as a check cell does).

Trust boundary
--------------
The kernel is untrusted: everything in it, the learner's code, their copy of
numpy, bplib and the grader's collection snippet alike, may have been
replaced by the time the snippet runs. So nothing the kernel says is taken as
a verdict. The only thing that crosses from the kernel to the grader is data:
a JSON document of outputs (numbers, strings, lists, tagged tuples, dicts and
arrays as shape + flat list; never pickle), received as the reply of the
authenticated kernel connection, size-capped, parsed with ``json`` and
validated against a strict schema by the grader. The grader process never
executes learner code; it builds the test cases itself, with its own numpy and
its own ``bplib``, and compares. Consequences:

* Redefining or monkeypatching ``bplib.checks``, ``numpy.allclose`` /
  ``isclose``, this module, ``json``, ``open`` or the snippet's helpers inside
  the notebook changes nothing the grader computes: an exercise earns its
  points only if the outputs received are right for the grader's own inputs.
* Faking the outputs therefore needs the right outputs. Someone who can compute
  them without a working function can also call ``bplib``'s own reference code
  (importable in the kernel) or paste numbers: that is copying, which grading
  cannot tell from solving. Such notebooks are flagged for review in
  ``detail`` ("review: ...") when their source reaches for the exercise table
  or the private reference functions of ``bplib.exercises``, reassigns numpy
  or ``bplib.checks`` names, or patches builtins or modules; a flag never
  changes a score. The grader also fingerprints the test inputs built
  in the kernel and says so in the feedback when they differ from its own.
* Running the collection in a separate, clean process was weighed and
  rejected: the learner's functions depend on the notebook's other cells
  (imports, helpers, data), so it would have to rerun the notebook there, and
  the learner's code would run first in that process too.

What the kernel can do to its surroundings is bounded, not prevented: it runs
as the grader's user. All submissions are read into memory before any runs; the
CSV and JSON reports are written at the end, each atomically (temporary file +
``os.replace``); a submission file changed or deleted during grading is
written back from the copy read at the start (and reported). The kernel gets a
scrubbed environment, a memory limit (``RLIMIT_AS``: a huge array raises
``MemoryError``, reported in ``detail``), a file-size limit and no core dumps;
it runs in its own session and is killed with its whole process group, and any
process still carrying its private environment token or working folder is
killed after it. The grader never subscribes to the kernel's output channel,
so output a notebook prints (megabytes or more) is dropped by the kernel and
costs the grader nothing; error names and messages are kept, capped. A
notebook cannot delete or corrupt other submissions' results, but code that
sets out to kill the grader or delete files the grader's user can write is only
stopped by running the grader as a dedicated user or in a container.

Statuses and policies
---------------------
``ok``: the notebook ran to the end (cells that raise are normal: an untouched
notebook is ``ok`` with 0 points, "not attempted"). ``timeout``: a cell was
still running when the notebook's ``--timeout`` ran out. The kernel is then
killed and the notebook run again in a fresh kernel and folder without that
cell, so functions that do not depend on it still earn their points (at most
three runs; ``detail`` names the skipped cells). ``error``: a cell killed the
kernel (``os._exit``, a crash) or garbled its replies (a patched
``json.dumps``), and was skipped the same way; or the kernel could not start,
the file could not be read, or nothing tells which notebook it is.
``invalid notebook``: the file is not JSON, not a notebook, or over 100 MB.
An exercise's test cases get ``--exercise-timeout`` seconds in all (a SIGALRM
in the kernel, then a kill); a function that runs over earns 0 ("timed out").

The notebook a submission answers is taken from its metadata
(``bp_course.notebook``), else from a notebook name inside the file name, else
from the exercise functions it defines (``def output_error(``), else, when the
batch has one notebook, that one; ``--notebook`` overrides all of these.

Output: one CSV row per submission, columns ``submission``, one per exercise
of the notebooks in the batch (points earned; blank for another notebook's
exercises), ``total``, ``max_total``, ``status``, ``detail``. With ``--json``
the same, plus per-exercise feedback (the judge's message), cell errors, the
submission's SHA-256 and the kernel pids, is written next to the CSV
(``grades.csv`` -> ``grades.json``). Progress and a summary go to stderr.
"""
import argparse
import ast
import csv
import hashlib
import io
import json
import math
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bplib._encoding import encode as encode_case
from bplib.checks import describe

from ..exercises import EXERCISES, judge

STATUSES = ("ok", "timeout", "error", "invalid notebook")
DEFAULT_TIMEOUT = 300.0          # seconds per notebook run (as bpcourse.build.execute)
DEFAULT_EXERCISE_TIMEOUT = 20.0  # seconds for one exercise's test cases
DEFAULT_MEMORY_MB = 3072         # address-space limit of a kernel (numpy + matplotlib take ~1.2 GB)
MAX_RUNS = 3                     # runs of one notebook (each skipping the cells that hung or crashed)
STARTUP_TIMEOUT = 60.0
GRACE = 5.0                      # beyond --exercise-timeout before the kernel is killed
MAX_SUBMISSION_BYTES = 100 * 2**20
MAX_REPLY_BYTES = 128 * 2**20    # larger kernel replies are dropped by zmq (the request then times out)
MAX_FILE_BYTES = 256 * 2**20     # RLIMIT_FSIZE of the kernel
MAX_TEXT = 300                   # characters kept of an error message
MAX_CELL_ERRORS = 50
DETAIL_LENGTH = 400

STEMS = tuple(dict.fromkeys(e.notebook for e in EXERCISES))
_JUDGE_LOCK = threading.Lock()   # judge() uses warnings.catch_warnings, which is process-global

# Review flags: patterns in the source that grading cannot see through (see the docstring).
_FLAGS = (
    (re.compile(r"\bbpcourse\b"), "uses the instructors' package bpcourse (the answer key)"),
    (re.compile(r"\b(?:bplib\.)?checks\.\w+\s*=(?!=)"), "reassigns bplib.checks"),
    (re.compile(r"\b(?:np|numpy)(?:\.\w+)+\s*=(?!=)"), "reassigns a numpy name"),
    (re.compile(r"\bbuiltins\b|__builtins__"), "touches builtins"),
    (re.compile(r"\bbplib\.grade\b|__bp_grade"), "touches the grader"),
    (re.compile(r"\bobject\.__setattr__|\bsys\.modules\b"), "patches modules or frozen objects"),
)

# --- code that runs in the kernel -------------------------------------------------------------------------
# Executed in a private namespace in the learner's kernel after the notebook has run. It calls one
# exercise's function on fresh test cases and leaves the outputs, as a JSON string, where the
# execute request's user expression picks them up. The grader also execs it (for _fingerprint).

_KERNEL_SRC = r'''
import hashlib as _hashlib
import json as _json
import math as _math
import signal as _signal
import warnings as _warnings

import numpy as _np

_MAX_NUMBERS = 2_000_000   # numbers per exercise's outputs; more is not plain data worth sending
_MAX_STRING = 10_000
_MAX_DEPTH = 20
_NONFINITE = {"nan", "inf", "-inf"}


class _Budget:
    def __init__(self):
        self.numbers = _MAX_NUMBERS


class _Timeout(BaseException):
    pass


def _on_alarm(signum, frame):
    raise _Timeout()


def _nonfinite(x):
    return "nan" if x != x else ("inf" if x > 0 else "-inf")


def _float(x):
    x = float(x)
    return x if _math.isfinite(x) else {"$": "float", "v": _nonfinite(x)}


def _opaque(value, note=""):
    return {"$": "opaque", "type": type(value).__name__[:60], "note": note}


def _encode_array(value, budget, depth):
    a = _np.asarray(value)
    kind = a.dtype.kind
    if a.size > budget.numbers:
        return _opaque(value, "too large: %d entries" % a.size)
    if kind == "O":
        budget.numbers -= a.size
        return {"$": "objarray", "shape": list(a.shape),
                "items": [_encode(v, budget, depth + 1) for v in a.ravel().tolist()]}
    if kind not in "biuf":
        return _opaque(value, "array of dtype %s" % a.dtype)
    budget.numbers -= a.size
    flat = a.ravel().tolist()
    if kind == "f" and not bool(_np.isfinite(a).all()):
        flat = [x if _math.isfinite(x) else _nonfinite(x) for x in flat]
    return {"$": "ndarray", "kind": "i" if kind == "u" else kind, "shape": list(a.shape), "data": flat}


def _encode(value, budget, depth=0):
    """``value`` as plain JSON data; tuples, dicts and arrays tagged with "$"."""
    if depth > _MAX_DEPTH:
        return _opaque(value, "nested too deeply")
    if value is None or type(value) is bool:
        return value
    if isinstance(value, _np.ndarray):
        return _encode_array(value, budget, depth)
    if isinstance(value, _np.generic):
        kind = value.dtype.kind
        if kind == "b":
            return bool(value)
        if kind in "iu":
            return int(value)
        if kind == "f":
            return _float(value)
        return _opaque(value)
    # Every item costs at least 1 and a string 1 per 8 characters, so containers are refused
    # before they are walked: the reply stays bounded whatever the function returned.
    cost = 1
    if isinstance(value, str):
        cost += len(value) // 8
    elif isinstance(value, (tuple, list, dict)):
        cost += len(value)
    if cost > budget.numbers:
        return _opaque(value, "too large")
    budget.numbers -= 1
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, str):
        budget.numbers -= cost - 1
        return str.__str__(value) if len(value) <= _MAX_STRING else _opaque(value, "string too long")
    if isinstance(value, tuple):
        return {"$": "tuple", "items": [_encode(v, budget, depth + 1) for v in tuple.__iter__(value)]}
    if isinstance(value, list):
        return [_encode(v, budget, depth + 1) for v in list.__iter__(value)]
    if isinstance(value, dict):
        return {"$": "dict", "items": [[_encode(k, budget, depth + 1), _encode(v, budget, depth + 1)]
                                       for k, v in dict.items(value)]}
    return _opaque(value)


def _fingerprint(case):
    """A digest of a test case's inputs (arrays, numbers, nets' parameters) to compare with the grader's."""
    digest = _hashlib.sha256()

    def feed(value, depth):
        if depth > 6:
            return
        if isinstance(value, _np.ndarray):
            digest.update(repr((value.dtype.str, value.shape)).encode())
            digest.update(_np.ascontiguousarray(value).tobytes())
        elif isinstance(value, dict):
            for key in value:
                digest.update(repr(key).encode())
                feed(value[key], depth + 1)
        elif isinstance(value, (list, tuple)):
            digest.update(b"[")
            for item in value:
                feed(item, depth + 1)
            digest.update(b"]")
        elif value is None or isinstance(value, (bool, int, float, str)):
            digest.update(repr(value).encode())
        else:
            digest.update(type(value).__name__.encode())
            for name in ("weights", "biases"):
                if isinstance(getattr(value, name, None), list):
                    feed(getattr(value, name), depth + 1)

    feed(case, 0)
    return digest.hexdigest()


def _text(error):
    try:
        return str(error)[:300]
    except BaseException:
        return "(the exception's message could not be read)"


def _collect(spec, user_ns):
    """Call the exercise's function on each test case; a record of outputs as plain data."""
    from bplib._encoding import decode
    from bplib.checks import INVOKERS

    invoke = INVOKERS[spec["invoke"]]
    name = spec["function"]
    record = {"id": spec["id"], "function": name, "cases": []}
    if name not in user_ns:
        record["state"] = "missing"
        return record
    function = user_ns[name]
    if not callable(function):
        record["state"] = "not callable"
        record["type"] = type(function).__name__[:60]
        return record
    record["state"] = "ran"
    budget = _Budget()
    armed = False
    try:
        previous = _signal.signal(_signal.SIGALRM, _on_alarm)
        _signal.setitimer(_signal.ITIMER_REAL, float(spec["seconds"]))
        armed = True
    except (ValueError, OSError, AttributeError):  # not the main thread: the grader's hard deadline remains
        pass
    try:
        for encoded in spec["cases"]:
            item = {}
            record["cases"].append(item)
            try:
                case = decode(encoded)
                item["fingerprint"] = _fingerprint(case)
                with _np.errstate(all="ignore"), _warnings.catch_warnings():
                    _warnings.simplefilter("ignore")
                    output = invoke(function, case)
                    item["output"] = _encode(output, budget)
                item["outcome"] = "returned"
            except _Timeout:
                item["outcome"] = "timeout"
            except NotImplementedError as error:
                item.update(outcome="not attempted", exception=type(error).__name__[:60], message=_text(error))
            except BaseException as error:
                item.update(outcome="raised", exception=type(error).__name__[:60], message=_text(error))
            if item["outcome"] != "returned":
                item.pop("output", None)
                break
    finally:
        if armed:
            _signal.setitimer(_signal.ITIMER_REAL, 0)
            _signal.signal(_signal.SIGALRM, previous)
    return record


if "__bp_spec__" in globals():
    try:
        __bp_user_ns__["__bp_grade_result__"] = _json.dumps(_collect(_json.loads(__bp_spec__), __bp_user_ns__))
    except BaseException as _error:
        __bp_user_ns__["__bp_grade_result__"] = _json.dumps(
            {"collector_error": type(_error).__name__[:60] + ": " + _text(_error)})
'''

_COLLECT_CELL = """import builtins as __bp_builtins
__bp_builtins.globals().pop("__bp_grade_result__", None)
__bp_builtins.exec(__bp_builtins.compile({src!r}, "<bp-grade>", "exec"),
                   {{"__name__": "__bp_grade__", "__bp_spec__": {spec!r}, "__bp_user_ns__": __bp_builtins.globals()}})
del __bp_builtins
"""
_RESULT_NAME = "__bp_grade_result__"

_HELPERS = {}
exec(compile(_KERNEL_SRC, "<bp-grade>", "exec"), _HELPERS)  # the grader's own copy: defines, runs nothing
_fingerprint = _HELPERS["_fingerprint"]
_encode = _HELPERS["_encode"]


def encode(value):
    """``value`` as the kernel sends it (plain JSON data); ``decode`` reverses it."""
    return _encode(value, _HELPERS["_Budget"]())


# --- reading what the kernel sends ---------------------------------------------------------------------------


class DecodeError(ValueError):
    """The kernel's reply is not data of the agreed form."""


class Unreadable:
    """Stands for an output the kernel could not send as plain data (an object, a complex array...)."""

    def __init__(self, note=""):
        self.note = note

    def __repr__(self):
        return f"<{type(self).__name__}{': ' + self.note if self.note else ''}>"


def _unreadable(type_name, note):
    name = type_name if isinstance(type_name, str) and type_name.isidentifier() else "object"
    note = note if isinstance(note, str) else ""
    return type(name[:60], (Unreadable,), {})(note[:100])


_NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
_MAX_NUMBERS = 2_000_000


def decode(value, depth=0):
    """The Python value for data produced by the kernel's encoder; DecodeError if it is not of that form."""
    if depth > 40:
        raise DecodeError("nested too deeply")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [decode(v, depth + 1) for v in value]
    if not isinstance(value, dict):
        raise DecodeError(f"unexpected {type(value).__name__}")
    tag = value.get("$")
    if tag == "float":
        if value.get("v") not in _NONFINITE:
            raise DecodeError("bad float")
        return _NONFINITE[value["v"]]
    if tag in ("tuple", "dict", "objarray"):
        items = value.get("items")
        if not isinstance(items, list):
            raise DecodeError(f"{tag} without items")
        if tag == "tuple":
            return tuple(decode(v, depth + 1) for v in items)
        if tag == "dict":
            result = {}
            for pair in items:
                if not (isinstance(pair, list) and len(pair) == 2):
                    raise DecodeError("bad dict item")
                key = decode(pair[0], depth + 1)
                try:
                    result[key] = decode(pair[1], depth + 1)
                except TypeError as error:  # an unhashable key
                    raise DecodeError(str(error)) from None
            return result
        shape = _shape(value.get("shape"), len(items))
        array = np.empty(len(items), dtype=object)
        for i, item in enumerate(items):
            array[i] = decode(item, depth + 1)
        return array.reshape(shape)
    if tag == "ndarray":
        return _decode_array(value)
    if tag == "opaque":
        return _unreadable(value.get("type"), value.get("note"))
    raise DecodeError(f"unknown tag {tag!r}")


def _shape(shape, size):
    if not (isinstance(shape, list) and len(shape) <= 32
            and all(type(n) is int and 0 <= n <= _MAX_NUMBERS for n in shape)):
        raise DecodeError("bad shape")
    if math.prod(shape) != size:
        raise DecodeError("shape does not match the data")
    return tuple(shape)


def _decode_array(value):
    data, kind = value.get("data"), value.get("kind")
    if not isinstance(data, list) or len(data) > _MAX_NUMBERS:
        raise DecodeError("bad array data")
    shape = _shape(value.get("shape"), len(data))
    if kind == "b":
        if not all(type(x) is bool for x in data):
            raise DecodeError("bad bool array")
        return np.array(data, dtype=bool).reshape(shape)
    if kind == "i":
        if not all(type(x) is int for x in data):
            raise DecodeError("bad int array")
        try:
            return np.array(data, dtype=np.int64).reshape(shape)
        except OverflowError:
            return np.array([float(x) for x in data], dtype=float).reshape(shape)
    if kind == "f":
        strings = False
        for x in data:
            kind_of = type(x)
            if kind_of is float or kind_of is int:
                continue
            if kind_of is str and x in _NONFINITE:
                strings = True
                continue
            raise DecodeError("bad float array")
        if strings:
            data = [_NONFINITE[x] if type(x) is str else x for x in data]
        return np.array(data, dtype=float).reshape(shape)
    raise DecodeError(f"bad array kind {kind!r}")


def _read_reply(expression):
    """The record in an execute_reply's user expression (the repr of a str holding JSON)."""
    try:
        if expression["status"] != "ok":
            raise DecodeError(f"the result could not be read in the kernel ({str(expression.get('ename'))[:60]})")
        text = expression["data"]["text/plain"]
    except (KeyError, TypeError):
        raise DecodeError("no result in the kernel's reply") from None
    if not isinstance(text, str) or len(text) > MAX_REPLY_BYTES:
        raise DecodeError("the result is not text")
    try:
        literal = ast.literal_eval(text)
        if not isinstance(literal, str):
            raise DecodeError("the result is not a string")
        record = json.loads(literal)
    except DecodeError:
        raise
    except Exception as error:  # SyntaxError, ValueError, MemoryError, RecursionError...
        raise DecodeError(f"unreadable result ({type(error).__name__})") from None
    if not isinstance(record, dict):
        raise DecodeError("the result is not a record")
    return record


# --- the kernel ------------------------------------------------------------------------------------------------

_LAUNCHER = """import resource, sys
memory, fsize = int(sys.argv[1]), int(sys.argv[2])
del sys.argv[1:3]
if memory > 0:
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
if sys.path and sys.path[0] == "":
    del sys.path[0]
from ipykernel.kernelapp import launch_new_instance
launch_new_instance()
"""


class KernelStartError(RuntimeError):
    pass


class _Kernel:
    """One IPython kernel in its own session and folder, spoken to over its shell socket only."""

    def __init__(self, root, memory_mb):
        import zmq
        from jupyter_client.session import Session

        self.root = str(root)
        self.work = os.path.join(self.root, "work")
        os.makedirs(os.path.join(self.work, "tmp"), mode=0o700)
        self.token = secrets.token_hex(16)
        key = secrets.token_hex(32)
        connection = dict(shell_port=1, iopub_port=2, stdin_port=3, control_port=4, hb_port=5,
                          ip=os.path.join(self.root, "k"), key=key, transport="ipc",
                          signature_scheme="hmac-sha256", kernel_name="")
        self.connection_file = os.path.join(self.root, "kernel.json")
        with open(os.open(self.connection_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
            json.dump(connection, f)
        self.session = Session(key=key.encode(), signature_scheme="hmac-sha256", username="bp-grade")
        self.context = zmq.Context()
        self.socket = self.context.socket(zmq.DEALER)
        self.socket.setsockopt(zmq.LINGER, 0)
        self.socket.setsockopt(zmq.MAXMSGSIZE, MAX_REPLY_BYTES)
        self.memory = int(memory_mb) * 2**20
        self.proc = None
        self.stderr_path = os.path.join(self.root, "kernel.log")

    def _env(self):
        w = self.work
        return {"PATH": os.environ.get("PATH", os.defpath), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
                "HOME": w, "TMPDIR": os.path.join(w, "tmp"), "USER": "student", "LOGNAME": "student",
                "IPYTHONDIR": os.path.join(w, ".ipython"), "MPLCONFIGDIR": os.path.join(w, ".matplotlib"),
                "JUPYTER_CONFIG_DIR": os.path.join(w, ".jupyter"), "JUPYTER_DATA_DIR": os.path.join(w, ".jupyter"),
                "JUPYTER_RUNTIME_DIR": os.path.join(w, ".jupyter", "runtime"), "JUPYTER_PLATFORM_DIRS": "1",
                "PYTHONDONTWRITEBYTECODE": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1",
                "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                "BP_GRADE_TOKEN": self.token}

    def start(self, timeout=STARTUP_TIMEOUT):
        with open(self.stderr_path, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", _LAUNCHER, str(self.memory), str(MAX_FILE_BYTES), "-f", self.connection_file],
                cwd=self.work, env=self._env(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
                start_new_session=True, close_fds=True)
        self.socket.connect(f"ipc://{self.root}/k-1")
        message = self.session.send(self.socket, "kernel_info_request", {})
        state, _ = self._wait(message["header"]["msg_id"], time.monotonic() + timeout)
        if state != "reply":
            raise KernelStartError(f"the kernel did not start ({state}): {self._log_tail()}")
        try:
            os.unlink(self.connection_file)  # it holds the key; the kernel has read it
        except OSError:
            pass

    def _log_tail(self):
        try:
            with open(self.stderr_path, "rb") as f:
                f.seek(max(0, os.path.getsize(self.stderr_path) - 600))
                return f.read().decode("utf-8", "replace").strip().replace("\n", " | ")[-300:]
        except OSError:
            return ""

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def _wait(self, msg_id, deadline):
        """("reply", content), ("dead", exit code), ("garbled", None) or ("timeout", None).

        Only this kernel can send to the socket, and only replies to our requests, one at a time;
        so a message that does not verify or is not a well-formed reply means the kernel's
        messaging is broken (a notebook that patched ``json.dumps`` does that): "garbled"."""
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return "timeout", None
            if self.socket.poll(int(min(remaining, 0.2) * 1000)):
                try:
                    _, message = self.session.recv(self.socket)
                except Exception:  # only this kernel can reach the socket: its messaging is broken
                    return "garbled", None
                parent = message.get("parent_header") if isinstance(message, dict) else None
                if not isinstance(parent, dict) or not isinstance(message.get("content"), dict) \
                        or not isinstance(parent.get("msg_id"), str):
                    return "garbled", None
                if parent["msg_id"] == msg_id:
                    return "reply", message["content"]
            elif not self.alive():
                return "dead", self.proc.returncode

    def execute(self, code, deadline, user_expressions=None, store_history=True):
        content = dict(code=code, silent=False, store_history=store_history, user_expressions=user_expressions or {},
                       allow_stdin=False, stop_on_error=False)
        message = self.session.send(self.socket, "execute_request", content)
        return self._wait(message["header"]["msg_id"], deadline)

    def kill(self):
        """Kill the kernel, its process group and anything else carrying its token or folder."""
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            sweep(self.token, self.root)
        self.socket.close(linger=0)
        self.context.term()


def _zombie(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] == b"Z"
    except (OSError, IndexError):
        return True


def sweep(token, root, rounds=5):
    """Kill processes whose environment holds ``token`` or whose working folder is under ``root``;
    return the pids still found after ``rounds`` attempts (Linux /proc; elsewhere a no-op)."""
    if not os.path.isdir("/proc"):
        return []
    marker = f"BP_GRADE_TOKEN={token}".encode()
    me, found = os.getpid(), []
    for _ in range(rounds):
        found = []
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit() or int(entry.name) == me:
                continue
            pid = int(entry.name)
            hit = False
            try:
                with open(f"/proc/{pid}/environ", "rb") as f:
                    hit = marker in f.read()
            except OSError:
                pass
            if not hit:
                try:
                    cwd = os.readlink(f"/proc/{pid}/cwd")
                    hit = cwd == root or cwd.startswith(root + "/")
                except OSError:
                    pass
            if hit and not _zombie(pid):
                found.append(pid)
        if not found:
            return []
        for pid in found:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.05)
    return found


def _remove_tree(path):
    """Remove a kernel's folder, whatever permissions the notebook left on its contents."""
    def retry(function, name, _error):
        try:
            os.chmod(os.path.dirname(name), 0o700)
            os.chmod(name, 0o700)
            function(name)
        except OSError:
            pass

    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=retry)
    else:
        shutil.rmtree(path, onerror=retry)


# --- one submission ------------------------------------------------------------------------------------------------


@dataclass
class Submission:
    name: str                  # as given on the command line
    data: bytes = None         # the file's bytes, read before anything runs
    error: str = None          # why it cannot be graded as read
    error_status: str = "invalid notebook"   # or "error" when the file could not be read at all
    sha256: str = ""


@dataclass
class Result:
    submission: str
    notebook: str = None
    status: str = "ok"
    detail: str = ""
    points: dict = field(default_factory=dict)    # exercise id -> points earned
    feedback: dict = field(default_factory=dict)  # exercise id -> message
    outcome: dict = field(default_factory=dict)   # exercise id -> correct, wrong, not attempted, ...
    notes: list = field(default_factory=list)     # run-level events (timeouts, crashes, MemoryError)
    flags: list = field(default_factory=list)     # review flags
    cell_errors: list = field(default_factory=list)
    kernel_pids: list = field(default_factory=list)
    seconds: float = 0.0
    sha256: str = ""

    @property
    def total(self):
        return sum(self.points.values())

    @property
    def max_total(self):
        if self.notebook is None:
            return None
        return sum(e.points for e in EXERCISES if e.notebook == self.notebook)


@dataclass
class Settings:
    timeout: float = DEFAULT_TIMEOUT
    exercise_timeout: float = DEFAULT_EXERCISE_TIMEOUT
    memory_mb: int = DEFAULT_MEMORY_MB
    notebook: str = None
    stop: threading.Event = field(default_factory=threading.Event)   # set: start no more kernels


class InvalidNotebook(ValueError):
    pass


def parse(data):
    """The notebook in ``data`` (bytes), or InvalidNotebook saying why not."""
    import nbformat

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidNotebook("not UTF-8 text") from None
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise InvalidNotebook(f"not valid JSON ({str(error)[:80]})") from None
    if not isinstance(raw, dict) or "cells" not in raw and "worksheets" not in raw:
        raise InvalidNotebook("JSON, but not a notebook (no cells)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nb = nbformat.reads(text, as_version=4)
    except Exception as error:
        raise InvalidNotebook(f"not a notebook ({type(error).__name__}: {str(error)[:80]})") from None
    cells = nb.get("cells")
    if not isinstance(cells, list) or not all(isinstance(c, dict) and isinstance(c.get("source"), str)
                                              and isinstance(c.get("cell_type"), str) for c in cells):
        raise InvalidNotebook("not a notebook (malformed cells)")
    return nb


def identify(nb, name, default=None):
    """The notebook stem a submission answers (see the module docstring), or ``default``.
    ``nb`` may be None (an unreadable submission: only its file name can tell)."""
    metadata = (nb or {}).get("metadata") or {}
    course = metadata.get("bp_course") if isinstance(metadata, dict) else None
    if isinstance(course, dict) and course.get("notebook") in STEMS:
        return course["notebook"]
    stem = Path(name).stem
    matches = [s for s in STEMS if s in stem]
    if matches:
        return max(matches, key=len)
    defined = set()
    for cell in (nb or {}).get("cells", []):
        if cell.get("cell_type") == "code":
            defined.update(re.findall(r"^[ \t]*def[ \t]+(\w+)[ \t]*\(", cell.get("source", ""), re.M))
    counts = Counter(e.notebook for e in EXERCISES if e.function in defined)
    if counts:
        ranked = counts.most_common()
        if len(ranked) == 1 or ranked[0][1] > ranked[1][1]:
            return ranked[0][0]
    return default


def review_flags(nb):
    """Review flags for source patterns the grader cannot see through (they never change a score)."""
    source = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    return [message for pattern, message in _FLAGS if pattern.search(source)]


class _Grader:
    """Runs one parsed submission (up to MAX_RUNS times) and judges what its kernel sends back."""

    def __init__(self, result, nb, settings, on_kernel):
        self.result, self.settings, self.on_kernel = result, settings, on_kernel
        self.cells = [(number, cell.source) for number, cell in enumerate(nb.cells, 1)
                      if cell.cell_type == "code" and cell.source.strip()]
        self.exercises = [e for e in EXERCISES if e.notebook == result.notebook]
        self.records = {}      # exercise id -> record from the kernel, or {"failure": message}
        self.skipped = set()   # cell numbers left out of later runs
        self.timed_out = False
        self.crashed = False
        self.start_failed = None

    def run(self):
        for _ in range(MAX_RUNS):
            if self.settings.stop.is_set():
                self.start_failed = "grading was interrupted"
                break
            if self._run_once():
                break
            if self.start_failed:
                break
        for exercise in self.exercises:
            if exercise.id not in self.records:
                reason = self.start_failed or "the notebook could not be run to the end"
                self.records[exercise.id] = {"failure": f"not graded: {reason}"}

    def _run_once(self):
        """One run in a fresh kernel and folder: True when done, False to run again."""
        root = tempfile.mkdtemp(prefix="bp-grade-")
        kernel = None
        try:
            kernel = _Kernel(root, self.settings.memory_mb)
            self.on_kernel(kernel, True)
            try:
                kernel.start()
            except KernelStartError as error:
                self.start_failed = str(error)
                self.result.notes.append(str(error))
                return False
            finally:
                if kernel.pid:
                    self.result.kernel_pids.append(kernel.pid)
            if not self._run_cells(kernel):
                return False
            return self._collect(kernel)
        finally:
            if kernel is not None:
                kernel.kill()
                self.on_kernel(kernel, False)
            _remove_tree(root)

    def _run_cells(self, kernel):
        deadline = time.monotonic() + self.settings.timeout
        errors = self.result.cell_errors
        for number, source in self.cells:
            if number in self.skipped:
                continue
            if self.settings.stop.is_set():
                self.start_failed = "grading was interrupted"
                return False
            state, content = kernel.execute(source, deadline)
            if state != "reply":
                if state == "timeout":
                    self.timed_out = True
                    what = f"did not finish within {self.settings.timeout:g} s"
                else:
                    self.crashed = True
                    what = (f"killed the kernel ({_exit_text(content)})" if state == "dead"
                            else "broke the kernel's messaging (garbled replies)")
                self.skipped.add(number)
                self.result.notes.append(f"cell {number} {what}: kernel killed, notebook graded without it")
                return False
            if content.get("status") == "error":
                name = str(content.get("ename", "?"))[:60]
                value = str(content.get("evalue", ""))[:MAX_TEXT]
                if not any(e["cell"] == number for e in errors) and len(errors) < MAX_CELL_ERRORS:
                    errors.append({"cell": number, "error": name, "message": value})
                if "MemoryError" in name:
                    limit = f" (memory limit {self.settings.memory_mb} MB)" if self.settings.memory_mb else ""
                    note = f"cell {number}: {name}{limit}"
                    if note not in self.result.notes:
                        self.result.notes.append(note)
        return True

    def _collect(self, kernel):
        for exercise in self.exercises:
            if exercise.id in self.records:
                continue
            seconds = self.settings.exercise_timeout
            spec = json.dumps({"id": exercise.id, "function": exercise.function, "seconds": seconds,
                               "invoke": exercise.invoke,
                               "cases": [encode_case(case) for case in exercise.all_cases()]})
            code = _COLLECT_CELL.format(src=_KERNEL_SRC, spec=spec)
            state, content = kernel.execute(code, time.monotonic() + seconds + GRACE,
                                            user_expressions={"r": _RESULT_NAME}, store_history=False)
            if state == "reply" and content.get("status") == "ok":
                try:
                    record = _read_reply((content.get("user_expressions") or {}).get("r"))
                except DecodeError as error:
                    record = {"failure": f"the grader could not read the outputs: {error}"}
                self.records[exercise.id] = record
            elif state == "reply":
                self.records[exercise.id] = {"failure": "the grader's tests could not run in the notebook's kernel "
                                                        f"({str(content.get('ename', '?'))[:60]})"}
            else:
                what = {"timeout": f"did not return within {seconds:g} s on the test cases",
                        "dead": f"killed the kernel ({_exit_text(content)}) on the test cases",
                        "garbled": "broke the kernel's messaging on the test cases"}[state]
                self.records[exercise.id] = {"failure": f"{exercise.function} {what}",
                                             "outcome": "timed out" if state == "timeout" else "raised"}
                return False  # the kernel is gone or unusable: run again for the remaining exercises
        return True


def _exit_text(code):
    if isinstance(code, int) and code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


def judge_record(exercise, record):
    """(points, outcome, feedback) for the record the kernel sent about ``exercise``."""
    function = exercise.function
    if "failure" in record:
        return 0, record.get("outcome", "not graded"), record["failure"]
    if "collector_error" in record:
        return 0, "not graded", f"the grader's tests could not run in the kernel: {str(record['collector_error'])[:200]}"
    if record.get("id") != exercise.id or not isinstance(record.get("cases"), list):
        return 0, "not graded", "the kernel sent a malformed record"
    state = record.get("state")
    if state == "missing":
        return 0, "not defined", f"the notebook defines no function {function}"
    if state == "not callable":
        return 0, "not defined", f"{function} is a {str(record.get('type'))[:60]}, not a function"
    cases = exercise.all_cases()
    if state != "ran" or len(record["cases"]) > len(cases):
        return 0, "not graded", "the kernel sent a malformed record"
    for index, item in enumerate(record["cases"]):
        if not isinstance(item, dict):
            return 0, "not graded", "the kernel sent a malformed record"
        where = f"test case {index + 1} ({describe(cases[index])})"
        outcome = item.get("outcome")
        if outcome == "not attempted":
            return 0, "not attempted", f"not attempted: {function} raises NotImplementedError"
        if outcome == "raised":
            return 0, "raised", (f"{function} raised {str(item.get('exception'))[:60]}: "
                                 f"{str(item.get('message'))[:MAX_TEXT]}\non {where}")
        if outcome == "timeout":
            return 0, "timed out", f"{function} timed out on {where}"
        if outcome != "returned":
            return 0, "not graded", "the kernel sent a malformed record"
        try:
            output = decode(item.get("output"))
        except (DecodeError, RecursionError, MemoryError) as error:
            return 0, "wrong", f"{where}: the grader could not read the output ({error})"
        try:
            with _JUDGE_LOCK:
                message = judge(exercise, cases[index], output)
        except Exception as error:  # an output so odd that the comparison itself fails
            message = f"the output could not be compared ({type(error).__name__}: {str(error)[:100]})"
        if message is not None:
            if item.get("fingerprint") != _fingerprint(cases[index]):
                message += ("\n(the test inputs built in your kernel differ from the grader's: "
                            "was numpy or bplib changed in the notebook?)")
            return 0, "wrong", f"{function}, {where}:\n{message}"
    if len(record["cases"]) < len(cases):
        return 0, "not graded", f"outputs for only {len(record['cases'])} of {len(cases)} test cases arrived"
    return exercise.points, "correct", f"Correct: {function} passes all {len(cases)} test cases."


def _detail(result):
    parts = list(result.notes)
    if result.status in ("ok", "timeout", "error") and result.notebook:
        groups = {}
        for exercise_id, outcome in result.outcome.items():
            if outcome != "correct":
                label = outcome
                if outcome == "raised":
                    exception = re.match(r"\S+ raised (\w+)", result.feedback[exercise_id])
                    label = f"raised {exception.group(1)}" if exception else outcome
                groups.setdefault(label, []).append(exercise_id)
        parts += [f"{label}: {', '.join(ids)}" for label, ids in groups.items()]
        if not groups and result.outcome:
            n = len(result.outcome)
            parts.append(f"all correct ({n} exercise{'s' if n > 1 else ''})")
    if result.flags:
        parts.append("review: " + ", ".join(result.flags))
    detail = "; ".join(parts)
    return detail if len(detail) <= DETAIL_LENGTH else detail[:DETAIL_LENGTH - 3] + "..."


def grade_submission(submission, settings, default_notebook=None, on_kernel=lambda kernel, started: None):
    """The Result for one Submission (never raises: a grader failure becomes status "error")."""
    start = time.monotonic()
    result = Result(submission.name, sha256=submission.sha256)
    try:
        if submission.error:
            result.status, result.notes = submission.error_status, [submission.error]
            result.notebook = settings.notebook or identify(None, submission.name, default_notebook)
        else:
            try:
                nb = parse(submission.data)
            except InvalidNotebook as error:
                result.status, result.notes = "invalid notebook", [str(error)]
                result.notebook = settings.notebook or identify(None, submission.name, default_notebook)
            else:
                result.notebook = settings.notebook or identify(nb, submission.name, default_notebook)
                if result.notebook is None:
                    result.status = "error"
                    result.notes.append("cannot tell which notebook this is (no bp_course metadata, no notebook "
                                        "name in the file name, no exercise functions): use --notebook")
                else:
                    result.flags = review_flags(nb)
                    grader = _Grader(result, nb, settings, on_kernel)
                    grader.run()
                    for exercise in grader.exercises:
                        points, outcome, message = judge_record(exercise, grader.records[exercise.id])
                        result.points[exercise.id] = points
                        result.outcome[exercise.id] = outcome
                        result.feedback[exercise.id] = message
                    if grader.timed_out:
                        result.status = "timeout"
                    elif grader.crashed or grader.start_failed:
                        result.status = "error"
        if result.status != "ok" and result.notebook and not result.points:
            for exercise in EXERCISES:
                if exercise.notebook == result.notebook:
                    result.points[exercise.id] = 0
    except Exception as error:  # a bug or an OS failure in the grader: this submission only
        result.status = "error"
        result.notes.append(f"grader error: {type(error).__name__}: {str(error)[:200]}")
    result.detail = _detail(result)
    result.seconds = round(time.monotonic() - start, 3)
    return result


# --- a batch -------------------------------------------------------------------------------------------------------


def read_submissions(paths):
    """Submissions read into memory (directories give their *.ipynb files, sorted)."""
    submissions = []
    for path in paths:
        path = Path(path)
        files = sorted(path.glob("*.ipynb")) if path.is_dir() else [path]
        for file in files:
            submission = Submission(str(file))
            try:
                size = file.stat().st_size
                if size > MAX_SUBMISSION_BYTES:
                    submission.error = f"too large ({size / 2**20:.0f} MB)"
                else:
                    with open(file, "rb") as f:
                        submission.data = f.read(MAX_SUBMISSION_BYTES + 1)
                    submission.sha256 = hashlib.sha256(submission.data).hexdigest()
            except OSError as error:
                submission.error = f"cannot read the file ({error.strerror or error})"
                submission.error_status = "error"
            submissions.append(submission)
    return submissions


def _batch_notebook(submissions, settings):
    """The one notebook the readable submissions answer, if there is exactly one."""
    if settings.notebook:
        return settings.notebook
    found = set()
    for submission in submissions:
        if submission.data is None:
            continue
        try:
            found.add(identify(parse(submission.data), submission.name))
        except InvalidNotebook:
            continue
    found.discard(None)
    return found.pop() if len(found) == 1 else None


class _Progress:
    """A progress bar on stderr (one line per submission when stderr is not a terminal)."""

    def __init__(self, total, stream=None, enabled=True):
        self.total, self.done = total, 0
        self.stream = stream or sys.stderr
        self.enabled = enabled and total > 0
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.start = time.monotonic()
        self.lock = threading.Lock()
        if self.enabled and self.tty:
            self._draw("")

    def advance(self, result):
        with self.lock:
            self.done += 1
            if self.enabled:
                self._draw(f"{Path(result.submission).name}: {result.status}")

    def _draw(self, last):
        width = 28
        filled = width * self.done // self.total
        elapsed = time.monotonic() - self.start
        eta = f" eta {elapsed / self.done * (self.total - self.done):.0f}s" if self.done and self.done < self.total else ""
        line = f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} {elapsed:.0f}s{eta}"
        if last:
            line += f"  {last}"
        if self.tty:
            columns = shutil.get_terminal_size((100, 20)).columns
            self.stream.write("\r" + line[:columns - 1].ljust(columns - 1))
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def grade(paths, settings=None, jobs=1, progress=True, stream=None):
    """Grade the notebooks at ``paths``; return (results in input order, submissions as read)."""
    settings = settings or Settings()
    submissions = read_submissions(paths)
    default = _batch_notebook(submissions, settings)
    bar = _Progress(len(submissions), stream, enabled=progress)
    kernels, kernels_lock = set(), threading.Lock()

    def on_kernel(kernel, started):
        with kernels_lock:
            (kernels.add if started else kernels.discard)(kernel)

    def task(submission):
        result = grade_submission(submission, settings, default, on_kernel)
        if not settings.stop.is_set():
            bar.advance(result)
        return result

    results = [None] * len(submissions)
    executor = ThreadPoolExecutor(max_workers=max(1, jobs))
    try:
        futures = {executor.submit(task, s): i for i, s in enumerate(submissions)}
        for future in as_completed(futures):
            index = futures[future]
            try:
                results[index] = future.result()
            except Exception as error:  # grade_submission catches everything; this is belt and braces
                results[index] = Result(submissions[index].name, status="error",
                                        detail=f"grader error: {type(error).__name__}: {error}"[:DETAIL_LENGTH])
    except BaseException:  # Ctrl-C: leave no kernel behind
        settings.stop.set()
        executor.shutdown(wait=False, cancel_futures=True)
        with kernels_lock:
            for kernel in list(kernels):
                if kernel.proc is not None:
                    try:
                        os.killpg(kernel.proc.pid, signal.SIGKILL)
                    except (ProcessLookupError, PermissionError):
                        pass
                    sweep(kernel.token, kernel.root, rounds=1)
        raise
    executor.shutdown(wait=True)
    return results, submissions


def restore_submissions(submissions):
    """Write back any submission file that changed or vanished while grading; return their names."""
    restored = []
    for submission in submissions:
        if submission.data is None:
            continue
        path = Path(submission.name)
        try:
            with open(path, "rb") as f:
                same = hashlib.sha256(f.read()).hexdigest() == submission.sha256
        except OSError:
            same = False
        if not same:
            try:
                _write_atomic(path, submission.data)
                restored.append(submission.name)
            except OSError as error:
                print(f"warning: could not restore {submission.name}: {error}", file=sys.stderr)
    return restored


def _write_atomic(path, data):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def columns_for(results):
    """Exercise ids for the CSV: those of every notebook in the batch, in the table's order."""
    notebooks = {r.notebook for r in results if r.notebook}
    return [e.id for e in EXERCISES if e.notebook in notebooks]


def to_csv(results):
    exercise_ids = columns_for(results)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["submission", *exercise_ids, "total", "max_total", "status", "detail"])
    for r in results:
        writer.writerow([r.submission, *[r.points.get(i, "") for i in exercise_ids], r.total,
                         "" if r.max_total is None else r.max_total, r.status, r.detail])
    return buffer.getvalue()


def to_json(results, settings):
    return json.dumps({
        "exercises": {e.id: {"notebook": e.notebook, "function": e.function, "points": e.points} for e in EXERCISES},
        "settings": {"timeout": settings.timeout, "exercise_timeout": settings.exercise_timeout,
                     "memory_mb": settings.memory_mb},
        "submissions": [{
            "submission": r.submission, "sha256": r.sha256, "notebook": r.notebook, "status": r.status,
            "detail": r.detail, "total": r.total, "max_total": r.max_total, "seconds": r.seconds,
            "exercises": {i: {"points": r.points[i], "outcome": r.outcome.get(i), "feedback": r.feedback.get(i)}
                          for i in r.points},
            "notes": r.notes, "review": r.flags, "cell_errors": r.cell_errors, "kernel_pids": r.kernel_pids,
        } for r in results]}, indent=1)


def summary(results, seconds=None):
    counts = Counter(r.status for r in results)
    failed = len(results) - counts["ok"]
    text = f"graded {len(results)} submission(s)"
    if seconds is not None:
        text += f" in {seconds:.1f} s"
    text += f": {counts['ok']} ok, {failed} failed"
    if failed:
        text += " (" + ", ".join(f"{counts[s]} {s}" for s in STATUSES[1:] if counts[s]) + ")"
    scored = [r for r in results if r.max_total]
    if scored:
        mean = sum(r.total for r in scored) / len(scored)
        share = sum(r.total / r.max_total for r in scored) / len(scored)
        maxima = {r.max_total for r in scored}
        of = f" of {maxima.pop()}" if len(maxima) == 1 else ""
        text += f"; mean score {mean:.2f}{of} ({share:.0%})"
    return text


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m bpcourse grade", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Grade submitted notebooks: run each in a fresh kernel, test the functions it defines\n"
                    "against bpcourse.exercises in the grader's own process, write one CSV row per submission.",
        epilog="statuses: ok, timeout, error, invalid notebook (see the module docstring of bpcourse.grade).\n"
               "The CSV (and JSON) are written at the end, atomically; progress and a summary go to stderr.\n"
               "Exit status 0 once the reports are written, whatever the submissions' statuses.")
    parser.add_argument("submissions", nargs="+", metavar="SUBMISSION.ipynb",
                        help="notebooks to grade (a folder stands for its *.ipynb files)")
    parser.add_argument("--out", default="grades.csv", help="the CSV to write (default: grades.csv)")
    parser.add_argument("--json", action="store_true",
                        help="also write a JSON report with per-exercise feedback next to the CSV "
                             "(same name, .json suffix: grades.csv -> grades.json)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                        help=f"time for running one notebook's cells (default {DEFAULT_TIMEOUT:g}); a cell still "
                             f"running is skipped and the notebook run again (at most {MAX_RUNS} runs)")
    parser.add_argument("--exercise-timeout", type=float, default=DEFAULT_EXERCISE_TIMEOUT, metavar="SECONDS",
                        help=f"time for one exercise's test cases (default {DEFAULT_EXERCISE_TIMEOUT:g})")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                        help="submissions graded in parallel (default: the number of CPUs)")
    parser.add_argument("--memory", type=int, default=DEFAULT_MEMORY_MB, metavar="MB",
                        help=f"address-space limit of each kernel in MB, 0 for none (default {DEFAULT_MEMORY_MB})")
    parser.add_argument("--notebook", choices=STEMS, metavar="STEM",
                        help="grade every submission as this notebook (default: found per submission)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if args.timeout <= 0 or args.exercise_timeout <= 0 or args.jobs < 1 or args.memory < 0:
        parser.error("--timeout and --exercise-timeout must be positive, --jobs at least 1, --memory >= 0")
    settings = Settings(args.timeout, args.exercise_timeout, args.memory, args.notebook)
    start = time.monotonic()
    try:
        results, submissions = grade(args.submissions, settings, jobs=args.jobs, progress=not args.no_progress)
    except KeyboardInterrupt:
        print("\ninterrupted: kernels killed, no grades written", file=sys.stderr)
        return 130
    restored = restore_submissions(submissions)
    out = Path(args.out)
    _write_atomic(out, to_csv(results).encode())
    written = [str(out)]
    if args.json:
        _write_atomic(out.with_suffix(".json"), to_json(results, settings).encode())
        written.append(str(out.with_suffix(".json")))
    if restored:
        print(f"warning: {len(restored)} submission file(s) changed or vanished while grading and were written "
              f"back from the copies read at the start: {', '.join(restored)}", file=sys.stderr)
    print(summary(results, time.monotonic() - start), file=sys.stderr)
    print(f"wrote {' and '.join(written)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
