"""The code that runs inside a submission's kernel, after the notebook has run.

For one exercise it calls the learner's function on the grader's test cases
(public and hidden inputs, never the expected outputs) and returns the outputs
as data, in ``bplib._encoding``'s JSON form. The grader sends this file's text
to the kernel and runs it there in a fresh namespace (``run``); it also imports
it, for ``fingerprint`` and for its own tests. So it imports nothing of
``bpcourse`` (the kernel's sandbox has no ``bpcourse``), only the standard
library, numpy and ``bplib``.

The grader trusts nothing it receives from here: the notebook ran first in the
same process and may have replaced numpy, ``bplib``, ``json``, or this code's
helpers. What comes back is data, judged in the grader's own process against
its own cases; all this file can do is send the right outputs or not.

Each exercise runs in a child process forked from the kernel: background
threads the notebook started do not exist there, side effects of one exercise
cannot reach the next, and a function that hangs, ignores signals or crashes
is killed (SIGKILL to its process group) without touching the kernel. Where
``fork`` is refused (the process limit is used up) the cases run in the kernel
itself under a SIGALRM timer, and the grader's own deadline is the backstop.
"""
import hashlib
import json
import math
import os
import select
import signal
import sys
import time

import numpy as np

MAX_NUMBERS = 1_000_000    # numbers in one exercise's outputs; beyond that an output is "too large"
MAX_STRING = 10_000        # characters of one string in an output
MAX_DEPTH = 20             # nesting of lists, tuples and dicts in an output
MAX_REPLY = 24 * 2**20     # bytes of one exercise's record (its repr stays under the grader's 64 MB)
MAX_TEXT = 300             # characters kept of an exception's message
NAME = 60                  # characters kept of a type or exception name


class Budget:
    """How many more numbers the outputs of one exercise may hold."""

    def __init__(self, numbers=MAX_NUMBERS):
        self.numbers = numbers


def _opaque(value, note=""):
    """What the JSON form cannot hold (an object, a complex array...): its type name and why."""
    return {"opaque": {"type": type(value).__name__[:NAME], "note": note}}


def _float(x):
    return x if math.isfinite(x) else {"float": repr(x)}


def _leaves(data):
    """Nested lists of floats with the non-finite ones written as ``{"float": "nan"}``."""
    if isinstance(data, list):
        return [_leaves(item) for item in data]
    return _float(data)


def _encode_array(value, budget):
    # The base class: a subclass's own __eq__, tolist or dtype never runs.
    a = np.asarray(value).view(np.ndarray)
    if a.dtype.kind not in "biuf" or a.dtype.itemsize > 8:
        return _opaque(value, f"array of dtype {a.dtype}")
    if a.size > budget.numbers:
        return _opaque(value, f"too large: {a.size} numbers")
    budget.numbers -= max(a.size, 1)
    dtype = a.dtype.newbyteorder("=") if a.dtype.byteorder not in "=|" else a.dtype
    data = a.astype(dtype, copy=False).tolist()
    if a.dtype.kind == "f" and not bool(np.isfinite(a).all()):
        data = _leaves(data)
    return {"array": data, "dtype": str(dtype), "shape": list(a.shape)}


def encode(value, budget=None, depth=0):
    """``value`` in ``bplib._encoding``'s form (the same JSON as ``bplib._encoding.encode`` for
    what that can write); anything else, or too large, as ``{"opaque": {"type", "note"}}``.

    Subclasses are read through their base type (``float.__float__``, ``ndarray.view``...),
    so an odd ``__eq__``, ``__float__`` or ``__iter__`` changes nothing sent."""
    budget = Budget() if budget is None else budget
    if depth > MAX_DEPTH:
        return _opaque(value, "nested too deeply")
    if value is None or type(value) is bool:
        return value
    if isinstance(value, np.matrix):   # the notebook's check refuses one (its * is a matrix product): so here
        return _opaque(value, "np.matrix: return a plain numpy array")
    if isinstance(value, np.ndarray):
        return _encode_array(value, budget)
    if isinstance(value, np.generic):
        kind = value.dtype.kind
        if kind == "b":
            return bool(value)
        if kind in "iu":
            return int(value)
        if kind == "f" and value.dtype.itemsize <= 8:
            return _float(float(value))
        return _opaque(value)
    # Containers and strings are charged before they are walked: the record stays bounded.
    cost = 1
    if isinstance(value, str):
        cost += len(value) // 8
    elif isinstance(value, (tuple, list, dict)):
        cost += len(value)
    if cost > budget.numbers:
        return _opaque(value, "too large")
    budget.numbers -= cost
    if isinstance(value, int):
        return int.__int__(value)
    if isinstance(value, float):
        return _float(float.__float__(value))
    if isinstance(value, str):
        return str.__str__(value) if len(value) <= MAX_STRING else _opaque(value, "string too long")
    if isinstance(value, tuple):
        return {"tuple": [encode(v, budget, depth + 1) for v in tuple.__iter__(value)]}
    if isinstance(value, list):
        return [encode(v, budget, depth + 1) for v in list.__iter__(value)]
    if isinstance(value, dict):
        return {"dict": [[encode(k, budget, depth + 1), encode(v, budget, depth + 1)]
                         for k, v in dict.items(value)]}
    return _opaque(value)


def fingerprint(case):
    """A digest of a test case's inputs (arrays, numbers, networks' parameters), to compare
    the inputs the kernel built with the grader's."""
    digest = hashlib.sha256()

    def feed(value, depth):
        if depth > 8:
            return
        if isinstance(value, np.ndarray):
            digest.update(repr((value.dtype.str, value.shape)).encode())
            digest.update(np.ascontiguousarray(value).tobytes())
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
        return str(error)[:MAX_TEXT]
    except BaseException:  # a message whose __str__ raises
        return "(the exception's message could not be read)"


class _Timeout(BaseException):
    pass


def _on_alarm(signum, frame):
    raise _Timeout()


def run_cases(spec, function):
    """Yield one item per case: {"outcome": "returned", "output", "fingerprint"} or
    {"outcome": "raised" / "not attempted" / "timeout", "exception", "message"};
    stops after the first case that does not return."""
    from bplib._encoding import decode
    from bplib.checks import run_quietly

    budget = Budget()
    for encoded in spec["cases"]:
        item = {}
        try:
            case = decode(encoded)
            item["fingerprint"] = fingerprint(case)
            output = run_quietly(spec["invoke"], function, case)
            item["output"] = encode(output, budget)
            item["outcome"] = "returned"
        except _Timeout:
            item = {"outcome": "timeout"}
        except NotImplementedError as error:
            item.update(outcome="not attempted", exception=type(error).__name__[:NAME], message=_text(error))
        except BaseException as error:  # SystemExit and KeyboardInterrupt are the function's too
            item.update(outcome="raised", exception=type(error).__name__[:NAME], message=_text(error))
        if item["outcome"] != "returned":
            item.pop("output", None)
        yield item
        if item["outcome"] != "returned":
            return


def _child(spec, function, write_fd):  # pragma: no cover  (runs in the forked child; the tests read its lines)
    """In the forked child: run the cases, one JSON line per case on ``write_fd``; never returns."""
    try:
        os.setpgid(0, 0)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        sys.stdout = sys.stderr = open(devnull, "w", closefd=False)
        for number in (signal.SIGINT, signal.SIGALRM, signal.SIGTERM):
            signal.signal(number, signal.SIG_DFL)
        with os.fdopen(write_fd, "w", closefd=False) as pipe:
            for item in run_cases(spec, function):
                pipe.write(json.dumps(item, allow_nan=False) + "\n")
                pipe.flush()
    finally:
        os._exit(0)


def _isolated(spec, function, record):
    """Run the cases in a forked child; fill ``record["cases"]``. False if fork was refused."""
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        return False
    if pid == 0:  # pragma: no cover  (the child)
        os.close(read_fd)
        _child(spec, function, write_fd)
    os.close(write_fd)
    deadline = time.monotonic() + float(spec["seconds"])
    data, finished, status = bytearray(), False, 0
    try:
        # Until every case has its line (a process the function started may hold the pipe
        # open after the child is done), the child closes it, or time is up.
        while len(data) <= MAX_REPLY and data.count(b"\n") < len(spec["cases"]):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            ready, _, _ = select.select([read_fd], [], [], min(remaining, 1.0))
            if ready:
                chunk = os.read(read_fd, 1 << 20)
                if not chunk:
                    finished = True
                    break
                data += chunk
    finally:
        for kill, target in ((os.killpg, pid), (os.kill, pid)):   # its group, and itself if it left the group
            try:
                kill(target, signal.SIGKILL)
            except OSError:
                pass
        os.close(read_fd)
        try:
            _, status = os.waitpid(pid, 0)
        except ChildProcessError:  # the notebook set SIGCHLD to SIG_IGN: already reaped
            pass
    lines = bytes(data).split(b"\n")
    complete = lines[:-1] if len(data) <= MAX_REPLY else []
    for line in complete:
        record["cases"].append(json.loads(line))
    last = record["cases"][-1]["outcome"] if record["cases"] else None
    if last in (None, "returned") and len(record["cases"]) < len(spec["cases"]):
        if len(data) > MAX_REPLY:
            record["cases"] = [{"outcome": "raised", "exception": "OutputTooLarge",
                                "message": f"the outputs took more than {MAX_REPLY // 2**20} MB"}]
        elif not finished:
            record["cases"].append({"outcome": "timeout"})
        else:
            died = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
            record["cases"].append({"outcome": "raised", "exception": "ProcessDied",
                                    "message": f"the process running it died (signal {died})" if died
                                    else "the process running it exited"})
    return True


def _in_kernel(spec, function, record):
    """Run the cases in the kernel's own process under a SIGALRM timer (fork was refused)."""
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, float(spec["seconds"]))
    try:
        for item in run_cases(spec, function):
            record["cases"].append(item)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def collect(spec, namespace):
    """The record for one exercise: the function named ``spec["function"]`` in ``namespace``
    called on ``spec["cases"]`` (encoded inputs), with ``spec["seconds"]`` for them all."""
    # The cases' own modules, imported here and not first in the forked child: a kernel that cannot
    # import them (a venv whose bplib is elsewhere) is then a collector_error, not "the process died".
    import bplib._encoding  # noqa: F401
    import bplib.checks  # noqa: F401

    name = spec["function"]
    record = {"id": spec["id"], "function": name, "cases": []}
    if name not in namespace:
        record["state"] = "missing"
        return record
    function = namespace[name]
    if not callable(function):
        record.update(state="not callable", type=type(function).__name__[:NAME])
        return record
    record["state"] = "ran"
    record["isolated"] = _isolated(spec, function, record)
    if not record["isolated"]:
        _in_kernel(spec, function, record)
    return record


def run(spec_text, namespace):
    """The entry point in the kernel: ``collect`` for the JSON spec; the record as JSON text."""
    try:
        return json.dumps(collect(json.loads(spec_text), namespace), allow_nan=False)
    except BaseException as error:
        return json.dumps({"collector_error": f"{type(error).__name__[:NAME]}: {_text(error)}"})
