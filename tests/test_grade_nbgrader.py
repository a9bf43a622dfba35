"""The nbgrader route: solutions/ as nbgrader's source, with a hidden-tests cell after each check cell.

Real nbgrader runs once, through its Python API in this process: generate_assignment on
solutions/05_four_equations.ipynb, then one autograde of two submissions, one right and one that
redefines `check` (which earned full marks before the check cells had hidden tests: every nbgrader
test runs in the student's kernel).
"""
import dataclasses
import shutil
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


def alembic_head(db_url):
    """The gradebook schema's alembic revision, read in this process from nbgrader's own migration scripts.

    What nbgrader.api.get_alembic_version returns (e43177bfe90b for nbgrader 0.9.6) without the
    `alembic heads` child process it starts to get it, which imports nbgrader, jupyter_server and
    nbformat again: 5 s of CPU for one string.
    """
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import _temp_alembic_ini

    with _temp_alembic_ini(db_url) as alembic_ini:
        return ScriptDirectory.from_config(AlembicConfig(alembic_ini)).get_current_head()


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    import nbgrader.api
    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

    root = tmp_path_factory.mktemp("nbgrader")
    (root / "source" / "ps05").mkdir(parents=True)
    shutil.copy(ROOT / "solutions" / f"{STEM}.ipynb", root / "source" / "ps05")
    db_url = f"sqlite:///{root}/gradebook.db"
    config = Config()
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.db_url = db_url
    api = NbGraderAPI(config=config)   # one process for both steps: nbgrader's start-up costs seconds
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(nbgrader.api, "get_alembic_version", lambda: alembic_head(db_url))
        # autograde's kernels inherit it: figures are not rendered to PNG (what the grader's kernels
        # do too); nothing here reads them, and each kernel spends about 0.2 s less CPU
        patch.setenv("MPLBACKEND", "Agg")
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
        graded = api.autograde("ps05", "*", force=True, create=True)   # every student, as `nbgrader autograde ps05`
        assert graded["success"], graded.get("log", "")[-3000:]
    with Gradebook(db_url) as gradebook:
        scores = {kind: gradebook.find_submission("ps05", kind).score for kind in ("right", "cheat")}
    return dict(root=root, release=release, scores=scores,
                autograded=nbformat.read(root / "autograded" / "cheat" / "ps05" / f"{STEM}.ipynb", as_version=4))


def test_autograde_gives_the_right_submission_full_marks_and_the_check_redefiner_none(course):
    assert course["scores"] == {"right": FULL, "cheat": 0}


def test_the_release_has_no_hidden_tests_and_autograde_puts_them_back(course):
    release_text = nbformat.writes(course["release"])
    assert build.HIDDEN_BEGIN not in release_text and "_bp_test" not in release_text
    graded = [c for c in course["autograded"].cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert len(graded) == 4 and all(build.HIDDEN_BEGIN in c.source for c in graded)
    errors = [o for c in graded for o in c.get("outputs", []) if o.output_type == "error"]
    assert len(errors) == 4 and all("hidden test case" in e.evalue for e in errors)


# --- the hidden tests and the nbgrader metadata of the course's notebooks -------------------------------------------

def test_hidden_tests_pass_the_reference_and_fail_a_wrong_answer_even_with_check_redefined():
    for exercise in EXERCISES:
        exec(compile(build.hidden_tests(exercise), exercise.id, "exec"), {exercise.function: exercise.reference})
    exercise = get("hidden-error")
    namespace = {"hidden_error": exercise.mistakes[0][1], "check": lambda *args: print("Correct")}
    exec(compile('check("hidden-error", hidden_error)', "check cell", "exec"), namespace)  # passes: redefined
    with pytest.raises(AssertionError, match="hidden test case: likely mistake: missing sigma'"):
        exec(compile(build.hidden_tests(exercise), "hidden cell", "exec"), namespace)


def test_hidden_test_cells_are_made_afresh_skipped_by_slides_and_left_out_for_learners():
    solution = nbformat.read(ROOT / "solutions" / f"{STEM}.ipynb", as_version=4)
    first_check = next(c for c in solution.cells if build.CHECK_CALL.search(c.source))
    first_check.source += f"\n{build.HIDDEN_BEGIN}\nprint('old')\n{build.HIDDEN_END}"  # where older builds put it
    build.prepare_solution(solution, STEM)
    assert build.HIDDEN_BEGIN not in first_check.source
    once = nbformat.writes(solution)
    build.prepare_solution(solution, STEM)
    assert nbformat.writes(solution) == once, "preparing twice adds no second hidden-tests cell"
    hidden = [c for c in solution.cells if build.is_hidden_tests_cell(c)]
    assert len(hidden) == 4 and all(c.metadata["slideshow"]["slide_type"] == "skip" for c in hidden)
    for cell in hidden:   # each right after its exercise's check cell
        before = solution.cells[solution.cells.index(cell) - 1]
        assert before.metadata["nbgrader"]["grade_id"] == cell.metadata["nbgrader"]["grade_id"][:-7] + "-check"
    student = build.make_student(solution, STEM)
    assert build.HIDDEN_BEGIN not in nbformat.writes(student)
    assert len(student.cells) == len(solution.cells) - 4
    assert build.strip_hidden_tests(hidden[0].source).startswith("# The hidden tests of")
    assert build.hidden_tests_cell(dataclasses.replace(get("bias-gradient"), hidden_cases=None)) is None


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
    checks = [c for c in graded_cells if c.metadata["nbgrader"]["grade_id"].endswith("-check")]
    hidden = [c for c in graded_cells if c.metadata["nbgrader"]["grade_id"].endswith("-hidden")]
    assert sorted(m["grade_id"] for m in solutions) == sorted(expected), "one solution cell per exercise"
    assert sorted(c.metadata["nbgrader"]["grade_id"] for c in checks) == sorted(f"{i}-check" for i in expected)
    for cell in checks:
        assert cell.metadata["nbgrader"]["locked"] is True and cell.metadata["nbgrader"]["solution"] is False
        assert build.HIDDEN_BEGIN not in cell.source
    if path.parent.name == "solutions":
        with_hidden = [e.id for e in EXERCISES if e.notebook == stem and e.hidden_cases]
        assert sorted(c.metadata["nbgrader"]["grade_id"] for c in hidden) == sorted(f"{i}-hidden" for i in with_hidden)
        for cell in hidden:
            meta = cell.metadata["nbgrader"]
            exercise = get(meta["grade_id"][:-len("-hidden")])
            assert meta["points"] == expected[exercise.id] and meta["grade"] is True and meta["locked"] is True
            assert cell.source == build.hidden_tests(exercise), "run python -m bpcourse build"
        points = sum(c.metadata["nbgrader"].get("points", 0) for c in graded_cells if c.metadata["nbgrader"]["grade"])
        assert points == sum(expected.values()), "each exercise's points counted once"
    else:
        assert hidden == [] and "_bp_test" not in nbformat.writes(nb)
    for meta in solutions:
        assert meta["grade"] is False and meta["locked"] is False
