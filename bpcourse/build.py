"""Build the course: learner notebooks from the solution notebooks.

``solutions/`` is the source. A solution cell carries the answer between
``### BEGIN SOLUTION`` and ``### END SOLUTION`` (nbgrader's markers); the
learner's copy in ``notebooks/`` has, in its place, a stub that raises
``NotImplementedError``. Check cells call ``check("exercise-id", function)``
from ``bplib.checks``, which judges against the feedback data that building
writes into ``bplib/exercise_data/`` (``bpcourse.exercise_data``); in the learner's copy they are tagged
``raises-exception``, since they raise until the exercise is done.

    python -m bpcourse build            # feedback data, then prepare, execute and write both folders
    python -m bpcourse build 05_four_equations --no-execute
    python -m bpcourse check            # fail if notebooks/ or the feedback data is stale

Building also writes the metadata an instructor's tools read: nbgrader's
(``grade_id``, ``points`` from ``bpcourse.exercises``); slide types for RISE
and ``nbconvert --to slides`` (a ``##`` section is a slide, each further
explanation a sub-slide below it, and a sub-slide starts before a code cell
that would not fit on a 1280x720 slide: ``bpcourse.slides.slide_types``;
"fragment", "skip" or "notes" set by hand are kept); and the notebook metadata
JupyterLab would otherwise rewrite on opening (``kernelspec``) or RISE reads
(``rise``: slides taller than the screen scroll). It copies ``rise.css`` (the
lecture-size style RISE loads from a notebook's folder) into both folders.

``--no-execute`` rewrites metadata and learner copies without running
anything: each learner cell whose source did not change keeps its stored
outputs, so text and metadata edits need no re-run (a changed code cell loses
its outputs, and the build says so).
"""
import copy
import os
import re
import tempfile
from pathlib import Path

import nbformat

from . import exercise_data, slides, translations
from .exercises import EXERCISES

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
NOTEBOOKS = ROOT / "notebooks"
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
STUB = 'raise NotImplementedError("exercise {id}: replace this line with your code")'
CHECK_CALL = re.compile(r"""\bcheck\(\s*["']([\w-]+)["']""")
RAISES = "raises-exception"
# What JupyterLab writes into a notebook when its kernel starts: a notebook that
# says anything else (e.g. display_name "Python 3") is changed, and saved, on opening.
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
# RISE's settings for every notebook: a slide taller than the screen scrolls.
RISE = {"scroll": True}
RISE_CSS = "rise.css"
# Notebook metadata the build sets (and ``check`` compares).
PREPARED_METADATA = ("bp_course", "kernelspec", "rise")


class CourseError(ValueError):
    """A solution notebook breaks the authoring rules; the message says where."""


def exercise_of_cell(source, notebook):
    """The exercise whose solution this cell holds, found by the function it defines."""
    for exercise in EXERCISES:
        if exercise.notebook == notebook and re.search(rf"^\s*def {exercise.function}\(", source, re.M):
            return exercise
    raise CourseError(f"{notebook}: a cell with {BEGIN} defines none of this notebook's exercise functions "
                      f"{[e.function for e in EXERCISES if e.notebook == notebook]}:\n{source[:200]}")


def strip_solutions(source, exercise_id):
    """``source`` with each BEGIN/END SOLUTION block replaced by the stub at its indentation."""
    lines, out, inside = source.split("\n"), [], False
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise CourseError(f"exercise {exercise_id}: nested {BEGIN} at line {number}")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}# YOUR CODE HERE")
            out.append(indent + STUB.format(id=exercise_id))
        elif stripped == END:
            if not inside:
                raise CourseError(f"exercise {exercise_id}: {END} without {BEGIN} at line {number}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise CourseError(f"exercise {exercise_id}: {BEGIN} is never closed")
    return "\n".join(out)


def solution_lines(source):
    """The lines between the markers (what must never reach a learner's copy)."""
    lines, inside, found = source.split("\n"), False, []
    for line in lines:
        if line.strip() == BEGIN:
            inside = True
        elif line.strip() == END:
            inside = False
        elif inside:
            found.append(line)
    return found


HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
HIDDEN_CELL = "hidden_tests"   # bp_course metadata key of a hidden-tests cell: the exercise id


def hidden_tests(exercise):
    """The source of an exercise's hidden-tests cell, for nbgrader's autograde ("" without hidden cases).

    nbgrader runs every test in the learner's kernel, where a notebook can redefine ``check``.
    This cell tries the function on the exercise's hidden cases (expected outputs included:
    they are data, written here from the answer key) and judges them with ``bplib.checks``
    itself, so a notebook that redefines ``check`` fails it. It is the exercise's graded cell
    (the visible check cell above it earns nothing), ``generate_assignment`` empties it in the
    release and ``autograde`` puts it back; slides skip it and the learner's copy in
    ``notebooks/`` leaves it out.
    """
    if not exercise.hidden_cases:
        return ""
    from bplib import checks
    from bplib._encoding import encode

    tests = []
    for case in exercise.hidden_cases():
        expected = None if exercise.judge in checks.JUDGES_WITHOUT_EXPECTED else exercise.expected(case)
        tests.append({"inputs": encode(case), "expected": encode(expected),
                      "mistakes": [[name, encode(output)] for name, output in exercise.mistake_outputs(case)]})
    return "\n".join([
        f"# The hidden tests of {exercise.function}: nbgrader's autograde runs them here.",
        HIDDEN_BEGIN,
        "# Cases the check above does not show, judged by bplib.checks itself, so that",
        "# redefining `check` does not pass them.",
        "import bplib._encoding, bplib.checks",
        f"for _bp_test in {tests!r}:",
        f"    _bp_output = bplib.checks.run_quietly({exercise.invoke!r}, {exercise.function}, "
        "bplib._encoding.decode(_bp_test['inputs']))",
        f"    _bp_message = bplib.checks.judge_output({exercise.judge!r}, bplib._encoding.decode(_bp_test['inputs']), "
        "_bp_output, bplib._encoding.decode(_bp_test['expected']),",
        "        [(name, bplib._encoding.decode(output)) for name, output in _bp_test['mistakes']], "
        f"{exercise.rtol!r}, {exercise.atol!r})",
        "    assert _bp_message is None, f\"hidden test case: {_bp_message}\"",
        "del _bp_test, _bp_output, _bp_message",
        HIDDEN_END,
    ])


def strip_hidden_tests(source):
    """``source`` without its hidden-tests block (as nbgrader's release has it)."""
    lines, out, inside = source.split("\n"), [], False
    for line in lines:
        if line.strip() == HIDDEN_BEGIN:
            inside = True
        elif line.strip() == HIDDEN_END:
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out).rstrip("\n")


def is_hidden_tests_cell(cell):
    return bool(cell.metadata.get("bp_course", {}).get(HIDDEN_CELL))


def hidden_tests_cell(exercise):
    """The autograded cell after ``exercise``'s check cell (None without hidden cases)."""
    source = hidden_tests(exercise)
    if not source:
        return None
    cell = nbformat.v4.new_code_cell(source, metadata={
        "bp_course": {HIDDEN_CELL: exercise.id},
        "nbgrader": {"grade": True, "grade_id": f"{exercise.id}-hidden", "locked": True,
                     "points": exercise.points, "schema_version": 3, "solution": False, "task": False},
        "slideshow": {"slide_type": "skip"}})
    cell.id = f"{exercise.id}-hidden"[:64]  # stable, so that rebuilding an unchanged notebook changes nothing
    return cell


def set_slide_metadata(nb):
    """Slide types on every cell (``bpcourse.slides.slide_types``, from the cells and
    their outputs) and the notebook's ``kernelspec`` and ``rise`` metadata, in place.

    Each copy gets the split its own outputs need: an unfinished exercise's
    traceback in the learner's copy can need a sub-slide the solution does not.
    """
    for cell, slide_type in zip(nb.cells, slides.slide_types(nb.cells)):
        cell.metadata["slideshow"] = {"slide_type": slide_type}
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["rise"] = dict(RISE)


def as_javascript_numbers(value):
    """``value`` (a notebook, or any part of one) with every whole-number float as an int.

    JavaScript has one kind of number, so JupyterLab's front end saves 1.0 (in a
    widget's stored state, say) as 1: written this way, a notebook comes back from
    a save in JupyterLab, or from starting RISE (which saves first), unchanged.
    """
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return int(value)
    if isinstance(value, dict):
        return type(value)((key, as_javascript_numbers(item)) for key, item in value.items())
    if isinstance(value, list):
        return [as_javascript_numbers(item) for item in value]
    return value


def prepare_solution(nb, notebook):
    """Set nbgrader and slide metadata on a solution notebook, in place; return its exercises.

    The notebook's own metadata records its stem, so a renamed submission
    (``alice.ipynb``) still says which notebook it is.
    """
    nb.metadata["bp_course"] = {"notebook": notebook}
    found, cells = [], []
    # Hidden-tests cells are made afresh (after their check cell); one that did not change keeps its run.
    previous = {cell.id: cell for cell in nb.cells if is_hidden_tests_cell(cell)}
    for cell in nb.cells:
        if is_hidden_tests_cell(cell):
            continue
        cells.append(cell)
        if cell.cell_type != "code":
            continue
        tags = [t for t in cell.metadata.get("tags", []) if t != RAISES]
        if BEGIN in cell.source:
            exercise = exercise_of_cell(cell.source, notebook)
            found.append(exercise.id)
            cell.metadata["nbgrader"] = {"grade": False, "grade_id": exercise.id, "locked": False,
                                         "schema_version": 3, "solution": True, "task": False}
        else:
            match = CHECK_CALL.search(cell.source)
            if match:
                exercise = next((e for e in EXERCISES if e.id == match.group(1)), None)
                if exercise is None or exercise.notebook != notebook:
                    raise CourseError(f"{notebook}: check({match.group(1)!r}) names no exercise of this notebook")
                cell.source = strip_hidden_tests(cell.source)  # an older build kept the block here
                hidden = hidden_tests_cell(exercise)
                # The points sit on the hidden-tests cell when there is one: the visible check runs in
                # the learner's kernel, where a notebook can redefine check.
                cell.metadata["nbgrader"] = {"grade": hidden is None, "grade_id": f"{exercise.id}-check",
                                             "locked": True, "schema_version": 3, "solution": False,
                                             "task": False}
                if hidden is None:
                    cell.metadata["nbgrader"]["points"] = exercise.points
                else:
                    before = previous.get(hidden.id)
                    if before is not None and before.source == hidden.source:
                        hidden.outputs, hidden.execution_count = before.outputs, before.execution_count
                    cells.append(hidden)
        if tags:
            cell.metadata["tags"] = tags
        else:
            cell.metadata.pop("tags", None)
    nb.cells = cells
    set_slide_metadata(nb)
    expected = [e.id for e in EXERCISES if e.notebook == notebook]
    missing = sorted(set(expected) - set(found))
    if missing:
        raise CourseError(f"{notebook}: no solution cell for exercises {missing}")
    return found


def make_student(solution_nb, notebook):
    """The learner's copy of a solution notebook: stubs, raises-exception tags, no outputs.

    Its metadata says it is the learner's copy (``bp_course.copy``), which
    makes the test run's strict ``raises-exception`` check apply to it.
    """
    nb = copy.deepcopy(solution_nb)
    nb.metadata["bp_course"] = dict(nb.metadata.get("bp_course", {}), copy="learner")
    nb.cells = [cell for cell in nb.cells if not is_hidden_tests_cell(cell)]
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        grading = cell.metadata.get("nbgrader", {})
        if grading.get("solution"):
            cell.source = strip_solutions(cell.source, grading["grade_id"])
            # A stub at the top level raises when the cell runs; inside a def it waits for the call.
            if re.search(r"^raise NotImplementedError", cell.source, re.M):
                cell.metadata["tags"] = cell.metadata.get("tags", []) + [RAISES]
        elif grading.get("grade_id", "").endswith("-check"):
            cell.metadata["tags"] = cell.metadata.get("tags", []) + [RAISES]
        cell.outputs = []
        cell.execution_count = None
    return nb


def execute(nb, folder, timeout=300, record=None):
    """Run ``nb`` top to bottom in a fresh kernel with ``folder`` as working directory; with
    ``record`` (a path), the feedback of its checks is also said in every translation's
    language and appended there (``translations.RECORD_FEEDBACK``)."""
    from nbclient import NotebookClient

    # As in the test run (see conftest.py): one BLAS thread, steadier timings.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    # The kernel's own warnings are left out: every kernel says its TCP traffic is not encrypted (it
    # is local), two lines per notebook that look like a problem to whoever builds the course.
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True, record_timing=False,
                            resources={"metadata": {"path": str(folder)}},
                            extra_arguments=["--IPKernelApp.log_level=ERROR"])
    if record is not None:
        async def record_feedback(notebook):
            # Silent: no execution count is used and nothing is shown.
            msg_id = client.kc.execute(translations.RECORD_FEEDBACK % (str(record), translations.LANGUAGES),
                                       silent=True, store_history=False)
            reply = await client.async_wait_for_reply(msg_id)
            if reply is None or reply["content"]["status"] != "ok":
                raise CourseError(f"could not record the feedback's translations: {reply and reply['content']}")

        client.on_notebook_start = record_feedback
    client.execute()
    return nb


def _stems(names):
    stems = sorted(p.stem for p in SOLUTIONS.glob("*.ipynb"))
    if names:
        unknown = sorted(set(names) - set(stems))
        if unknown:
            raise CourseError(f"no solution notebooks named {unknown}; have {stems}")
        stems = [s for s in stems if s in names]
    return stems


def run_problems(nb, where, learner):
    """Errors and stderr in an executed notebook that should not be there.

    A solution notebook must run clean; a learner notebook may fail only in
    cells tagged raises-exception, and only with an exercise stub's error.
    """
    problems = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        expected = learner and RAISES in cell.metadata.get("tags", [])
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                stub = out.ename == "NotImplementedError" and "replace this line with your code" in out.evalue
                if not (expected and stub):
                    problems.append(f"{where} cell {index}: {out.ename}: {out.evalue}")
            elif out.output_type == "stream" and out.name == "stderr":
                problems.append(f"{where} cell {index} wrote to stderr: {out.text.strip()[:200]}")
    return problems


def keep_stored_outputs(nb, path):
    """Give each code cell of ``nb`` the outputs stored in ``path`` for the cell with
    the same id and source (and the notebook the stored widget state they refer to).

    For a build that runs nothing: a metadata or text edit keeps every output.
    Returns the number of code cells left without outputs (new, or source changed).
    """
    stored = nbformat.read(path, as_version=4) if Path(path).exists() else nbformat.v4.new_notebook()
    before = {c.get("id"): c for c in stored.cells if c.cell_type == "code" and c.get("id")}
    missing = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        old = before.get(cell.get("id"))
        if old is not None and old.source == cell.source:
            cell.outputs, cell.execution_count = old.outputs, old.execution_count
        else:
            cell.outputs, cell.execution_count = [], None
            missing += 1
    nb.metadata.pop("widgets", None)
    if "widgets" in stored.metadata:
        nb.metadata["widgets"] = stored.metadata["widgets"]
    return missing


def course_folders():
    """Every folder of notebooks the build writes: English, then each translation's."""
    return [SOLUTIONS, NOTEBOOKS] + [base / lang for lang in translations.LANGUAGES for base in (SOLUTIONS, NOTEBOOKS)]


def write_rise_css():
    """Copy ``rise.css`` (lecture sizes for RISE) beside the notebooks in every folder."""
    text = (slides.VENDORED / RISE_CSS).read_text(encoding="utf-8")
    for folder in course_folders():
        folder.mkdir(exist_ok=True)
        (folder / RISE_CSS).write_text(text, encoding="utf-8")


def is_check_cell(cell):
    return cell.cell_type == "code" and bool(CHECK_CALL.search(cell.source))


def translated(lang, stem, solution, student, said=None):
    """The ``lang`` edition of a notebook: ``(solution, learner copy)``.

    Made from the English ``solution`` (prepared, with its outputs) and the English learner
    copy ``student`` (with its outputs): the translated Markdown from
    ``bpcourse/translations/<lang>/<stem>.md`` (``TranslationDrift`` when it does not match
    the English text), and every code cell, output and cell id of the English, except that
    the feedback printed is in ``lang`` (``said`` maps the English run's to it, see
    ``translations.translate_check_outputs``; check cells' "Correct" lines need none), and a stub's
    NotImplementedError that a check cell raised ends with the note ``bplib.checks`` adds in
    ``lang``. Only the sub-slide layout is the translation's own, since the translated text has
    its own length.
    """
    texts = translations.load(lang, stem, solution)
    solution_lang = translations.translate(solution, texts, lang)
    translations.translate_check_outputs(solution_lang, lang, is_check_cell, said)
    set_slide_metadata(solution_lang)
    student_lang = make_student(solution_lang, stem)
    english = {cell.id: cell for cell in student.cells}
    for cell in student_lang.cells:
        if cell.cell_type == "code":
            cell.outputs = copy.deepcopy(english[cell.id].outputs)
            cell.execution_count = english[cell.id].execution_count
    translations.translate_check_outputs(student_lang, lang, is_check_cell, said)
    student_lang.metadata.pop("widgets", None)
    if "widgets" in student.metadata:
        student_lang.metadata["widgets"] = copy.deepcopy(student.metadata["widgets"])
    set_slide_metadata(student_lang)
    return solution_lang, student_lang


def check_translations(stems):
    """Every translation problem of ``stems``, before anything is executed (so a drift fails fast)."""
    problems = []
    for stem in stems:
        nb = nbformat.read(SOLUTIONS / f"{stem}.ipynb", as_version=4)
        for lang in translations.LANGUAGES:
            try:
                translations.load(lang, stem, nb)
            except translations.TranslationDrift as error:
                problems.append(str(error))
    return problems


def stored_feedback(stem, solution, student):
    """``{lang: {English text: translated text}}`` printed by the English ``solution`` and learner
    copy ``student`` (or None) of ``stem`` with their stored outputs, and their stored translations."""
    said = {}
    english = [(solution, SOLUTIONS)] + ([(student, NOTEBOOKS)] if student is not None else [])
    for lang in translations.LANGUAGES:
        said[lang] = {}
        for nb, folder in english:
            stored = folder / lang / f"{stem}.ipynb"
            if stored.exists():
                said[lang].update(translations.stored_feedback(nb, nbformat.read(stored, as_version=4)))
    return said


def build(names=(), run=True):
    """Prepare each solution notebook, regenerate its learner copy, execute both
    (``run=False``: execute nothing, keep the stored outputs of unchanged cells).

    Returns the problems found in the executed notebooks (see ``run_problems``).
    """
    stems = _stems(names)
    drift = check_translations(stems)
    if drift:
        raise CourseError("the translations do not match the English text; update them first:\n" + "\n".join(drift))
    exercise_data.write()  # the notebooks' check cells read it
    write_rise_css()
    problems = []
    for stem in stems:
        path = SOLUTIONS / f"{stem}.ipynb"
        student_path = NOTEBOOKS / f"{stem}.ipynb"
        nb = nbformat.read(path, as_version=4)
        prepare_solution(nb, stem)
        if run:
            print(f"executing {stem} ...", flush=True)
            with tempfile.TemporaryDirectory(prefix="bp-course-feedback-") as folder:
                record = Path(folder) / "feedback.jsonl"
                execute(nb, SOLUTIONS, record=record)
                set_slide_metadata(nb)  # where sub-slides start depends on the fresh outputs
                student = make_student(nb, stem)
                execute(student, NOTEBOOKS, record=record)
                said = translations.recorded_feedback(record)
            problems += run_problems(nb, f"solutions/{stem}.ipynb", learner=False)
            problems += run_problems(student, f"notebooks/{stem}.ipynb", learner=True)
        else:
            student = make_student(nb, stem)
            missing = keep_stored_outputs(student, student_path)
            if missing:
                print(f"notebooks/{stem}.ipynb: {missing} code cell(s) changed and have no outputs; "
                      "build without --no-execute to store them", flush=True)
            said = stored_feedback(stem, nb, student)   # the kept outputs' stored translations
        set_slide_metadata(student)  # the learner's own outputs (tracebacks) decide its sub-slides
        nbformat.write(as_javascript_numbers(nb), path)
        nbformat.write(as_javascript_numbers(student), student_path)
        for lang in translations.LANGUAGES:
            solution_lang, student_lang = translated(lang, stem, nb, student, said[lang])
            nbformat.write(as_javascript_numbers(solution_lang), SOLUTIONS / lang / f"{stem}.ipynb")
            nbformat.write(as_javascript_numbers(student_lang), NOTEBOOKS / lang / f"{stem}.ipynb")
    return problems


def stale():
    """Messages for every learner notebook and feedback file that differs from what
    ``build`` would make (outputs aside)."""
    from . import messages

    problems = exercise_data.stale() + messages.stale()
    rise_css = (slides.VENDORED / RISE_CSS).read_text(encoding="utf-8")
    for folder in course_folders():
        target = folder / RISE_CSS
        if not target.exists() or target.read_text(encoding="utf-8") != rise_css:
            problems.append(f"{folder.relative_to(ROOT)}/{RISE_CSS} differs from bpcourse/slide_assets/{RISE_CSS}")
    stems = _stems(())
    extra = sorted({p.relative_to(ROOT) for folder in course_folders() for p in folder.glob("*.ipynb")
                    if p.stem not in stems})
    problems += [f"{path} has no solution notebook in solutions/" for path in extra]
    for stem in stems:
        solution = nbformat.read(SOLUTIONS / f"{stem}.ipynb", as_version=4)
        student_path = NOTEBOOKS / f"{stem}.ipynb"
        have = nbformat.read(student_path, as_version=4) if student_path.exists() else None
        prepared = copy.deepcopy(solution)
        prepare_solution(prepared, stem)
        if ([c.metadata for c in prepared.cells] != [c.metadata for c in solution.cells]
                or any(prepared.metadata.get(k) != solution.metadata.get(k) for k in PREPARED_METADATA)):
            problems.append(f"solutions/{stem}.ipynb: metadata not prepared")
        if [c.source for c in prepared.cells] != [c.source for c in solution.cells]:
            problems.append(f"solutions/{stem}.ipynb: hidden tests out of date with the answer key")
        if have is None:
            problems.append(f"notebooks/{stem}.ipynb is missing")
            continue
        want = make_student(prepared, stem)
        if len(want.cells) == len(have.cells):  # its sub-slides follow its own stored outputs
            for cell, stored in zip(want.cells, have.cells):
                if cell.cell_type == "code":
                    cell.outputs = stored.get("outputs", [])
            set_slide_metadata(want)
        if any(have.metadata.get(k) != want.metadata.get(k) for k in PREPARED_METADATA):
            problems.append(f"notebooks/{stem}.ipynb: metadata not prepared")
        have_cells = [(c.cell_type, c.source, c.metadata) for c in have.cells]
        want_cells = [(c.cell_type, c.source, c.metadata) for c in want.cells]
        if have_cells != want_cells:
            problems.append(f"notebooks/{stem}.ipynb is out of date with solutions/{stem}.ipynb")
        problems += stale_translations(stem, solution, have)
    return problems


def stale_translations(stem, solution, student):
    """Messages for each translated notebook of ``stem`` that is not exactly what ``build`` makes
    from the stored English ``solution`` and learner copy ``student`` (outputs included)."""
    problems, said = [], stored_feedback(stem, solution, student)
    for lang in translations.LANGUAGES:
        try:
            want = translated(lang, stem, solution, student, said[lang])
        except translations.TranslationDrift as error:
            problems.append(str(error))
            continue
        for nb, folder in zip(want, (SOLUTIONS, NOTEBOOKS)):
            path = folder / lang / f"{stem}.ipynb"
            where = path.relative_to(ROOT)
            if not path.exists():
                problems.append(f"{where} is missing")
            elif nbformat.read(path, as_version=4) != nbformat.from_dict(as_javascript_numbers(nb)):
                problems.append(f"{where} is out of date with solutions/{stem}.ipynb and its translation")
    return problems
