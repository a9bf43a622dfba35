"""Grading: one submission in its kernel, and a batch of them in parallel.

One submission: its notebook's code cells run top to bottom in a fresh kernel
(in its sandbox). Time is fair: a cell still running after ``--cell-timeout`` is
interrupted (KeyboardInterrupt) and the run goes on in the same kernel with the
next cell; the cells of a submission may run ``--timeout`` seconds in all (the
time cap: kernel starts do not count), after which the cell running is
interrupted and the rest are not run. Only a cell that ignores the interrupt,
kills its kernel or garbles its replies costs a restart: the kernel is killed
and the notebook run again without that cell (at most MAX_RUNS runs, within the
same time cap; none once it is used up). Then, for each exercise, the kernel
calls the learner's function on the public and hidden cases (``inside.py``:
each exercise in a forked child with ``--exercise-timeout``; a function that
hangs gets 0 for that exercise alone, with the reason in ``detail``), and the
grader judges the outputs in its own process (``judging``).

A batch: submissions are read into memory, then graded ``--jobs`` at a time;
each finished one is appended to the journal, from which the reports are
written. Nothing a submission does can stop the batch: a grader failure on one
submission becomes its row's status ``error``, and a kernel that fails to start
is tried again (START_ATTEMPTS times).
"""
import dataclasses
import re
import shutil
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bplib._encoding import encode as encode_case

from ..exercises import EXERCISES
from . import judging, reports, review, sandbox, wire
from .reports import Result
from .submissions import InvalidNotebook, SubmissionChanged, identify, mismatch, parse, read_submissions

DEFAULT_TIMEOUT = 600.0          # seconds for all the cells of one submission
DEFAULT_CELL_TIMEOUT = 120.0     # seconds for one cell
DEFAULT_EXERCISE_TIMEOUT = 20.0  # seconds for one exercise's test cases
MAX_RUNS = 3                     # kernels for one submission's cells (each without the cells that broke one)
START_ATTEMPTS = 3               # tries to start one kernel
STARTUP_TIMEOUT = 60.0
INTERRUPT_GRACE = 5.0            # for a cell to stop after SIGINT before its kernel is killed
GRACE = 5.0                      # beyond --exercise-timeout before the kernel is interrupted
MAX_REPLY_BYTES = 64 * 2**20     # larger kernel messages are refused unread (the kernel is then "garbled")
MAX_TEXT = 300
MAX_CELL_ERRORS = 50
MAX_NOTES = 20
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass
class Settings:
    timeout: float = DEFAULT_TIMEOUT
    cell_timeout: float = DEFAULT_CELL_TIMEOUT
    exercise_timeout: float = DEFAULT_EXERCISE_TIMEOUT
    limits: sandbox.Limits = field(default_factory=sandbox.Limits)
    notebook: str = None
    sandbox: bool = True
    cgroups: bool = True
    stop: threading.Event = field(default_factory=threading.Event)   # set: start no more kernels

    def to_dict(self):
        return {"timeout": self.timeout, "cell_timeout": self.cell_timeout, "exercise_timeout": self.exercise_timeout,
                "limits": asdict(self.limits), "notebook": self.notebook, "sandbox": self.sandbox}


class Environment:
    """What every submission of a batch shares: the sandbox's mounts and cgroups, the test cases."""

    def __init__(self, settings):
        self.settings = settings
        self.bwrap = self.bases = None
        self.hidden = [str(sandbox.ROOT / "bpcourse"), str(sandbox.ROOT / "solutions"),
                       str(Path(__file__).resolve().parent.parent)]
        if settings.sandbox:
            self.bwrap = shutil.which("bwrap")
            if self.bwrap is None or not sys.platform.startswith("linux"):
                raise sandbox.SandboxUnavailable(f"bubblewrap (bwrap) was not found: {sandbox.INSTALL_HINT}")
            self.extra = sandbox.probe(self.bwrap)
            self.bases = sandbox.cgroup_bases() if settings.cgroups else {}
            sandbox.Cgroup.remove_stale(self.bases)
        self.python_dirs = sandbox.python_paths(self.hidden)
        self._cases, self._cells, self._sources, self.lock = {}, {}, {}, threading.Lock()
        self._fonts, self._fonts_lock = None, threading.Lock()

    def add_hidden(self, paths):
        """Folders the kernels must not see (the submissions', the reports')."""
        self.hidden += [str(Path(p).resolve()) for p in paths]
        self.python_dirs = sandbox.python_paths(self.hidden)

    def launcher(self, submission):
        limits = self.settings.limits
        files = self.home_files(submission)
        if self.settings.sandbox:
            return sandbox.Sandbox(self.bwrap, limits, cgroups=self.bases, python_dirs=self.python_dirs,
                                   hidden=self.hidden, name=submission.id, data=submission.data, extra=self.extra,
                                   home_files=files)
        return sandbox.Unsandboxed(limits, name=submission.id, data=submission.data, home_files=files)

    def home_files(self, submission):
        """What a kernel's home starts with: matplotlib's font list (sandbox.font_cache), built when
        the first submission that plots starts, then given to every kernel. Its 0.4 s then counts
        against no submission's --cell-timeout (the heavy import cell of a plotting notebook)."""
        if self._fonts is None and plots(submission):
            with self._fonts_lock:
                if self._fonts is None:
                    self._fonts = sandbox.font_cache()
        return self._fonts or {}

    def cases(self, exercise):
        with self.lock:
            if exercise.id not in self._cases:
                self._cases[exercise.id] = judging.Cases(exercise)
            return self._cases[exercise.id]

    def collect_cell(self, exercise):
        """The execute request's code for one exercise (the encoded cases: inputs only)."""
        with self.lock:
            if exercise.id not in self._cells:
                spec = {"id": exercise.id, "function": exercise.function, "invoke": exercise.invoke,
                        "seconds": self.settings.exercise_timeout,
                        "cases": [encode_case(case) for case in exercise.all_cases()]}
                self._cells[exercise.id] = wire.collect_cell(spec)
            return self._cells[exercise.id]

    def course_sources(self, notebook):
        """The course's own code cells of ``notebook`` (solution and learner copy), not reviewed."""
        with self.lock:
            if notebook not in self._sources:
                self._sources[notebook] = _course_sources(notebook)
            return self._sources[notebook]


def plots(submission):
    """Whether a submission mentions matplotlib or bplib's plotting (its kernel will build a font list)."""
    return re.search(rb"matplotlib|plotting", submission.data or b"") is not None


def _course_sources(notebook):
    sources = set()
    for folder in ("solutions", "notebooks"):
        path = sandbox.ROOT / folder / f"{notebook}.ipynb"
        try:
            nb = parse(path.read_bytes())
        except (OSError, InvalidNotebook):
            continue
        sources |= {c.source.strip() for c in nb.cells if c.cell_type == "code"}
    return frozenset(sources)


class _Grading:
    """Runs one parsed submission and collects what its kernel sends back."""

    def __init__(self, submission, result, nb, env, on_kernel):
        self.submission, self.result, self.env, self.on_kernel = submission, result, env, on_kernel
        self.settings = env.settings
        self.notes = []
        self.cells = [(number, self._sendable(number, cell.source)) for number, cell in enumerate(nb.cells, 1)
                      if cell.cell_type == "code" and cell.source.strip()]
        self.exercises = [e for e in EXERCISES if e.notebook == result.notebook]
        self.records = {}      # exercise id -> record from the kernel, or {"failure": message}
        self.skipped = set()   # cell numbers left out of later runs
        self.timed_out = self.crashed = False
        self.start_failed = None
        self.budget = self.settings.timeout   # seconds its cells may still run (the time cap)

    def _sendable(self, number, source):
        """``source`` as UTF-8 can carry it: a lone surrogate (half an emoji, as a tool that cut a
        string may leave; JSON can hold it) becomes U+FFFD, with a note."""
        if not _SURROGATE.search(source):
            return source
        self.note(f"cell {number} holds a lone surrogate (half an emoji?), which is not Unicode text: "
                  "it was run with U+FFFD in its place")
        return _SURROGATE.sub("\ufffd", source)

    def note(self, text):
        if len(self.notes) < MAX_NOTES:
            self.notes.append(text)
        elif len(self.notes) == MAX_NOTES:
            self.notes.append("(more events: see the JSON)")

    def run(self):
        for run in range(MAX_RUNS):
            if self.settings.stop.is_set():
                self.start_failed = "grading was interrupted"
                break
            if run and self.budget <= 0:
                self.start_failed = "its kernel broke after the time cap was reached"
                break
            kernel = self._start()
            if kernel is None:
                break
            try:
                done = self._run_cells(kernel) and self._collect(kernel)
            finally:
                self._close(kernel)
            if done:
                break
        for exercise in self.exercises:
            if exercise.id not in self.records:
                reason = self.start_failed or "the notebook could not be run to the end"
                self.records[exercise.id] = {"failure": f"not graded: {reason}"}
        self.result.notes += self.notes

    def _start(self):
        for attempt in range(1, START_ATTEMPTS + 1):
            kernel = sandbox.Kernel(self.env.launcher(self.submission), MAX_REPLY_BYTES)
            self.on_kernel(kernel, True)
            try:
                kernel.start(STARTUP_TIMEOUT)
                self.result.kernels += 1
                return kernel
            except Exception as error:  # KernelStartError, OSError, or a bug: never leave it running
                self.note(f"kernel start {attempt} of {START_ATTEMPTS} failed: {str(error)[:150]}")
                self._close(kernel)
        self.start_failed = f"the kernel could not be started ({START_ATTEMPTS} attempts)"
        return None

    def _close(self, kernel):
        try:
            kernel.close()
        finally:
            self.on_kernel(kernel, False)
        launcher = kernel.launcher
        stats = launcher.stats
        if stats["peak_memory"] is not None:
            mb = round(stats["peak_memory"] / 2**20, 1)
            self.result.peak_memory_mb = max(self.result.peak_memory_mb or 0, mb)
        if stats["cpu_seconds"] is not None:
            self.result.cpu_seconds = round((self.result.cpu_seconds or 0) + stats["cpu_seconds"], 3)
        if stats["oom_kills"]:
            self.note(f"out of memory: its processes reached --memory {self.settings.limits.memory_mb} MB "
                      f"together and the OOM killer stopped {stats['oom_kills']}")
        if launcher.leftover_cgroups:
            self.note(f"grader: cgroups still busy after the kernel was killed: {launcher.leftover_cgroups}")

    def _interrupt(self, kernel, msg_id):
        """Interrupt the running request; its reply if it stops within INTERRUPT_GRACE, else None."""
        kernel.interrupt()
        state, content = kernel.wait(msg_id, time.monotonic() + INTERRUPT_GRACE)
        return content if state == "reply" else None

    def _run_cells(self, kernel):
        """Run the cells; True when the run is over (done or out of time), False to run again.

        The time cap counts the time its cells run (kernel starts are the grader's business)."""
        errors = self.result.cell_errors
        for position, (number, source) in enumerate(self.cells):
            if number in self.skipped:
                continue
            if self.settings.stop.is_set():
                self.start_failed = "grading was interrupted"
                return False
            if self.budget <= 0:
                left = [n for n, _ in self.cells[position:] if n not in self.skipped]
                self.timed_out = True
                self.note(f"time cap of {self.settings.timeout:g} s reached: {len(left)} cell(s) not run "
                          f"(from cell {left[0]})")
                return True
            capped = self.budget <= self.settings.cell_timeout
            start = time.monotonic()
            msg_id = kernel.send(source)
            state, content = kernel.wait(msg_id, start + min(self.settings.cell_timeout, self.budget))
            if state == "timeout":
                self.timed_out = True
                why = f"the time cap of {self.settings.timeout:g} s" if capped \
                    else f"--cell-timeout {self.settings.cell_timeout:g} s"
                content = self._interrupt(kernel, msg_id)
                self.budget -= time.monotonic() - start
                if content is not None:
                    self.note(f"cell {number} interrupted ({why}); the run went on in the same kernel")
                    continue
                self.skipped.add(number)
                self.note(f"cell {number} ran past {why} and ignored the interrupt: "
                          "kernel restarted, notebook run again without it")
                return False
            self.budget -= time.monotonic() - start
            if state != "reply":
                self.crashed = True
                self.skipped.add(number)
                what = (f"killed the kernel ({_exit_text(content)})" if state == "dead"
                        else "broke the kernel's messaging (garbled replies)")
                self.note(f"cell {number} {what}: kernel restarted, notebook run again without it")
                return False
            if content.get("status") == "error":
                name = str(content.get("ename", "?"))[:60]
                value = str(content.get("evalue", ""))[:MAX_TEXT]
                if not any(e["cell"] == number for e in errors) and len(errors) < MAX_CELL_ERRORS:
                    errors.append({"cell": number, "error": name, "message": value})
                if "MemoryError" in name:
                    self.note(f"cell {number}: {name} (memory limit {self.settings.limits.memory_mb} MB)")
        return True

    def _collect(self, kernel):
        """Collect each exercise's outputs; True when done, False when the kernel broke."""
        seconds = self.settings.exercise_timeout
        for exercise in self.exercises:
            if exercise.id in self.records:
                continue
            if self.settings.stop.is_set():
                self.start_failed = "grading was interrupted"
                return False
            msg_id = kernel.send(self.env.collect_cell(exercise), user_expressions={"r": wire.RESULT},
                                 store_history=False)
            state, content = kernel.wait(msg_id, time.monotonic() + seconds + GRACE)
            if state == "timeout":
                content = self._interrupt(kernel, msg_id)
                self.records[exercise.id] = {"failure": f"{exercise.function} did not return within {seconds:g} s "
                                                        "on the test cases (and the grader's collection stalled)",
                                             "outcome": "timed out"}
                if content is None:
                    return False  # the kernel is stuck: run again for the remaining exercises
                continue
            if state == "reply" and content.get("status") == "ok":
                try:
                    record = wire.read_record((content.get("user_expressions") or {}).get("r"), MAX_REPLY_BYTES)
                except wire.DecodeError as error:
                    record = {"failure": f"the grader could not read the outputs: {error}"}
                self.records[exercise.id] = record
            elif state == "reply":
                self.records[exercise.id] = {"failure": "the grader's tests could not run in the notebook's kernel "
                                                        f"({str(content.get('ename', '?'))[:60]})"}
            else:
                what = {"dead": f"killed the kernel ({_exit_text(content)}) on the test cases",
                        "garbled": "broke the kernel's messaging on the test cases"}[state]
                self.records[exercise.id] = {"failure": f"{exercise.function} {what}", "outcome": "raised"}
                return False  # the kernel is gone or unusable: run again for the remaining exercises
        return True


def _exit_text(code):
    import signal

    if isinstance(code, int) and code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    if isinstance(code, int) and code > 128:   # bwrap reports a signal as 128 + its number
        try:
            return f"signal {signal.Signals(code - 128).name}"
        except ValueError:
            pass
    return f"exit code {code}"


def grade_submission(submission, env, default_notebook=None, on_kernel=lambda kernel, started: None):
    """The Result for one Submission (never raises: a grader failure becomes status "error")."""
    start = time.monotonic()
    settings = env.settings
    result = Result(submission.id, student=submission.student, assignment=submission.assignment,
                    sha256=submission.sha256, sandboxed=settings.sandbox)
    try:
        nb = None
        if submission.error:
            result.status, result.notes = submission.error_status, [submission.error]
        else:
            try:
                # this grading's copy, holding the bytes while it runs (the batch keeps none)
                submission = dataclasses.replace(submission, data=submission.load())
                nb = parse(submission.data)
            except SubmissionChanged as error:
                result.status, result.notes = "error", [str(error)]
            except InvalidNotebook as error:
                result.status, result.notes = "invalid notebook", [str(error)]
        result.notebook = settings.notebook or identify(nb, submission.id, default_notebook)
        if nb is not None and result.notebook is None:
            result.status = "error"
            result.notes.append("cannot tell which notebook this is (no bp_course metadata, no notebook "
                                "name in the file name, no exercise functions): use --notebook")
        elif nb is not None:
            other = mismatch(nb, result.notebook, submission.id)
            if other:
                result.notes.append(other)
            result.flags = review.review(nb, result.notebook, env.course_sources(result.notebook))
            grading = _Grading(submission, result, nb, env, on_kernel)
            grading.run()
            for exercise in grading.exercises:
                points, outcome, message = judging.judge_record(exercise, grading.records[exercise.id],
                                                                env.cases(exercise))
                result.points[exercise.id] = points
                result.outcome[exercise.id] = outcome
                result.feedback[exercise.id] = message
            broken = sorted({str(record["collector_error"])[:200] for record in grading.records.values()
                             if isinstance(record, dict) and "collector_error" in record})
            if broken:  # the grader's harness failed in the kernel: no points can be given or refused
                result.notes.append(f"the grader's tests could not run in the kernel ({'; '.join(broken)}); if "
                                    "every submission says so, the kernel's Python lacks what the grader uses")
            if grading.crashed or grading.start_failed or broken:
                result.status = "error"
            elif grading.timed_out:
                result.status = "timeout"
        if result.status != "ok" and result.notebook and not result.points:
            for exercise in EXERCISES:
                if exercise.notebook == result.notebook:
                    result.points[exercise.id] = 0
    except Exception as error:  # a bug or an OS failure in the grader: this submission only
        result.status = "error"
        result.notes.append(f"grader error: {type(error).__name__}: {str(error)[:200]}")
    note = None
    if not settings.sandbox:
        note = sandbox.UNSANDBOXED
    elif not {"memory", "pids"} <= set(env.bases or ()):
        note = sandbox.NO_CGROUP
    if note and result.status != "invalid notebook":
        result.notes.append(note)
    result.detail = reports.detail_of(result, judging.outcome_label)
    result.seconds = round(time.monotonic() - start, 3)
    return result


def batch_notebook(submissions, settings):
    """The one notebook the readable submissions answer, if there is exactly one."""
    if settings.notebook:
        return settings.notebook
    found = set()
    for submission in submissions:
        if submission.error:
            continue
        try:
            found.add(identify(parse(submission.load()), submission.id))
        except (InvalidNotebook, SubmissionChanged):
            continue
    found.discard(None)
    return found.pop() if len(found) == 1 else None


class Progress:
    """A progress bar on stderr (one line per submission when stderr is not a terminal)."""

    def __init__(self, total, stream=None, enabled=True):
        self.total, self.done = total, 0
        self.stream = stream or sys.stderr
        self.enabled = enabled and total > 0
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.start = time.monotonic()
        self.lock = threading.Lock()
        if self.enabled and self.tty:
            self._draw("")

    def advance(self, result):
        with self.lock:
            self.done += 1
            if self.enabled:
                # whose: in nbgrader's layout every file has the notebook's name
                who = f"{reports.cell(result.student)}: " if result.student else ""
                self._draw(f"{who}{reports.cell(Path(result.submission).name)}: {result.status}")

    def _draw(self, last):
        width = 28
        filled = width * self.done // self.total
        elapsed = time.monotonic() - self.start
        eta = f" eta {elapsed / self.done * (self.total - self.done):.0f}s" if self.done and self.done < self.total else ""
        line = f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} {elapsed:.0f}s{eta}"
        if last:
            line += f"  {last}"
        if self.tty:
            columns = shutil.get_terminal_size((100, 20)).columns
            self.stream.write("\r" + line[:columns - 1].ljust(columns - 1))
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def grade(paths, settings=None, jobs=1, progress=True, stream=None, journal=None, resume=False, shard=None):
    """Grade the notebooks at ``paths``; return (results in input order, submissions as read).

    journal: a path to append each finished result to (see ``reports.Journal``); with
    ``resume``, the submissions it already holds (same id, same SHA-256) are not graded again.
    shard: (k, n) to grade only the k-th of n parts of the submissions."""
    from .submissions import in_shard

    settings = settings or Settings()
    env = Environment(settings)
    submissions = read_submissions(paths, keep=not settings.sandbox)   # unsandboxed runs restore files from them
    env.add_hidden([p for p in paths] + ([Path(journal).parent] if journal else []))
    if shard:
        submissions = [s for s in submissions if in_shard(s.id, shard)]
    done = {}
    if journal and resume and Path(journal).exists():
        done = reports.read_journal(journal)[1]
    todo = [s for s in submissions if not (s.id in done and done[s.id].sha256 == s.sha256)]
    writer = reports.Journal(journal, settings.to_dict(), resume=resume) if journal else None
    default = batch_notebook(submissions, settings)
    bar = Progress(len(todo), stream, enabled=progress)
    kernels, kernels_lock = set(), threading.Lock()

    def on_kernel(kernel, started):
        with kernels_lock:
            (kernels.add if started else kernels.discard)(kernel)

    def task(submission):
        result = grade_submission(submission, env, default, on_kernel)
        if not settings.stop.is_set():
            if writer:
                writer.append(result)
            bar.advance(result)
        return result

    results = {s.id: done[s.id] for s in submissions if s not in todo and s.id in done}
    executor = ThreadPoolExecutor(max_workers=max(1, jobs))
    try:
        futures = {executor.submit(task, s): s for s in todo}
        for future in as_completed(futures):
            results[futures[future].id] = future.result()
    except BaseException:  # Ctrl-C: leave no kernel behind; the journal keeps what finished
        settings.stop.set()
        executor.shutdown(wait=False, cancel_futures=True)
        with kernels_lock:
            for kernel in list(kernels):
                kernel.launcher.kill()
        raise
    finally:
        if writer:
            writer.close()
    executor.shutdown(wait=True)
    return [results[s.id] for s in submissions], submissions


def restore_submissions(submissions):
    """Write back any submission file that changed or vanished while grading; return their ids.
    (Only an unsandboxed kernel can reach them.)"""
    import hashlib

    restored = []
    for submission in submissions:
        if submission.data is None:
            continue
        path = Path(submission.id)
        try:
            with open(path, "rb") as f:
                same = hashlib.sha256(f.read()).hexdigest() == submission.sha256
        except OSError:
            same = False
        if not same:
            try:
                reports._write_atomic(path, submission.data)
                restored.append(submission.id)
            except OSError as error:
                print(f"warning: could not restore {submission.id}: {error}", file=sys.stderr)
    return restored

