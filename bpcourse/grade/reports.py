"""Reports: the journal, the CSV per submission, the gradebook per student, the JSON.

The journal (``grades.csv`` -> ``grades.journal``) is the record of a run: one
JSON line per finished submission, appended, flushed and fsynced as it
finishes, after a first line with the run's settings. ``--resume`` reads it and
grades only what it lacks; ``--merge`` joins several (the shards of a class
graded on many machines). The CSV, the per-student CSV and the JSON are always
written from journal entries, each atomically (temporary file, then
``os.replace``), so they are complete or absent, never half written.

Files written next to ``--out grades.csv``:

* ``grades.csv``: one row per submission: ``submission``, ``student``, one column
  per exercise of the notebooks in the batch (points; blank for another
  notebook's exercises), ``total``, ``max_total``, ``status``, ``detail``;
* ``grades.students.csv``: one row per student: points per notebook (blank when
  none was submitted), ``total``, ``max_total`` (the batch's notebooks), ``notes``;
* ``grades.json`` (``--json``): the rows with per-exercise feedback, cell errors,
  notes, review flags, the submission's SHA-256, times and peak memory;
* ``grades.journal``: see above.

Text a submission controls (names, error messages) is written as data: a CSV
field that a spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@``) gets a
leading ``'``, control characters are dropped, and characters that are invisible,
reorder the text or are not Unicode (a file name's bytes that are not UTF-8) are
written as escapes (``\\u202e``, ``\\xe9``). The journal keeps names exactly (JSON
escapes), so that ``--resume`` finds the same files.
"""
import contextlib
import csv
import io
import json
import os
import re
import tempfile
import threading
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from ..exercises import EXERCISES

STATUSES = ("ok", "timeout", "error", "invalid notebook")
JOURNAL_VERSION = 1
DETAIL_LENGTH = 400


@dataclass
class Result:
    submission: str                                   # the submission's id (its path as found)
    student: str = ""
    assignment: str = ""
    notebook: str = None
    status: str = "ok"
    detail: str = ""
    points: dict = field(default_factory=dict)        # exercise id -> points earned
    feedback: dict = field(default_factory=dict)      # exercise id -> message
    outcome: dict = field(default_factory=dict)       # exercise id -> correct, wrong, not attempted, ...
    notes: list = field(default_factory=list)         # run-level events (interrupts, crashes, limits)
    flags: list = field(default_factory=list)         # review flags
    cell_errors: list = field(default_factory=list)
    kernels: int = 0                                  # kernels started for it
    seconds: float = 0.0
    peak_memory_mb: float = None                      # of all its processes together (cgroup)
    cpu_seconds: float = None                         # CPU time of its kernels (cgroup)
    sha256: str = ""
    sandboxed: bool = True

    @property
    def total(self):
        return sum(self.points.values())

    @property
    def max_total(self):
        if self.notebook is None:
            return None
        return sum(e.points for e in EXERCISES if e.notebook == self.notebook)

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, data):
        names = {f.name for f in fields(cls)}
        result = cls(**{k: v for k, v in data.items() if k in names})
        if not isinstance(result.points, dict) or not all(isinstance(v, int) for v in result.points.values()):
            raise ValueError("points must map exercise ids to integers")
        return result


def detail_of(result, outcome_label):
    """The CSV's ``detail``: notes, outcomes that are not "correct", review flags, capped."""
    parts = list(result.notes)
    if result.status in ("ok", "timeout", "error") and result.notebook:
        groups = {}
        for exercise_id, outcome in result.outcome.items():
            if outcome != "correct":
                groups.setdefault(outcome_label(outcome, result.feedback.get(exercise_id)), []).append(exercise_id)
        parts += [f"{label}: {', '.join(ids)}" for label, ids in groups.items()]
        if not groups and result.outcome:
            n = len(result.outcome)
            parts.append(f"all correct ({n} exercise{'s' if n > 1 else ''})")
    if result.flags:
        shown = result.flags[:3]
        more = f" (+{len(result.flags) - 3} more)" if len(result.flags) > 3 else ""
        parts.append("review: " + "; ".join(shown) + more)
    detail = _clean("; ".join(parts))
    return detail if len(detail) <= DETAIL_LENGTH else detail[:DETAIL_LENGTH - 3] + "..."


# Shown as escapes: C1 controls (\x9b starts a terminal escape too), characters that are invisible or
# reorder the text around them (a name "\u202eecila" shows as "alice"; the joiners \u200c and \u200d
# that Persian and emoji need stay), and lone surrogates: a file name that is not UTF-8 (a zip from
# another system) holds them, and UTF-8 cannot write them.
_UNSHOWN = re.compile("[\x80-\x9f\xad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u206f\ufeff"
                      "\ud800-\udfff]")


def _escape(match):
    code = ord(match.group())
    return f"\\x{code - 0xdc00:02x}" if 0xdc80 <= code <= 0xdcff else f"\\u{code:04x}"   # a file name's byte


def _clean(text):
    """``text`` without terminal escapes and control characters (newlines and tabs kept), and with
    invisible, reordering and unwritable characters as escapes (``_UNSHOWN``)."""
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", re.sub(r"\x1b\[[0-9;?]*[ -/]*[@-~]", "", str(text)))
    return _UNSHOWN.sub(_escape, text)


def cell(value):
    """A CSV field safe to open in a spreadsheet (no formula, no control characters)."""
    if isinstance(value, str):
        value = _clean(value).replace("\n", " ")
        if value[:1] in ("=", "+", "-", "@"):
            value = "'" + value
    return value


# --- the journal ----------------------------------------------------------------------------------------------------


def journal_path(out):
    return Path(out).with_suffix(".journal")


class Journal:
    """Appends one JSON line per finished submission, flushed and fsynced (thread-safe)."""

    def __init__(self, path, settings, resume=False):
        self.path, self.lock = Path(path), threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fresh = not (resume and self.path.exists())
        if fresh:
            _write_atomic(self.path, (json.dumps({"journal": JOURNAL_VERSION, "settings": settings}) + "\n").encode())
        self.file = open(self.path, "ab")
        if not fresh:
            self._terminate_last_line()

    def _terminate_last_line(self):
        """A run killed mid-write leaves a partial last line: end it, so the next entry stands alone."""
        with open(self.path, "rb") as f:
            f.seek(0, os.SEEK_END)
            if f.tell():
                f.seek(-1, os.SEEK_END)
                if f.read(1) != b"\n":
                    self.file.write(b"\n")
                    self.file.flush()

    def append(self, result):
        line = (json.dumps(result.to_dict()) + "\n").encode()
        with self.lock:
            self.file.write(line)
            self.file.flush()
            os.fsync(self.file.fileno())

    def close(self):
        self.file.close()


def read_journal(path):
    """(settings, {submission id: Result}) from a journal; unreadable lines (a write cut short) skipped."""
    settings, results = None, {}
    with open(path, "rb") as f:
        for number, line in enumerate(f):
            try:
                data = json.loads(line)
            except ValueError:
                continue
            if not isinstance(data, dict):
                continue
            if number == 0 and "journal" in data:
                settings = data.get("settings")
                continue
            try:
                result = Result.from_dict(data)
            except (TypeError, ValueError):
                continue
            results[result.submission] = result
    return settings, results


class NotAJournal(ValueError):
    """A file given as a journal holds no journal line (a CSV report, say)."""


def merge(paths):
    """Results from several journals; a submission in more than one keeps its last entry. A file with
    neither a journal's first line nor any result in it is a ``NotAJournal``."""
    merged = {}
    for path in paths:
        settings, results = read_journal(path)
        if settings is None and not results:
            raise NotAJournal(path)
        merged.update(results)
    return list(merged.values())


# --- the reports ------------------------------------------------------------------------------------------------------


def columns_for(results):
    """Exercise ids for the CSV: those of every notebook in the batch, in the table's order."""
    notebooks = {r.notebook for r in results if r.notebook}
    return [e.id for e in EXERCISES if e.notebook in notebooks]


def to_csv(results):
    exercise_ids = columns_for(results)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["submission", "student", *exercise_ids, "total", "max_total", "status", "detail"])
    for r in results:
        writer.writerow([cell(r.submission), cell(r.student), *[r.points.get(i, "") for i in exercise_ids], r.total,
                         "" if r.max_total is None else r.max_total, r.status, cell(r.detail)])
    return buffer.getvalue()


def gradebook(results):
    """Rows (dicts) per student: points per notebook of the batch, total, max_total, notes."""
    notebooks = sorted({r.notebook for r in results if r.notebook})
    maxima = {n: sum(e.points for e in EXERCISES if e.notebook == n) for n in notebooks}
    by_student = defaultdict(lambda: defaultdict(list))
    for r in results:
        by_student[r.student or r.submission][r.notebook].append(r)
    rows = []
    for student in sorted(by_student):
        row, notes = {"student": student}, []
        for notebook, graded in by_student[student].items():
            if notebook is None:   # unreadable, invalid, not identified, or no notebook at all: say why
                why = "; ".join(dict.fromkeys((r.notes or [r.status])[0] for r in graded))
                notes.append(f"{len(graded)} submission(s) of no known notebook ({why})")
                continue
            best = max(graded, key=lambda r: (r.total, r.status == "ok"))
            row[notebook] = best.total
            if len(graded) > 1:
                notes.append(f"{len(graded)} submissions of {notebook}: the best counts ({best.submission})")
            if best.status != "ok":   # its points are what it reached: say why it stopped (the details are per submission)
                notes.append(f"{notebook}: {best.status}" + (f" ({best.notes[0]})" if best.notes else ""))
        row["total"] = sum(row.get(n, 0) for n in notebooks)
        row["max_total"] = sum(maxima.values())
        row["notes"] = "; ".join(notes)
        rows.append(row)
    return notebooks, rows


def to_students_csv(results):
    notebooks, rows = gradebook(results)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", *notebooks, "total", "max_total", "notes"])
    for row in rows:
        writer.writerow([cell(row["student"]), *[row.get(n, "") for n in notebooks], row["total"], row["max_total"],
                         cell(row["notes"])])
    return buffer.getvalue()


def to_json(results, settings):
    return json.dumps({
        "exercises": {e.id: {"notebook": e.notebook, "function": e.function, "points": e.points} for e in EXERCISES},
        "settings": settings,
        "submissions": [{
            "submission": r.submission, "student": r.student, "assignment": r.assignment, "sha256": r.sha256,
            "notebook": r.notebook, "status": r.status, "detail": r.detail, "total": r.total,
            "max_total": r.max_total, "seconds": r.seconds, "cpu_seconds": r.cpu_seconds, "peak_memory_mb": r.peak_memory_mb,
            "sandboxed": r.sandboxed, "kernels": r.kernels,
            "exercises": {i: {"points": r.points[i], "outcome": r.outcome.get(i), "feedback": r.feedback.get(i)}
                          for i in r.points},
            "notes": r.notes, "review": r.flags, "cell_errors": r.cell_errors,
        } for r in results]}, indent=1)


def report_paths(out, with_json):
    out = Path(out)
    paths = {"csv": out, "students": out.with_suffix(".students.csv")}
    if with_json:
        paths["json"] = out.with_suffix(".json")
    return paths


def write_reports(results, out, settings, with_json):
    """Write the CSV, the per-student CSV and (``with_json``) the JSON; return their paths."""
    paths = report_paths(out, with_json)
    _write_atomic(paths["csv"], to_csv(results).encode())
    _write_atomic(paths["students"], to_students_csv(results).encode())
    if with_json:
        _write_atomic(paths["json"], to_json(results, settings).encode())
    return list(paths.values())


def _write_atomic(path, data):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def summary(results, seconds=None):
    counts = Counter(r.status for r in results)
    failed = len(results) - counts["ok"]
    text = f"graded {len(results)} submission(s)"
    if seconds is not None:
        text += f" in {seconds:.1f} s"
    text += f": {counts['ok']} ok, {failed} failed"
    if failed:
        text += " (" + ", ".join(f"{counts[s]} {s}" for s in STATUSES[1:] if counts[s]) + ")"
    scored = [r for r in results if r.max_total]
    if scored:
        mean = sum(r.total for r in scored) / len(scored)
        share = sum(r.total / r.max_total for r in scored) / len(scored)
        maxima = {r.max_total for r in scored}
        of = f" of {maxima.pop()}" if len(maxima) == 1 else ""
        text += f"; mean score {mean:.2f}{of} ({share:.0%})"
    return text
