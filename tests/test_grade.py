"""The instructor's grader (bplib.grade) on honest, broken and hostile submissions.

The submissions are built from a solution notebook: solutions/05_four_equations.ipynb when it
exists and can be prepared, else a small synthetic notebook with the same four exercises written
here. The batch is graded once, through the command line entry point with --jobs 2, in a
module-scoped fixture; the tests then assert each row.
"""
import contextlib
import copy
import csv
import io
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from bpcourse import build as course, grade
from bpcourse.exercises import EXERCISES, get

ROOT = Path(__file__).resolve().parent.parent
STEM = "05_four_equations"
SECOND = "02_forward_pass"     # also graded when its solution notebook exists (a mixed batch)
TIMEOUT = 12                   # per notebook run in the batch; the real 05 runs in 2-4 s
EXERCISE_TIMEOUT = 2
IDS = [e.id for e in EXERCISES if e.notebook == STEM]
POINTS = {e.id: e.points for e in EXERCISES if e.notebook == STEM}
FULL = sum(POINTS.values())

SYNTHETIC = {
    "output-error": "def output_error(a_out, y, z_out):\n    \"\"\"BP1.\"\"\"\n    ### BEGIN SOLUTION\n"
                    "    return (a_out - y) * sigmoid_prime(z_out)\n    ### END SOLUTION\n",
    "hidden-error": "def hidden_error(delta_next, w_next, z):\n    \"\"\"BP2.\"\"\"\n    ### BEGIN SOLUTION\n"
                    "    return (delta_next @ w_next) * sigmoid_prime(z)\n    ### END SOLUTION\n",
    "bias-gradient": "def bias_gradient(delta):\n    \"\"\"BP3.\"\"\"\n    ### BEGIN SOLUTION\n"
                     "    return delta.mean(axis=0)\n    ### END SOLUTION\n",
    "weight-gradient": "def weight_gradient(delta, a_prev):\n    \"\"\"BP4.\"\"\"\n    ### BEGIN SOLUTION\n"
                       "    return delta.T @ a_prev / delta.shape[0]\n    ### END SOLUTION\n",
}


def synthetic_solution():
    """A small solution notebook for 05_four_equations, prepared like the real ones."""
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell("# The four equations (synthetic)"))
    nb.cells.append(nbformat.v4.new_code_cell("import numpy as np\n\nfrom bplib.activations import sigmoid, "
                                              "sigmoid_prime\nfrom bplib.checks import check"))
    for exercise_id, source in SYNTHETIC.items():
        exercise = get(exercise_id)
        nb.cells.append(nbformat.v4.new_markdown_cell(f"### Exercise: {exercise.summary}"))
        nb.cells.append(nbformat.v4.new_code_cell(source))
        nb.cells.append(nbformat.v4.new_code_cell(f'check("{exercise_id}", {exercise.function})'))
    course.prepare_solution(nb, STEM)
    return nb


def load_solution(stem):
    """(prepared solution notebook, "real") from solutions/, or (None, why not)."""
    path = ROOT / "solutions" / f"{stem}.ipynb"
    if not path.exists():
        return None, "absent"
    try:
        nb = nbformat.read(path, as_version=4)
        course.prepare_solution(nb, stem)
    except (course.CourseError, ValueError, OSError) as error:
        return None, f"not usable yet: {error}"
    return nb, "real"


SOLUTION, SOURCE = load_solution(STEM)
if SOLUTION is None:
    SOLUTION, SOURCE = synthetic_solution(), f"synthetic ({SOURCE})"
SECOND_SOLUTION, _ = load_solution(SECOND)


# --- building submissions ------------------------------------------------------------------------------------------


def solution_sources(solution):
    return {c.metadata["nbgrader"]["grade_id"]: c.source for c in solution.cells
            if c.metadata.get("nbgrader", {}).get("solution")}


def student(solution=SOLUTION, stem=STEM):
    return course.make_student(solution, stem)


def perfect(solution=SOLUTION, stem=STEM):
    nb = student(solution, stem)
    sources = solution_sources(solution)
    for cell in nb.cells:
        grading = cell.metadata.get("nbgrader", {})
        if grading.get("solution"):
            cell.source = sources[grading["grade_id"]]
    return nb


def exercise_cell(nb, exercise_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == exercise_id)


def cell_index(nb, exercise_id):
    return nb.cells.index(exercise_cell(nb, exercise_id))


def set_exercise(nb, exercise_id, source):
    exercise_cell(nb, exercise_id).source = source
    return nb


def insert(nb, index, source):
    nb.cells.insert(index, nbformat.v4.new_code_cell(source))
    return nb


def drop_check(nb, exercise_id):
    nb.cells.remove(exercise_cell(nb, f"{exercise_id}-check"))
    return nb


def first_exercise(nb):
    return cell_index(nb, IDS[0])


def build_batch(folder):
    """{name: (path, expectations)}; all written to ``folder``."""
    folder.mkdir()
    outside = folder.parent / "outside"
    outside.mkdir()
    batch = {}

    def add(name, nb_or_bytes, **expect):
        path = folder / name
        if isinstance(nb_or_bytes, bytes):
            path.write_bytes(nb_or_bytes)
        else:
            nbformat.write(nb_or_bytes, path)
        batch[name] = (path, expect)

    add("untouched.ipynb", student())
    add("perfect.ipynb", perfect())

    # One exercise wrong, one raising, one left as the stub, one right.
    nb = set_exercise(perfect(), "output-error", "def output_error(a_out, y, z_out):\n    return a_out - y\n")
    nb = set_exercise(nb, "hidden-error", "def hidden_error(delta_next, w_next, z):\n"
                                          "    raise ValueError('shapes do not align')\n")
    nb = set_exercise(nb, "weight-gradient", exercise_cell(student(), "weight-gradient").source)
    add("partial.ipynb", nb)

    nb = perfect()
    insert(nb, first_exercise(nb), (
        "import subprocess, sys\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'], start_new_session=True)\n"
        f"open({str(outside / 'child.pid')!r}, 'w').write(str(child.pid))\n"
        "while True:\n    pass\n"))
    add("loop.ipynb", nb)

    add("invalid.ipynb", b'{"cells": [ this is not JSON')
    add("not-a-notebook.ipynb", json.dumps({"hello": "world", "answers": [1, 2, 3]}).encode())

    # Cells reordered and deleted, metadata gone, file renamed: identified by the functions it defines.
    nb = perfect()
    del nb.metadata["bp_course"]
    exercise_cells = [exercise_cell(nb, i) for i in IDS]
    nb.cells = [c for c in nb.cells if c.cell_type == "code" and not c.metadata.get("nbgrader")]
    nb.cells += exercise_cells[::-1]
    for cell in nb.cells:
        cell.metadata = {}
    add("alice.ipynb", nb)

    # Wrong answers (zeros), with everything a notebook can patch to make a check pass. bias-gradient
    # stays right, so honest work in a patched kernel still counts.
    nb = student()
    for exercise_id in IDS:
        if exercise_id != "bias-gradient":
            function = get(exercise_id).function
            set_exercise(nb, exercise_id, f"def {function}(*args, **kwargs):\n    return np.zeros(3)\n")
    set_exercise(nb, "bias-gradient", solution_sources(SOLUTION)["bias-gradient"])
    for cell in nb.cells:  # the check cells "pass" in the kernel, too
        if cell.metadata.get("nbgrader", {}).get("grade"):
            cell.source = "check = lambda *a, **k: print('Correct')\n" + cell.source
    nb.cells.append(nbformat.v4.new_code_cell(
        "import sys, types\nimport numpy\nimport bplib.checks\n"
        "numpy.allclose = numpy.isclose = numpy.array_equal = lambda *a, **k: True\n"
        "np.allclose = np.isclose = lambda *a, **k: True\n"
        "bplib.checks.compare = lambda *a, **k: None\n"
        "bplib.checks.judge = lambda *a, **k: None\n"
        "bplib.checks.evaluate = lambda *a, **k: (True, 'Correct')\n"
        "fake = types.ModuleType('bplib.grade')\n"
        "fake.judge = fake.compare = lambda *a, **k: None\n"
        "fake.judge_record = lambda exercise, record: (exercise.points, 'correct', 'Correct')\n"
        "sys.modules['bplib.grade'] = fake\n"
        "import bplib\nbplib.grade = fake\n"))
    add("patcher.ipynb", nb)

    # Wrong answers again, and a forged reply: json, open, the cases and the result variable patched.
    nb = student()
    for exercise_id in IDS:
        function = get(exercise_id).function
        set_exercise(nb, exercise_id, f"def {function}(*args, **kwargs):\n    return np.zeros(3)\n")
    nb.cells.append(nbformat.v4.new_code_cell(
        "import builtins, io, json, numpy\n"
        "import bplib.checks\n"
        "fake = json.dumps({'id': 'output-error', 'state': 'ran', 'function': 'output_error', 'cases': []})\n"
        "json.dumps = lambda *a, **k: fake\n"
        "builtins.open = lambda *a, **k: io.StringIO(fake)\n"
        "bplib.checks.INVOKERS['call'] = lambda function, case: []\n"
        "numpy.random.default_rng = lambda *a, **k: numpy.random.Generator(numpy.random.PCG64(0))\n"
        "__bp_grade_result__ = fake\n"))
    add("faker.ipynb", nb)

    # Vandal: overwrites other submissions, deletes the grades file, writes outside its folder.
    nb = perfect()
    victims = [str(folder / "perfect.ipynb"), str(folder / "untouched.ipynb")]
    nb.cells.append(nbformat.v4.new_code_cell(
        "import os, pathlib\n"
        f"for victim in {victims!r}:\n    pathlib.Path(victim).write_text('overwritten by a vandal')\n"
        f"grades = pathlib.Path({str(folder.parent / 'grades.csv')!r})\n"
        "if grades.exists():\n    grades.unlink()\n"
        f"pathlib.Path({str(outside / 'vandal.txt')!r}).write_text(os.getcwd())\n"
        "pathlib.Path(os.path.expanduser('~/bp-grade-vandal.txt')).write_text('home')\n"))
    add("vandal.ipynb", nb)

    # Megabytes of output and a huge allocation.
    nb = perfect()
    nb.cells.append(nbformat.v4.new_code_cell("for _ in range(300):\n    print('x' * 100_000)\n"))
    nb.cells.append(nbformat.v4.new_code_cell("huge = np.ones((200_000, 200_000))\n"))
    add("noisy.ipynb", nb)

    # A function that never returns (its check cell deleted, so the notebook itself finishes).
    nb = drop_check(set_exercise(perfect(), "bias-gradient", "def bias_gradient(delta):\n    while True:\n"
                                                                "        pass\n"), "bias-gradient")
    add("slow-function.ipynb", nb)

    # A cell that kills its own kernel.
    nb = perfect()
    insert(nb, first_exercise(nb), "import os\nos._exit(3)\n")
    add("crash.ipynb", nb)

    if SECOND_SOLUTION is not None:
        add(f"bob-{SECOND}.ipynb", perfect(SECOND_SOLUTION, SECOND))
    return batch


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("grading")
    batch = build_batch(base / "submissions")
    originals = {name: path.read_bytes() for name, (path, _) in batch.items()}
    out = base / "grades.csv"
    out.write_text("stale grades from an earlier run\n")
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        code = grade.main([str(path) for path, _ in batch.values()] + [
            "--out", str(out), "--json", "--jobs", "2", "--timeout", str(TIMEOUT),
            "--exercise-timeout", str(EXERCISE_TIMEOUT)])
    with open(out, newline="") as f:
        rows = {Path(row["submission"]).name: row for row in csv.DictReader(f)}
    with open(out.with_suffix(".json")) as f:
        report = {Path(s["submission"]).name: s for s in json.load(f)["submissions"]}
    return dict(base=base, batch=batch, originals=originals, out=out, code=code, stderr=stderr.getvalue(),
                rows=rows, report=report)


def row_points(row, ids=IDS):
    return {i: int(row[i]) for i in ids}


def assert_dead(pid):
    """The process is gone (or a zombie awaiting its reaper: no longer running)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return
    assert state == "Z", f"process {pid} is still alive (state {state})"


# --- the batch ----------------------------------------------------------------------------------------------------


def test_every_submission_has_one_row_and_the_batch_finished(graded):
    assert graded["code"] == 0
    assert set(graded["rows"]) == set(graded["batch"])
    with open(graded["out"], newline="") as f:
        header = next(csv.reader(f))
    assert header[0] == "submission" and header[-4:] == ["total", "max_total", "status", "detail"]
    start = header.index(IDS[0])
    assert header[start:start + len(IDS)] == IDS   # the table's order (another notebook's ids may come first)
    for row in graded["rows"].values():
        assert row["status"] in grade.STATUSES


def test_progress_and_summary_on_stderr(graded):
    stderr = graded["stderr"]
    n = len(graded["batch"])
    assert f"{n}/{n}" in stderr
    assert f"graded {n} submission(s)" in stderr and "failed" in stderr and "mean score" in stderr


def test_untouched_notebook_earns_nothing_and_is_not_attempted(graded):
    row = graded["rows"]["untouched.ipynb"]
    assert row["status"] == "ok"
    assert row_points(row) == dict.fromkeys(IDS, 0)
    assert (row["total"], row["max_total"]) == ("0", str(FULL))
    assert "not attempted" in row["detail"]
    for exercise in graded["report"]["untouched.ipynb"]["exercises"].values():
        assert exercise["outcome"] == "not attempted" and "not attempted" in exercise["feedback"]


def test_perfect_notebook_earns_full_points(graded):
    row = graded["rows"]["perfect.ipynb"]
    assert row["status"] == "ok", row["detail"]
    assert row_points(row) == POINTS
    assert row["total"] == row["max_total"] == str(FULL)
    feedback = graded["report"]["perfect.ipynb"]["exercises"]
    assert all(e["feedback"].startswith("Correct") for e in feedback.values())


def test_partial_notebook_earns_the_points_of_what_is_right(graded):
    row = graded["rows"]["partial.ipynb"]
    assert row["status"] == "ok"
    assert row_points(row) == {**dict.fromkeys(IDS, 0), "bias-gradient": POINTS["bias-gradient"]}
    assert row["total"] == str(POINTS["bias-gradient"]) and row["max_total"] == str(FULL)
    feedback = graded["report"]["partial.ipynb"]["exercises"]
    assert "missing sigma'" in feedback["output-error"]["feedback"]   # the known mistake is named
    assert feedback["weight-gradient"]["outcome"] == "not attempted"
    assert "wrong: output-error" in row["detail"] and "not attempted: weight-gradient" in row["detail"]


def test_an_exercise_that_raises_earns_nothing_and_its_feedback_names_the_exception(graded):
    row = graded["rows"]["partial.ipynb"]
    assert row["status"] == "ok" and row["hidden-error"] == "0"
    feedback = graded["report"]["partial.ipynb"]["exercises"]["hidden-error"]
    assert feedback["outcome"] == "raised"
    assert "ValueError" in feedback["feedback"] and "shapes do not align" in feedback["feedback"]
    assert "raised ValueError: hidden-error" in row["detail"]


def test_infinite_loop_times_out_kills_the_kernel_and_grades_the_rest(graded):
    row = graded["rows"]["loop.ipynb"]
    report = graded["report"]["loop.ipynb"]
    assert row["status"] == "timeout"
    assert "did not finish within" in row["detail"] and "graded without it" in row["detail"]
    # Policy: the notebook is run again without the cell that hung, so functions that do not
    # depend on it still earn their points.
    assert row_points(row) == POINTS
    assert len(report["kernel_pids"]) == 2
    for pid in report["kernel_pids"]:
        assert_dead(pid)
    child = int((graded["base"] / "outside" / "child.pid").read_text())
    assert_dead(child)   # started in its own session: found by the sweep, not the process group


def test_not_json_and_not_a_notebook_are_invalid(graded):
    for name in ("invalid.ipynb", "not-a-notebook.ipynb"):
        row = graded["rows"][name]
        assert row["status"] == "invalid notebook"
        assert row["total"] == "0"
    assert "not valid JSON" in graded["rows"]["invalid.ipynb"]["detail"]
    assert "not a notebook" in graded["rows"]["not-a-notebook.ipynb"]["detail"]


def test_reordered_renamed_notebook_is_identified_by_its_functions(graded):
    row = graded["rows"]["alice.ipynb"]
    assert graded["report"]["alice.ipynb"]["notebook"] == STEM
    assert row["status"] == "ok"
    assert row_points(row) == POINTS


def test_monkeypatching_checks_numpy_or_the_grader_earns_nothing(graded):
    row = graded["rows"]["patcher.ipynb"]
    assert row["status"] == "ok"
    assert graded["report"]["patcher.ipynb"]["cell_errors"] == []   # every check "passed" in the kernel
    assert row_points(row) == {**dict.fromkeys(IDS, 0), "bias-gradient": POINTS["bias-gradient"]}
    assert "review:" in row["detail"] and "reassigns a numpy name" in row["detail"]


def test_faking_the_outputs_earns_nothing(graded):
    row = graded["rows"]["faker.ipynb"]
    # Patching json.dumps garbles the kernel's own replies: the cell is skipped like a crash.
    assert row["status"] == "error" and "garbled" in row["detail"]
    assert row_points(row) == dict.fromkeys(IDS, 0)
    assert "review:" in row["detail"]


def test_vandal_loses_nothing_of_the_others(graded):
    row = graded["rows"]["vandal.ipynb"]
    assert row["status"] == "ok" and row_points(row) == POINTS
    # The victims were graded from the copies read before anything ran, and written back after.
    assert row_points(graded["rows"]["perfect.ipynb"]) == POINTS
    for name in ("perfect.ipynb", "untouched.ipynb"):
        assert graded["batch"][name][0].read_bytes() == graded["originals"][name]
    assert "written back" in graded["stderr"]
    # The grades file it deleted is there, complete (written at the end, atomically).
    assert graded["out"].exists() and len(graded["rows"]) == len(graded["batch"])
    assert not list(graded["out"].parent.glob(".grades.csv.*.tmp"))
    # It ran in its own temporary folder (removed since), which was also its HOME.
    cwd = (graded["base"] / "outside" / "vandal.txt").read_text()
    assert "bp-grade-" in cwd and not os.path.exists(cwd)
    assert not Path(os.path.expanduser("~/bp-grade-vandal.txt")).exists()


def test_megabytes_of_output_and_a_huge_array_are_bounded(graded):
    row = graded["rows"]["noisy.ipynb"]
    assert row["status"] == "ok" and row_points(row) == POINTS
    assert "MemoryError" in row["detail"] and "memory limit" in row["detail"]
    assert graded["out"].with_suffix(".json").stat().st_size < 200_000   # no output was stored


def test_a_function_that_never_returns_earns_nothing(graded):
    row = graded["rows"]["slow-function.ipynb"]
    assert row["status"] == "ok"
    assert row_points(row) == {**POINTS, "bias-gradient": 0}
    assert graded["report"]["slow-function.ipynb"]["exercises"]["bias-gradient"]["outcome"] == "timed out"
    assert "timed out: bias-gradient" in row["detail"]


def test_a_cell_that_kills_the_kernel_is_an_error_and_the_rest_is_graded(graded):
    row = graded["rows"]["crash.ipynb"]
    assert row["status"] == "error"
    assert "killed the kernel (exit code 3)" in row["detail"]
    assert row_points(row) == POINTS


def test_no_kernel_is_left_behind(graded):
    for submission in graded["report"].values():
        for pid in submission["kernel_pids"]:
            assert_dead(pid)


@pytest.mark.skipif(SECOND_SOLUTION is None, reason=f"solutions/{SECOND}.ipynb is not there (yet)")
def test_a_second_notebook_in_the_batch_gets_its_own_columns(graded):
    row = graded["rows"][f"bob-{SECOND}.ipynb"]
    second = [e.id for e in EXERCISES if e.notebook == SECOND]
    assert row["status"] == "ok"
    assert row_points(row, second) == {e.id: e.points for e in EXERCISES if e.notebook == SECOND}
    assert all(row[i] == "" for i in IDS)
    assert all(graded["rows"]["perfect.ipynb"][i] == "" for i in second)


def test_summary_line_reports_counts_and_mean(graded):
    rows = graded["rows"].values()
    failed = sum(r["status"] != "ok" for r in rows)
    assert f"{len(rows) - failed} ok, {failed} failed" in graded["stderr"]


# --- without kernels ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [
    None, True, 3, -2.5, "w", math.inf, (1, "w"), [(0, "b"), (2, "w")], {"restored": False, "grad": np.ones(2)},
    np.arange(6.0).reshape(2, 3), np.array([1.0, np.nan, -np.inf]), np.array([[1, 2]], dtype=np.int32),
    np.array([True, False]), np.float64(0.5), np.int64(7), (np.zeros((2, 0)), 1.5),
])
def test_encode_decode_round_trip(value):
    encoded = grade.encode(value)
    back = grade.decode(json.loads(json.dumps(encoded, allow_nan=False)))
    if isinstance(value, (np.ndarray, np.generic)):
        np.testing.assert_array_equal(back, value)
        assert np.shape(back) == np.shape(value)
    elif isinstance(value, dict):
        assert set(back) == set(value) and back["restored"] is False
        np.testing.assert_array_equal(back["grad"], value["grad"])
    elif isinstance(value, tuple) and isinstance(value[0], np.ndarray):
        assert isinstance(back, tuple) and back[1] == 1.5 and back[0].shape == (2, 0)
    else:
        assert back == value and type(back) is type(value)


def test_objects_are_sent_as_unreadable_placeholders():
    class Sneaky:
        def __eq__(self, other):
            return True

    back = grade.decode(json.loads(json.dumps(grade.encode([Sneaky(), 1j]))))
    assert all(isinstance(b, grade.Unreadable) for b in back)
    assert type(back[0]).__name__ == "Sneaky" and type(back[1]).__name__ == "complex"
    assert grade.judge_record(get("bias-gradient"), {"id": "bias-gradient", "state": "ran", "cases": [
        {"outcome": "returned", "output": grade.encode(Sneaky())}] * 2})[0] == 0


@pytest.mark.parametrize("bad", [
    {"$": "ndarray", "kind": "f", "shape": [3], "data": [1.0, 2.0]},
    {"$": "ndarray", "kind": "f", "shape": [2], "data": [1.0, "1e3"]},
    {"$": "ndarray", "kind": "f", "shape": [1], "data": [[1.0]]},
    {"$": "ndarray", "kind": "f", "shape": [-1], "data": []},
    {"$": "ndarray", "kind": "O", "shape": [1], "data": [1]},
    {"$": "pickle", "data": "gASVAAAAAAAAAAB9lC4="},
    {"$": "float", "v": "1e999"},
    {"$": "dict", "items": [[[1], 2]]},
    {"no": "tag"},
])
def test_decode_rejects_anything_but_the_agreed_form(bad):
    with pytest.raises(grade.DecodeError):
        grade.decode(bad)


def test_judging_uses_the_graders_own_cases_and_comparison():
    exercise = get("bias-gradient")
    right = [{"outcome": "returned", "output": grade.encode(exercise.reference(**case)),
              "fingerprint": grade._fingerprint(case)} for case in exercise.all_cases()]
    record = {"id": exercise.id, "state": "ran", "cases": right}
    assert grade.judge_record(exercise, record)[:2] == (exercise.points, "correct")
    assert grade.judge_record(exercise, {**record, "cases": right[:1]})[:2] == (0, "not graded")
    wrong = copy.deepcopy(right)
    wrong[1]["output"] = grade.encode(exercise.cases()[1]["delta"].sum(axis=0))
    points, outcome, feedback = grade.judge_record(exercise, {**record, "cases": wrong})
    assert (points, outcome) == (0, "wrong") and "missing 1/n" in feedback
    wrong[1]["fingerprint"] = "0" * 64
    assert "test inputs built in your kernel differ" in grade.judge_record(exercise, {**record, "cases": wrong})[2]
    assert grade.judge_record(get("hidden-error"), record)[:2] == (0, "not graded")   # another exercise's record


def test_outputs_too_large_to_send_are_refused_before_they_are_walked():
    assert grade.encode(list(range(3_000_000)))["$"] == "opaque"
    assert grade.encode(np.zeros(3_000_000))["$"] == "opaque"
    assert grade.encode("x" * 100_000)["$"] == "opaque"
    assert len(json.dumps(grade.encode([list(range(1000))] * 10_000))) < 30_000_000


@pytest.mark.parametrize("source, flagged", [
    ("from bplib.bughunt import PLANTED_BUGS, planted_bug", False),   # 12_bug_hunt does this
    ("from bpcourse.exercises.nb05_four_equations import hidden_error", True),
    ("import bpcourse.exercises\nhidden_error = bpcourse.exercises.BY_ID['hidden-error'].reference", True),
    ("checks = [1, 2]\nx = np.zeros(3) == 0", False),
    ("np.allclose = lambda *a, **k: True", True),
    ("import builtins\nbuiltins.print = None", True),
])
def test_review_flags(source, flagged):
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell(source))
    assert bool(grade.review_flags(nb)) is flagged


def test_notebook_identity_order():
    nb = nbformat.v4.new_notebook(metadata={"bp_course": {"notebook": "07_xor"}})
    nb.cells.append(nbformat.v4.new_code_cell("def output_error(a_out, y, z_out):\n    pass"))
    assert grade.identify(nb, "x/05_four_equations.ipynb") == "07_xor"
    del nb.metadata["bp_course"]
    assert grade.identify(nb, "x/carol-05_four_equations.ipynb") == "05_four_equations"
    assert grade.identify(nb, "x/carol.ipynb") == "05_four_equations"
    assert grade.identify(nbformat.v4.new_notebook(), "x/carol.ipynb", "06_the_algorithm") == "06_the_algorithm"
    assert grade.identify(None, "x/carol.ipynb") is None


def test_help_runs_as_a_module():
    result = subprocess.run([sys.executable, "-m", "bplib.grade", "--help"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0
    for option in ("--out", "--json", "--timeout", "--jobs", "--memory", "--exercise-timeout"):
        assert option in result.stdout


# --- nbgrader metadata agrees with the grader's point table -------------------------------------------------------


def _course_notebooks():
    return sorted((ROOT / folder / f"{stem}.ipynb" for folder in ("solutions", "notebooks")
                   for stem in grade.STEMS if (ROOT / folder / f"{stem}.ipynb").exists()), key=str)


@pytest.mark.parametrize("path", _course_notebooks(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_course_notebook_metadata_matches_the_point_table(path):
    nb = nbformat.read(path, as_version=4)
    stem = path.stem
    graded_cells = [c for c in nb.cells if c.get("metadata", {}).get("nbgrader")]
    if not graded_cells and "bp_course" not in nb.metadata:
        pytest.skip(f"{path.parent.name}/{path.name} is not prepared yet: python -m bplib.course build")
    assert nb.metadata.get("bp_course", {}).get("notebook") == stem
    expected = {e.id: e.points for e in EXERCISES if e.notebook == stem}
    solutions = [c.metadata["nbgrader"] for c in graded_cells if c.metadata["nbgrader"].get("solution")]
    checks = [c.metadata["nbgrader"] for c in graded_cells if c.metadata["nbgrader"].get("grade")]
    assert sorted(m["grade_id"] for m in solutions) == sorted(expected), "one solution cell per exercise"
    assert sorted(m["grade_id"] for m in checks) == sorted(f"{i}-check" for i in expected), \
        "one check cell per exercise"
    for meta in checks:
        assert meta["points"] == expected[meta["grade_id"][:-len("-check")]]
        assert meta["locked"] is True and meta["solution"] is False
    for meta in solutions:
        assert meta["grade"] is False and meta["locked"] is False
    assert sum(m["points"] for m in checks) == sum(expected.values())
