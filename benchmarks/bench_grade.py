"""Grading speed: seconds per submission per core, with the sandbox on, against two peers.

Builds a class (default 30 submissions) from a solution notebook (default 03, the issue's
target): perfect ones (solutions restored), partial ones (some exercises left as stubs) and
untouched ones (the learner's copy). Grades it three ways in the same run:

* the grader, each submission in its bubblewrap sandbox (the figure of merit: wall time x jobs /
  submissions, target <= 3 s), and the CPU time its kernels used (cgroup) plus the grader's own;
* the grader with --no-sandbox (what the sandbox costs);
* nbclient running each notebook top to bottom in a plain kernel, --jobs at a time (what running
  the notebook costs at all, before anything is graded).

Every score is checked against what the submission was built to earn.

    python benchmarks/bench_grade.py [--students 12] [--jobs 2] [--notebook 03_cost_and_gradient_descent]
"""
import argparse
import os
import random
import resource
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # bpcourse runs from the checkout

from bpcourse import build as course, grade  # noqa: E402
from bpcourse.exercises import EXERCISES, get  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TARGET = 3.0


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


def build_class(folder, stem, students, seed=0):
    """Write the submissions; return {path: points each should earn}."""
    solution = nbformat.read(ROOT / "solutions" / f"{stem}.ipynb", as_version=4)
    course.prepare_solution(solution, stem)
    ids = [e.id for e in EXERCISES if e.notebook == stem]
    rng = random.Random(seed)
    expected = {}
    for i in range(students):
        kind = ("perfect", "partial", "perfect", "untouched", "partial")[i % 5]
        solved = set(ids) if kind == "perfect" else set() if kind == "untouched" else \
            set(rng.sample(ids, rng.randrange(len(ids))))
        path = folder / f"student{i:02d}-{kind}-{stem}.ipynb"
        nbformat.write(submission(solution, stem, solved), path)
        expected[str(path)] = sum(get(i).points for i in solved)
    return expected


def _cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return sum(u.ru_utime + u.ru_stime for u in usage)


def run_grader(paths, jobs, sandboxed):
    """(wall seconds, CPU seconds of the grader and its kernels, results)."""
    settings = grade.Settings(sandbox=sandboxed)
    cpu, start = _cpu(), time.perf_counter()
    results, _ = grade.grade(paths, settings, jobs=jobs, progress=False)
    wall = time.perf_counter() - start
    own = _cpu() - cpu
    # Sandboxed kernels are killed, not waited for by the grader: their CPU time is the cgroup's.
    kernels = sum(r.cpu_seconds or 0 for r in results)
    return wall, own + kernels, results


def run_nbclient(paths, jobs):
    """(wall seconds, CPU seconds) of running every notebook once with nbclient, ``jobs`` at a time."""
    from nbclient import NotebookClient

    def execute(path):
        nb = nbformat.read(path, as_version=4)
        with tempfile.TemporaryDirectory() as folder:
            NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                           extra_arguments=["--IPKernelApp.log_level=ERROR"],   # not its TCP warning per run
                           resources={"metadata": {"path": folder}}).execute()

    cpu, start = _cpu(), time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(execute, paths))
    return time.perf_counter() - start, _cpu() - cpu


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--notebook", default="03_cost_and_gradient_descent", choices=grade.STEMS)
    parser.add_argument("--no-peers", action="store_true", help="time the sandboxed grader only")
    args = parser.parse_args(argv)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")   # as the kernels have it, for nbclient's too

    with tempfile.TemporaryDirectory(prefix="bench-grade-") as folder:
        expected = build_class(Path(folder), args.notebook, args.students)
        paths = sorted(expected)
        n = len(paths)
        load = os.getloadavg()[0]
        wall, cpu, results = run_grader(paths, args.jobs, sandboxed=True)
        rows = [("grader, sandboxed", wall, cpu)]
        wrong = [(r.submission, r.total, expected[r.submission], r.status, r.detail) for r in results
                 if r.total != expected[r.submission] or r.status != "ok"]
        if not args.no_peers:
            wall_bare, cpu_bare, _ = run_grader(paths, args.jobs, sandboxed=False)
            rows.append(("grader, --no-sandbox", wall_bare, cpu_bare))
            rows.append(("nbclient, run only", *run_nbclient(paths, args.jobs)))
        load_after = os.getloadavg()[0]

    print(f"{args.notebook}: {n} submissions, --jobs {args.jobs}, {os.cpu_count()} CPUs, "
          f"load average {load:.1f} before / {load_after:.1f} after (other work on the machine inflates wall times)")
    print(f"{'':24s} {'s/submission/core':>18s} {'CPU s/submission':>17s} {'ratio (wall)':>13s}")
    for name, wall_s, cpu_s in rows:
        print(f"{name:24s} {wall_s * args.jobs / n:18.2f} {cpu_s / n:17.2f} {wall_s / rows[0][1]:13.2f}")
    per_core = rows[0][1] * args.jobs / n
    print(f"sandboxed: {per_core:.2f} s per submission per core (wall x jobs / submissions; target <= {TARGET:g} s: "
          f"{'met' if per_core <= TARGET else 'NOT met'}); {rows[0][2] / n:.2f} CPU s per submission")
    if wrong:
        print(f"{len(wrong)} submission(s) scored other than built for:")
        for item in wrong:
            print("  ", *item)
        return 1
    print("every score is what the submission was built to earn")
    return 0


if __name__ == "__main__":
    sys.exit(main())
