"""Killing the grader (SIGKILL, as a submission or an operator might): every sandbox dies with it,
the journal keeps what finished, and --resume completes the run without grading anything twice.
The grader that is killed is a process of its own; the one that resumes runs in this process."""
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import time
from contextlib import redirect_stderr
from pathlib import Path

import nbformat
import pytest

from bpcourse import build as course
from bpcourse.exercises import EXERCISES
from bpcourse.grade import cli, sandbox

ROOT = Path(__file__).resolve().parent.parent
STEM = "05_four_equations"


def _notebook(*extra):
    solution = nbformat.read(ROOT / "solutions" / f"{STEM}.ipynb", as_version=4)
    course.prepare_solution(solution, STEM)
    nb = nbformat.v4.new_notebook(metadata={"bp_course": {"notebook": STEM}})
    nb.cells = [nbformat.v4.new_code_cell("import numpy as np\nfrom bplib.activations import sigmoid_prime")]
    nb.cells += [nbformat.v4.new_code_cell(c.source) for c in solution.cells
                 if c.metadata.get("nbgrader", {}).get("solution")]
    nb.cells += [nbformat.v4.new_code_cell(source) for source in extra]
    return nb


def _table():
    """{pid: (parent pid, command line)} of every process."""
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    parent = int(f.read().rsplit(b")", 1)[1].split()[1])
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    table[int(entry)] = (parent, f.read())
            except (OSError, ValueError, IndexError):
                pass
    return table


def _descendants(pid):
    table, found, frontier = _table(), set(), {pid}
    while frontier:
        frontier = {child for child, (parent, _) in table.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:
        return False


def _wait_for(condition, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_a_killed_grader_takes_its_sandboxes_with_it_and_resume_finishes_the_run(tmp_path):
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed (.ci/run installs it)")
    folder = tmp_path / "class"
    folder.mkdir()
    nbformat.write(_notebook(), folder / "a-05_four_equations.ipynb")
    nbformat.write(_notebook("import time\ntime.sleep(600)"), folder / "b-05_four_equations.ipynb")
    out = tmp_path / "grades.csv"
    journal = out.with_suffix(".journal")
    # The time cap stops b's sleep; a's cells (the import of numpy and bplib the longest) fit in it.
    options = [str(folder), "--out", str(out), "--jobs", "1", "--no-progress", "--timeout", "3",
               "--exercise-timeout", "5"]
    grader = subprocess.Popen([sys.executable, "-m", "bpcourse", "grade", *options], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert _wait_for(lambda: journal.exists() and len(journal.read_text().splitlines()) == 2, 120)
        # b's sandbox: bwrap, its init and the kernel, asleep in the cell.
        assert _wait_for(lambda: len(_descendants(grader.pid)) >= 3, 60)
        time.sleep(0.5)
        sandboxed = _descendants(grader.pid)
        bases = sandbox.cgroup_bases()
        left = [os.path.join(b, e) for b in bases.values() for e in os.listdir(b) if e.startswith(f"bp-grade-{grader.pid}-")]
    finally:
        grader.kill()
        grader.wait()
    assert _wait_for(lambda: not any(_alive(pid) for pid in sandboxed), 10), "a sandbox outlived its grader"
    assert not out.exists()                            # no report from a run that did not finish
    first = json.loads(journal.read_text().splitlines()[1])
    assert Path(first["submission"]).name == "a-05_four_equations.ipynb" and sum(first["points"].values()) == 7
    if bases:
        assert left and all(os.path.exists(path) for path in left)   # its cgroups: empty, left behind

    stderr = io.StringIO()
    with redirect_stderr(stderr):
        code = cli.main(options + ["--resume", "--json"])
    assert code == 0, stderr.getvalue()[-2000:]
    assert "graded 2 submission(s)" in stderr.getvalue()
    with open(out, newline="") as f:
        rows = {Path(row["submission"]).name: row for row in csv.DictReader(f)}
    report = {Path(s["submission"]).name: s for s in json.loads(out.with_suffix(".json").read_text())["submissions"]}
    full = str(sum(e.points for e in EXERCISES if e.notebook == STEM))
    assert rows["a-05_four_equations.ipynb"]["total"] == rows["b-05_four_equations.ipynb"]["total"] == full
    assert report["a-05_four_equations.ipynb"]["seconds"] == first["seconds"]   # from the journal, not regraded
    assert "interrupted" in rows["b-05_four_equations.ipynb"]["detail"]
    assert not any(os.path.exists(path) for path in left)   # the next run removed the dead grader's cgroups
    assert len(journal.read_text().splitlines()) == 3
