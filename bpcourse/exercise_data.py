"""The learner feedback's data: public test cases, expected outputs, known mistakes.

``bplib.checks`` judges a learner's function against data, never against the
reference answers (which stay here, in ``bpcourse``). For each exercise this
module writes ``bplib/exercise_data/<id>.json``: how the function is called
and judged, its argument names, and for each public test case the inputs, the
expected output and the output of every known mistake that runs on it. The
course build writes these files; ``python -m bpcourse check`` and the tests
fail when one is out of date with the answer key.
"""
import json
from pathlib import Path

from bplib import checks
from bplib._encoding import encode

from .exercises import EXERCISES

FOLDER = Path(__file__).resolve().parent.parent / "bplib" / "exercise_data"


def data_for(exercise):
    """The feedback data of one exercise, a JSON-ready dict."""
    cases = []
    for case in exercise.cases():
        # A judge that decides from statistics needs no expected output (and the draws are large).
        expected = None if exercise.judge in checks.JUDGES_WITHOUT_EXPECTED else exercise.expected(case)
        mistakes = [{"name": name, "output": encode(output)} for name, output in exercise.mistake_outputs(case)]
        cases.append({"inputs": encode(case), "expected": encode(expected), "mistakes": mistakes})
    return {"id": exercise.id, "function": exercise.function, "parameters": exercise.parameters,
            "summary": exercise.summary, "invoke": exercise.invoke, "judge": exercise.judge,
            "rtol": exercise.rtol, "atol": exercise.atol, "names": exercise.names, "cases": cases}


def text_for(exercise):
    return json.dumps(data_for(exercise), indent=None, separators=(",", ":"), ensure_ascii=False) + "\n"


def write(folder=FOLDER):
    """Write every exercise's file into ``folder`` and remove files of exercises that are gone."""
    folder.mkdir(parents=True, exist_ok=True)
    wanted = {f"{exercise.id}.json": text_for(exercise) for exercise in EXERCISES}
    for path in folder.glob("*.json"):
        if path.name not in wanted:
            path.unlink()
    for name, text in wanted.items():
        path = folder / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")


def stale(folder=FOLDER):
    """Messages for every feedback file that differs from what ``write`` would make."""
    problems = []
    wanted = {f"{exercise.id}.json": exercise for exercise in EXERCISES}
    have = {path.name for path in folder.glob("*.json")}
    problems += [f"bplib/exercise_data/{name} belongs to no exercise" for name in sorted(have - set(wanted))]
    for name, exercise in wanted.items():
        path = folder / name
        if not path.exists():
            problems.append(f"bplib/exercise_data/{name} is missing")
        elif path.read_text(encoding="utf-8") != text_for(exercise):
            problems.append(f"bplib/exercise_data/{name} is out of date with the answer key")
    return problems
