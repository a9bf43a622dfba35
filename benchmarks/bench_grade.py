"""Grading speed: a class of generated submissions through bplib.grade.

Builds a class (default 30) of submissions from the solution notebooks (each prepared in memory
with bplib.course.prepare_solution): a mixture of perfect ones (solution cells restored), partial
ones (some exercises left as stubs) and untouched ones (the learner's copy). Grades them with
--jobs N and prints wall time and the figure of merit, seconds per submission per core
(wall time x jobs / submissions; target: at most 5 s), plus the CPU time per submission, which
does not depend on what else the machine is doing. Every score is checked against what the
submission was built to earn.

    python benchmarks/bench_grade.py [--students 30] [--jobs 2] [--notebooks 05_four_equations]
    python benchmarks/bench_grade.py --notebooks all     # cycle through every solution notebook

Falls back to a small synthetic 05_four_equations when no solution notebook can be used.
"""
import argparse
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # bpcourse runs from the checkout

from bpcourse import build as course, grade  # noqa: E402
from bpcourse.exercises import EXERCISES, get  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TARGET = 5.0


def synthetic():
    bodies = {"output-error": ("a_out, y, z_out", "(a_out - y) * sigmoid_prime(z_out)"),
              "hidden-error": ("delta_next, w_next, z", "(delta_next @ w_next) * sigmoid_prime(z)"),
              "bias-gradient": ("delta", "delta.mean(axis=0)"),
              "weight-gradient": ("delta, a_prev", "delta.T @ a_prev / delta.shape[0]")}
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("import numpy as np\nfrom bplib.activations import sigmoid_prime\n"
                                              "from bplib.checks import check"))
    for exercise_id, (arguments, body) in bodies.items():
        function = get(exercise_id).function
        nb.cells.append(nbformat.v4.new_code_cell(f"def {function}({arguments}):\n    ### BEGIN SOLUTION\n"
                                                  f"    return {body}\n    ### END SOLUTION\n"))
        nb.cells.append(nbformat.v4.new_code_cell(f'check("{exercise_id}", {function})'))
    course.prepare_solution(nb, "05_four_equations")
    return nb


def solutions(names):
    """{stem: prepared solution notebook} for the stems asked for that exist and prepare cleanly."""
    stems = sorted({e.notebook for e in EXERCISES}) if names == ["all"] else names
    found = {}
    for stem in stems:
        path = ROOT / "solutions" / f"{stem}.ipynb"
        if not path.exists():
            print(f"(solutions/{stem}.ipynb is not there: skipped)", file=sys.stderr)
            continue
        try:
            nb = nbformat.read(path, as_version=4)
            course.prepare_solution(nb, stem)
        except (course.CourseError, ValueError) as error:
            print(f"(solutions/{stem}.ipynb cannot be prepared: {error})", file=sys.stderr)
            continue
        found[stem] = nb
    if not found:
        print("(no usable solution notebook: using a synthetic 05_four_equations)", file=sys.stderr)
        found["05_four_equations"] = synthetic()
    return found


def submission(solution, stem, solved):
    """The learner's copy with the solution restored for the exercise ids in ``solved``."""
    nb = course.make_student(solution, stem)
    sources = {c.metadata["nbgrader"]["grade_id"]: c.source for c in solution.cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    for cell in nb.cells:
        grading = cell.metadata.get("nbgrader", {})
        if grading.get("solution") and grading["grade_id"] in solved:
            cell.source = sources[grading["grade_id"]]
    return nb


def build_class(folder, notebooks, students, seed=0):
    """Write the submissions; return {path: points each should earn}."""
    rng = random.Random(seed)
    expected = {}
    stems = sorted(notebooks)
    for i in range(students):
        stem = stems[i % len(stems)]
        ids = [e.id for e in EXERCISES if e.notebook == stem]
        kind = ("perfect", "partial", "perfect", "untouched", "partial")[i % 5]
        solved = set(ids) if kind == "perfect" else set() if kind == "untouched" else \
            set(rng.sample(ids, rng.randrange(len(ids)))) if len(ids) > 1 else set()
        path = folder / f"student{i:02d}-{kind}-{stem}.ipynb"
        nbformat.write(submission(notebooks[stem], stem, solved), path)
        expected[str(path)] = sum(get(i).points for i in solved)
    return expected


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--notebooks", nargs="+", default=["05_four_equations"],
                        help="solution notebook stems, or 'all' (default: 05_four_equations)")
    parser.add_argument("--timeout", type=float, default=grade.DEFAULT_TIMEOUT)
    args = parser.parse_args(argv)

    notebooks = solutions(args.notebooks)
    with tempfile.TemporaryDirectory(prefix="bench-grade-") as folder:
        folder = Path(folder)
        expected = build_class(folder, notebooks, args.students)
        load_before = os.getloadavg()[0]
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN), resource.getrusage(resource.RUSAGE_SELF)
        start = time.perf_counter()
        results, _ = grade.grade(sorted(expected), grade.Settings(timeout=args.timeout), jobs=args.jobs)
        wall = time.perf_counter() - start
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN), resource.getrusage(resource.RUSAGE_SELF)
    cpu = sum(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
              for before, after in zip(cpu_before, cpu_after))
    wrong = [(r.submission, r.total, expected[r.submission], r.status, r.detail) for r in results
             if r.total != expected[r.submission] or r.status != "ok"]
    n = len(results)
    per_core = wall * args.jobs / n
    print(grade.summary(results, wall))
    print(f"notebooks: {', '.join(sorted(notebooks))}; {n} submissions, --jobs {args.jobs}, "
          f"{os.cpu_count()} CPUs, load average {load_before:.1f} before / {os.getloadavg()[0]:.1f} after")
    print(f"wall {wall:.1f} s; {per_core:.2f} s per submission per core (wall x jobs / submissions; "
          f"target <= {TARGET:g} s: {'met' if per_core <= TARGET else 'NOT met'})")
    print(f"CPU {cpu:.1f} s in all = {cpu / n:.2f} CPU s per submission (grader + kernels)")
    for stem in sorted(notebooks):
        times = [r.seconds for r in results if r.notebook == stem]
        print(f"  {stem}: {len(times)} submissions, mean {sum(times) / len(times):.2f} s each in its worker")
    if wrong:
        print(f"{len(wrong)} submission(s) scored other than built for:")
        for item in wrong:
            print("  ", *item)
        return 1
    print("every score is what the submission was built to earn")
    return 0


if __name__ == "__main__":
    sys.exit(main())
