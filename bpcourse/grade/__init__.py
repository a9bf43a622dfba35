"""Grade submitted notebooks: each runs in a sandboxed kernel of its own; its functions are
tried on the public and hidden test cases, and judged in the grader's process.

    python -m bpcourse grade submitted/ --out grades.csv --json --jobs 4

The package, one job per module:

* ``cli``: the command line (``--help`` lists the options);
* ``submissions``: finding and reading submissions (flat or nbgrader's layout), which notebook
  each answers, ``--shard``;
* ``sandbox``: the kernel and its bubblewrap sandbox (namespaces, read-only system, private
  tmpfs, cgroups and rlimits), or ``--no-sandbox``;
* ``inside``: the code that runs inside the kernel (calls the functions, sends outputs as data);
* ``wire``: what is sent to the kernel and the strict reading of what comes back;
* ``batch``: grading one submission (fair time: interrupts, a time cap) and a batch (journal,
  ``--resume``);
* ``judging``: points from outputs, against ``bpcourse.exercises``;
* ``review``: review flags from the submission's syntax tree (never a score);
* ``reports``: the journal, the CSV per submission, the per-student gradebook, the JSON.

Trust boundary: the kernel is untrusted. What crosses from it to the grader is data (a JSON
record of outputs, size-capped, read strictly); the grader builds the test cases and the
expected outputs itself and never executes learner code. Monkeypatching ``check``, numpy or
``bplib`` in the notebook therefore earns nothing, nor does pasting the public cases' outputs
(the hidden cases fail). What a submission can do to its surroundings is bounded by its
sandbox: see ``sandbox``.
"""
from .batch import (DEFAULT_CELL_TIMEOUT, DEFAULT_EXERCISE_TIMEOUT, DEFAULT_TIMEOUT, Environment, Settings, grade,
                    grade_submission)
from .cli import main
from .judging import judge_record
from .reports import STATUSES, Result, summary
from .sandbox import Limits, SandboxUnavailable
from .submissions import STEMS, identify, parse, read_submissions

__all__ = ["DEFAULT_CELL_TIMEOUT", "DEFAULT_EXERCISE_TIMEOUT", "DEFAULT_TIMEOUT", "Environment", "Limits", "Result",
           "STATUSES", "STEMS", "SandboxUnavailable", "Settings", "grade", "grade_submission", "identify",
           "judge_record", "main", "parse", "read_submissions", "summary"]
