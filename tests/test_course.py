"""notebooks/ is generated from solutions/ and leaks none of the solutions."""
import json
from pathlib import Path

import nbformat
import pytest

from bplib import course, exercises

ROOT = Path(__file__).resolve().parent.parent
SOLUTION_FILES = sorted((ROOT / "solutions").glob("*.ipynb"))


def test_every_notebook_of_the_course_exists():
    stems = {p.stem for p in SOLUTION_FILES}
    assert {e.notebook for e in exercises.EXERCISES} <= stems
    assert {p.stem for p in (ROOT / "notebooks").glob("*.ipynb")} == stems


def test_notebooks_are_up_to_date_with_solutions():
    assert course.stale() == [], "run: python -m bplib.course build"


@pytest.mark.parametrize("path", SOLUTION_FILES, ids=lambda p: p.stem)
def test_no_solution_line_reaches_the_learner(path):
    solution = nbformat.read(path, as_version=4)
    student = nbformat.read(ROOT / "notebooks" / path.name, as_version=4)
    student_text = json.dumps([c.source for c in student.cells])
    student_cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in student.cells
                     if c.metadata.get("nbgrader", {}).get("solution")}
    for cell in solution.cells:
        grading = cell.metadata.get("nbgrader", {})
        if not grading.get("solution"):
            continue
        hidden = [line.strip() for line in course.solution_lines(cell.source)]
        hidden = [line for line in hidden if line and not line.startswith("#")]
        assert hidden, f"{grading['grade_id']}: empty solution block"
        learner_lines = {line.strip() for line in student_cells[grading["grade_id"]].split("\n")}
        leaked = [line for line in hidden if line in learner_lines]
        assert not leaked, f"{path.stem} {grading['grade_id']}: solution lines in the learner's cell: {leaked}"
        assert "\n".join(course.solution_lines(cell.source)) not in student_text
        assert "raise NotImplementedError" in student_cells[grading["grade_id"]]


def test_strip_solutions_keeps_indentation_and_refuses_broken_markers():
    source = "def f(x):\n    '''doc'''\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n"
    stripped = course.strip_solutions(source, "demo")
    assert stripped == ("def f(x):\n    '''doc'''\n    # YOUR CODE HERE\n"
                        '    raise NotImplementedError("exercise demo: replace this line with your code")\n')
    with pytest.raises(course.CourseError, match="never closed"):
        course.strip_solutions("### BEGIN SOLUTION\nx = 1\n", "demo")
    with pytest.raises(course.CourseError, match="without"):
        course.strip_solutions("x = 1\n### END SOLUTION\n", "demo")
