"""The command line: ``python -m bpcourse grade`` (``--help`` lists the options)."""
import argparse
import os
import sys
import tempfile
import time

from . import batch, reports, sandbox
from .submissions import STEMS, parse_shard

EPILOG = """\
statuses: ok, timeout (a cell was interrupted or the time cap was reached), error (a cell killed
its kernel, or the kernel could not start), invalid notebook.

Each submission runs in a bubblewrap sandbox of its own (see bpcourse/grade/sandbox.py). Files
written next to --out grades.csv: grades.csv (a row per submission), grades.students.csv (a row
per student), grades.journal (one JSON line per finished submission: --resume, --merge) and, with
--json, grades.json (per-exercise feedback). Exit status 0 once the reports are written, whatever
the submissions' statuses; 2 when the sandbox is unavailable, the options or paths are wrong (a
path that does not exist, --out a folder or not writable, a --merge file that is no journal) or
no submission was found.

Many machines (Slurm, Kubernetes): run `--shard K/N --out grades-K.csv` as N jobs, then
`--merge grades-*.journal --out grades.csv`.
"""


def parser():
    p = argparse.ArgumentParser(
        prog="python -m bpcourse grade", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Grade submitted notebooks: run each in its own sandboxed kernel, try its functions on the\n"
                    "public and hidden test cases of bpcourse.exercises, judge the outputs in the grader's process.",
        epilog=EPILOG)
    p.add_argument("submissions", nargs="*", metavar="SUBMISSION",
                   help="notebooks, or folders of them: flat, or nbgrader's submitted/STUDENT/ASSIGNMENT/*.ipynb")
    p.add_argument("--out", default="grades.csv", help="the CSV to write (default: grades.csv); the other "
                                                       "reports and the journal go next to it")
    p.add_argument("--json", action="store_true", help="also write the JSON report (grades.csv -> grades.json)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                   help="submissions graded in parallel (default: the number of CPUs)")
    p.add_argument("--timeout", type=float, default=batch.DEFAULT_TIMEOUT, metavar="SECONDS",
                   help=f"time for all the cells of one submission (default {batch.DEFAULT_TIMEOUT:g}); "
                        "the cell running then is interrupted and the rest are not run")
    p.add_argument("--cell-timeout", type=float, default=batch.DEFAULT_CELL_TIMEOUT, metavar="SECONDS",
                   help=f"time for one cell (default {batch.DEFAULT_CELL_TIMEOUT:g}); it is then interrupted "
                        "and the run goes on with the next cell")
    p.add_argument("--exercise-timeout", type=float, default=batch.DEFAULT_EXERCISE_TIMEOUT, metavar="SECONDS",
                   help=f"time for one exercise's test cases (default {batch.DEFAULT_EXERCISE_TIMEOUT:g})")
    limits = sandbox.Limits()
    p.add_argument("--memory", type=int, default=limits.memory_mb, metavar="MB",
                   help=f"memory of all of a submission's processes together (a cgroup; where there is none, "
                        f"the address space of each process) (default {limits.memory_mb})")
    p.add_argument("--processes", type=int, default=limits.processes, metavar="N",
                   help=f"processes and threads of a submission (default {limits.processes})")
    p.add_argument("--disk", type=int, default=limits.disk_mb, metavar="MB",
                   help=f"size of a submission's writable tmpfs (default {limits.disk_mb})")
    p.add_argument("--notebook", choices=STEMS, metavar="STEM",
                   help="grade every submission as this notebook (default: found per submission)")
    p.add_argument("--no-sandbox", action="store_true",
                   help="run kernels without bubblewrap (macOS): rlimits only, recorded in every row's detail")
    p.add_argument("--resume", action="store_true",
                   help="continue an interrupted run: grade only what its journal does not hold")
    p.add_argument("--shard", metavar="K/N", help="grade only the K-th of N disjoint, stable parts of the submissions")
    p.add_argument("--merge", nargs="+", metavar="JOURNAL",
                   help="write the reports from these journals (of --shard runs) instead of grading")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def _check_paths(p, args, out):
    """Stop with a usage error (status 2) before any grading if a path given cannot work."""
    missing = [path for path in args.submissions or args.merge or [] if not os.path.lexists(path)]
    if missing:
        p.error(f"no such file or folder: {', '.join(missing)}")
    if os.path.isdir(out):
        p.error(f"--out is the CSV file to write (the other reports go next to it), got the folder {args.out}; "
                f"try --out {os.path.join(args.out, 'grades.csv')}")
    folder = os.path.dirname(out)
    try:
        os.makedirs(folder, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        p.error(f"cannot write the reports into {folder}: {error.strerror or error}")


def main(argv=None):
    p = parser()
    args = p.parse_args(argv)
    if args.timeout <= 0 or args.cell_timeout <= 0 or args.exercise_timeout <= 0:
        p.error("--timeout, --cell-timeout and --exercise-timeout must be positive seconds")
    if args.jobs < 1 or args.memory < 64 or args.processes < 16 or args.disk < 1:
        p.error("--jobs must be at least 1, --memory at least 64 (MB), --processes at least 16, --disk at least 1 (MB)")
    if bool(args.merge) == bool(args.submissions):
        p.error("give submissions to grade, or --merge JOURNAL... (not both)")
    try:
        shard = parse_shard(args.shard) if args.shard else None
    except ValueError as error:
        p.error(str(error))
    out = os.path.abspath(args.out)
    _check_paths(p, args, out)
    start = time.monotonic()
    if args.merge:
        try:
            results = reports.merge(args.merge)
        except reports.NotAJournal as error:
            p.error(f"{error} is not a grading journal (the .journal file a run writes next to its --out CSV)")
        written = reports.write_reports(results, out, {"merged": args.merge}, args.json)
        print(reports.summary(results), file=sys.stderr)
        print(f"wrote {', '.join(map(str, written))}", file=sys.stderr)
        return 0
    settings = batch.Settings(args.timeout, args.cell_timeout, args.exercise_timeout,
                              sandbox.Limits(memory_mb=args.memory, processes=args.processes, disk_mb=args.disk),
                              args.notebook, sandbox=not args.no_sandbox)
    journal = reports.journal_path(out)
    if not args.resume and (os.path.exists(out) or os.path.exists(journal)):
        print(f"note: replacing the reports of an earlier run at {args.out} (--resume would continue it instead)",
              file=sys.stderr)
    try:
        results, submissions = batch.grade(args.submissions, settings, jobs=args.jobs,
                                           progress=not args.no_progress, journal=journal, resume=args.resume,
                                           shard=shard)
    except sandbox.SandboxUnavailable as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"\ninterrupted: kernels killed; finished submissions are in {journal} (--resume continues)",
              file=sys.stderr)
        return 130
    if not submissions and not shard:   # a shard of a small class may hold none: its reports are empty
        print(f"error: no submissions found in {', '.join(args.submissions)} (expected notebooks, flat or in "
              "nbgrader's submitted/STUDENT/ASSIGNMENT/ layout)", file=sys.stderr)
        return 2
    restored = batch.restore_submissions(submissions)
    finished = reports.read_journal(journal)[1]
    results = [finished.get(s.id, r) for s, r in zip(submissions, results)]
    written = reports.write_reports(results, out, settings.to_dict(), args.json)
    if restored:
        print(f"warning: {len(restored)} submission file(s) changed or vanished while grading and were written "
              f"back from the copies read at the start: {', '.join(restored)}", file=sys.stderr)
    print(reports.summary(results, time.monotonic() - start), file=sys.stderr)
    print(f"wrote {', '.join(map(str, written + [journal]))}", file=sys.stderr)
    return 0
