"""Judging: the points an exercise earns from the record its kernel sent.

Everything is decided here, in the grader's process, from the grader's own test
cases (``bpcourse.exercises``: public and hidden) and its own comparison
(``bpcourse.exercises.judge``). The kernel only ever sent outputs as data; an
exercise earns its points when every output, public and hidden, is right (all
or nothing, as a check cell is).
"""
import contextlib
import re
import threading

from bplib.checks import describe, expected_withheld

from ..exercises import judge
from . import inside, wire

MAX_TEXT = inside.MAX_TEXT
_LOCK = threading.Lock()   # judge() uses warnings.catch_warnings, which is process-global


class Cases:
    """An exercise's cases (public then hidden) with their fingerprints, made once per batch."""

    def __init__(self, exercise):
        self.exercise = exercise
        self.public = len(list(exercise.cases()))
        self.fingerprints = [inside.fingerprint(case) for case in exercise.all_cases()]

    def __len__(self):
        return len(self.fingerprints)

    def fresh(self, index):
        """Case ``index``, made again: a judge may not see a case that an earlier call changed."""
        return self.exercise.all_cases()[index]

    def where(self, index):
        """How feedback names a case; a hidden one's inputs are described, never shown."""
        kind = "public" if index < self.public else "hidden"
        return f"{kind} test case {index + 1} ({describe(self.fresh(index))})"


def judge_record(exercise, record, cases=None):
    """(points, outcome, feedback) for the record the kernel sent about ``exercise``.

    Outcomes: correct, wrong, raised, not attempted, not defined, timed out, not graded."""
    cases = cases or Cases(exercise)
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
    if state != "ran" or len(record["cases"]) > len(cases):
        return 0, "not graded", "the kernel sent a malformed record"
    for index, item in enumerate(record["cases"]):
        if not isinstance(item, dict):
            return 0, "not graded", "the kernel sent a malformed record"
        outcome = item.get("outcome")
        if outcome == "not attempted":
            return 0, "not attempted", f"not attempted: {function} raises NotImplementedError"
        if outcome == "raised":
            return 0, "raised", (f"{function} raised {str(item.get('exception'))[:60]}: "
                                 f"{str(item.get('message'))[:MAX_TEXT]}\non {cases.where(index)}")
        if outcome == "timeout":
            return 0, "timed out", f"{function} timed out on {cases.where(index)}"
        if outcome != "returned":
            return 0, "not graded", "the kernel sent a malformed record"
        try:
            output = wire.decode(item.get("output"))
        except (wire.DecodeError, RecursionError, MemoryError) as error:
            return 0, "wrong", f"{cases.where(index)}: the grader could not read the output ({error})"
        try:
            # A hidden case's expected output would tell the student its answer: its feedback withholds it.
            withheld = expected_withheld() if index >= cases.public else contextlib.nullcontext()
            with _LOCK, withheld:
                message = judge(exercise, cases.fresh(index), output)
        except Exception as error:  # an output so odd that the comparison itself fails
            message = f"the output could not be compared ({type(error).__name__}: {str(error)[:100]})"
        if message is not None:
            if item.get("fingerprint") != cases.fingerprints[index]:
                message += ("\n(the test inputs built in your kernel differ from the grader's: "
                            "was numpy or bplib changed in the notebook?)")
            return 0, "wrong", f"{function}, {cases.where(index)}:\n{message}"
    if len(record["cases"]) < len(cases):
        return 0, "not graded", f"outputs for only {len(record['cases'])} of {len(cases)} test cases arrived"
    hidden = len(cases) - cases.public
    return exercise.points, "correct", (f"Correct: {function} passes all {len(cases)} test cases "
                                        f"({cases.public} public, {hidden} hidden).")


def outcome_label(outcome, feedback):
    """A short label for ``detail``: "raised ValueError" rather than "raised"."""
    if outcome == "raised":
        exception = re.match(r"\S+ raised (\w+)", feedback or "")
        return f"raised {exception.group(1)}" if exception else outcome
    return outcome
