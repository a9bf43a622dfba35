"""Submissions: finding them, reading them, telling which notebook each answers.

A command-line argument is a notebook file or a folder. A folder is read in
either layout:

* nbgrader's, ``submitted/STUDENT/ASSIGNMENT/NOTEBOOK.ipynb``: the student is
  the first folder, the assignment the second;
* flat, ``folder/alice-05_four_equations.ipynb``: the student is the file name
  without the notebook's name (``alice``), or the whole name when that leaves
  nothing;
  and ``folder/STUDENT/NOTEBOOK.ipynb`` in between.

Inside a folder, symbolic links are not followed (a link is a row of its own,
status ``error``: a link could point a "submission" at ``solutions/``), nor are
hidden folders (``.ipynb_checkpoints``). A notebook deeper than the layouts
and, in nbgrader's layout, a student folder with no notebook are rows of their
own too (``error``), so that no student is silently missing from the gradebook. Every file is read into memory before
anything runs; larger than 100 MB, more than MAX_JSON_VALUES JSON values
(counted before parsing: parsing costs memory a value) or more than MAX_CELLS
code cells is an ``invalid notebook``.

Each submission has an id, the path as found (``submitted/alice/ps1/05.ipynb``),
which the journal, ``--resume`` and ``--shard`` use: ``--shard K/N`` keeps the
ids whose SHA-256 falls in part K of N, so the parts are disjoint, cover
everything and do not move when files are added.
"""
import hashlib
import json
import os
import re
import stat
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..exercises import EXERCISES
from . import wire

STEMS = tuple(dict.fromkeys(e.notebook for e in EXERCISES))
MAX_SUBMISSION_BYTES = 100 * 2**20
MAX_CELLS = 2000
DEEPEST = 6            # folder levels searched for notebooks put too deep (listed, not graded)
LAYOUT = "STUDENT/ASSIGNMENT/NOTEBOOK.ipynb or STUDENT/NOTEBOOK.ipynb"
MAX_PER_STUDENT = 40   # notebooks graded in one student's folder (the course has 12): more would each start a kernel
MAX_JSON_VALUES = 1_000_000   # a course notebook, outputs and all, holds about 10,000


@dataclass
class Submission:
    id: str                     # the path as found; unique in a batch
    student: str = ""
    assignment: str = ""
    data: bytes = None          # the file's bytes when kept (read_submissions(keep=True)); else load() reads them
    error: str = None           # why it cannot be graded as read
    error_status: str = "invalid notebook"   # or "error" when the file could not be read at all
    sha256: str = ""
    follow: bool = False        # a path given by name: a link there is followed

    def load(self):
        """The file's bytes: the ones kept, or the file read again, which must be the one found
        (the same SHA-256), else SubmissionChanged."""
        if self.data is not None:
            return self.data
        again = Submission(self.id)
        _read(self.id, again, self.follow, keep=True)
        if again.error:
            raise SubmissionChanged(f"the file can no longer be read: {again.error}")
        if again.sha256 != self.sha256:
            raise SubmissionChanged("the file changed while the batch was being graded (not the one found)")
        return again.data


class SubmissionChanged(ValueError):
    pass


def _student_from_name(stem):
    """``alice-05_four_equations`` -> ``alice``; a bare notebook name stays itself."""
    for notebook in sorted(STEMS, key=len, reverse=True):
        if notebook in stem:
            rest = re.sub(r"^[\s._-]+|[\s._-]+$", "", stem.replace(notebook, ""))
            return rest or stem
    return stem


def _read(path, submission, follow, keep):
    """Fill ``submission`` from the file at ``path`` (no link followed unless ``follow``): its
    SHA-256 and, with ``keep``, its bytes."""
    try:   # O_NONBLOCK: a FIFO posing as a notebook must not wait for a writer
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | (0 if follow else getattr(os, "O_NOFOLLOW", 0)))
    except OSError as error:
        submission.error, submission.error_status = f"cannot read the file ({error.strerror or error})", "error"
        return
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            submission.error, submission.error_status = "not a regular file", "error"
            return
        chunks, size, digest = [], 0, hashlib.sha256()
        while size <= MAX_SUBMISSION_BYTES:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            digest.update(chunk)
            if keep:
                chunks.append(chunk)
            size += len(chunk)
        if size > MAX_SUBMISSION_BYTES:
            submission.error = f"too large (more than {MAX_SUBMISSION_BYTES / 2**20:g} MB)"
        else:
            submission.data = b"".join(chunks) if keep else None
            submission.sha256 = digest.hexdigest()
    except OSError as error:
        submission.error, submission.error_status = f"cannot read the file ({error.strerror or error})", "error"
    finally:
        os.close(fd)


# What the grader writes next to --out (grades.csv, grades.students.csv, grades.json, grades.journal):
# in a submissions folder, those files are not a student's.
GRADER_OUTPUTS = (".csv", ".json", ".journal")
# What a student hands in instead of a notebook (a row in a flat folder too, so that nobody vanishes).
HANDED_IN = (".zip", ".tar", ".tgz", ".gz", ".bz2", ".xz", ".7z", ".rar", ".py", ".html", ".pdf", ".ipynb.txt")


def _walk(folder):
    """(path, parts relative to folder, problem) of the notebooks in ``folder``, up to three levels
    deep (problem None); deeper ones, down to DEEPEST levels, are listed with the problem "too
    deep". When other first-level folders hold notebooks (nbgrader's layout), a first-level
    folder holding none is listed itself with the problem "empty", and a first-level file that
    is no notebook (an archive handed in, say) with the problem "not a notebook": a student who
    would otherwise be missing from the gradebook; in a flat folder, only files a student hands in
    instead of a notebook (HANDED_IN: archives, scripts, exports) are, others (notes) are skipped.
    Links are returned, never entered."""
    found, stand_ins = [], []   # rows for students who would be missing otherwise

    def visit(path, parts):
        try:
            entries = sorted(os.scandir(path), key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            here = parts + [entry.name]
            if entry.is_symlink():
                if entry.name.endswith(".ipynb") or len(here) < 3:
                    found.append((entry.path, here, None))
            elif entry.is_dir(follow_symlinks=False):
                if len(here) < DEEPEST:
                    before = len(found)
                    visit(entry.path, here)
                    if len(here) == 1 and len(found) == before:
                        stand_ins.append((entry.path, here, "empty"))
            elif entry.name.endswith(".ipynb"):
                found.append((entry.path, here, None if len(here) <= 3 else "too deep"))
            elif len(here) == 1 and not entry.name.endswith(GRADER_OUTPUTS):
                stand_ins.append((entry.path, here, "not a notebook"))

    visit(folder, [])
    in_folders = any(len(parts) >= 2 for _, parts, _ in found)
    if not in_folders:   # a flat folder: notes of the instructor's may lie there, but not archives or exports
        stand_ins = [item for item in stand_ins if item[2] == "not a notebook" and item[1][0].lower().endswith(HANDED_IN)]
    return sorted(found + stand_ins, key=lambda item: item[1])


NBGRADER_FOLDERS = ("submitted", "autograded")


def _below_submitted(path):
    """The folders of ``path`` below the nearest nbgrader ``submitted/`` (or ``autograded/``) folder
    above it, without its last part when it is a file: ``['alice', 'ps05']`` for
    submitted/alice/ps05/05_four_equations.ipynb; [] when there is none."""
    parts = Path(os.path.abspath(path)).parts
    for i in range(len(parts) - 2, -1, -1):
        if parts[i] in NBGRADER_FOLDERS:
            below = list(parts[i + 1:])
            return below[:-1] if not os.path.isdir(path) else below
    return []


def read_submissions(paths, keep=True):
    """Submissions, in the order found (a folder's files sorted), each read once for its SHA-256.

    keep: hold every file's bytes in memory (an unsandboxed run restores the files from them).
    Without it a batch's memory does not grow with the size of all its files: each is read
    again when it is graded (Submission.load)."""
    submissions, seen, per_folder = [], set(), Counter()
    for argument in paths:
        argument = os.fspath(argument)
        if os.path.isdir(argument):
            items = [(path, parts, False, problem) for path, parts, problem in _walk(argument)]
        else:
            items = [(argument, [os.path.basename(argument)], True, None)]
        # Inside nbgrader's submitted/ tree (submitted/*/ps05/05_four_equations.ipynb, or submitted/alice):
        # the student and the assignment are the folders below submitted/, not the notebook's name.
        above = _below_submitted(argument)
        items = [(path, above + parts if above and len(above) + len(parts) <= 3 else parts, follow, problem)
                 for path, parts, follow, problem in items]
        for path, parts, follow, problem in items:
            identifier = os.path.normpath(path)
            if identifier in seen:
                continue
            seen.add(identifier)
            stem = Path(parts[-1]).stem
            student = parts[0] if len(parts) >= 2 or problem == "empty" else _student_from_name(stem)
            submission = Submission(identifier, student=student, assignment=parts[1] if len(parts) >= 3 else "",
                                    follow=follow)
            if len(parts) >= 2:   # a student's own folder, whose contents the student chose
                per_folder[argument, student] += 1
            if problem == "empty":
                submission.error, submission.error_status = (
                    f"no notebook in {student}'s folder (expected {LAYOUT})", "error")
            elif problem == "not a notebook":
                submission.error, submission.error_status = (
                    f"not graded: {parts[0]} is a file, not a notebook or a student's folder (expected "
                    f"{LAYOUT}); unpack or convert it", "error")
            elif problem == "too deep":
                submission.error, submission.error_status = (
                    f"not graded: too deep in the folder (expected {LAYOUT}); move it up", "error")
            elif not follow and os.path.islink(path):
                submission.error, submission.error_status = "a symbolic link (not followed)", "error"
            elif per_folder[argument, student] > MAX_PER_STUDENT:
                submission.error, submission.error_status = (
                    f"not graded: {student}'s folder holds more than {MAX_PER_STUDENT} notebooks (the course has "
                    f"{len(STEMS)}); grade this one on its own if it is meant", "error")
            else:
                _read(path, submission, follow, keep)
            submissions.append(submission)
    return submissions


def in_shard(identifier, shard):
    """True when the submission ``identifier`` belongs to ``shard`` = (k, n), 1 <= k <= n."""
    k, n = shard
    return int(hashlib.sha256(identifier.encode("utf-8", "surrogateescape")).hexdigest()[:16], 16) % n == k - 1


def parse_shard(text):
    """``"3/8"`` -> (3, 8); ValueError saying what is expected otherwise."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text or "")
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise ValueError(f"--shard must be K/N with 1 <= K <= N (e.g. 3/8), got {text!r}")
    return int(match.group(1)), int(match.group(2))


# --- notebooks ----------------------------------------------------------------------------------------------------------

class InvalidNotebook(ValueError):
    pass


class Node(dict):
    """A notebook as nested dicts with attribute access (``nb.cells[0].source``), like nbformat's
    NotebookNode; made here because importing nbformat costs seconds (its validator's grammars).
    Made by ``json.loads`` itself (``object_hook``): no recursion in Python, however deep the file."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _loads(text):
    """``text`` as JSON with Node objects; InvalidNotebook when it is not JSON or nested too deeply."""
    try:
        return json.loads(text, object_hook=Node)
    except RecursionError:
        raise InvalidNotebook("JSON nested too deeply (hundreds of levels: not a notebook)") from None
    except ValueError as error:
        raise InvalidNotebook(f"not valid JSON ({str(error)[:80]})") from None


def json_values(data):
    """How many values the JSON in ``data`` (bytes) holds at most, counted without parsing it:
    each but the first follows a comma or opens a bracket. The commas and brackets inside its
    strings (code, outputs) are left out when there are many. None when its quotes do not pair
    up (not JSON). Parsing costs about 100 bytes of memory a value: this bounds it."""
    count = wire.json_values(data)
    if count <= MAX_JSON_VALUES:
        return count
    # Inside JSON strings a backslash only starts an escape: without the escaped backslashes, then
    # the escaped quotes, the quotes left open and close strings in turn. NumPy counts in chunks:
    # linear in the size and bounded in memory, whatever the input.
    text = np.frombuffer(data.replace(b"\\\\", b"").replace(b'\\"', b""), dtype=np.uint8)
    outside, quotes = 0, 0
    for start in range(0, len(text), _CHUNK):
        chunk = text[start:start + _CHUNK]
        is_quote = chunk == ord('"')
        # the quotes up to each byte, mod 2 (uint8 wraps at 256, which keeps the parity): odd = in a string
        in_string = (np.cumsum(is_quote, dtype=np.uint8) + np.uint8(quotes % 2)) & 1
        structural = (chunk == ord(",")) | (chunk == ord("[")) | (chunk == ord("{"))
        outside += int(np.count_nonzero(structural & (in_string == 0)))
        quotes += int(np.count_nonzero(is_quote))
    return None if quotes % 2 else outside


_CHUNK = 2 ** 23


def parse(data):
    """The notebook in ``data`` (bytes), or InvalidNotebook saying why not.

    Format 4 (every Jupyter since 2015) is read directly; older formats are converted by nbformat."""
    values = json_values(data)
    if values is None:
        raise InvalidNotebook("not valid JSON (a string is not closed)")
    if values > MAX_JSON_VALUES:
        raise InvalidNotebook(f"{values:,} JSON values (more than {MAX_JSON_VALUES:,}; a course notebook holds about "
                              "10,000): clear its outputs and save it again")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidNotebook("not UTF-8 text") from None
    raw = _loads(text)
    if not isinstance(raw, dict) or "cells" not in raw and "worksheets" not in raw:
        raise InvalidNotebook("JSON, but not a notebook (no cells)")
    if raw.get("nbformat") != 4:
        worksheets = raw.get("worksheets")
        if isinstance(worksheets, list):   # format 3: the cells are counted before nbformat converts them
            _check_cells([c for w in worksheets if isinstance(w, dict) and isinstance(w.get("cells"), list)
                          for c in w["cells"]])
        raw = _convert(text)
    cells = raw.get("cells")
    if not isinstance(cells, list) or not all(isinstance(c, dict) and isinstance(c.get("cell_type"), str)
                                              and isinstance(c.get("source"), (str, list)) for c in cells):
        raise InvalidNotebook("not a notebook (malformed cells)")
    for c in cells:
        if isinstance(c["source"], list):
            if not all(isinstance(line, str) for line in c["source"]):
                raise InvalidNotebook("not a notebook (malformed cells)")
            c["source"] = "".join(c["source"])
        if not isinstance(c.get("metadata"), dict):
            c["metadata"] = Node()
    if not isinstance(raw.get("metadata"), dict):
        raw["metadata"] = Node()
    _check_cells(cells)
    return raw


def _check_cells(cells):
    code = sum(isinstance(c, dict) and c.get("cell_type") == "code" for c in cells)
    if code > MAX_CELLS:
        raise InvalidNotebook(f"{code} code cells (more than {MAX_CELLS}: not a course notebook)")


def _convert(text):
    """A notebook of format 3 or older, converted to format 4 by nbformat."""
    import nbformat

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            converted = nbformat.writes(nbformat.reads(text, as_version=4))
    except Exception as error:
        raise InvalidNotebook(f"not a notebook ({type(error).__name__}: {str(error)[:80]})") from None
    return _loads(converted)


def defined_functions(nb):
    """Names of the functions the notebook's code cells define (``def name(``)."""
    defined = set()
    for cell in (nb or {}).get("cells", []):
        if cell.get("cell_type") == "code":
            defined.update(re.findall(r"^[ \t]*def[ \t]+(\w+)[ \t]*\(", cell.get("source", ""), re.M))
    return defined


def by_functions(nb):
    """The notebook whose exercise functions ``nb`` defines most of (None on a tie or none)."""
    defined = defined_functions(nb)
    counts = Counter(e.notebook for e in EXERCISES if e.function in defined)
    ranked = counts.most_common()
    if ranked and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]):
        return ranked[0][0]
    return None


def identify(nb, name, default=None):
    """The notebook stem a submission answers: its metadata (``bp_course.notebook``), else a
    notebook name in the file name, else the exercise functions it defines, else ``default``.
    ``nb`` may be None (an unreadable submission: only its file name can tell)."""
    metadata = (nb or {}).get("metadata") or {}
    course = metadata.get("bp_course") if isinstance(metadata, dict) else None
    if isinstance(course, dict) and course.get("notebook") in STEMS:
        return course["notebook"]
    return named_notebook(name) or by_functions(nb) or default


def named_notebook(name):
    """The notebook stem a file name names (the longest that appears in it), or None."""
    matches = [s for s in STEMS if s in Path(name).stem]
    return max(matches, key=len) if matches else None


def mismatch(nb, notebook, name=""):
    """A note when ``nb`` is graded as ``notebook`` but defines another notebook's functions, or its
    file name ``name`` names another notebook (the wrong notebook handed in under the right name)."""
    named = named_notebook(name)
    if named and named != notebook:
        return (f"graded as {notebook} (its metadata), but its file name names {named}: was the wrong notebook "
                f"handed in? (--notebook {named} grades it as that one)")
    other = by_functions(nb)
    if other and other != notebook:
        mine = {e.function for e in EXERCISES if e.notebook == notebook} & defined_functions(nb)
        theirs = {e.function for e in EXERCISES if e.notebook == other} & defined_functions(nb)
        if len(theirs) > len(mine):
            return (f"graded as {notebook} (its metadata or file name), but its functions are those of {other} "
                    f"({', '.join(sorted(theirs))}): use --notebook {other} if that is the one")
    return None
