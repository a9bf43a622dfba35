"""The grader (bpcourse.grade) on a class of honest, broken and hostile submissions.

One module-scoped batch, graded once through the command line with --jobs 3 in bubblewrap
sandboxes, holds every attack (the heaviest first); the two submissions that mostly wait out their
timeouts (the sleeper and the stubborn cell) are each graded at the same time in a batch of their
own, with timeouts as short as what they prove allows, so that the big batch's timeouts need not
be waited out. The tests then assert each row, and that the others' rows, the reports and the
grader's machine are untouched. A second, small batch runs
--no-sandbox: the same spy notebook that finds nothing in the sandbox finds the answer key there,
which shows the probes work. Submissions are built from the real solutions/05_four_equations.ipynb
(perfect) or are small notebooks with its four exercise functions (the others: faster); where
two cases do not meet, one submission holds both (the renamed notebook ends with the fork bomb,
the second submission of a student is the killer), which saves a kernel each.

Attacks: monkeypatching check, numpy and bplib.checks; forged replies (30 MB of them: the grader
parses nothing that large); pasting the public outputs (the learner feedback data); calling
bplib's own answers; reading the answer key, solutions/,
other submissions, the reports, the grader's environment and processes; the network; writing into
the Python environment; raising rlimits; killing the grader, every pid, the sandbox's init;
detached processes and threads that outlive their cell; fork bombs; memory in many processes;
filling the disk; megabytes of output; sleeping only under the grader; ignoring SIGINT; functions
that hang and ignore SIGALRM; kernels that crash; odd output types (an ndarray subclass whose
__eq__ is always true, NaN); functions right only on their first call;
a trace function in the collector's frames; INVOKERS and decode patched; a kernel that fails to
start; 10,000 cells; a JSON bomb; links to solutions/ in the submission tree; CSV formula
injection in student names; duplicate students; metadata naming another notebook.
"""
import csv
import io
import json
import os
import runpy
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import nbformat
import pytest

from bpcourse import build as course
from bpcourse.exercises import EXERCISES, get
from bpcourse.grade import batch, cli, sandbox

ROOT = Path(__file__).resolve().parent.parent
STEM = "05_four_equations"
SECOND = "02_forward_pass"
IDS = [e.id for e in EXERCISES if e.notebook == STEM]
POINTS = {e.id: e.points for e in EXERCISES if e.notebook == STEM}
FULL = sum(POINTS.values())
# The perfect notebook's cells (matplotlib's import the longest) must fit in CELL_TIMEOUT and TIMEOUT
# on a loaded machine.
CELL_TIMEOUT, TIMEOUT, EXERCISE_TIMEOUT = 8, 16, 1.5   # 5 s timed out perfect's imports at load 9
# The sleeper's batch: its first sleep costs SLEEPER_CELL_TIMEOUT, its second the rest of
# SLEEPER_TIMEOUT (at most SLEEPER_CELL_TIMEOUT: the time cap, not the cell timeout, stops it); its
# imports (0.3 s of CPU) must fit in SLEEPER_CELL_TIMEOUT.
SLEEPER_CELL_TIMEOUT, SLEEPER_TIMEOUT = 4, 8
# The stubborn cell's batch: the cell costs STUBBORN_CELL_TIMEOUT + INTERRUPT_GRACE, and the rerun
# without it must fit in what that leaves of STUBBORN_TIMEOUT (6.5 s, as in the big batch's 16).
STUBBORN_CELL_TIMEOUT, STUBBORN_TIMEOUT = 4, 12
INTERRUPT_GRACE = 1.5   # for a cell to stop after SIGINT (an interrupted sleep stops at once)
MEMORY, PROCESSES, DISK = 512, 96, 32   # MB: the perfect kernel peaks under 100 (its address space at 430)
TOKEN = secrets.token_hex(6)          # marks this run's daemon processes and canary
KILLER_SUBMISSION = "carol/ps05-late/05_four_equations.ipynb"   # kills every pid: Carol's second submission
CANARY = f"canary-{TOKEN}"

# --- building submissions -----------------------------------------------------------------------------------------

def _solution(stem):
    nb = nbformat.read(ROOT / "solutions" / f"{stem}.ipynb", as_version=4)
    course.prepare_solution(nb, stem)
    return nb


SOLUTION = _solution(STEM)


def _sources(solution):
    return {c.metadata["nbgrader"]["grade_id"]: c.source for c in solution.cells
            if c.metadata.get("nbgrader", {}).get("solution")}


SOURCES = {**_sources(SOLUTION), **_sources(_solution(SECOND))}
STUBS = {c.metadata["nbgrader"]["grade_id"]: c.source for c in course.make_student(SOLUTION, STEM).cells
         if c.metadata.get("nbgrader", {}).get("solution")}


def perfect():
    """The real learner notebook with the solutions written in."""
    nb = course.make_student(SOLUTION, STEM)
    for cell in nb.cells:
        grading = cell.metadata.get("nbgrader", {})
        if grading.get("solution"):
            cell.source = SOURCES[grading["grade_id"]]
    return nb


def small(*extra, functions=None, after=(), checks=True, stem=STEM):
    """A small submission of ``stem``: imports, the exercise functions (``functions`` replaces some
    by id), their check cells, then the cells in ``extra``; ``after`` comes after everything."""
    nb = nbformat.v4.new_notebook(metadata={"bp_course": {"notebook": stem}})
    nb.cells.append(nbformat.v4.new_code_cell(
        "import numpy as np\nimport bplib\nfrom bplib import activations\n"
        "from bplib.activations import sigmoid, sigmoid_prime\nfrom bplib.checks import check"))
    for source in extra:
        nb.cells.append(nbformat.v4.new_code_cell(source))
    for exercise in [e for e in EXERCISES if e.notebook == stem]:
        source = (functions or {}).get(exercise.id, SOURCES[exercise.id])
        nb.cells.append(nbformat.v4.new_code_cell(source))
        if checks:
            nb.cells.append(nbformat.v4.new_code_cell(f'check("{exercise.id}", {exercise.function})'))
    for source in after:
        nb.cells.append(nbformat.v4.new_code_cell(source))
    return nb


def raising(exercise_id, expression):
    """An exercise function that raises RuntimeError(expression): a channel for what a probe found."""
    function = get(exercise_id).function
    arguments = ", ".join(get(exercise_id).parameters)
    return f"def {function}({arguments}):\n    raise RuntimeError({expression})\n"


SPY = """import os, socket, resource, sys
found = []
def probe(label, attempt):
    try:
        if attempt() is not False:
            found.append(label)
    except BaseException:
        pass
probe("import bpcourse", lambda: __import__("bpcourse"))
probe("read solutions", lambda: open({solution!r}).read())
probe("read answer key", lambda: open({key!r}).read())
probe("listed submissions", lambda: os.listdir({submissions!r}))
probe("read reports folder", lambda: os.listdir({reports!r}))
probe("saw the grader", lambda: os.path.exists("/proc/{grader}/status") or False)
probe("read the grader's command line", lambda: open("/proc/{grader}/cmdline").read() or False)
probe("init environment", lambda: {canary!r} in open("/proc/1/environ").read() or False)
probe("kernel environment", lambda: {canary!r} in str(os.environ) or False)
probe("saw other processes", lambda: len([p for p in os.listdir("/proc") if p.isdigit()]) > 20 or False)
probe("network", lambda: socket.create_connection(("127.0.0.1", {port}), timeout=1).close())
probe("read /etc/shadow", lambda: open("/etc/shadow").read())
import ctypes, platform   # the user's kernel keyring: shared by every process of one user
keyctl = {{"x86_64": 250, "aarch64": 219}}.get(platform.machine())
probe("used the kernel keyring", lambda: keyctl and ctypes.CDLL(None).syscall(keyctl, 0, -4, 0) >= 0 or False)
probe("linked to solutions", lambda: (os.symlink({solution!r}, "link.ipynb"), open("link.ipynb").read()))
"""

# Only in the sandbox: outside it, as root, these would succeed for real.
SPY_WRITES = """probe("wrote the venv", lambda: open(os.path.join(sys.prefix, "bp-spy.txt"), "w").write("x"))
probe("wrote bplib", lambda: open(os.path.join(os.path.dirname(bplib.__file__), "spy.py"), "w").write("x"))
probe("wrote /usr", lambda: open("/usr/bp-spy.txt", "w").write("x"))
probe("raised a hard limit", lambda: resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY,) * 2))
"""

KILLER = """import os, signal
for pid in range(1, 70000):
    if pid != os.getpid():
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
os.kill(os.getppid(), signal.SIGKILL)
os.kill(-1, signal.SIGKILL)
os.kill(os.getpid(), signal.SIGKILL)
"""

DAEMON = """import os, subprocess, sys, threading, time
targets = {targets!r}
code = '''# {marker}
import os, sys, time
targets = sys.argv[1:]
for _ in range(1200):
    for path in targets:
        try:
            open(path, "w").write("vandalised by a daemon")
        except OSError:
            pass
    time.sleep(0.05)
'''
subprocess.Popen([sys.executable, "-c", code, *targets], start_new_session=True,
                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
def spin():
    while True:
        for path in targets:
            try:
                open(path, "w").write("vandalised by a thread")
            except OSError:
                pass
        time.sleep(0.05)
threading.Thread(target=spin, daemon=True).start()
"""

# Four processes of 200 MB each (every page written), held for a second: together past --memory.
HOG = """import os, time
children = []
for _ in range(4):
    pid = os.fork()
    if pid == 0:
        x = bytearray(200 * 2**20)
        time.sleep(1)
        os._exit(0)
    children.append(pid)
for pid in children:
    os.waitpid(pid, 0)
"""

# The bomb forks from a small process (a fresh interpreter: quick to copy) up to the process
# limit; the cell waits until its own fork is refused too, so that the exercises are collected
# with every process slot taken.
FORK_BOMB = """import os, sys, time
BOMB = '''import os, time
for _ in range(10_000):
    try:
        os.fork()
    except OSError:   # the process limit: every copy waits, costing no CPU
        time.sleep(1000)
'''
if os.fork() == 0:
    try:
        os.setsid()
        os.execv(sys.executable, [sys.executable, "-S", "-c", BOMB])
    finally:
        os._exit(0)
deadline = time.monotonic() + 3
while time.monotonic() < deadline:
    time.sleep(0.05)
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
"""

FILLER = """written = {}
for folder in (".", "/tmp", "/dev/shm"):
    total = 0
    try:
        with open(os.path.join(folder, "fill.bin"), "wb") as f:
            for _ in range(200):
                f.write(b"x" * 2**20)
                f.flush()
                total += 1
    except OSError as error:
        written[folder] = (total, error.errno)
"""

SLEEP = """import os, time
if os.getpid() < 10 or "student" in os.environ.get("HOME", ""):   # "under the grader"
    time.sleep(1000)
"""


def build_batch(base, port):
    """Write every submission under ``base`` (the sleeper and the stubborn cell in folders of their
    own); return the folders, {name: path} and the originals' bytes."""
    flat = base / "flat"
    submitted = base / "submitted"
    reports_dir = base / "reports"
    for folder in (flat, reports_dir):
        folder.mkdir()
    batch = {}

    def add(name, nb_or_bytes, folder=flat):
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(nb_or_bytes, bytes):
            path.write_bytes(nb_or_bytes)
        else:
            nbformat.write(nb_or_bytes, path)
        batch[name] = path

    # Honest work: the real notebook, and small ones.
    add("perfect.ipynb", perfect())
    add("partial.ipynb", small(functions={
        "output-error": "def output_error(a_out, y, z_out):\n    return a_out - y\n",
        "hidden-error": "def hidden_error(delta_next, w_next, z):\n    raise ValueError('shapes do not align')\n",
        "weight-gradient": STUBS["weight-gradient"]}))
    nb = small(checks=False)
    del nb.metadata["bp_course"]
    nb.cells = nb.cells[:1] + nb.cells[1:][::-1]
    nb.cells.append(nbformat.v4.new_code_cell(FORK_BOMB))   # honest, but ends with a fork bomb
    add("alice.ipynb", nb)
    add(f"bob-{SECOND}.ipynb", small(stem=SECOND, after=["del forward_pass\n"]))   # defined, then deleted

    # Tampering with what judges: none of it earns points for a wrong function.
    zeros = {i: f"def {get(i).function}(*args, **kwargs):\n    return np.zeros(3)\n" for i in IDS}
    add("patcher.ipynb", small(
        "import sys, types, numpy, bplib.checks\n"
        "check = lambda *a, **k: print('Correct')\n"
        "numpy.allclose = numpy.isclose = numpy.array_equal = lambda *a, **k: True\n"
        "bplib.checks.compare = bplib.checks.judge_output = lambda *a, **k: None\n"
        "bplib.checks.INVOKERS['call'] = lambda function, case: function(**case)\n"
        "sys.modules['bpcourse'] = types.ModuleType('bpcourse')\n",
        functions={i: zeros[i] for i in IDS if i != "bias-gradient"}))
    add("faker.ipynb", small(functions=zeros, after=[
        "import bplib._encoding, numpy\n"
        "bplib._encoding._decode_nested_floats = lambda data: numpy.zeros(numpy.shape(data)).tolist()\n"
        "import sys\ndef tracer(frame, event, arg):\n"
        "    if frame.f_code.co_name == 'run_quietly':\n        raise SystemExit('traced')\n    return tracer\n"
        "sys.settrace(tracer)\n",
        "import json\n"
        "fake = json.dumps({'id': 'output-error', 'state': 'ran', 'function': 'output_error', 'cases': []})\n"
        "fake = fake[:-2] + '[],' * 10_000_000 + '[]]}'   # 30 MB: 10 million lists, were it parsed\n"
        "json.dumps = lambda *a, **k: fake\n"
        "__bp_grade_result__ = fake\n"]))
    add("paster.ipynb", small(functions={
        "output-error": "import bplib.checks as feedback\nfrom bplib._encoding import decode\n"
                        "KNOWN = [(decode(c['inputs']), decode(c['expected']))\n"
                        "         for c in feedback.load('output-error')['cases']]\n"
                        "def output_error(a_out, y, z_out):\n"
                        "    for inputs, expected in KNOWN:\n"
                        "        if inputs['a_out'].shape == a_out.shape and np.allclose(inputs['a_out'], a_out):\n"
                        "            return expected\n"
                        "    return np.zeros_like(a_out)\n",
        "hidden-error": "from bplib import equations\n"
                        "def hidden_error(delta_next, w_next, z):\n"
                        "    return equations.hidden_error(delta_next, w_next, sigmoid_prime(z))\n",
        "bias-gradient": "import bplib.equations\nbias_gradient = bplib.equations.bias_gradient\n",
        "weight-gradient": "calls = []\nclass Always(np.ndarray):\n    def __eq__(self, other):\n        return True\n"
                           "def weight_gradient(delta, a_prev):   # right on its first call only, then NaN\n"
                           "    calls.append(1)\n    if len(calls) == 1:\n        return delta.T @ a_prev / len(delta)\n"
                           "    return np.full((delta.shape[1], a_prev.shape[1]), np.nan).view(Always)\n"}))

    # Reading, writing and killing outside the sandbox; processes, memory, disk, output.
    spy = SPY.format(solution=str(ROOT / "solutions" / f"{STEM}.ipynb"),
                     key=str(ROOT / "bpcourse" / "exercises" / "__init__.py"), submissions=str(flat),
                     reports=str(reports_dir), grader=os.getpid(), canary=CANARY, port=port)
    add("spy.ipynb", small(spy + SPY_WRITES, FILLER, functions={"bias-gradient": raising(
        "bias-gradient", "'FOUND:' + '|'.join(found) + ' WROTE:' + repr(written)")}))
    targets = [str(reports_dir / "grades.csv"), str(reports_dir / "grades.journal"), str(flat / "perfect.ipynb")]
    # The killer is Carol's late submission (below), in nbgrader's layout.
    killer = small(after=[DAEMON.format(targets=targets, marker=f"BP-DAEMON-{TOKEN}"),
                          "for _ in range(100):\n    print('x' * 100_000)\n", "huge = np.ones((200_000, 200_000))\n",
                          KILLER])
    add("hog.ipynb", small("import os\nos._exit(3)\n", after=[HOG]))

    # Time: a cell interrupted, the run going on to the next, interrupted by the time cap, the
    # rest not run; a function that hangs; a cell that ignores the interrupt; a kernel that fails
    # to start once.
    add("sleeper.ipynb", small(functions={"bias-gradient": (
        "import signal, time\ndef bias_gradient(delta):\n    signal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
        "    time.sleep(1000)\n")}, checks=False, after=[SLEEP, SLEEP, "late = 1\n"]), base / "sleeper")
    nb = small()   # the stubborn cell first: its rerun must fit in what it leaves of the time cap
    nb.cells.insert(0, nbformat.v4.new_code_cell("import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                                                 "time.sleep(1000)\n"))
    add("stubborn.ipynb", nb, base / "stubborn")
    nb = small()
    nb.metadata["bp_course"] = {"notebook": SECOND}
    add("flaky.ipynb", nb)

    # Files that are not course notebooks.
    add("invalid.ipynb", b'{"cells": [ this is not JSON')
    add("not-a-notebook.ipynb", json.dumps({"hello": "world"}).encode())
    # Written as JSON: nbformat validates every cell it makes (10,000 times: seconds of CPU).
    many, cell = nbformat.v4.new_notebook(), nbformat.v4.new_code_cell("x = 1")
    many.cells = [dict(cell, id=f"cell-{i}") for i in range(10_000)]
    add("many-cells.ipynb", json.dumps(many).encode())
    add("json-bomb.ipynb", b'{"cells": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")

    # nbgrader's layout: a student with a formula for a name, one submitting twice, a link to the solutions.
    add("=HYPERLINK(evil)/ps05/05_four_equations.ipynb", b"not a notebook", submitted)
    add("carol/ps05/05_four_equations.ipynb", b"not a notebook either", submitted)
    # Carol's late submission is the killer: its points are full, so it is the one that counts.
    add(KILLER_SUBMISSION, killer, submitted)
    (submitted / "mallory" / "ps05").mkdir(parents=True)
    os.symlink(ROOT / "solutions" / f"{STEM}.ipynb", submitted / "mallory" / "ps05" / "05_four_equations.ipynb")
    originals = {name: path.read_bytes() for name, path in batch.items()}
    return flat, submitted, reports_dir, batch, originals


def _host_processes_with(marker):
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    if marker.encode() in f.read():
                        found.append(int(entry))
            except OSError:
                pass
    return found


def _children():
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    if int(f.read().rsplit(b")", 1)[1].split()[1]) == os.getpid():
                        found.append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    return found


def _memory_mb(field):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":")) / 1024


def _sandbox_leftovers():
    """Child processes and bp-grade cgroups of this process that still exist."""
    processes = _children()
    cgroups = [os.path.join(base, entry) for base in sandbox.cgroup_bases().values() for entry in os.listdir(base)
               if entry.startswith(f"bp-grade-{os.getpid()}-")]
    return processes, cgroups


@pytest.fixture(scope="module")
def graded(tmp_path_factory, monkeypatch_module):
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed (.ci/run installs it)")
    base = tmp_path_factory.mktemp("grading")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    flat, submitted, reports_dir, batch_files, originals = build_batch(base, listener.getsockname()[1])
    out = reports_dir / "grades.csv"
    out.write_text("stale grades from an earlier run\n")
    monkeypatch_module.setenv("BP_GRADE_CANARY", CANARY)
    # A kernel that fails to start once, and is tried again.
    real_start = sandbox.Kernel.start
    failed = []

    def flaky_start(kernel, timeout):
        if kernel.launcher.name == "flaky.ipynb" and not failed:
            failed.append(kernel)
            raise sandbox.KernelStartError("injected: the first start of flaky.ipynb fails")
        return real_start(kernel, timeout)

    limits = ["--exercise-timeout", str(EXERCISE_TIMEOUT), "--memory", str(MEMORY), "--processes", str(PROCESSES),
              "--disk", str(DISK)]
    # {name: (its batch's CSV, --cell-timeout, --timeout)}: each graded in a thread, beside the big batch
    alone = {"sleeper.ipynb": (reports_dir / "sleeper.csv", SLEEPER_CELL_TIMEOUT, SLEEPER_TIMEOUT),
             "stubborn.ipynb": (reports_dir / "stubborn.csv", STUBBORN_CELL_TIMEOUT, STUBBORN_TIMEOUT)}
    codes = {}

    def grade_alone(name):
        csv_path, cell_timeout, timeout = alone[name]
        try:
            codes[name] = cli.main([str(batch_files[name]), "--out", str(csv_path), "--json", "--no-progress",
                                    "--timeout", str(timeout), "--cell-timeout", str(cell_timeout), *limits])
        except BaseException as error:   # said by the first test, not lost in the thread
            codes[name] = repr(error)

    stderr = io.StringIO()
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")   # VmHWM, the peak of this process's memory, starts again from here
    memory_before = _memory_mb("VmRSS")
    with redirect_stderr(stderr), pytest.MonkeyPatch.context() as patch:
        patch.setattr(sandbox.Kernel, "start", flaky_start)
        patch.setattr(batch, "INTERRUPT_GRACE", INTERRUPT_GRACE)   # before the stubborn cell's kernel is killed
        threads = [threading.Thread(target=grade_alone, args=(name,)) for name in alone]
        for thread in threads:
            thread.start()
        first = [str(flat / name) for name in ("perfect.ipynb", "hog.ipynb", "faker.ipynb")]
        # submitted/ before flat/: the killer, in it, is among the first graded too
        code = cli.main([*first, str(submitted), str(flat), "--out", str(out), "--json", "--jobs", "3",
                         "--timeout", str(TIMEOUT), "--cell-timeout", str(CELL_TIMEOUT), *limits])
        for thread in threads:
            thread.join()
    grader_memory = _memory_mb("VmHWM") - memory_before
    listener.close()
    with open(out.with_suffix(".students.csv"), newline="") as f:
        students = {row["student"]: row for row in csv.DictReader(f)}

    def key(submission):
        path = Path(submission)
        return str(path.relative_to(submitted)) if path.is_relative_to(submitted) else path.name

    rows, report = {}, {}   # {batch's CSV: its rows}, every batch's JSON reports
    for csv_path in [out] + [path for path, _, _ in alone.values()]:
        with open(csv_path, newline="") as f:
            rows[csv_path] = {key(r["submission"]): r for r in csv.DictReader(f)}
        with open(csv_path.with_suffix(".json")) as f:
            report.update({key(s["submission"]): s for s in json.load(f)["submissions"]})
    return dict(base=base, flat=flat, submitted=submitted, out=out, code=code, alone_codes=codes,
                stderr=stderr.getvalue(), rows={k: r for batch_rows in rows.values() for k, r in batch_rows.items()},
                main_rows=rows[out], students=students, report=report, batch=batch_files,
                originals=originals, leftovers=_sandbox_leftovers(), failed_starts=failed,
                grader_memory_mb=grader_memory)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def points(row, ids=IDS):
    return {i: int(row[i]) for i in ids}


def feedback(graded, name, exercise_id):
    return graded["report"][name]["exercises"][exercise_id]




# --- the batch as a whole ---------------------------------------------------------------------------------------------

def test_every_submission_has_one_row_and_the_batch_finished(graded):
    assert graded["code"] == 0, graded["stderr"][-2000:]
    assert graded["alone_codes"] == {"sleeper.ipynb": 0, "stubborn.ipynb": 0}, graded["stderr"][-2000:]
    assert {name for name in graded["batch"] if "/" not in name} | {
        "mallory/ps05/05_four_equations.ipynb"} <= set(graded["rows"])
    assert len(graded["rows"]) == len(graded["batch"]) + 1
    with open(graded["out"], newline="") as f:
        header = next(csv.reader(f))
    assert header[:2] == ["submission", "student"] and header[-4:] == ["total", "max_total", "status", "detail"]
    assert header[header.index(IDS[0]):header.index(IDS[0]) + len(IDS)] == IDS
    assert {row["status"] for row in graded["rows"].values()} <= set(batch.reports.STATUSES)


def test_progress_summary_and_reports_written_from_the_journal(graded):
    n = len(graded["main_rows"])   # the big batch's (the other two have a row each, and no progress bar)
    assert f"{n}/{n}" in graded["stderr"] and f"graded {n} submission(s)" in graded["stderr"]
    journal = graded["out"].with_suffix(".journal").read_text().splitlines()
    assert json.loads(journal[0])["journal"] == 1
    assert {json.loads(line)["submission"] for line in journal[1:]} == {
        r["submission"] for r in graded["main_rows"].values()}
    assert not list(graded["out"].parent.glob(".grades.*.tmp"))


def test_no_process_or_cgroup_outlives_the_batch(graded):
    processes, cgroups = graded["leftovers"]
    assert processes == [] and cgroups == []
    assert _host_processes_with(f"BP-DAEMON-{TOKEN}") == []


def test_the_graders_own_memory_stays_small(graded):
    # What the kernels send is read by the grader's process: faker's forged messages (four frames
    # of 30 MB of [] each, signed with the session key the notebook holds) took it 1.5 GB parsed.
    assert graded["grader_memory_mb"] < 400, graded["grader_memory_mb"]


def test_the_sandbox_and_its_measures_are_in_the_json(graded):
    for name in ("perfect.ipynb", "spy.ipynb"):
        report = graded["report"][name]
        assert report["sandboxed"] is True and "unsandboxed" not in report["detail"]
        assert 0 < report["peak_memory_mb"] <= MEMORY and report["cpu_seconds"] > 0


# --- honest work ------------------------------------------------------------------------------------------------------

def test_perfect_notebook_earns_full_points_on_public_and_hidden_cases(graded):
    row = graded["rows"]["perfect.ipynb"]
    assert row["status"] == "ok", row["detail"]
    assert points(row) == POINTS and row["total"] == row["max_total"] == str(FULL)
    for exercise_id in IDS:
        hidden = len(get(exercise_id).hidden_cases())
        assert f"{hidden} hidden" in feedback(graded, "perfect.ipynb", exercise_id)["feedback"]
    assert graded["report"]["perfect.ipynb"]["review"] == []


def test_partial_notebook_earns_what_is_right_and_names_the_mistakes_and_the_stub(graded):
    row = graded["rows"]["partial.ipynb"]
    assert row["status"] == "ok"
    assert points(row) == {**dict.fromkeys(IDS, 0), "bias-gradient": POINTS["bias-gradient"]}
    assert "missing sigma'" in feedback(graded, "partial.ipynb", "output-error")["feedback"]
    assert "ValueError" in feedback(graded, "partial.ipynb", "hidden-error")["feedback"]
    assert feedback(graded, "partial.ipynb", "weight-gradient")["outcome"] == "not attempted"
    assert "raised ValueError: hidden-error" in row["detail"] and "not attempted: weight-gradient" in row["detail"]


def test_renamed_reordered_notebook_is_identified_by_its_functions(graded):
    row = graded["rows"]["alice.ipynb"]
    assert graded["report"]["alice.ipynb"]["notebook"] == STEM and points(row) == POINTS


def test_a_second_notebook_gets_its_own_columns_and_a_deleted_function_earns_nothing(graded):
    row = graded["rows"][f"bob-{SECOND}.ipynb"]
    second = {e.id: e.points for e in EXERCISES if e.notebook == SECOND}
    assert row["status"] == "ok" and points(row, second) == {**second, "forward-pass": 0}
    assert feedback(graded, f"bob-{SECOND}.ipynb", "forward-pass")["outcome"] == "not defined"
    assert all(row[i] == "" for i in IDS) and all(graded["rows"]["perfect.ipynb"][i] == "" for i in second)


# --- tampering with judgement -------------------------------------------------------------------------------------------

def test_monkeypatching_check_numpy_and_invokers_earns_nothing(graded):
    row = graded["rows"]["patcher.ipynb"]
    assert graded["report"]["patcher.ipynb"]["cell_errors"] == []   # every check "passed" in the kernel
    assert points(row) == {**dict.fromkeys(IDS, 0), "bias-gradient": POINTS["bias-gradient"]}
    flags = " ".join(graded["report"]["patcher.ipynb"]["review"])
    assert "changes a module: numpy.allclose" in flags and "touches sys.modules" in flags and "review:" in row["detail"]


def test_forged_replies_earn_nothing(graded):
    row = graded["rows"]["faker.ipynb"]
    assert points(row) == dict.fromkeys(IDS, 0) and "garbled" in row["detail"]
    assert "__bp_grade_result__" in " ".join(graded["report"]["faker.ipynb"]["review"])


def test_pasted_public_outputs_fail_the_hidden_cases(graded):
    exercise = feedback(graded, "paster.ipynb", "output-error")
    assert exercise["points"] == 0 and "hidden test case 3" in exercise["feedback"]
    assert any("reads the feedback's test data (bplib.checks.load)" in f
               for f in graded["report"]["paster.ipynb"]["review"])


def test_bplib_own_answer_scores_but_is_flagged_with_cell_and_line(graded):
    report = graded["report"]["paster.ipynb"]
    assert report["exercises"]["hidden-error"]["points"] == POINTS["hidden-error"]
    assert report["exercises"]["bias-gradient"]["points"] == POINTS["bias-gradient"]
    assert "cell 4 line 2: hidden_error uses bplib's own answer bplib.equations.hidden_error" in report["review"]
    assert "cell 6 line 2: binds bias_gradient to bplib's own answer bplib.equations.bias_gradient" in report["review"]


def test_odd_outputs_and_a_function_right_only_on_its_first_call_earn_nothing(graded):
    exercise = feedback(graded, "paster.ipynb", "weight-gradient")
    assert exercise["points"] == 0 and "NaN" in exercise["feedback"]


def test_a_trace_function_and_a_patched_decoder_earn_nothing(graded):
    report = graded["report"]["faker.ipynb"]
    flags = " ".join(report["review"])
    assert report["total"] == 0
    assert "sets a trace function (sys.settrace)" in flags and "bplib._encoding._decode_nested_floats" in flags


# --- the sandbox ------------------------------------------------------------------------------------------------------

def test_the_spy_finds_nothing_of_the_grader_or_the_machine(graded):
    message = feedback(graded, "spy.ipynb", "bias-gradient")["feedback"]
    assert message.split("FOUND:")[1].split(" WROTE:")[0] == ""
    assert points(graded["rows"]["spy.ipynb"]) == {**POINTS, "bias-gradient": 0}


def test_filling_the_disk_stops_at_the_tmpfs_size(graded):
    message = feedback(graded, "spy.ipynb", "bias-gradient")["feedback"]
    written = eval(message.split("WROTE:")[1].split("\n")[0])   # {folder: (MB written, errno)}
    assert set(written) == {".", "/tmp", "/dev/shm"} and all(errno == 28 for _, errno in written.values())
    assert written["."][0] + written["/tmp"][0] < DISK and written["/dev/shm"][0] < 20   # one tmpfs: . is in /tmp


def test_killing_every_pid_kills_only_its_own_kernel(graded):
    row = graded["rows"][KILLER_SUBMISSION]
    assert row["status"] == "error" and "killed the kernel (signal SIGKILL)" in row["detail"]
    assert points(row) == POINTS   # run again without that cell
    assert points(graded["rows"]["perfect.ipynb"]) == POINTS


def test_daemons_and_threads_die_with_the_sandbox_and_touch_nothing(graded):
    assert graded["batch"]["perfect.ipynb"].read_bytes() == graded["originals"]["perfect.ipynb"]
    assert "vandalised" not in graded["out"].read_text()
    assert "vandalised" not in graded["out"].with_suffix(".journal").read_text()
    assert "written back" not in graded["stderr"]


def test_megabytes_of_output_and_a_huge_array_are_bounded(graded):
    assert "MemoryError (memory limit" in graded["rows"][KILLER_SUBMISSION]["detail"]
    assert graded["out"].with_suffix(".json").stat().st_size < 500_000


def test_memory_is_capped_for_all_of_a_submissions_processes(graded):
    row, report = graded["rows"]["hog.ipynb"], graded["report"]["hog.ipynb"]
    assert report["peak_memory_mb"] <= MEMORY and "out of memory" in row["detail"]
    assert "killed the kernel (exit code 3)" in row["detail"] and row["status"] == "error"
    assert points(row) == POINTS


def test_a_fork_bomb_is_capped_and_grading_falls_back_to_the_kernel(graded):
    row = graded["rows"]["alice.ipynb"]
    assert points(row) == POINTS and row["status"] == "ok", row["detail"]


# --- time -------------------------------------------------------------------------------------------------------------

def test_cells_that_sleep_under_the_grader_are_interrupted_and_the_run_goes_on(graded):
    row, report = graded["rows"]["sleeper.ipynb"], graded["report"]["sleeper.ipynb"]
    assert row["status"] == "timeout" and report["kernels"] == 1
    cells = len(small(checks=False).cells)   # the sleeping cells come next
    assert [note for note in report["notes"] if "interrupted" in note] == [
        f"cell {cells + 1} interrupted (--cell-timeout {SLEEPER_CELL_TIMEOUT} s); the run went on in the same kernel",
        f"cell {cells + 2} interrupted (the time cap of {SLEEPER_TIMEOUT} s); the run went on in the same kernel"]
    assert points(row) == {**POINTS, "bias-gradient": 0}


def test_the_time_cap_stops_the_cells_but_grades_what_was_defined(graded):
    row, report = graded["rows"]["sleeper.ipynb"], graded["report"]["sleeper.ipynb"]
    assert f"interrupted (the time cap of {SLEEPER_TIMEOUT} s)" in row["detail"]
    assert f"time cap of {SLEEPER_TIMEOUT} s reached: 1 cell(s) not run" in row["detail"]
    assert report["seconds"] < SLEEPER_TIMEOUT + 30


def test_a_function_that_hangs_and_ignores_sigalrm_gets_zero_alone(graded):
    exercise = feedback(graded, "sleeper.ipynb", "bias-gradient")
    assert exercise["outcome"] == "timed out" and "timed out on public test case 1" in exercise["feedback"]
    assert "timed out: bias-gradient" in graded["rows"]["sleeper.ipynb"]["detail"]


def test_a_cell_that_ignores_the_interrupt_costs_a_restart_without_it(graded):
    row = graded["rows"]["stubborn.ipynb"]
    assert row["status"] == "timeout" and "ignored the interrupt" in row["detail"]
    assert points(row) == POINTS and graded["report"]["stubborn.ipynb"]["kernels"] == 2


def test_a_kernel_that_fails_to_start_is_tried_again(graded):
    row = graded["rows"]["flaky.ipynb"]
    assert graded["failed_starts"] and row["status"] == "ok"
    assert "kernel start 1 of 3 failed: injected" in row["detail"]


def test_metadata_naming_another_notebook_is_reported(graded):
    row = graded["rows"]["flaky.ipynb"]
    assert graded["report"]["flaky.ipynb"]["notebook"] == SECOND
    assert f"its functions are those of {STEM}" in row["detail"]


# --- files ------------------------------------------------------------------------------------------------------------

def test_files_that_are_not_course_notebooks_are_invalid_without_a_kernel(graded):
    for name, words in [("invalid.ipynb", "not valid JSON"), ("not-a-notebook.ipynb", "not a notebook"),
                        ("many-cells.ipynb", "10000 code cells"), ("json-bomb.ipynb", "nested too deeply")]:
        row = graded["rows"][name]
        assert row["status"] == "invalid notebook" and words in row["detail"] and row["total"] == "0"
        assert graded["report"][name]["kernels"] == 0


def test_a_link_in_the_submission_tree_is_not_followed(graded):
    row = graded["rows"]["mallory/ps05/05_four_equations.ipynb"]
    assert row["status"] == "error" and "symbolic link" in row["detail"] and row["total"] == "0"


def test_the_gradebook_has_a_row_per_student(graded):
    students = graded["students"]
    assert students["alice"]["05_four_equations"] == str(FULL)
    assert students["carol"]["05_four_equations"] == str(FULL)
    assert "2 submissions of 05_four_equations: the best counts" in students["carol"]["notes"]
    assert students["bob"][SECOND] == str(sum(e.points for e in EXERCISES if e.notebook == SECOND)
                                          - get("forward-pass").points)
    assert students["bob"]["05_four_equations"] == ""
    maxima = sum(e.points for e in EXERCISES if e.notebook in (STEM, SECOND))
    assert all(row["max_total"] == str(maxima) for row in students.values())


def test_formulas_in_names_are_not_formulas_in_the_csv(graded):
    text = graded["out"].read_text() + graded["out"].with_suffix(".students.csv").read_text()
    assert "'=HYPERLINK(evil)" in text
    for line in text.splitlines():
        for field in next(csv.reader([line])):
            assert not field.startswith(("=", "+", "@"))


# --- without the sandbox ----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def unsandboxed(tmp_path_factory, monkeypatch_module):
    base = tmp_path_factory.mktemp("unsandboxed")
    temporary = base / "tmp"
    temporary.mkdir()
    monkeypatch_module.setattr(tempfile, "tempdir", str(temporary))   # where its kernel's folder goes
    flat = base / "flat"
    flat.mkdir()
    spy = SPY.format(solution=str(ROOT / "solutions" / f"{STEM}.ipynb"),
                     key=str(ROOT / "bpcourse" / "exercises" / "__init__.py"), submissions=str(flat),
                     reports=str(base), grader=os.getpid(), canary=CANARY, port=1)
    nbformat.write(small(spy, functions={"bias-gradient": raising("bias-gradient", "'FOUND:' + '|'.join(found)")}),
                   flat / "spy.ipynb")
    out = base / "grades.csv"
    stderr = io.StringIO()
    with redirect_stderr(stderr):
        code = cli.main([str(flat), "--out", str(out), "--json", "--no-sandbox", "--jobs", "1",
                         "--exercise-timeout", str(EXERCISE_TIMEOUT), "--no-progress"])
    with open(out.with_suffix(".json")) as f:
        return code, json.load(f)["submissions"][0], list(temporary.iterdir()), _children()


def test_unsandboxed_runs_are_recorded_and_the_spy_then_finds_the_answer_key(unsandboxed):
    code, report, left_in_tmp, children = unsandboxed
    assert code == 0 and report["sandboxed"] is False and "unsandboxed" in report["detail"]
    assert left_in_tmp == [] and children == []
    found = report["exercises"]["bias-gradient"]["feedback"].split("FOUND:")[1].split("\n")[0].split("|")
    assert {"read solutions", "read answer key", "listed submissions", "saw the grader",
            "used the kernel keyring"} <= set(found)
    assert report["exercises"]["output-error"]["points"] == POINTS["output-error"]


def test_without_bubblewrap_the_grader_refuses_and_says_how_to_install_it(tmp_path, monkeypatch):
    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None if name == "bwrap" else real_which(name, *a, **k))
    stderr = io.StringIO()
    with redirect_stderr(stderr):
        code = cli.main([str(tmp_path), "--out", str(tmp_path / "g.csv")])
    assert code == 2
    assert "apt-get install bubblewrap" in stderr.getvalue() and "--no-sandbox" in stderr.getvalue()
    assert not (tmp_path / "g.csv").exists()


def test_help_lists_the_options_and_bplib_grade_is_an_alias(monkeypatch):
    # The alias in a fresh interpreter (it imports the whole grader); ``python -m bpcourse`` in this
    # one, the way -m runs it. The same width for both: argparse wraps to the terminal.
    monkeypatch.setenv("COLUMNS", "100")
    alias = subprocess.run([sys.executable, "-m", "bplib.grade", "--help"], capture_output=True, text=True,
                           timeout=60, cwd=ROOT)
    monkeypatch.setattr(sys, "argv", ["bpcourse", "grade", "--help"])
    # Other tests import bpcourse.__main__; -m runs it afresh (runpy warns when it finds it imported).
    monkeypatch.delitem(sys.modules, "bpcourse.__main__", raising=False)
    stdout = io.StringIO()
    with redirect_stdout(stdout), pytest.raises(SystemExit) as ended:
        runpy.run_module("bpcourse", run_name="__main__", alter_sys=True)
    text = stdout.getvalue()
    assert ended.value.code == alias.returncode == 0 and alias.stdout == text
    for option in ("--out", "--json", "--jobs", "--timeout", "--cell-timeout", "--exercise-timeout", "--memory",
                   "--processes", "--disk", "--notebook", "--no-sandbox", "--resume", "--shard", "--merge"):
        assert option in text
