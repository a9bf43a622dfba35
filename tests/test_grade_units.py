"""The grader's parts on their own, without kernels: the code that runs inside a kernel (called
here in-process, forks included), the wire format, judging, review flags, reading submissions,
the journal and the reports, the sandbox's command line and cgroups, --shard, --merge, --resume."""
import csv
import hashlib
import io
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from contextlib import redirect_stderr
from pathlib import Path

import nbformat
import numpy as np
import pytest

import bplib
from bplib import checks
from bplib._encoding import encode as library_encode
from bpcourse.exercises import EXERCISES, get
from bpcourse.grade import batch, cli, inside, judging, reports, review, sandbox, submissions, wire

ROOT = Path(__file__).resolve().parent.parent


# --- inside.py: encoding outputs ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [
    None, True, 3, -2.5, "w", math.inf, (1, "w"), [(0, "b"), (2, "w")], {"restored": False, "grad": np.ones(2)},
    np.arange(6.0).reshape(2, 3), np.array([1.0, np.nan, -np.inf]), np.array([[1, 2]], dtype=np.int32),
    np.array([True, False]), np.float64(0.5), np.int64(7), (np.zeros((2, 0)), 1.5), np.array(2.5),
    np.array([3], dtype=np.uint8),
])
def test_outputs_go_in_the_one_json_form_and_come_back(value):
    encoded = inside.encode(value)
    assert encoded == library_encode(value)     # the same form as bplib._encoding writes
    back = wire.decode(json.loads(json.dumps(encoded, allow_nan=False)))
    if isinstance(value, (np.ndarray, np.generic)):
        np.testing.assert_array_equal(back, value)
        assert np.shape(back) == np.shape(value)
    elif isinstance(value, dict):
        assert set(back) == set(value) and back["restored"] is False
    elif isinstance(value, tuple) and isinstance(value[0], np.ndarray):
        assert isinstance(back, tuple) and back[1] == 1.5 and back[0].shape == (2, 0)
    else:
        assert back == value and type(back) is type(value)


def test_subclasses_are_sent_as_their_base_values_and_objects_as_placeholders():
    class Always(np.ndarray):
        def __eq__(self, other):
            return True

    class Odd(float):
        def __eq__(self, other):
            return True

        def __float__(self):
            return 42.0

    class Number(int):
        def __int__(self):
            return 42

    assert inside.encode(np.zeros(2).view(Always)) == library_encode(np.zeros(2))
    assert inside.encode(Odd(1.5)) == 1.5 and inside.encode(Number(3)) == 3
    assert inside.encode(np.arange(3, dtype=">i4"))["dtype"] == "int32"
    back = wire.decode(json.loads(json.dumps(inside.encode([object(), 1j, np.array([1j]), np.float128(1)]))))
    assert all(isinstance(b, wire.Unreadable) for b in back)
    assert [type(b).__name__ for b in back] == ["object", "complex", "ndarray", "longdouble"]
    assert "complex" in repr(back[2])


def test_outputs_too_large_to_send_are_refused_before_they_are_walked():
    assert inside.encode(list(range(3_000_000))) == {"opaque": {"type": "list", "note": "too large"}}
    assert "too large" in inside.encode(np.zeros(3_000_000))["opaque"]["note"]
    assert inside.encode("x" * 100_000)["opaque"]["note"] == "too large" or "long" in str(inside.encode("x" * 100_000))
    assert inside.encode("x" * 20_000)["opaque"]["note"] == "string too long"
    nested = []
    for _ in range(30):
        nested = [nested]
    assert "nested too deeply" in json.dumps(inside.encode(nested))
    assert len(json.dumps(inside.encode([list(range(1000))] * 10_000))) < 30_000_000


def test_fingerprints_change_with_the_inputs():
    case = get("hidden-error").cases()[0]
    again = get("hidden-error").cases()[0]
    assert inside.fingerprint(case) == inside.fingerprint(again)
    again["z"] = again["z"] + 1
    assert inside.fingerprint(case) != inside.fingerprint(again)
    net_case = get("train-step").cases()[0]
    assert inside.fingerprint(net_case) == inside.fingerprint(get("train-step").cases()[0])
    deep = {"a": [[[[[[[[[[[1]]]]]]]]]]], "b": (None, "s", 2.5)}
    assert len(inside.fingerprint(deep)) == 64


# --- inside.py: collecting, in this process (the forks are real) -------------------------------------------------------

def spec(exercise_id, seconds=5.0):
    exercise = get(exercise_id)
    return {"id": exercise.id, "function": exercise.function, "invoke": exercise.invoke, "seconds": seconds,
            "cases": [library_encode(case) for case in exercise.all_cases()]}


def judged(exercise_id, namespace, seconds=5.0):
    record = json.loads(inside.run(json.dumps(spec(exercise_id, seconds)), namespace))
    return record, judging.judge_record(get(exercise_id), record)


def test_a_right_function_earns_its_points_through_the_whole_path():
    exercise = get("bias-gradient")
    record, (points, outcome, message) = judged("bias-gradient", {"bias_gradient": exercise.reference})
    assert (points, outcome) == (exercise.points, "correct") and record["isolated"] is True
    assert f"{len(exercise.cases())} public, {len(exercise.hidden_cases())} hidden" in message


def test_a_function_that_hangs_is_killed_and_the_kernel_goes_on():
    def bias_gradient(delta):
        signal.signal(signal.SIGALRM, signal.SIG_IGN)
        while True:
            pass

    start = time.monotonic()
    record, (points, outcome, message) = judged("bias-gradient", {"bias_gradient": bias_gradient}, seconds=0.5)
    assert time.monotonic() - start < 5
    assert (points, outcome) == (0, "timed out") and "public test case 1" in message
    assert signal.getsignal(signal.SIGALRM) is not signal.SIG_IGN   # the child's change stayed there


def test_side_effects_of_one_exercise_stay_in_its_child():
    seen = []

    def bias_gradient(delta):
        seen.append(1)
        return delta.mean(axis=0)

    judged("bias-gradient", {"bias_gradient": bias_gradient})
    assert seen == []


def test_a_function_that_kills_its_process_or_exits_is_reported():
    def die(delta):
        os.kill(os.getpid(), signal.SIGKILL)

    def leave(delta):
        os._exit(0)

    _, (points, outcome, message) = judged("bias-gradient", {"bias_gradient": die})
    assert (points, outcome) == (0, "raised") and "died (signal 9)" in message
    _, (points, outcome, message) = judged("bias-gradient", {"bias_gradient": leave})
    assert "ProcessDied" in message and "exited" in message


def test_missing_uncallable_stub_and_raising_functions():
    assert judged("bias-gradient", {})[1][:2] == (0, "not defined")
    record, (_, outcome, message) = judged("bias-gradient", {"bias_gradient": 3})
    assert outcome == "not defined" and "is a int" in message

    def stub(delta):
        raise NotImplementedError("exercise bias-gradient: replace this line with your code")

    def broken(delta):
        raise SystemExit("nope")

    assert judged("bias-gradient", {"bias_gradient": stub})[1][1] == "not attempted"
    _, (_, outcome, message) = judged("bias-gradient", {"bias_gradient": broken})
    assert outcome == "raised" and "SystemExit: nope" in message


def test_when_fork_is_refused_the_cases_run_in_the_kernel_under_an_alarm(monkeypatch):
    def refuse():
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", refuse)
    record, (points, outcome, _) = judged("bias-gradient", {"bias_gradient": get("bias-gradient").reference})
    assert record["isolated"] is False and outcome == "correct"

    def slow(delta):
        time.sleep(5)

    record, (_, outcome, _) = judged("bias-gradient", {"bias_gradient": slow}, seconds=0.3)
    assert outcome == "timed out"


def test_outputs_past_the_reply_cap_are_refused(monkeypatch):
    monkeypatch.setattr(inside, "MAX_REPLY", 100)
    exercise = get("bias-gradient")
    _, (points, outcome, message) = judged("bias-gradient", {"bias_gradient": exercise.reference})
    assert (points, outcome) == (0, "raised") and "OutputTooLarge" in message


def test_a_broken_spec_becomes_a_collector_error():
    record = json.loads(inside.run("{not json", {}))
    assert "collector_error" in record
    assert judging.judge_record(get("bias-gradient"), record)[1] == "not graded"


def test_inside_imports_only_the_standard_library_numpy_and_bplib():
    import ast

    tree = ast.parse(wire.SOURCE)
    modules = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
               for alias in node.names}
    modules |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert modules <= {"hashlib", "json", "math", "os", "select", "signal", "sys", "time", "numpy", "bplib"}


# --- the wire format ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("bad", [
    {"array": [1.0, 2.0], "dtype": "float64", "shape": [3]},
    {"array": [1.0, "1e3"], "dtype": "float64", "shape": [2]},
    {"array": [[1.0]], "dtype": "float64", "shape": [1]},
    {"array": [], "dtype": "float64", "shape": [-1]},
    {"array": [1], "dtype": "object", "shape": [1]},
    {"array": [1], "dtype": "V100000000", "shape": [1]},
    {"array": [1.5], "dtype": "int64", "shape": [1]},
    {"array": [1], "dtype": "bool", "shape": [1]},
    {"array": [2**70], "dtype": "int64", "shape": [1]},
    {"array": [float("nan")], "dtype": "float64", "shape": [1]},
    {"array": [{"float": "1e999"}], "dtype": "float64", "shape": [1]},
    {"pickle": "gASVAAAAAAAAAAB9lC4="},
    {"network": {"sizes": [1, 1]}},
    {"float": "1e999"},
    {"dict": [[[1], 2]]},
    {"dict": [[1]]},
    {"dict": 3},
    {"tuple": 3},
    {"opaque": 3},
    {"no": "tag", "two": "keys"},
    float("inf"),
    b"bytes",
])
def test_decode_rejects_anything_but_the_agreed_form(bad):
    with pytest.raises(wire.DecodeError):
        wire.decode(bad)


def test_decode_caps_size_and_depth():
    deep = 1
    for _ in range(50):
        deep = [deep]
    with pytest.raises(wire.DecodeError, match="deeply"):
        wire.decode(deep)
    with pytest.raises(wire.DecodeError, match="numbers"):
        wire.decode({"array": [0] * 10, "dtype": "int64", "shape": [600_000, 2]})


def test_read_record_accepts_only_a_json_string_reply():
    record = {"id": "x", "cases": []}
    ok = {"status": "ok", "data": {"text/plain": repr(json.dumps(record))}}
    assert wire.read_record(ok, 10_000) == record
    for bad, words in [({"status": "error", "ename": "NameError"}, "could not be read"), ({}, "no result"),
                       ({"status": "ok", "data": {"text/plain": "x" * 100}}, "too long"),
                       ({"status": "ok", "data": {"text/plain": "[1]"}}, "not a string"),
                       ({"status": "ok", "data": {"text/plain": "__import__('os')"}}, "unreadable"),
                       ({"status": "ok", "data": {"text/plain": repr("[1, 2]")}}, "not a record"),
                       ({"status": "ok", "data": {"text/plain": repr('{"x": NaN}')}}, "bare NaN")]:
        with pytest.raises(wire.DecodeError, match=words):
            wire.read_record(bad, 50)
    # A forged record of 5 MB that json would make into 1.6 million lists (the cap is on what is parsed)
    forged = {"status": "ok", "data": {"text/plain": repr('{"cases": [' + "[]," * 1_600_000 + "[]]}")}}
    with pytest.raises(wire.DecodeError, match="more than 3,000,000 values"):
        wire.read_record(forged, 10_000_000)


def test_the_collect_cell_runs_the_module_on_the_spec_and_leaves_the_record():
    exercise = get("bias-gradient")
    namespace = {"bias_gradient": exercise.reference}
    exec(compile(wire.collect_cell(spec("bias-gradient")), "cell", "exec"), namespace)
    record = json.loads(namespace[wire.RESULT])
    assert judging.judge_record(exercise, record)[1] == "correct"
    assert not [name for name in namespace if name.startswith("__bp_") and name != wire.RESULT]


# --- judging ----------------------------------------------------------------------------------------------------------

def test_an_np_matrix_answer_fails_under_the_grader_as_it_fails_the_notebooks_check():
    # A matrix of the right values and shape: the check cell refuses it (np.matrix's * is a matrix
    # product), so the grader must not give it the points.
    exercise = get("weight-gradient")

    def as_matrix(*args, **kwargs):
        return np.asmatrix(exercise.reference(*args, **kwargs))

    passed, message = checks.evaluate("weight-gradient", as_matrix)
    assert not passed and "np.matrix" in message
    namespace = {exercise.function: as_matrix}
    exec(compile(wire.collect_cell(spec("weight-gradient")), "cell", "exec"), namespace)
    points, outcome, message = judging.judge_record(exercise, json.loads(namespace[wire.RESULT]))
    assert (points, outcome) == (0, "wrong") and "matrix" in message


def test_judging_uses_the_graders_own_cases_and_comparison():
    exercise = get("bias-gradient")
    right = [{"outcome": "returned", "output": inside.encode(exercise.reference(**case)),
              "fingerprint": inside.fingerprint(case)} for case in exercise.all_cases()]
    record = {"id": exercise.id, "state": "ran", "cases": right}
    assert judging.judge_record(exercise, record)[:2] == (exercise.points, "correct")
    assert judging.judge_record(exercise, {**record, "cases": right[:1]})[:2] == (0, "not graded")
    wrong = [dict(item) for item in right]
    wrong[2]["output"] = inside.encode(exercise.all_cases()[2]["delta"].sum(axis=0))
    points, outcome, message = judging.judge_record(exercise, {**record, "cases": wrong})
    assert (points, outcome) == (0, "wrong") and "missing 1/n" in message and "hidden test case 3" in message
    wrong[2]["fingerprint"] = "0" * 64
    assert "inputs built in your kernel differ" in judging.judge_record(exercise, {**record, "cases": wrong})[2]
    assert judging.judge_record(get("hidden-error"), record)[:2] == (0, "not graded")


@pytest.mark.parametrize("record, outcome", [
    ({"failure": "boom", "outcome": "timed out"}, "timed out"),
    ({"id": "bias-gradient", "state": "ran", "cases": "no"}, "not graded"),
    ({"id": "bias-gradient", "state": "odd", "cases": []}, "not graded"),
    ({"id": "bias-gradient", "state": "ran", "cases": [1]}, "not graded"),
    ({"id": "bias-gradient", "state": "ran", "cases": [{"outcome": "??"}]}, "not graded"),
    ({"id": "bias-gradient", "state": "ran", "cases": [{"outcome": "returned", "output": {"bad": 1, "x": 2}}]},
     "wrong"),
    ({"id": "bias-gradient", "state": "ran", "cases": [{"outcome": "returned", "output": {"opaque": {}}}]},
     "wrong"),
])
def test_odd_records_earn_nothing(record, outcome):
    assert judging.judge_record(get("bias-gradient"), record)[:2] == (0, outcome)


def test_an_output_so_odd_the_comparison_fails_is_wrong(monkeypatch):
    def explode(*args):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(judging, "judge", explode)
    exercise = get("bias-gradient")
    item = {"outcome": "returned", "output": 1.0}
    points, outcome, message = judging.judge_record(exercise, {"id": exercise.id, "state": "ran", "cases": [item]})
    assert (points, outcome) == (0, "wrong") and "could not be compared (ZeroDivisionError" in message


def test_outcome_labels_name_the_exception():
    assert judging.outcome_label("raised", "f raised KeyError: x") == "raised KeyError"
    assert judging.outcome_label("raised", "odd") == "raised"
    assert judging.outcome_label("wrong", "anything") == "wrong"


# --- review flags -----------------------------------------------------------------------------------------------------

def _notebook(*sources):
    nb = nbformat.v4.new_notebook()
    for source in sources:
        nb.cells.append(nbformat.v4.new_code_cell(source))
    return submissions.parse(nbformat.writes(nb).encode())


@pytest.mark.parametrize("source, flag", [
    ("from bpcourse.exercises.nb05_four_equations import hidden_error", "imports the instructors' package"),
    ("import importlib\nm = importlib.import_module('bp' + 'course')", "imports importlib"),
    ("x = __import__('os')", "calls __import__"),
    ("exec('1')", "calls exec"),
    ("eval('1')", "calls eval"),
    ("import numpy as np\nf = getattr(np, 'allclose')", "getattr by string 'allclose'"),
    ("import numpy as np\nname = 'x'\nsetattr(np, name, 1)", "setattr by a computed name"),
    ("import numpy as np\nnp.allclose = lambda *a, **k: True", "changes a module: numpy.allclose"),
    ("import bplib.checks\nbplib.checks.INVOKERS['call'] = None", "changes a module: bplib.checks.INVOKERS"),
    ("import numpy\ndel numpy.isclose", "changes a module: numpy.isclose"),
    ("import builtins\nbuiltins.print = None", "imports builtins"),
    ("__builtins__.print = None", "touches __builtins__"),
    ("import sys\nsys.settrace(None)", "sets a trace function (sys.settrace)"),
    ("import sys as s\nf = s._getframe()", "inspects stack frames (sys._getframe)"),
    ("import inspect\ninspect.stack()", "inspects stack frames (inspect.stack)"),
    ("import os\nos.kill(1, 9)", "sends signals (os.kill)"),
    ("from bplib.checks import load\nload('x')", "reads the feedback's test data (bplib.checks.load)"),
    ("open('../solutions/05_four_equations.ipynb')", "names course or submission files"),
    ("open('/etc/passwd')", "reads a path outside its folder: '/etc/passwd'"),
    ("import glob\nglob.glob('*')", "lists files (glob.glob)"),
    ("!ls /", "runs a shell command (!)"),
    ("%%bash\nls /", "runs a %%bash cell"),
    ("get_ipython().kernel.session.send", "reaches into the kernel (get_ipython().kernel)"),
    ("__bp_grade_result__ = '{}'", "touches the grader's names (__bp_grade_result__)"),
    ("import bplib.equations as eq\ndef hidden_error(delta_next, w_next, z):\n    return eq.hidden_error(1, 2, 3)",
     "hidden_error uses bplib's own answer bplib.equations.hidden_error"),
    ("from bplib.equations import hidden_error", "binds hidden_error to bplib's own answer"),
    ("from bplib.equations import hidden_error as he\nhidden_error = lambda a, b, c: he(a, b, c)",
     "binds hidden_error to bplib's own answer bplib.equations.hidden_error"),
    ("import bplib\nx: int = 1\nbplib.checks.x += 1", "changes a module: bplib.checks.x"),
    ("async def hidden_error(a, b, c):\n    import bplib\n    return bplib.equations.hidden_error(a, b, c)",
     "hidden_error uses bplib's own answer"),
])
def test_review_flags_name_what_they_found_with_cell_and_line(source, flag):
    flags = review.review(_notebook("x = 1", source), "05_four_equations")
    assert any(flag in f for f in flags), flags
    assert all(f.startswith("cell 2 line ") for f in flags)


@pytest.mark.parametrize("source", [
    "from bplib.activations import sigmoid, sigmoid_prime",       # helpers, not this notebook's answers
    "def bias_gradient(delta):\n    return delta.mean(axis=0)",
    "checks = [1, 2]\nx = checks[0] == 1",
    "import numpy as np\ny = np.zeros(3)\ny[0] = 1",
    "print('no paths here')",
    "%matplotlib inline",
    "def broken(:\n    pass",                                      # not Python: the kernel says so
])
def test_honest_code_is_not_flagged(source):
    assert review.review(_notebook(source), "05_four_equations") == []


def test_the_course_solutions_raise_no_flag_and_course_cells_are_not_read():
    for path in sorted((ROOT / "solutions").glob("*.ipynb")):
        nb = submissions.parse(path.read_bytes())
        sources = batch._course_sources(path.stem)
        assert review.review(nb, path.stem, sources) == [], path.stem
    nb = _notebook("import importlib")
    assert review.review(nb, "01_start_here") and not review.review(nb, "01_start_here", {"import importlib"})


def test_flags_are_capped():
    nb = _notebook("\n".join(f"exec('{i}')\neval('{i}')" for i in range(60)))
    assert len(review.review(nb, "05_four_equations")) == review.MAX_FLAGS


def test_code_too_long_or_too_deep_to_review_is_flagged_and_the_rest_reviewed():
    # 5.7 MB of "x = 1" lines took the review 55 s and 2.4 GB of the grader's memory; an expression
    # nested 500 deep raised RecursionError out of the review: the submission was not graded at all.
    nb = _notebook("x = 1\n" * 50_000, "x = " + "-" * 500 + "1", "import subprocess")
    start = time.monotonic()
    flags = review.review(nb, "05_four_equations")
    assert time.monotonic() - start < 5
    assert flags == ["cell 1 line 1: not reviewed: 300,000 characters of code, past the 200,000 the review reads "
                     "in all", "cell 2 line 1: not reviewed: nested too deeply",
                     "cell 3 line 1: starts processes (subprocess)"]


def test_every_exercise_with_a_library_twin_is_in_the_answers_table():
    assert "hidden_error" in review.LIBRARY_ANSWERS["hidden_error"]
    assert "backprop" in review.LIBRARY_ANSWERS["backprop"] and "forward" in review.LIBRARY_ANSWERS["forward_pass"]
    assert review.LIBRARY_ANSWERS["train_step"] == set()   # meant to call net.backprop


# --- reading submissions ----------------------------------------------------------------------------------------------

def test_flat_and_nbgrader_layouts_students_assignments_links_and_checkpoints(tmp_path):
    (tmp_path / "flat").mkdir()
    (tmp_path / "flat" / "alice-05_four_equations.ipynb").write_text("{}")
    (tmp_path / "flat" / "05_four_equations.ipynb").write_text("{}")
    (tmp_path / "flat" / ".ipynb_checkpoints").mkdir()
    (tmp_path / "flat" / ".ipynb_checkpoints" / "x.ipynb").write_text("{}")
    (tmp_path / "flat" / "notes.txt").write_text("not a notebook")
    (tmp_path / "flat" / "dave.zip").write_text("an archive handed in: dave must not vanish from the class")
    nested = tmp_path / "submitted" / "bob" / "ps1"
    nested.mkdir(parents=True)
    (nested / "02_forward_pass.ipynb").write_text("{}")
    (tmp_path / "submitted" / "dave").mkdir()
    (tmp_path / "submitted" / "dave" / "answers.ipynb").write_text("{}")
    os.symlink(tmp_path / "flat", tmp_path / "submitted" / "eve")
    os.symlink("/etc/hostname", nested / "stolen.ipynb")
    found = {s.id.replace(str(tmp_path) + "/", ""): s for s in
             submissions.read_submissions([tmp_path / "flat", tmp_path / "submitted",
                                           tmp_path / "flat" / "alice-05_four_equations.ipynb"])}
    assert found["flat/alice-05_four_equations.ipynb"].student == "alice"
    assert found["flat/05_four_equations.ipynb"].student == "05_four_equations"
    assert (found["submitted/bob/ps1/02_forward_pass.ipynb"].student,
            found["submitted/bob/ps1/02_forward_pass.ipynb"].assignment) == ("bob", "ps1")
    assert found["submitted/dave/answers.ipynb"].student == "dave"
    assert found["submitted/eve"].error == "a symbolic link (not followed)"
    assert found["submitted/bob/ps1/stolen.ipynb"].error == "a symbolic link (not followed)"
    assert found["flat/dave.zip"].student == "dave" and "unpack or convert it" in found["flat/dave.zip"].error
    assert len(found) == 7   # the explicit file is not read twice, notes.txt and checkpoints are skipped
    assert found["flat/alice-05_four_equations.ipynb"].data == b"{}"


def test_a_batch_holds_no_files_and_grades_each_as_it_was_found(tmp_path, monkeypatch):
    """A sandboxed batch keeps each file's SHA-256, not its bytes (fifty files of 99 MB would be
    5 GB), and reads a file again when it grades it: a file that changed meanwhile is an error row."""
    path = tmp_path / "x-05_four_equations.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("a = 1")],
                                  metadata={"bp_course": {"notebook": "05_four_equations"}})
    path.write_text(json.dumps(nb))
    [s] = submissions.read_submissions([tmp_path], keep=False)
    assert s.data is None and s.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert s.load() == path.read_bytes()
    [kept] = submissions.read_submissions([tmp_path])   # an unsandboxed run restores files from these
    assert kept.data == path.read_bytes()
    monkeypatch.setattr(sandbox, "Kernel", FakeKernel)
    FakeKernel.plans[path.name] = {"namespace": FUNCTIONS, "stop": threading.Event()}
    settings = batch.Settings(timeout=5, cell_timeout=0.05, exercise_timeout=1, sandbox=False)
    env = batch.Environment(settings)
    monkeypatch.setattr(env, "launcher", lambda submission: FakeLauncher(path.name, ()))
    path.write_text(json.dumps(nb) + " ")
    r = batch.grade_submission(s, env)
    assert r.status == "error" and r.total == 0 and "changed while the batch was being graded" in r.detail
    path.unlink()
    with pytest.raises(submissions.SubmissionChanged, match="can no longer be read"):
        s.load()


def test_an_empty_student_folder_a_stray_file_and_a_notebook_put_too_deep_are_rows_not_silence(tmp_path):
    submitted = tmp_path / "submitted"
    (submitted / "alice" / "ps1").mkdir(parents=True)
    (submitted / "alice" / "ps1" / "05_four_equations.ipynb").write_text("{}")
    (submitted / "carol" / "ps1").mkdir(parents=True)   # nothing handed in (a stray file only)
    (submitted / "carol" / "ps1" / "notes.txt").write_text("hi")
    (submitted / "dave" / "ps1" / "my work" / "final").mkdir(parents=True)
    (submitted / "dave" / "ps1" / "my work" / "final" / "05_four_equations.ipynb").write_text("{}")
    (submitted / "bob.zip").write_bytes(b"PK\x03\x04")   # handed in as an archive, next to the folders
    (submitted / "grades.csv").write_text("student\n")     # the grader's own report is no student
    (tmp_path / "flat" / "images").mkdir(parents=True)   # a flat folder's subfolder is no student
    (tmp_path / "flat" / "erin-05_four_equations.ipynb").write_text("{}")
    (tmp_path / "flat" / "notes.txt").write_text("hi")   # nor is a flat folder's other file
    found = {s.student: s for s in submissions.read_submissions([submitted, tmp_path / "flat"], keep=False)}
    assert sorted(found) == ["alice", "bob", "carol", "dave", "erin"]
    assert found["bob"].error.startswith("not graded: bob.zip is a file, not a notebook or a student's folder")
    assert found["bob"].error_status == "error"
    assert found["alice"].error is None and found["erin"].error is None
    assert found["carol"].error.startswith("no notebook in carol's folder (expected STUDENT/ASSIGNMENT/")
    assert found["dave"].error.startswith("not graded: too deep in the folder") and found["dave"].assignment == "ps1"
    assert found["carol"].error_status == found["dave"].error_status == "error"
    _, gradebook = reports.gradebook(
        [batch.grade_submission(s, batch.Environment(batch.Settings(sandbox=False))) for s in found.values()])
    rows = {row["student"]: row for row in gradebook}
    assert rows["carol"]["total"] == rows["dave"]["total"] == 0 and "no notebook" in rows["carol"]["notes"]
    assert rows["bob"]["total"] == 0 and "bob.zip is a file" in rows["bob"]["notes"]


def test_a_student_folder_past_the_cap_has_its_extra_notebooks_listed_not_graded(tmp_path, monkeypatch):
    monkeypatch.setattr(submissions, "MAX_PER_STUDENT", 3)
    for student, count in (("mallory", 5), ("bob", 3)):
        folder = tmp_path / "submitted" / student / "ps1"
        folder.mkdir(parents=True)
        for i in range(count):
            (folder / f"copy{i}.ipynb").write_text("{}")
    (tmp_path / "flat").mkdir()
    for i in range(5):   # a flat folder: one file per student, no cap
        (tmp_path / "flat" / f"s{i}-05_four_equations.ipynb").write_text("{}")
    found = submissions.read_submissions([tmp_path / "submitted", tmp_path / "flat"], keep=False)
    errors = {s.id.rsplit("/", 3)[-3] + "/" + Path(s.id).name: s.error for s in found if s.error}
    assert list(errors) == ["mallory/copy3.ipynb", "mallory/copy4.ipynb"]
    assert all("mallory's folder holds more than 3 notebooks" in e for e in errors.values())
    assert len(found) == 13 and not any(s.sha256 for s in found if s.error)   # listed, never read


def test_unreadable_and_oversized_files(tmp_path, monkeypatch):
    big = tmp_path / "big.ipynb"
    big.write_bytes(b"x" * 2000)
    monkeypatch.setattr(submissions, "MAX_SUBMISSION_BYTES", 1000)
    [s] = submissions.read_submissions([big])
    assert s.error.startswith("too large") and s.error_status == "invalid notebook"
    [s] = submissions.read_submissions([tmp_path / "missing.ipynb"])
    assert "cannot read the file" in s.error and s.error_status == "error"
    fifo = tmp_path / "pipe.ipynb"
    os.mkfifo(fifo)   # opening it for reading would wait for a writer forever
    [s] = submissions.read_submissions([fifo])
    assert s.error == "not a regular file" and s.error_status == "error"


@pytest.mark.parametrize("data, words", [
    (b"\xff\xfe", "not UTF-8"), (b"[1, 2", "not valid JSON"), (b"[1, 2]", "no cells"),
    (b'{"nbformat": 4, "cells": [{"cell_type": "code"}]}', "malformed cells"),
    (b'{"nbformat": 4, "cells": [{"cell_type": "code", "source": [1]}]}', "malformed cells"),
    (b'{"nbformat": 3, "worksheets": "nonsense"}', "not a notebook"),
    (b'{"nbformat": 4, "cells": [], "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nested too deeply"),
    # 3 MB that json would make into 1.2 million lists: refused unread (100 MB of them took 5 GB and 60 s)
    (b'{"nbformat": 4, "cells": [], "x": [' + b"[]," * 1_200_000 + b"[]]}", r"JSON values \(more than 1,000,000"),
    (b'{"nbformat": 4, "cells": [], "x": "' + b"[," * 600_000 + b"}", "a string is not closed"),
])
def test_parse_says_why_a_file_is_not_a_notebook(data, words):
    with pytest.raises(submissions.InvalidNotebook, match=words):
        submissions.parse(data)


def test_commas_and_brackets_inside_strings_are_not_counted_as_values():
    output = {"output_type": "stream", "name": "stdout", "text": str(list(range(1_200_000)))}
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
          "cells": [{"cell_type": "code", "source": "print(list(range(1_200_000)))", "outputs": [output]}]}
    data = json.dumps(nb).encode()
    assert data.count(b",") > submissions.MAX_JSON_VALUES and submissions.json_values(data) < 20
    assert submissions.parse(data).cells[0].outputs[0].text.startswith("[0, 1, 2")


def test_deep_json_that_json_can_read_is_read_without_recursion():
    # 600 levels: within json's own limit, but the old copy into Node recursed two frames a level
    # (RecursionError, raised out of the batch's first reading: no report at all).
    deep = b"[" * 600 + b"]" * 600
    nb = submissions.parse(b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {"x": ' + deep + b'}, "cells": []}')
    assert nb.cells == [] and json.dumps(nb.metadata.x) == deep.decode()


def test_parse_reads_format_4_directly_and_converts_format_3():
    nb = submissions.parse(b'{"nbformat": 4, "nbformat_minor": 5, "metadata": [], '
                           b'"cells": [{"cell_type": "code", "source": ["a = 1\\n", "b = 2"]}]}')
    assert nb.cells[0].source == "a = 1\nb = 2" and nb.metadata == {} and nb.cells[0].metadata == {}
    with pytest.raises(AttributeError):
        nb.nothing
    v3 = nbformat.v3.new_notebook(worksheets=[nbformat.v3.new_worksheet(
        cells=[nbformat.v3.new_code_cell(input="x = 1")])])
    assert submissions.parse(nbformat.v3.writes_json(v3).encode()).cells[0].source == "x = 1"


def test_an_old_format_notebook_with_too_many_cells_is_refused_before_nbformat_converts_it(monkeypatch):
    # nbformat converts and validates a cell in about 0.4 ms: 100,000 cells (under the values cap)
    # cost most of a minute of the grader's time, twice, before the cell count was looked at.
    def convert(text):
        raise AssertionError("converted")

    monkeypatch.setattr(submissions, "_convert", convert)
    cells = [{"cell_type": "code", "input": "x = 1", "outputs": []}] * (submissions.MAX_CELLS + 1)
    data = json.dumps({"nbformat": 3, "nbformat_minor": 0, "worksheets": [{"cells": cells}]}).encode()
    with pytest.raises(submissions.InvalidNotebook, match=f"{submissions.MAX_CELLS + 1} code cells"):
        submissions.parse(data)


def test_notebook_identity_order_and_mismatch():
    nb = _notebook("def output_error(a_out, y, z_out):\n    pass", "def hidden_error(a, b, c):\n    pass")
    nb.metadata["bp_course"] = {"notebook": "07_xor"}
    assert submissions.identify(nb, "x/05_four_equations.ipynb") == "07_xor"
    assert "its functions are those of 05_four_equations" in submissions.mismatch(nb, "07_xor")
    assert submissions.mismatch(nb, "05_four_equations") is None
    del nb.metadata["bp_course"]
    assert submissions.identify(nb, "x/carol-05_four_equations.ipynb") == "05_four_equations"
    assert submissions.identify(nb, "x/carol.ipynb") == "05_four_equations"
    assert submissions.identify(_notebook(), "x/carol.ipynb", "06_the_algorithm") == "06_the_algorithm"
    assert submissions.identify(None, "x/carol.ipynb") is None
    tie = _notebook("def output_error(): pass", "def sigmoid(): pass")
    assert submissions.by_functions(tie) is None
    # notebook 04 handed in as carol-05_four_equations.ipynb was graded as 04 without a word
    chain = _notebook("x = 1")
    chain.metadata["bp_course"] = {"notebook": "04_chain_rule"}
    name = "x/carol-05_four_equations.ipynb"
    assert submissions.identify(chain, name) == "04_chain_rule"
    assert "its file name names 05_four_equations: was the wrong notebook handed in?" in \
        submissions.mismatch(chain, "04_chain_rule", name)
    assert submissions.mismatch(chain, "04_chain_rule", "x/carol-04_chain_rule.ipynb") is None


def test_shards_are_disjoint_cover_everything_and_do_not_move():
    ids = [f"submitted/student{i}/ps1/05.ipynb" for i in range(200)]
    parts = [{i for i in ids if submissions.in_shard(i, (k, 4))} for k in range(1, 5)]
    assert set().union(*parts) == set(ids) and sum(map(len, parts)) == len(ids)
    assert all(20 < len(part) < 80 for part in parts)
    more = ids + ["submitted/late/ps1/05.ipynb"]
    assert {i for i in more if submissions.in_shard(i, (2, 4))} - parts[1] <= {"submitted/late/ps1/05.ipynb"}
    again = subprocess.run([sys.executable, "-c", "import sys, json\nfrom bpcourse.grade import submissions\n"
                            "ids = json.load(sys.stdin)\nprint(json.dumps([i for i in ids if submissions.in_shard(i, (2, 4))]))"],
                           input=json.dumps(ids), capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert set(json.loads(again.stdout)) == parts[1]   # the same parts in another process (no hash seed)
    assert submissions.parse_shard(" 3/8 ") == (3, 8)
    for bad in ("0/4", "5/4", "a/b", "3", None):
        with pytest.raises(ValueError, match="K/N"):
            submissions.parse_shard(bad)


# --- the journal and the reports ----------------------------------------------------------------------------------------

def result(name, notebook="05_four_equations", total=7, student="s", **more):
    ids = [e.id for e in EXERCISES if e.notebook == notebook]
    points = {i: 0 for i in ids}
    points[ids[0]] = total
    return reports.Result(name, student=student, notebook=notebook, points=points, **more)


def test_journal_appends_survive_a_cut_line_and_resume_reads_them(tmp_path):
    path = tmp_path / "grades.journal"
    journal = reports.Journal(path, {"timeout": 1})
    journal.append(result("a"))
    journal.close()
    with open(path, "ab") as f:
        f.write(b'{"submission": "half')      # a run killed mid-write
    again = reports.Journal(path, {"timeout": 1}, resume=True)
    again.append(result("b"))
    again.close()
    settings, found = reports.read_journal(path)
    assert settings == {"timeout": 1} and set(found) == {"a", "b"}
    with open(path, "ab") as f:
        f.write(b'{"submission": "c", "points": {"x": "seven"}}\n[1]\n')
    assert set(reports.read_journal(path)[1]) == {"a", "b"}
    reports.Journal(path, {"timeout": 2}).close()           # a new run starts a new journal
    assert reports.read_journal(path) == ({"timeout": 2}, {})


def test_merge_keeps_the_last_entry_of_each_submission(tmp_path):
    for name, entries in (("one", [result("a", total=1), result("b")]), ("two", [result("a", total=2)])):
        journal = reports.Journal(tmp_path / f"{name}.journal", {})
        for entry in entries:
            journal.append(entry)
        journal.close()
    merged = {r.submission: r.total for r in reports.merge([tmp_path / "one.journal", tmp_path / "two.journal"])}
    assert merged == {"a": 2, "b": 7}


def test_csv_cells_are_not_formulas_and_have_no_control_characters():
    assert reports.cell("=cmd|' /C calc'!A0") == "'=cmd|' /C calc'!A0"
    assert reports.cell("+1") == "'+1" and reports.cell("@x") == "'@x" and reports.cell("-2") == "'-2"
    assert reports.cell("a\x1b[31mb\nc") == "ab c" and reports.cell(3) == 3


def test_hostile_names_and_messages_leave_every_report_readable_and_one_line_per_submission(tmp_path):
    # A folder name that is not UTF-8 (unzipped from another system) reaches Python as a lone
    # surrogate, which UTF-8 cannot write: the CSV raised UnicodeEncodeError after the whole batch
    # was graded, and no report was written.
    names = ["submitted/caf\udce9/ps05/05_four_equations.ipynb", "submitted/\u202eecila/ps05/x.ipynb",
             "submitted/al\u200bice/ps05/x.ipynb", "flat/new\nline,\"quoted\"\t-x.ipynb"]
    results = [result(name, student=name.split("/")[1], notes=['{"submission": "forged"}\n\x1b[2J\x9b31m'])
               for name in names]
    for r in results:
        r.detail = reports.detail_of(r, judging.outcome_label)
    out = tmp_path / "grades.csv"
    journal = reports.Journal(reports.journal_path(out), {})
    for r in results:
        journal.append(r)
    journal.close()
    assert len(reports.journal_path(out).read_bytes().splitlines()) == 1 + len(names)
    assert set(reports.read_journal(reports.journal_path(out))[1]) == set(names)   # exact: --resume finds them
    reports.write_reports(reports.merge([reports.journal_path(out)]), out, {}, True)
    with open(out, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    with open(out.with_suffix(".students.csv"), encoding="utf-8", newline="") as f:
        students = [row["student"] for row in csv.DictReader(f)]
    assert [row["student"] for row in rows] == ["caf\\xe9", "\\u202eecila", "al\\u200bice",
                                                'new line,"quoted"\t-x.ipynb']
    assert sorted(students) == sorted(row["student"] for row in rows)
    assert all(row["detail"] == '{"submission": "forged"} \\u009b31m' for row in rows)
    assert [s["submission"] for s in json.loads(out.with_suffix(".json").read_text())["submissions"]] == names


def test_detail_lists_notes_outcomes_and_flags_and_is_capped():
    r = result("a", notes=["cell 3 interrupted"], flags=[f"cell {i} line 1: exec" for i in range(5)])
    r.outcome = {"output-error": "correct", "hidden-error": "raised", "bias-gradient": "wrong"}
    r.feedback = {"hidden-error": "hidden_error raised KeyError: x"}
    detail = reports.detail_of(r, judging.outcome_label)
    assert detail.startswith("cell 3 interrupted; raised KeyError: hidden-error; wrong: bias-gradient; review: ")
    assert "(+2 more)" in detail
    r.notes = ["x" * 1000]
    assert len(reports.detail_of(r, judging.outcome_label)) == reports.DETAIL_LENGTH


def test_gradebook_rows_per_student_with_the_best_of_duplicates():
    results = [result("a1", student="ann", total=2), result("a2", student="ann", total=5),
               result("b", student="ben", notebook="02_forward_pass", total=1),
               reports.Result("x", student="", notebook=None, status="error"),
               result("c", student="cat", total=3, status="timeout", notes=["the time cap of 60 s was reached"])]
    notebooks, rows = reports.gradebook(results)
    rows = {row["student"]: row for row in rows}
    assert notebooks == ["02_forward_pass", "05_four_equations"]
    assert rows["ann"]["05_four_equations"] == 5 and "2 submissions of 05_four_equations" in rows["ann"]["notes"]
    # A run that did not finish kept the points it reached, and its row said nothing of why
    assert rows["cat"]["notes"] == "05_four_equations: timeout (the time cap of 60 s was reached)"
    assert rows["ann"]["notes"] == "2 submissions of 05_four_equations: the best counts (a2)"
    assert rows["ben"]["total"] == 1 and "05_four_equations" not in rows["ben"]
    assert "of no known notebook" in rows["x"]["notes"]
    text = reports.to_students_csv(results)
    assert text.splitlines()[0] == "student,02_forward_pass,05_four_equations,total,max_total,notes"


def test_summary_counts_statuses_and_the_mean():
    results = [result("a"), result("b", total=0, status="timeout"), reports.Result("c", status="invalid notebook")]
    text = reports.summary(results, 3.0)
    assert "graded 3 submission(s) in 3.0 s: 1 ok, 2 failed (1 timeout, 1 invalid notebook)" in text
    assert "mean score 3.50 of 7 (50%)" in text


def test_result_round_trips_and_refuses_bad_points():
    r = result("a", cell_errors=[{"cell": 1}])
    assert reports.Result.from_dict(json.loads(json.dumps(r.to_dict()))) == r
    with pytest.raises(ValueError):
        reports.Result.from_dict({"submission": "a", "points": {"x": 1.5}})


# --- the command line without kernels: --shard, --merge, --resume ---------------------------------------------------------

def _run(argv):
    stderr = io.StringIO()
    with redirect_stderr(stderr):
        code = cli.main(argv)
    return code, stderr.getvalue()


def _rows(path):
    with open(path, newline="") as f:
        return {Path(row["submission"]).name: row for row in csv.DictReader(f)}


def test_shard_then_merge_grades_every_submission_once(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    for i in range(8):
        (folder / f"s{i}-05_four_equations.ipynb").write_text(f"not json {i}")   # invalid: graded without kernels
    for k in (1, 2, 3):
        code, _ = _run([str(folder), "--shard", f"{k}/3", "--out", str(tmp_path / f"g{k}.csv"), "--no-progress"])
        assert code == 0
    parts = [set(_rows(tmp_path / f"g{k}.csv")) for k in (1, 2, 3)]
    assert sum(map(len, parts)) == 8 and set().union(*parts) == {f"s{i}-05_four_equations.ipynb" for i in range(8)}
    code, stderr = _run(["--merge", *[str(tmp_path / f"g{k}.journal") for k in (1, 2, 3)],
                         "--out", str(tmp_path / "all.csv"), "--json"])
    assert code == 0 and "graded 8 submission(s)" in stderr
    assert set(_rows(tmp_path / "all.csv")) == set().union(*parts)
    assert len(json.loads((tmp_path / "all.json").read_text())["submissions"]) == 8
    assert (tmp_path / "all.students.csv").exists()


def test_resume_grades_only_what_the_journal_lacks(tmp_path, monkeypatch):
    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("a", "b"):
        (folder / f"{name}-05_four_equations.ipynb").write_text("not json")
    out = tmp_path / "grades.csv"
    assert _run([str(folder), "--out", str(out), "--no-progress"])[0] == 0
    (folder / "c-05_four_equations.ipynb").write_text("not json")
    (folder / "b-05_four_equations.ipynb").write_text("changed since")          # changed: graded again
    graded = []
    real = batch.grade_submission
    monkeypatch.setattr(batch, "grade_submission", lambda s, *a, **k: graded.append(Path(s.id).name) or real(s, *a, **k))
    assert _run([str(folder), "--out", str(out), "--resume", "--no-progress"])[0] == 0
    assert sorted(graded) == ["b-05_four_equations.ipynb", "c-05_four_equations.ipynb"]
    assert set(_rows(out)) == {f"{n}-05_four_equations.ipynb" for n in "abc"}


def test_options_are_checked(tmp_path):
    for argv in (["x", "--timeout", "0"], ["x", "--jobs", "0"], ["x", "--memory", "10"], [],
                 ["x", "--merge", "j"], ["x", "--shard", "4/3"]):
        with pytest.raises(SystemExit), redirect_stderr(io.StringIO()):
            cli.main(argv)


def test_ctrl_c_kills_the_kernels_and_keeps_the_journal(tmp_path, monkeypatch):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "a-05_four_equations.ipynb").write_text("x")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(batch, "grade_submission", interrupted)
    code, stderr = _run([str(folder), "--out", str(tmp_path / "g.csv"), "--no-progress"])
    assert code == 130 and "--resume continues" in stderr and not (tmp_path / "g.csv").exists()


# --- the sandbox's parts ----------------------------------------------------------------------------------------------

def test_the_bwrap_command_mounts_nothing_of_the_grader():
    hidden = [str(ROOT / "bpcourse"), str(ROOT / "solutions")]
    dirs = sandbox.python_paths(hidden)
    assert not any(sandbox._inside(h, d) for h in hidden for d in dirs)
    assert any(sandbox._inside(sys.prefix, d) for d in dirs)
    fds = {"connection": 3, "submission": 4, "info": 5, "block": 6}
    command = sandbox.bwrap_command("bwrap", sandbox.Limits(disk_mb=7), python_dirs=dirs + [str(ROOT)],
                                    hidden=hidden, fds=fds, submission_name="s.ipynb")
    text = " ".join(command)
    for option in ("--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
                   "--die-with-parent", "--disable-userns", "--cap-drop ALL", "--remount-ro /", "--clearenv",
                   f"--size {7 * 2**20} --tmpfs /tmp", "--file 4 /tmp/student/s.ipynb"):
        assert option in text
    # A course folder inside a bound folder is covered by an empty, read-only tmpfs; the writable
    # tmpfs comes before the Python folders, so that a venv under /tmp is bound over it.
    assert f"--tmpfs {ROOT / 'bpcourse'} --remount-ro {ROOT / 'bpcourse'}" in text
    assert command.index("/tmp") < command.index(dirs[0])
    assert not any(sandbox._inside(str(ROOT / "tests"), d) for d in dirs)   # nothing else of sys.path


def test_kernels_get_matplotlibs_font_list_built_once_by_the_grader(tmp_path, monkeypatch):
    # A stand-in for the interpreter: it writes a font list where matplotlib would (MPLCONFIGDIR).
    python = tmp_path / "python"
    python.write_text('#!/bin/sh\nmkdir "$MPLCONFIGDIR" && printf "{}" > "$MPLCONFIGDIR/fontlist-v9.json"\n')
    python.chmod(0o755)
    assert sandbox.font_cache(str(python)) == {".matplotlib/fontlist-v9.json": b"{}"}
    assert sandbox.font_cache("/bin/false") == {}
    built = []
    monkeypatch.setattr(sandbox, "font_cache", lambda: built.append(1) or {".matplotlib/fontlist-v9.json": b"{}"})
    env = batch.Environment(batch.Settings(sandbox=False))
    plain = submissions.Submission("a.ipynb", data=b'{"cells": []}')
    plots = submissions.Submission("b.ipynb", data=b'{"cells": [{"source": "import matplotlib.pyplot"}]}')
    assert batch.plots(plots) and not batch.plots(plain)
    assert env.home_files(plain) == {} and built == []        # built once a notebook that plots starts
    assert env.home_files(plots) == env.home_files(plain) == {".matplotlib/fontlist-v9.json": b"{}"}
    assert built == [1]
    launcher = env.launcher(plain)
    assert (Path(launcher.work) / ".matplotlib" / "fontlist-v9.json").read_bytes() == b"{}"
    launcher.kill()
    assert batch.plots(submissions.Submission("c.ipynb", data=b"from bplib import plotting"))
    fds = {"connection": 3, "submission": 4, "info": 5, "block": 6}
    command = sandbox.bwrap_command("bwrap", sandbox.Limits(), python_dirs=[], hidden=[], fds=fds,
                                    submission_name="s.ipynb", home_files={".matplotlib/fontlist-v9.json": 7})
    assert " ".join(command).endswith("--dir /tmp/student/.matplotlib --file 7 /tmp/student/.matplotlib/fontlist-v9.json "
                                      "--chdir /tmp/student --remount-ro / --info-fd 5 --block-fd 6 --clearenv")


def test_kernels_start_without_the_debugger_and_notebooks_may_still_import_it():
    launcher = sandbox._LAUNCHER.replace("\nlaunch_new_instance()", "\nimport debugpy, ipykernel.debugger\n"
                                         "print(ipykernel.debugger._is_debugpy_available, debugpy.__name__)")
    result = subprocess.run([sys.executable, "-c", launcher, "-1", "-1", "-1", "-1", "0"], capture_output=True,
                            text=True, timeout=60)
    assert result.stdout.split() == ["False", "debugpy"], result.stderr[-1000:]


def test_own_cgroups_are_found_from_mountinfo(tmp_path):
    (tmp_path / "cgroup").write_text("12:pids:/user/1\n4:memory:/box/a\n3:cpu,cpuacct:/\n0::/x\n")
    (tmp_path / "mountinfo").write_text(
        "30 25 0:26 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n"
        "31 25 0:27 /box /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
        "32 25 0:28 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
        "33 25 0:29 /other /mnt/memory2 rw - cgroup cgroup rw,memory\n"
        "34 25 0:30 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n")
    found = sandbox._own_cgroups(tmp_path / "mountinfo", tmp_path / "cgroup")
    assert found == {"pids": "/sys/fs/cgroup/pids/user/1", "memory": "/sys/fs/cgroup/memory/a",
                     "cpu": "/sys/fs/cgroup/cpu,cpuacct", "cpuacct": "/sys/fs/cgroup/cpu,cpuacct"}
    assert sandbox._own_cgroups(tmp_path / "none", tmp_path / "cgroup") == {}


@pytest.mark.skipif(not {"memory", "pids"} <= set(sandbox.cgroup_bases()), reason="no writable cgroup v1 here")
def test_a_cgroup_caps_joins_reports_and_is_removed_with_its_processes():
    bases = sandbox.cgroup_bases()
    group = sandbox.Cgroup(bases, sandbox.Limits(memory_mb=100, processes=20))
    sleeper = subprocess.Popen([sys.executable, "-c", "import sys, time\nsys.stdin.read(1)\n"
                                "x = bytearray(20 * 2**20)\ntime.sleep(60)"], stdin=subprocess.PIPE)
    try:
        group.join(sleeper.pid)
        sleeper.stdin.write(b"go")
        sleeper.stdin.close()   # it allocates once it is in the group
        assert group.pids() == {sleeper.pid}
        assert open(os.path.join(group.dirs["pids"], "pids.max")).read().strip() == "20"
        deadline = time.monotonic() + 10
        while group.stats()["peak_memory"] < 20 * 2**20 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert group.stats()["peak_memory"] >= 20 * 2**20 and group.stats()["oom_kills"] == 0
    finally:
        left = group.remove()
    assert left == [] and sleeper.wait(timeout=10) == -signal.SIGKILL
    assert not any(os.path.exists(d) for d in group.dirs.values())


@pytest.mark.skipif(not sandbox.cgroup_bases(), reason="no writable cgroup v1 here")
def test_stale_cgroups_of_a_dead_grader_are_removed():
    bases = sandbox.cgroup_bases()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = {c: os.path.join(base, f"bp-grade-{dead.pid}-abc123") for c, base in bases.items()}
    for path in stale.values():
        os.mkdir(path)
    sandbox.Cgroup.remove_stale(bases)
    assert not any(os.path.exists(p) for p in stale.values())


def test_a_kernel_that_cannot_start_is_reported_with_its_log(tmp_path):
    launcher = sandbox.Unsandboxed(sandbox.Limits(), name="../x.ipynb", data=b"{}")
    assert launcher.name == "x.ipynb"
    kernel = sandbox.Kernel(launcher, 1000)
    launcher.start = lambda connection: setattr(launcher, "proc", subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stderr.write('no kernel here'); sys.exit(3)"],
        stderr=subprocess.PIPE)) or setattr(launcher, "tail", sandbox._Tail(launcher.proc.stderr))
    with pytest.raises(sandbox.KernelStartError, match="no kernel here"):
        kernel.start(10)
    kernel.close()
    assert not os.path.exists(launcher.root)


def test_exit_texts_name_signals():
    assert batch._exit_text(-9) == "signal SIGKILL" and batch._exit_text(137) == "signal SIGKILL"
    assert batch._exit_text(3) == "exit code 3" and batch._exit_text(-99) == "signal 99"
    assert batch._exit_text(227) == "exit code 227"


def test_the_kernel_environment_is_built_not_inherited(monkeypatch):
    monkeypatch.setenv("SECRET_TOKEN", "x")
    env = sandbox._kernel_env("/tmp/student", "/tmp", ["/home/me/.local/lib/python3.11/site-packages"])
    assert "SECRET_TOKEN" not in env and env["HOME"] == "/tmp/student" and env["MPLBACKEND"] == "Agg"
    assert env["PYTHONPATH"] == "/home/me/.local/lib/python3.11/site-packages"
    assert "PYTHONPATH" not in sandbox._kernel_env("/h", "/t")


def test_sweep_gives_up_on_a_process_that_will_not_die_and_tree_removal_never_raises(tmp_path, monkeypatch):
    token = "u" * 32
    stuck = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True,
                             env={**os.environ, "BP_GRADE_TOKEN": token})
    try:
        time.sleep(0.2)
        monkeypatch.setattr(os, "kill", lambda pid, sig: None)
        assert sandbox.sweep(token, str(tmp_path), rounds=2) == [stuck.pid]
    finally:
        monkeypatch.undo()
        stuck.kill()
        stuck.wait()
    (tmp_path / "kept").mkdir()
    monkeypatch.setattr(os, "rmdir", lambda path: (_ for _ in ()).throw(OSError(16, "busy")))
    sandbox._remove_tree(str(tmp_path / "kept"))
    assert (tmp_path / "kept").exists()


# --- grading one submission, with a scripted kernel ---------------------------------------------------------------------

class FakeLauncher:
    def __init__(self, name, leftover=()):
        self.name, self.leftover_cgroups = name, list(leftover)
        self.stats = {"peak_memory": 2**20, "oom_kills": 0, "cpu_seconds": 0.5}


class FakeKernel:
    """Plays a kernel from a plan: {"starts": [errors to raise], "cells": {source: behavior},
    "collect": {exercise id: behavior}, "namespace": the notebook's functions}. Behaviors: ok,
    error, hang (stops when interrupted), stubborn (does not), die, garble, stop (sets the stop
    event), garbage (an unreadable result)."""

    plans = {}

    def __init__(self, launcher, max_reply):
        self.launcher, self.plan = launcher, self.plans[launcher.name]
        self.code = None
        self.interrupted = False

    def start(self, timeout):
        if self.plan.get("starts"):
            raise self.plan["starts"].pop(0)

    def send(self, code, user_expressions=None, store_history=True):
        code.encode("utf-8")   # as the real messages are: UnicodeEncodeError for a lone surrogate
        self.code, self.interrupted = code, False
        return "message"

    def interrupt(self):
        self.interrupted = True
        return True

    def close(self):
        pass

    def wait(self, msg_id, deadline):
        collecting = self.code.startswith("import builtins as __bp_builtins")
        if collecting:
            behavior = self.plan.get("collect", {}).get(_spec_of(self.code)["id"], "ok")
        else:
            behavior = self.plan.get("cells", {}).get(self.code, "ok")
        if behavior == "hang" and self.interrupted:
            return "reply", {"status": "error", "ename": "KeyboardInterrupt"}
        if behavior in ("hang", "stubborn"):
            if not collecting:   # a cell's wait counts against the time cap: it lasts to its deadline
                time.sleep(max(0.0, deadline - time.monotonic()))
            return "timeout", None   # a collection's is not timed by the grader: no need to wait it out
        if behavior == "die":
            return "dead", -9
        if behavior == "garble":
            return "garbled", None
        if behavior == "stop":
            self.plan["stop"].set()
            return "reply", {"status": "ok"}
        if behavior == "error":
            return "reply", {"status": "error", "ename": "MemoryError", "evalue": "x"}
        if not collecting:
            return "reply", {"status": "ok"}
        if behavior == "garbage":
            return "reply", {"status": "ok", "user_expressions": {"r": {"status": "ok", "data": {"text/plain": "1"}}}}
        namespace = dict(self.plan.get("namespace", {}))
        exec(compile(self.code, "collect", "exec"), namespace)
        text = repr(namespace[wire.RESULT])
        return "reply", {"status": "ok", "user_expressions": {"r": {"status": "ok", "data": {"text/plain": text}}}}


def _spec_of(code):
    line = next(line for line in code.splitlines() if line.startswith(wire.RESULT))
    return json.loads(eval(line.split('["run"](', 1)[1].rsplit(", __bp_builtins", 1)[0]))


FUNCTIONS = {e.function: e.reference for e in EXERCISES if e.notebook == "05_four_equations"}


def fake_grade(monkeypatch, cells, plan, settings=None, leftover=(), name="x-05_four_equations.ipynb"):
    """Grade a notebook of ``cells`` (sources) with a FakeKernel following ``plan``; the Result."""
    settings = settings or batch.Settings(timeout=5, cell_timeout=0.05, exercise_timeout=1, sandbox=False)
    plan = {"namespace": FUNCTIONS, "stop": settings.stop, **plan}
    FakeKernel.plans[name] = plan
    monkeypatch.setattr(sandbox, "Kernel", FakeKernel)
    monkeypatch.setattr(batch, "INTERRUPT_GRACE", 0.05)
    monkeypatch.setattr(batch, "GRACE", 0.05)
    env = batch.Environment(settings)
    monkeypatch.setattr(env, "launcher", lambda submission: FakeLauncher(name, leftover))
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells],
                                  metadata={"bp_course": {"notebook": "05_four_equations"}})
    data = json.dumps(nb).encode()   # ASCII: JSON escapes (nbformat would write a lone surrogate as UTF-8: it cannot)
    submission = submissions.Submission(name, student="x", data=data, sha256="s")
    return batch.grade_submission(submission, env)


def test_a_scripted_kernel_earns_full_points_and_reports_its_measures(monkeypatch):
    r = fake_grade(monkeypatch, ["a = 1"], {}, leftover=["/sys/fs/cgroup/x"])
    assert r.total == 7 and r.status == "ok" and r.kernels == 1
    assert r.peak_memory_mb == 1.0 and r.cpu_seconds == 0.5
    assert "cgroups still busy" in r.detail and "unsandboxed" in r.detail


def test_a_lone_surrogate_in_a_cell_is_replaced_and_noted(monkeypatch):
    # JSON can hold half an emoji ("\\ud83d"); UTF-8 cannot: sending the cell raised, and the whole
    # notebook was a "grader error" with no points.
    r = fake_grade(monkeypatch, ['x = "half an emoji: \ud83d"'], {"cells": {'x = "half an emoji: \ufffd"': "error"}})
    assert r.status == "ok" and r.total == 7 and r.cell_errors[0]["error"] == "MemoryError"   # the repaired cell ran
    assert "cell 1 holds a lone surrogate (half an emoji?)" in r.detail


def test_collection_that_stalls_is_interrupted_or_the_kernel_restarted(monkeypatch):
    r = fake_grade(monkeypatch, ["a = 1"], {"collect": {"output-error": "hang", "hidden-error": "error",
                                                        "bias-gradient": "garbage"}})
    assert r.outcome == {"output-error": "timed out", "hidden-error": "not graded", "bias-gradient": "not graded",
                         "weight-gradient": "correct"}
    assert "could not run in the notebook's kernel (MemoryError)" in r.feedback["hidden-error"]
    assert "could not read the outputs" in r.feedback["bias-gradient"]
    r = fake_grade(monkeypatch, ["a = 1"], {"collect": {"output-error": "stubborn", "hidden-error": "die"}})
    assert r.kernels == 3 and r.outcome["output-error"] == "timed out" and r.outcome["hidden-error"] == "raised"
    assert "killed the kernel (signal SIGKILL) on the test cases" in r.feedback["hidden-error"]
    assert r.outcome["bias-gradient"] == "correct"


def test_a_kernel_that_never_starts_leaves_every_exercise_not_graded(monkeypatch):
    failure = sandbox.KernelStartError("no")
    r = fake_grade(monkeypatch, ["a = 1"], {"starts": [failure] * 3})
    assert r.status == "error" and r.kernels == 0 and r.total == 0
    assert set(r.outcome.values()) == {"not graded"} and "could not be started (3 attempts)" in r.feedback["output-error"]


def test_events_past_the_notes_cap_are_counted_in_the_json_only(monkeypatch):
    cells = [f"sleep_{i}" for i in range(25)]
    r = fake_grade(monkeypatch, cells, {"cells": dict.fromkeys(cells, "hang")},
                   batch.Settings(timeout=60, cell_timeout=0.01, exercise_timeout=1, sandbox=False))
    assert len(r.notes) == batch.MAX_NOTES + 2 and "(more events: see the JSON)" in r.notes
    assert r.status == "timeout"


def test_a_kernel_broken_after_the_time_cap_is_not_run_again(monkeypatch):
    r = fake_grade(monkeypatch, ["slow", "late"], {"cells": {"slow": "hang"}, "collect": {"hidden-error": "die"}},
                   batch.Settings(timeout=0.05, cell_timeout=1, exercise_timeout=1, sandbox=False))
    assert r.kernels == 1 and r.status == "error"
    assert "time cap of 0.05 s reached: 1 cell(s) not run" in r.detail
    assert "its kernel broke after the time cap" in r.feedback["bias-gradient"]


@pytest.mark.parametrize("plan", [{"cells": {"b": "stop"}}, {"collect": {"output-error": "stop"}}])
def test_stopping_the_batch_stops_a_submission(monkeypatch, plan):
    r = fake_grade(monkeypatch, ["a", "b", "c"], plan)
    assert r.status == "error" and "grading was interrupted" in " ".join(r.feedback.values())


def test_a_cell_killing_its_kernel_and_a_memory_error_are_noted(monkeypatch):
    r = fake_grade(monkeypatch, ["a", "boom", "big"], {"cells": {"boom": "garble", "big": "error"}})
    assert r.status == "error" and r.kernels == 2 and r.total == 7
    assert "cell 2 broke the kernel's messaging" in r.detail and "cell 3: MemoryError (memory limit" in r.detail


def test_no_cgroup_is_said_in_every_row(monkeypatch):
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed")
    r = fake_grade(monkeypatch, ["a = 1"], {}, batch.Settings(cell_timeout=1, exercise_timeout=1, cgroups=False))
    assert sandbox.NO_CGROUP in r.detail and r.sandboxed


def test_a_notebook_nobody_can_identify_and_a_grader_failure_are_errors(monkeypatch):
    env = batch.Environment(batch.Settings(sandbox=False))
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    unknown = submissions.Submission("carol.ipynb", data=nbformat.writes(nb).encode())
    r = batch.grade_submission(unknown, env)
    assert r.status == "error" and "cannot tell which notebook" in r.detail
    monkeypatch.setattr(review, "review", lambda *a: 1 / 0)
    r = batch.grade_submission(unknown, env, default_notebook="05_four_equations")
    assert r.status == "error" and "grader error: ZeroDivisionError" in r.detail and r.total == 0
    assert batch.batch_notebook([], batch.Settings(notebook="07_xor", sandbox=False)) == "07_xor"
    assert batch._course_sources("no_such_notebook") == frozenset()


def test_ctrl_c_kills_the_kernels_that_were_running(tmp_path, monkeypatch):
    (tmp_path / "a-05_four_equations.ipynb").write_text("x")
    killed = []

    class Running:
        launcher = type("L", (), {"kill": lambda self: killed.append(1)})()

    def interrupted(submission, env, default, on_kernel):
        on_kernel(Running(), True)
        raise KeyboardInterrupt

    monkeypatch.setattr(batch, "grade_submission", interrupted)
    with pytest.raises(KeyboardInterrupt):
        batch.grade([tmp_path], batch.Settings(sandbox=False), progress=False)
    assert killed == [1]


def test_progress_on_a_terminal_redraws_one_line():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    stream = Terminal()
    bar = batch.Progress(2, stream)
    bar.advance(reports.Result("a.ipynb"))
    bar.advance(reports.Result("=b.ipynb", status="error"))
    text = stream.getvalue()
    assert text.startswith("\r[") and "2/2" in text and "'=b.ipynb: error" in text and text.endswith("\n")
    lines = io.StringIO()   # not a terminal: a line each, naming the student (every file is ps05's notebook)
    bar = batch.Progress(1, lines)
    bar.advance(reports.Result("submitted/alice/ps05/05_four_equations.ipynb", student="alice"))
    assert "alice: 05_four_equations.ipynb: ok" in lines.getvalue()


def test_changed_submission_files_are_written_back(tmp_path, capsys):
    path = tmp_path / "a.ipynb"
    path.write_bytes(b"changed")
    gone = tmp_path / "gone" / "b.ipynb"
    same = tmp_path / "c.ipynb"
    same.write_bytes(b"same")
    subs = [submissions.Submission(str(path), data=b"original", sha256="0"),
            submissions.Submission(str(same), data=b"same", sha256=__import__("hashlib").sha256(b"same").hexdigest()),
            submissions.Submission(str(gone), data=b"lost"), submissions.Submission("unread")]
    (tmp_path / "gone").write_text("a file where a folder was")
    assert batch.restore_submissions(subs) == [str(path)]
    assert path.read_bytes() == b"original" and "could not restore" in capsys.readouterr().err


def test_the_command_line_says_which_files_it_wrote_back(tmp_path, monkeypatch):
    (tmp_path / "a-05_four_equations.ipynb").write_text("x")
    monkeypatch.setattr(batch, "restore_submissions", lambda subs: ["a-05_four_equations.ipynb"])
    code, stderr = _run([str(tmp_path), "--out", str(tmp_path / "g.csv"), "--no-progress", "--no-sandbox"])
    assert code == 0 and "written back from the copies read at the start: a-05_four_equations.ipynb" in stderr


# --- inside.py's remaining paths ----------------------------------------------------------------------------------------

def test_in_kernel_fallback_reports_stubs_errors_and_unprintable_messages(monkeypatch):
    monkeypatch.setattr(os, "fork", lambda: (_ for _ in ()).throw(OSError(11, "no")))

    class Unprintable(Exception):
        def __str__(self):
            raise RuntimeError("no")

    def stub(delta):
        raise NotImplementedError("stub")

    def odd(delta):
        raise Unprintable()

    assert judged("bias-gradient", {"bias_gradient": stub})[1][1] == "not attempted"
    _, (_, outcome, message) = judged("bias-gradient", {"bias_gradient": odd})
    assert outcome == "raised" and "could not be read" in message
    assert inside.encode(np.bool_(True)) is True


def test_a_function_that_leaves_its_process_group_is_still_killed():
    def escape(delta):
        os.setpgid(0, os.getpgid(os.getppid()))
        while True:
            pass

    start = time.monotonic()
    assert judged("bias-gradient", {"bias_gradient": escape}, seconds=0.5)[1][1] == "timed out"
    assert time.monotonic() - start < 5


def test_a_notebook_that_ignores_sigchld_is_still_collected():
    previous = signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    try:
        assert judged("bias-gradient", {"bias_gradient": get("bias-gradient").reference})[1][1] == "correct"
    finally:
        signal.signal(signal.SIGCHLD, previous)


# --- sandbox.py's remaining paths ---------------------------------------------------------------------------------------

def test_cgroup_writes_reads_and_removal_on_plain_folders(tmp_path):
    bases = {"memory": str(tmp_path / "m"), "pids": str(tmp_path / "p")}
    for base in bases.values():
        os.mkdir(base)
    group = sandbox.Cgroup(bases, sandbox.Limits(memory_mb=64, processes=32))
    assert open(os.path.join(group.dirs["memory"], "memory.limit_in_bytes")).read() == str(64 * 2**20)
    assert not os.path.exists(os.path.join(group.dirs["memory"], "memory.memsw.limit_in_bytes"))
    assert group.stats() == {"peak_memory": None, "oom_kills": 0, "cpu_seconds": None}
    assert sorted(group.remove(seconds=0.05)) == sorted(group.dirs.values())   # plain folders with files: busy
    for path in group.dirs.values():
        for name in os.listdir(path):
            os.unlink(os.path.join(path, name))
    os.rmdir(group.dirs["pids"])
    assert group.remove() == [] and group.dirs == {}
    with pytest.raises(OSError):
        sandbox.Cgroup({"memory": str(tmp_path / "missing")}, sandbox.Limits())
    (tmp_path / "m" / "bp-grade-999999999-ab").mkdir()
    (tmp_path / "m" / "bp-grade-999999999-ab" / "busy").write_text("x")
    sandbox.Cgroup.remove_stale({"memory": str(tmp_path / "m"), "gone": str(tmp_path / "nowhere")})
    assert (tmp_path / "m" / "bp-grade-999999999-ab").exists()


def test_cgroup_roots_that_do_not_hold_the_grader_are_skipped(tmp_path):
    (tmp_path / "cgroup").write_text("4:memory:/box/a\n")
    (tmp_path / "mountinfo").write_text("33 25 0:29 /other /mnt/m rw - cgroup cgroup rw,memory\n"
                                        "31 25 0:27 /box /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n")
    assert sandbox._own_cgroups(tmp_path / "mountinfo", tmp_path / "cgroup") == {"memory": "/sys/fs/cgroup/memory/a"}


def test_small_helpers_of_the_sandbox(tmp_path):
    assert sandbox._parent_of(999_999_999) is None and sandbox._zombie(999_999_999)
    assert sandbox.children_of(999_999_999) == []
    data = b"x" * 200_000
    fd = sandbox._write_pipe(data)   # larger than a pipe: written by a thread
    with os.fdopen(fd, "rb") as f:
        assert f.read() == data
    os.close(sandbox._write_pipe(data))   # the reader gone: the writer stops quietly
    read, write = os.pipe()
    os.close(read)

    class Closed:
        def fileno(self):
            return read

    tail = sandbox._Tail(Closed())
    tail.join(timeout=5)
    assert not tail.is_alive() and tail.text() == ""
    os.close(write)
    read, write = os.pipe()
    with pytest.raises(ValueError, match="no sandbox information"):
        sandbox._read_json(read, time.monotonic() + 0.05)
    os.close(read)
    os.close(write)
    folder = tmp_path / "locked"
    (folder / "inner").mkdir(parents=True)
    (folder / "inner" / "f").write_text("x")
    os.symlink("/etc", folder / "link")
    os.chmod(folder / "inner", 0)
    sandbox._remove_tree(str(folder))
    assert not folder.exists() and os.path.exists("/etc/hostname")


def test_a_sandbox_that_does_not_start_is_a_start_error(tmp_path):
    box = sandbox.Sandbox("/bin/false", sandbox.Limits(), cgroups={}, python_dirs=[], hidden=[], name="a.ipynb",
                          data=b"{}")
    assert box.log() == "" and box.kernel_pid() is None
    with pytest.raises(sandbox.KernelStartError, match="did not start"):
        box.start({"key": "k"})
    box.kill()
    assert not box.alive() and box.exit_code() == 1


def _ended():
    """A pipe's read end whose writer is gone (a stderr at its end)."""
    read, write = os.pipe()
    os.close(write)
    return os.fdopen(read, "rb")


def test_kills_that_time_out_do_not_hang_the_grader():
    class Stuck:
        pid, returncode = 999_999_999, None

        def __init__(self):
            self.stderr = _ended()

        def wait(self, timeout):
            raise subprocess.TimeoutExpired("x", timeout)

        def poll(self):
            return None

    box = sandbox.Sandbox("bwrap", sandbox.Limits(), cgroups={}, python_dirs=[], hidden=[], name="a", data=b"")
    box.proc = Stuck()
    box.tail = sandbox._Tail(box.proc.stderr)
    box.kill()
    bare = sandbox.Unsandboxed(sandbox.Limits(), name="a", data=b"")
    assert bare.kernel_pid() is None and bare.exit_code() is None and bare.log() == ""
    bare.proc = Stuck()
    bare.tail = sandbox._Tail(bare.proc.stderr)
    bare.kill()
    assert not os.path.exists(bare.root)


def test_sweep_kills_what_carries_the_token_or_works_in_the_folder(tmp_path, monkeypatch):
    token = "t" * 32
    marked = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True,
                              env={**os.environ, "BP_GRADE_TOKEN": token})
    inside_folder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], cwd=tmp_path,
                                     start_new_session=True)
    time.sleep(0.2)
    assert sandbox.sweep(token, str(tmp_path)) == []
    assert marked.wait(timeout=10) == -signal.SIGKILL and inside_folder.wait(timeout=10) == -signal.SIGKILL
    monkeypatch.setattr(os.path, "isdir", lambda path: False)
    assert sandbox.sweep(token, str(tmp_path)) == []


def test_interrupt_without_a_kernel_process():
    class Launcher:
        def __init__(self, pid):
            self.pid = pid

        def kernel_pid(self):
            return self.pid

    kernel = sandbox.Kernel.__new__(sandbox.Kernel)
    kernel.launcher = Launcher(None)
    assert kernel.interrupt() is False
    kernel.launcher = Launcher(999_999_999)
    assert kernel.interrupt() is False


class _Launcher:
    """A launcher whose kernel's shell socket is whatever the test binds at ``folder/k-1``."""

    def __init__(self, folder):
        self.folder = folder
        self.stats, self.leftover_cgroups = {}, []

    def start(self, connection):
        pass

    def socket_path(self):
        return str(self.folder / "k")

    def alive(self):
        return True

    def log(self):
        return "its log"

    def kill(self):
        pass


def test_a_kernel_that_never_answers_is_a_start_error(tmp_path):
    import socket as sockets

    silent = sockets.socket(sockets.AF_UNIX)
    silent.bind(str(tmp_path / "k-1"))
    silent.listen()
    kernel = sandbox.Kernel(_Launcher(tmp_path), 1000)
    with pytest.raises(sandbox.KernelStartError, match=r"did not start \(timeout\): its log"):
        kernel.start(0.5)
    kernel.close()
    silent.close()


def _unsigned(router, identities, session, request):
    router.send_multipart(identities + [b"<IDS|MSG>", b"not a signature", b"{}", b"{}", b"{}", b"{}"])


def _orphan(router, identities, session, request):
    session.send(router, "execute_reply", {"status": "ok"}, ident=identities)   # signed, but answers nothing


def _another_request(router, identities, session, request):
    session.send(router, "execute_reply", {"status": "ok"}, parent={"msg_id": "another"}, ident=identities)


def _signed(router, identities, session, frames):
    router.send_multipart(identities + [b"<IDS|MSG>", session.sign(frames), *frames])


# The notebook holds the session key: it can sign frames of any size. 3 MB of [] is 70 MB parsed.
def _huge_header(router, identities, session, request):
    _signed(router, identities, session, [b"[" + b"[]," * 1_000_000 + b"[]]", session.pack(request), b"{}", b"{}"])


def _huge_content(router, identities, session, request):
    header = session.pack(session.msg_header("execute_reply"))
    _signed(router, identities, session, [header, session.pack(request), b"{}",
                                          b'{"status": "ok", "x": [' + b"[]," * 1_600_000 + b"[]]}"])


def _many_parts(router, identities, session, request):
    # One 30 MB buffer sent as 20 parts of one message: the sender's memory is 30 MB, but libzmq
    # holds every part of a message before the first can be read: 600 MB on the grader's side.
    router.send_multipart(identities + [b"<IDS|MSG>", b"signature"] + [bytes(30_000_000)] * 20, copy=False)


def _the_reply(router, identities, session, request):
    session.send(router, "execute_reply", {"status": "ok", "n": 1}, parent=request, ident=identities)


@pytest.mark.parametrize("answer, state", [
    (_unsigned, "garbled"), (_orphan, "garbled"), (_another_request, "garbled"), (_huge_header, "garbled"),
    (_huge_content, "garbled"), (_many_parts, "garbled"), (_the_reply, "reply"), (_the_reply, "reply seen late")])
def test_replies_that_do_not_verify_or_answer_nothing_are_garbled(tmp_path, answer, state):
    import threading

    import zmq

    kernel = sandbox.Kernel(_Launcher(tmp_path), batch.MAX_REPLY_BYTES)
    parsed, unpack = [], kernel.session.unpack
    kernel.session.unpack = lambda data: (parsed.append(len(data)), unpack(data))[1]
    context = zmq.Context()
    router = context.socket(zmq.ROUTER)
    router.bind(f"ipc://{tmp_path / 'k-1'}")

    def serve():
        identities, request = kernel.session.feed_identities(router.recv_multipart())
        answer(router, identities, kernel.session, kernel.session.unpack(request[1]))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")   # VmHWM, this process's peak memory, starts again from here
    before = _memory_mb("VmRSS")
    try:
        kernel.connect(str(tmp_path / "k-1"), time.monotonic() + 5)
        msg_id = kernel.send("x = 1")
        if state == "reply seen late":   # another thread of the grader held the GIL (parsing) past the
            thread.join(timeout=5)       # deadline, and the answer came in time
            time.sleep(0.2)
        got = kernel.wait(msg_id, time.monotonic() + (-1 if state == "reply seen late" else 3))
    finally:   # an open socket would keep zmq's context, and the test process, from ending
        thread.join(timeout=5)
        kernel.close()
        router.close(linger=0)
        context.term()
    assert got == (("reply", {"status": "ok", "n": 1}) if state.startswith("reply") else ("garbled", None))
    assert max(parsed) <= sandbox.MAX_HEADER_BYTES   # nothing large was parsed
    assert _memory_mb("VmHWM") - before < 250   # nor held: a message is read up to MAX_REPLY_BYTES (64 MB)


def _memory_mb(field):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":")) / 1024


# --- the rest -------------------------------------------------------------------------------------------------------------

def test_review_survives_cells_ipython_cannot_transform(monkeypatch):
    from IPython.core.inputtransformer2 import TransformerManager

    monkeypatch.setattr(TransformerManager, "transform_cell", lambda self, source: 1 / 0)
    assert review.review(_notebook("exec('1')"), "05_four_equations") == []


def test_read_errors_and_unreadable_folders_become_rows_or_are_skipped(tmp_path, monkeypatch):
    (tmp_path / "a.ipynb").write_text("{}")
    real_read = os.read
    monkeypatch.setattr(os, "read", lambda fd, n: (_ for _ in ()).throw(OSError(5, "Input/output error")))
    [s] = submissions.read_submissions([tmp_path / "a.ipynb"])
    assert s.error == "cannot read the file (Input/output error)" and s.error_status == "error"
    monkeypatch.setattr(os, "read", real_read)
    monkeypatch.setattr(os, "scandir", lambda path: (_ for _ in ()).throw(PermissionError(13, "denied")))
    assert submissions.read_submissions([tmp_path]) == []


def test_an_atomic_write_that_fails_leaves_no_temporary_file(tmp_path):
    (tmp_path / "grades.csv").mkdir()   # a folder where the report should go
    with pytest.raises(OSError):
        reports._write_atomic(tmp_path / "grades.csv", b"x")
    assert [p.name for p in tmp_path.iterdir()] == ["grades.csv"]


def test_the_readme_grading_commands_use_only_options_the_grader_has():
    import re
    import shlex

    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Grading a class"):readme.index("## Benchmarks")]
    text = section.replace("\\\n", " ")
    for variable, value in (("$((JOB_COMPLETION_INDEX + 1))", "1"), ("$SLURM_ARRAY_TASK_ID", "1"),
                            ("$JOB_COMPLETION_INDEX", "0")):
        text = text.replace(variable, value)
    commands = [re.split(r'"\]|`|\s#\s', c)[0] for c in re.findall(r"python -m bpcourse grade (.*)", text)]
    commands = [c for c in commands if "--help" not in c]
    assert len(commands) >= 5
    for command in commands:
        args = cli.parser().parse_args(shlex.split(command))
        assert args.submissions or args.merge
    assert re.search(r"python -m bpcourse grade --merge \S+ --out", section)


def test_a_bubblewrap_that_cannot_make_a_sandbox_is_refused_with_its_reason(tmp_path):
    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: setting up uid map: Permission denied' >&2\nexit 1\n")
    fake.chmod(0o755)
    with pytest.raises(sandbox.SandboxUnavailable, match="Permission denied.*user namespaces"):
        sandbox.probe(str(fake))
    old = tmp_path / "old-bwrap"   # bubblewrap before 0.8: no --disable-userns, otherwise fine
    old.write_text('#!/bin/sh\nfor a; do [ "$a" = --disable-userns ] && { echo "Unknown option --disable-userns" >&2; '
                   'exit 1; }; done\nexit 0\n')
    old.chmod(0o755)
    assert sandbox.probe(str(old)) == []
    with pytest.raises(sandbox.SandboxUnavailable, match="could not run"):
        sandbox.probe(str(tmp_path / "missing"))
    if shutil.which("bwrap"):
        assert sandbox.probe(shutil.which("bwrap")) in ([], ["--disable-userns"])


@pytest.mark.skipif(shutil.which("bwrap") is None or sandbox.seccomp_program() is None,
                    reason="needs bubblewrap on x86_64 or aarch64")
def test_the_seccomp_filter_denies_keyrings_and_ptrace_and_allows_the_rest():
    import platform

    numbers = sandbox._DENIED[platform.machine()][1]
    # The user's kernel keyring, then PTRACE_ATTACH to its own child (allowed without the filter).
    code = (f"import ctypes, os, time\nlibc = ctypes.CDLL(None, use_errno=True)\n"
            f"keyring = libc.syscall({numbers['keyctl']}, 0, -4, 0)\n"
            "pid = os.fork()\nif pid == 0:\n    time.sleep(30)\n    os._exit(0)\n"
            f"ptrace = libc.syscall({numbers['ptrace']}, 16, pid, 0, 0)\nerrno = ctypes.get_errno()\n"
            "os.kill(pid, 9)\nprint(keyring, ptrace, errno, os.waitpid(pid, 0)[1])")

    def run(with_filter):
        fds = []
        args = [shutil.which("bwrap"), "--unshare-user", "--unshare-pid", "--ro-bind", "/", "/", "--die-with-parent"]
        if with_filter:
            fds.append(sandbox._write_pipe(sandbox.seccomp_program()))
            args += ["--seccomp", str(fds[0])]
        try:
            return subprocess.run(args + [sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                                  pass_fds=fds).stdout.split()
        finally:
            for fd in fds:
                os.close(fd)

    keyring, ptrace, errno, child = run(with_filter=True)
    assert (keyring, ptrace, errno, child) == ("-1", "-1", "1", "9")   # EPERM both; fork and kill still work
    keyring, ptrace, _, _ = run(with_filter=False)
    assert int(keyring) > 0 and ptrace == "0"                          # the probes work
    assert sandbox.seccomp_program("riscv64") is None
    assert len(sandbox.seccomp_program("aarch64")) % 8 == 0


class _StopAtPopen(Exception):
    pass


def _start_capturing(monkeypatch, launcher):
    """The command and environment ``launcher.start`` would run its kernel with."""
    seen = {}

    def popen(command, **options):
        seen.update(command=command, env=options.get("env"))
        raise _StopAtPopen

    monkeypatch.setattr(sandbox.subprocess, "Popen", popen)
    with pytest.raises(_StopAtPopen):
        launcher.start({"key": "k"})
    return seen


def test_kernels_import_the_bplib_the_grader_judges_by(monkeypatch):
    # A venv installed from another clone of the course maps `import bplib` to that clone: a kernel
    # that followed it checked answers with another bplib, or found none (every student got 0, "ok").
    grader_bplib = os.path.dirname(os.path.realpath(bplib.__file__))
    hidden = [str(ROOT / "bpcourse"), str(ROOT / "solutions")]
    boxed = sandbox.Sandbox("bwrap", sandbox.Limits(), cgroups=None, python_dirs=sandbox.python_paths(hidden),
                            hidden=hidden, name="x.ipynb", data=b"{}")
    command = _start_capturing(monkeypatch, boxed)["command"]
    path = command[command.index("PYTHONPATH", command.index("--setenv")) + 1]
    assert path.split(os.pathsep)[0] == os.path.dirname(grader_bplib)   # only bplib is mounted there
    assert grader_bplib in boxed.python_dirs
    bare = sandbox.Unsandboxed(sandbox.Limits(), name="x.ipynb", data=b"{}")
    try:
        env = _start_capturing(monkeypatch, bare)["env"]
        assert env["PYTHONPATH"].split(os.pathsep)[0] == bare.root   # a link to bplib, not the checkout
        assert os.listdir(bare.root) and os.path.realpath(os.path.join(bare.root, "bplib")) == grader_bplib
    finally:
        sandbox._remove_tree(bare.root)


def test_a_kernel_that_cannot_import_the_graders_tests_gives_error_rows_not_zeros(monkeypatch):
    monkeypatch.setitem(sys.modules, "bplib._encoding", None)   # as in a kernel whose Python has no bplib
    r = fake_grade(monkeypatch, ["a = 1"], {})
    assert r.status == "error" and r.total == 0 and set(r.outcome.values()) == {"not graded"}
    assert "the grader's tests could not run in the kernel (ModuleNotFoundError" in r.detail, r.detail


def test_files_and_student_folders_inside_submitted_are_named_by_their_folders(tmp_path):
    # `grade submitted/*/ps05/05_four_equations.ipynb` made the whole class one student, 05_four_equations,
    # and `grade submitted/alice submitted/bob` two students called ps05.
    for student in ("alice", "bob"):
        (tmp_path / "submitted" / student / "ps05").mkdir(parents=True)
        (tmp_path / "submitted" / student / "ps05" / "05_four_equations.ipynb").write_text("{}")
    submitted = tmp_path / "submitted"
    for arguments in ([submitted / s / "ps05" / "05_four_equations.ipynb" for s in ("alice", "bob")],
                      [submitted / "alice", submitted / "bob"], [submitted / "alice" / "ps05", submitted / "bob" / "ps05"],
                      [submitted]):
        assert [(s.student, s.assignment) for s in submissions.read_submissions(arguments)] == \
            [("alice", "ps05"), ("bob", "ps05")], arguments


def test_paths_that_cannot_work_are_refused_before_grading(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "grades.csv").write_text("submission,student\n")
    for argv, words in ((["nope", "--out", str(tmp_path / "g.csv")], "no such file or folder: nope"),
                        ([str(tmp_path / "empty"), "--out", str(tmp_path)], "--out is the CSV file to write"),
                        (["--merge", str(tmp_path / "grades.csv"), "--out", str(tmp_path / "m.csv")],
                         "is not a grading journal"),
                        ([str(tmp_path / "empty"), "--out", "/proc/no/grades.csv"], "cannot write the reports into")):
        errors = io.StringIO()
        with pytest.raises(SystemExit) as stopped, redirect_stderr(errors):
            cli.main(argv)
        assert stopped.value.code == 2 and words in errors.getvalue(), errors.getvalue()
    errors = io.StringIO()
    with redirect_stderr(errors):
        assert cli.main([str(tmp_path / "empty"), "--out", str(tmp_path / "e.csv"), "--no-progress"]) == 2
    assert "no submissions found in" in errors.getvalue() and "replacing" not in errors.getvalue()
    errors = io.StringIO()   # an earlier run's reports are replaced, and the instructor is told
    with redirect_stderr(errors):
        cli.main([str(tmp_path / "empty"), "--out", str(tmp_path / "grades.csv"), "--no-progress"])
    assert "note: replacing the reports of an earlier run at" in errors.getvalue()


@pytest.mark.parametrize("exercise_id, wrong_output", [
    ("weight-gradient", lambda case: 2 * (case["delta"].T @ case["a_prev"]) / len(case["delta"])),   # a factor
    ("bias-gradient", lambda case: -case["delta"].mean(axis=0)),                                    # a sign
    ("bias-gradient", lambda case: case["delta"].mean(axis=0) + 1.0),                                # one entry off
])
def test_feedback_on_a_hidden_case_never_shows_its_expected_output(exercise_id, wrong_output):
    # A student handed "entry [1, 2] is 0.456, expected 0.228" for a hidden case learned its answer.
    exercise = get(exercise_id)
    cases = exercise.all_cases()
    public = len(list(exercise.cases()))
    items = []
    for index, case in enumerate(cases):
        output = exercise.reference(**case) if index < public else wrong_output(case)
        items.append({"outcome": "returned", "output": inside.encode(output), "fingerprint": inside.fingerprint(case)})
    points, outcome, message = judging.judge_record(exercise, {"id": exercise.id, "state": "ran", "cases": items})
    assert (points, outcome) == (0, "wrong") and f"hidden test case {public + 1}" in message
    assert "expected (hidden)" in message and not re.search(r"expected -?\d", message), message
    assert "opposite sign" not in message and "times the expected" not in message
    items[0]["output"] = items[public]["output"]   # the same slip on a public case: told in full
    public_message = judging.judge_record(exercise, {"id": exercise.id, "state": "ran", "cases": items})[2]
    assert "test case 1" in public_message and "(hidden)" not in public_message
