"""The nbgrader route: solutions/ as nbgrader's source, with hidden tests in the check cells.

Real nbgrader runs once, through its Python API in this process: generate_assignment on
solutions/05_four_equations.ipynb, then autograde of two submissions, one right and one that
redefines `check` (which earned full marks before the check cells had hidden tests: every nbgrader
test runs in the student's kernel).
"""
import dataclasses
import os
import shutil
import sys
from pathlib import Path

import nbformat
import pytest

from bpcourse import build
from bpcourse.exercises import EXERCISES, get

ROOT = Path(__file__).resolve().parent.parent
STEM = "05_four_equations"
FULL = sum(e.points for e in EXERCISES if e.notebook == STEM)
# nbgrader's own use of SQLAlchemy warns while it records a submission; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

    root = tmp_path_factory.mktemp("nbgrader")
    (root / "source" / "ps05").mkdir(parents=True)
    shutil.copy(ROOT / "solutions" / f"{STEM}.ipynb", root / "source" / "ps05")
    config = Config()
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.db_url = f"sqlite:///{root}/gradebook.db"
    api = NbGraderAPI(config=config)   # one process for both steps: nbgrader's start-up costs seconds
    with pytest.MonkeyPatch.context() as patch:
        # The venv's bin on PATH: nbgrader runs alembic from there to make its gradebook.
        patch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
        generated = api.generate_assignment("ps05", force=True, create=True)
        assert generated["success"], generated.get("log", "")[-3000:]
        release = nbformat.read(root / "release" / "ps05" / f"{STEM}.ipynb", as_version=4)
        solution = nbformat.read(ROOT / "solutions" / f"{STEM}.ipynb", as_version=4)
        answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in solution.cells
                   if c.metadata.get("nbgrader", {}).get("solution")}
        for kind in ("right", "cheat"):
            nb = nbformat.reads(nbformat.writes(release), as_version=4)
            for cell in nb.cells:
                grading = cell.metadata.get("nbgrader", {})
                if grading.get("solution"):
                    exercise = get(grading["grade_id"])
                    cell.source = answers[exercise.id] if kind == "right" else (
                        f"def {exercise.function}(*args, **kwargs):\n    return np.zeros(3)\n")
            if kind == "cheat":   # its import cell, which is not locked, redefines check
                first = next(c for c in nb.cells if c.cell_type == "code")
                first.source += "\ncheck = lambda *args, **kwargs: print('Correct')\n"
            folder = root / "submitted" / kind / "ps05"
            folder.mkdir(parents=True)
            nbformat.write(nb, folder / f"{STEM}.ipynb")
            graded = api.autograde("ps05", kind, force=True, create=True)
            assert graded["success"], graded.get("log", "")[-3000:]
    with Gradebook(f"sqlite:///{root}/gradebook.db") as gradebook:
        scores = {kind: gradebook.find_submission("ps05", kind).score for kind in ("right", "cheat")}
    return dict(root=root, release=release, scores=scores,
                autograded=nbformat.read(root / "autograded" / "cheat" / "ps05" / f"{STEM}.ipynb", as_version=4))


def test_autograde_gives_the_right_submission_full_marks_and_the_check_redefiner_none(course):
    assert course["scores"] == {"right": FULL, "cheat": 0}


def test_the_release_has_no_hidden_tests_and_autograde_puts_them_back(course):
    release_text = nbformat.writes(course["release"])
    assert build.HIDDEN_BEGIN not in release_text and "_bp_test" not in release_text
    checks = [c for c in course["autograded"].cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert len(checks) == 4 and all(build.HIDDEN_BEGIN in c.source for c in checks)
    errors = [o for c in checks for o in c.get("outputs", []) if o.output_type == "error"]
    assert len(errors) == 4 and all("hidden test case" in e.evalue for e in errors)


# --- the hidden tests and the nbgrader metadata of the course's notebooks -------------------------------------------

def test_hidden_tests_pass_the_reference_and_fail_a_wrong_answer_even_with_check_redefined():
    for exercise in EXERCISES:
        block = build.hidden_tests(exercise)
        exec(compile(block, exercise.id, "exec"), {exercise.function: exercise.reference})
    exercise = get("hidden-error")
    namespace = {"hidden_error": exercise.mistakes[0][1], "check": lambda *args: print("Correct")}
    with pytest.raises(AssertionError, match="hidden test case: likely mistake: missing sigma'"):
        exec(compile(build.with_hidden_tests('check("hidden-error", hidden_error)', exercise), "cell", "exec"),
             namespace)


def test_hidden_test_blocks_are_replaced_not_stacked_and_stripped_for_learners():
    solution = nbformat.read(ROOT / "solutions" / f"{STEM}.ipynb", as_version=4)
    build.prepare_solution(solution, STEM)
    assert build.HIDDEN_BEGIN in nbformat.writes(solution)
    assert build.HIDDEN_BEGIN not in nbformat.writes(build.make_student(solution, STEM))
    exercise = get("bias-gradient")
    once = build.with_hidden_tests('check("bias-gradient", bias_gradient)', exercise)
    assert build.with_hidden_tests(once, exercise) == once
    assert build.strip_hidden_tests(once) == 'check("bias-gradient", bias_gradient)'
    assert build.with_hidden_tests("x", dataclasses.replace(exercise, hidden_cases=None)) == "x"


def _course_notebooks():
    return sorted((ROOT / folder / f"{stem}.ipynb" for folder in ("solutions", "notebooks")
                   for stem in dict.fromkeys(e.notebook for e in EXERCISES)
                   if (ROOT / folder / f"{stem}.ipynb").exists()), key=str)


@pytest.mark.parametrize("path", _course_notebooks(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_course_notebook_metadata_and_hidden_tests_match_the_answer_key(path):
    nb = nbformat.read(path, as_version=4)
    stem = path.stem
    assert nb.metadata.get("bp_course", {}).get("notebook") == stem
    expected = {e.id: e.points for e in EXERCISES if e.notebook == stem}
    graded_cells = [c for c in nb.cells if c.get("metadata", {}).get("nbgrader")]
    solutions = [c.metadata["nbgrader"] for c in graded_cells if c.metadata["nbgrader"].get("solution")]
    checks = [c for c in graded_cells if c.metadata["nbgrader"].get("grade")]
    assert sorted(m["grade_id"] for m in solutions) == sorted(expected), "one solution cell per exercise"
    assert sorted(c.metadata["nbgrader"]["grade_id"] for c in checks) == sorted(f"{i}-check" for i in expected)
    for cell in checks:
        meta = cell.metadata["nbgrader"]
        exercise = get(meta["grade_id"][:-len("-check")])
        assert meta["points"] == expected[exercise.id] and meta["locked"] is True and meta["solution"] is False
        if path.parent.name == "solutions":
            assert cell.source == build.with_hidden_tests(cell.source, exercise), "run python -m bpcourse build"
        else:
            assert build.HIDDEN_BEGIN not in cell.source and "_bp_test" not in cell.source
    for meta in solutions:
        assert meta["grade"] is False and meta["locked"] is False
