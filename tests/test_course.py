"""notebooks/ is generated from solutions/ and leaks none of the solutions."""
import json
from pathlib import Path

import nbformat
import pytest

from bpcourse import build as course, exercises

ROOT = Path(__file__).resolve().parent.parent
SOLUTION_FILES = sorted((ROOT / "solutions").glob("*.ipynb"))


def test_every_notebook_of_the_course_exists():
    stems = {p.stem for p in SOLUTION_FILES}
    assert {e.notebook for e in exercises.EXERCISES} <= stems
    assert {p.stem for p in (ROOT / "notebooks").glob("*.ipynb")} == stems


def test_notebooks_are_up_to_date_with_solutions():
    """Notebooks, translations, feedback data (the answer key's outputs) and the message catalogue."""
    assert course.stale() == [], "run: python -m bpcourse build"


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


LEARNER_FILES = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", LEARNER_FILES, ids=lambda p: p.stem)
def test_learner_notebooks_fail_only_in_unfinished_exercises(path):
    """The stored run of each learner notebook: every error is an exercise stub's
    NotImplementedError in a cell tagged raises-exception, every tagged cell has
    one, and nothing else wrote an error or a warning. (nbval re-runs the
    notebooks and compares against these outputs; conftest.py makes the tag
    strict during that run.)"""
    nb = nbformat.read(path, as_version=4)
    tagged = 0
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        assert cell.execution_count is not None, f"{path.name} cell {index} was never run: run python -m bplib.course build"
        errors = [out for out in cell.outputs if out.output_type == "error"]
        stderr = [out for out in cell.outputs if out.output_type == "stream" and out.name == "stderr"]
        assert not stderr, f"{path.name} cell {index} wrote to stderr: {stderr[0].text[:200]}"
        if "raises-exception" in cell.metadata.get("tags", []):
            tagged += 1
            assert len(errors) == 1, f"{path.name} cell {index} is tagged raises-exception but stored no error"
            assert errors[0].ename == "NotImplementedError"
            assert "replace this line with your code" in errors[0].evalue
        else:
            assert not errors, f"{path.name} cell {index} raised {errors[0].ename}: {errors[0].evalue}"
    expected = sum(e.notebook == path.stem for e in exercises.EXERCISES)
    assert tagged >= expected, f"{path.name}: {tagged} tagged cells for {expected} exercises"


@pytest.mark.parametrize("path", SOLUTION_FILES, ids=lambda p: p.stem)
def test_solution_notebooks_run_clean(path):
    nb = nbformat.read(path, as_version=4)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        assert cell.execution_count is not None, f"{path.name} cell {index} was never run"
        for out in cell.outputs:
            assert out.output_type != "error", f"{path.name} cell {index} raised {out.ename}: {out.evalue}"
            assert not (out.output_type == "stream" and out.name == "stderr"), f"{path.name} cell {index}: stderr"
        if course.CHECK_CALL.search(cell.source):
            assert any("Correct:" in out.get("text", "") for out in cell.outputs), f"{path.name} cell {index}"


def test_build_reports_errors_a_notebook_should_not_have():
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    stub_error = new_output("error", ename="NotImplementedError", evalue="exercise x: replace this line with your code",
                            traceback=[])
    other_error = new_output("error", ename="NameError", evalue="name 'mse' is not defined", traceback=[])
    tagged = new_code_cell("check('x', f)", metadata={"tags": ["raises-exception"]}, outputs=[stub_error])
    broken = new_code_cell("mse(y)", outputs=[other_error])
    noisy = new_code_cell("warn()", outputs=[new_output("stream", name="stderr", text="DeprecationWarning: ...")])
    nb = new_notebook(cells=[tagged, broken, noisy])
    learner = course.run_problems(nb, "nb", learner=True)
    assert learner == ["nb cell 1: NameError: name 'mse' is not defined",
                       "nb cell 2 wrote to stderr: DeprecationWarning: ..."]
    assert len(course.run_problems(nb, "nb", learner=False)) == 3
