"""The answer key: every exercise of the course, its points, its reference answer,
its public and hidden test cases, and the known wrong answers feedback can name.

This table is the one place that defines an exercise; each notebook's exercises
live in the module named after it (``nb05_four_equations.py``, ...). It never
ships to learners: ``python -m bpcourse build`` writes, for each exercise, the
public test cases with their expected outputs and the outputs of the known
mistakes as data into ``bplib/exercise_data/``, which is what a learner's
``check(...)`` reads. The grader (``bpcourse.grade``) tries each function on
the public and the hidden cases and judges the outputs here, with
``judge``. The course build writes the nbgrader metadata of the exercise cells
from ``points``.

An exercise is a function the learner writes (``Exercise.function``, defined at the top
level of its notebook; its argument names are the reference's). ``cases()`` and
``hidden_cases()`` give the inputs it is tried on (fresh, seeded values on
every call, made only of what ``bplib._encoding`` can write: arrays, numbers,
networks, generators, lists, tuples, dicts), ``invoke`` names how it is
called (``bplib.checks.INVOKERS``) and ``judge`` how an output is judged
(``bplib.checks.JUDGES``).
"""
import copy
import inspect
from dataclasses import dataclass

from bplib import checks


@dataclass(frozen=True)
class Exercise:
    id: str                  # also the grade_id of its cells
    notebook: str            # file stem in notebooks/ and solutions/
    function: str            # name the learner defines
    points: int
    summary: str             # what to write, one line
    reference: callable      # the right answer
    cases: callable          # () -> list of keyword-argument dicts: the public cases
    hidden_cases: callable = None  # () -> the grader's cases that the check cell never shows
    mistakes: tuple = ()     # (what went wrong, function giving that wrong output)
    invoke: str = "call"     # how the function is called, a key of bplib.checks.INVOKERS
    judge: str = "compare"   # how an output is judged, a key of bplib.checks.JUDGES
    rtol: float = 1e-6
    atol: float = 1e-9
    names: object = None     # how messages call the parts of a tuple output (bplib.checks.compare's names)

    @property
    def parameters(self):
        """The argument names of the stub, in order."""
        return list(inspect.signature(self.reference).parameters)

    def run(self, function, case):
        """The output of ``function`` on a copy of ``case`` (functions may change their inputs),
        called the way this exercise calls it."""
        __tracebackhide__ = True
        return checks.run_quietly(self.invoke, function, copy.deepcopy(case))

    def all_cases(self):
        """The public cases, then the hidden ones."""
        return list(self.cases()) + (list(self.hidden_cases()) if self.hidden_cases else [])

    def expected(self, case):
        """The reference output on ``case``."""
        return self.run(self.reference, case)

    def mistake_outputs(self, case):
        """``[(what went wrong, its output on case)]`` for each known mistake that runs on ``case``."""
        found = []
        for message, wrong in self.mistakes:
            try:
                found.append((message, self.run(wrong, case)))
            except Exception:  # a wrong variant that cannot run on this case cannot be matched there
                continue
        return found


def judge(exercise, case, output):
    """None if ``output`` is right for ``case`` (public or hidden), else a message
    naming the likely mistake or the first difference."""
    return checks.judge_output(exercise.judge, case, output, exercise.expected(case),
                               exercise.mistake_outputs(case), exercise.rtol, exercise.atol, names=exercise.names)


def _collect():
    from . import (nb01_start_here, nb02_forward_pass, nb03_cost_and_gradient_descent, nb04_chain_rule,
                   nb05_four_equations, nb06_the_algorithm, nb07_xor, nb08_regression, nb09_digits,
                   nb10_training_in_practice, nb11_autograd, nb12_bug_hunt)

    modules = (nb01_start_here, nb02_forward_pass, nb03_cost_and_gradient_descent, nb04_chain_rule,
               nb05_four_equations, nb06_the_algorithm, nb07_xor, nb08_regression, nb09_digits,
               nb10_training_in_practice, nb11_autograd, nb12_bug_hunt)
    return [exercise for module in modules for exercise in module.EXERCISES]


EXERCISES = _collect()
BY_ID = {exercise.id: exercise for exercise in EXERCISES}


def get(exercise_id):
    """The ``Exercise`` with this id (a ValueError lists the ids if it is unknown)."""
    from bplib._validate import choose

    return BY_ID[choose("exercise id", exercise_id, BY_ID)]
