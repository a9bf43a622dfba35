"""Translated editions of the course, made from the English notebooks and a text per notebook.

A translation is one Markdown file per notebook, ``bpcourse/translations/<lang>/<stem>.md``,
holding the translated text of each Markdown cell of ``solutions/<stem>.ipynb`` under a
header line that names the cell and a hash of the English text it was made from::

    <!-- cell 1c0d9b48 en a1b2c3d4e5f6 -->
    ## 从这里开始
    ...

Code is never translated: the translated notebook's code cells, their outputs and all
metadata are the English notebook's, cell for cell, except that the feedback of ``bplib.checks``
is printed in the notebook's language, as it is when the notebook runs in its folder (the build
says it in every language as the English notebook runs, ``RECORD_FEEDBACK``). When an English
Markdown cell changes, its hash no longer matches and the build stops, naming the cell, until the translation is
brought up to date (``python -m bpcourse translate --stale`` lists them; ``--skeleton``
writes a file to start a new language from).
"""
import copy
import hashlib
import json
import re
from pathlib import Path

from bplib import checks

HERE = Path(__file__).resolve().parent
# Every language of the feedback but English, the language of the notebooks' source.
LANGUAGES = tuple(lang for lang in checks.LANGUAGES if lang != "en")
HEADER = re.compile(r"^<!-- cell (?P<id>[\w-]+) en (?P<sha>[0-9a-f]{12}) -->$", re.M)


class TranslationDrift(ValueError):
    """A translation does not match the English notebook; the message lists every cell at fault."""


def english_hash(source):
    """The first 12 hex digits of the SHA-256 of an English Markdown cell's text."""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:12]


def path(lang, stem):
    return HERE / lang / f"{stem}.md"


def skeleton(nb):
    """A translation file for ``nb`` in which every block still holds the English text."""
    blocks = [f"<!-- cell {cell.id} en {english_hash(cell.source)} -->\n{cell.source}\n"
              for cell in nb.cells if cell.cell_type == "markdown"]
    return "\n".join(blocks)


def parse(text, where="translation"):
    """``{cell id: (english hash, translated text)}`` from a translation file's text."""
    matches = list(HEADER.finditer(text))
    if not matches or text[: matches[0].start()].strip():
        raise TranslationDrift(f"{where}: expected the file to start with a line like "
                               f"'<!-- cell <id> en <12 hex digits> -->'")
    blocks = {}
    for match, following in zip(matches, matches[1:] + [None]):
        end = following.start() if following else len(text)
        body = text[match.end():end].strip("\n")
        if match["id"] in blocks:
            raise TranslationDrift(f"{where}: cell {match['id']} is translated twice")
        if not body.strip():
            raise TranslationDrift(f"{where}: cell {match['id']} has no text")
        blocks[match["id"]] = (match["sha"], body)
    return blocks


def problems(nb, blocks):
    """Every way in which ``blocks`` fails to translate ``nb``'s Markdown cells, as sentences."""
    found = []
    markdown = {cell.id: cell for cell in nb.cells if cell.cell_type == "markdown"}
    for cell_id, cell in markdown.items():
        if cell_id not in blocks:
            found.append(f"cell {cell_id} is not translated; its English begins "
                         f"{cell.source[:60]!r}")
        elif blocks[cell_id][0] != english_hash(cell.source):
            found.append(f"cell {cell_id}: the English text changed since it was translated "
                         f"(hash {blocks[cell_id][0]}, now {english_hash(cell.source)}); "
                         f"it now begins {cell.source[:60]!r}")
    for cell_id in blocks:
        if cell_id not in markdown:
            found.append(f"cell {cell_id} is translated but is no Markdown cell of the English notebook")
    return found


def load(lang, stem, nb):
    """The checked translation of ``nb`` (the English solution notebook ``stem``)."""
    file = path(lang, stem)
    if not file.exists():
        raise TranslationDrift(f"{file} is missing: write it from `python -m bpcourse translate "
                               f"--skeleton {lang} {stem}`")
    blocks = parse(file.read_text(encoding="utf-8"), where=str(file))
    found = problems(nb, blocks)
    if found:
        raise TranslationDrift(f"{file} does not match solutions/{stem}.ipynb:\n  " + "\n  ".join(found))
    return {cell_id: text for cell_id, (_, text) in blocks.items()}


def translate(nb, texts, lang):
    """A copy of ``nb`` whose Markdown cells hold ``texts``; code, outputs and metadata unchanged."""
    out = copy.deepcopy(nb)
    for cell in out.cells:
        if cell.cell_type == "markdown":
            cell.source = texts[cell.id]
    out.metadata.setdefault("bp_course", {})
    out.metadata["bp_course"] = dict(out.metadata["bp_course"], language=lang)
    return out


def check_output(text, lang):
    """``text``, the stdout of a solution's check cell ("Correct: f passes all 3 test cases."), in ``lang``.

    The message is recognised from its English format string in ``bplib.checks.MESSAGES`` and
    said again with the same fields by ``bplib.checks`` in ``lang``, so the translated notebook
    stores exactly what its check cell prints when it runs in a ``<lang>`` folder.
    """
    patterns = {key: re.escape(checks.MESSAGES[key]).replace(r"\{name\}", r"(?P<name>\w+)").replace(
        r"\{count\}", r"(?P<count>\d+)") for key in ("correct", "correct-one")}
    lines = []
    for line in text.split("\n"):
        for key, pattern in patterns.items():
            match = re.fullmatch(pattern, line)
            if match is not None:
                line = checks.say(key, lang, name=match["name"], count=int(match.groupdict().get("count", 1)))
                break
        lines.append(line)
    return "\n".join(lines)


def check_error(output, lang):
    """``output``, the error a check cell raised in English, as it raises it in ``lang``: a stub's
    NotImplementedError, which is code and the same in every edition, ends with the note that
    ``bplib.checks`` adds in a translated edition (IPython shows it as the traceback's last line)."""
    output = copy.deepcopy(output)
    if (lang != "en" and output.get("ename") == "NotImplementedError" and checks.STUB_TEXT in output.get("evalue", "")
            and output.get("traceback")):
        note = checks.say("unfinished", lang)
        if output["traceback"][-1] != note:
            output["traceback"].append(note)
    return output


def translate_check_outputs(nb, lang, is_check_cell, said=None):
    """Say the feedback that ``nb``'s cells printed, or its check cells raised, in ``lang`` (in place).

    A check cell's "Correct" line is said anew (``check_output``). ``said`` maps the rest, feedback
    as the English run printed it, to the same feedback in ``lang`` (``recorded_feedback``, or
    ``stored_feedback`` when nothing runs); it applies to every code cell's printed text, since
    any cell may print ``evaluate``'s message.
    """
    replacements = sorted((said or {}).items(), key=lambda pair: -len(pair[0]))   # a message inside another last
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for i, output in enumerate(cell.get("outputs", [])):
            if output.get("output_type") == "stream" and output.get("name") == "stdout":
                text = output["text"]
                for english, translation in replacements:
                    text = text.replace(english, translation)
                output["text"] = check_output(text, lang) if is_check_cell(cell) else text
            elif output.get("output_type") == "error" and is_check_cell(cell):
                cell.outputs[i] = check_error(output, lang)


# Run (silently, before the first cell) in the kernel of the build's English run: a notebook's own
# calls of bplib.checks.evaluate (a cell that prints its message) are made again with the feedback
# in each language of LANGUAGES, and the pairs are written to PATH as JSON lines. Only the name in
# the notebook's namespace is swapped, before each cell: check() keeps the library's evaluate, so a
# stub's traceback shows the frames it shows a learner (check cells' "Correct" lines need no
# record, see check_output). The extra calls start from the global random states the notebook's call
# started from, and leave the ones it left, so that the cells after them print what they print in a
# run without this (nbval's); a message is recorded only if English said again is the same.
RECORD_FEEDBACK = """
def _bp_course_record_feedback(path, languages):
    import functools, json, os, random
    import numpy
    from IPython import get_ipython
    from bplib import checks

    evaluate = checks.evaluate

    @functools.wraps(evaluate)
    def recorded(exercise_id, function):
        __tracebackhide__ = True
        before = (numpy.random.get_state(), random.getstate())
        passed, message = evaluate(exercise_id, function)
        after, said = (numpy.random.get_state(), random.getstate()), {}
        chosen = os.environ.get(checks.LANGUAGE_VARIABLE)
        try:   # each call from the random state the first one had; English last, to see it repeats itself
            for lang in (*languages, "en"):
                numpy.random.set_state(before[0])
                random.setstate(before[1])
                os.environ[checks.LANGUAGE_VARIABLE] = lang
                said[lang] = evaluate(exercise_id, function)[1]
        except Exception:   # the learner's code fails only when called again: nothing to record
            said = {}
        finally:
            if chosen is None:
                os.environ.pop(checks.LANGUAGE_VARIABLE, None)
            else:
                os.environ[checks.LANGUAGE_VARIABLE] = chosen
            numpy.random.set_state(after[0])
            random.setstate(after[1])
        if said and said.pop("en") == message:   # else the function answers differently each time
            with open(path, "a", encoding="utf-8") as record:
                record.write(json.dumps({"en": message, **said}) + "\\n")
        return passed, message

    shell = get_ipython()

    def swap(*_):
        if shell.user_ns.get("evaluate") is evaluate:
            shell.user_ns["evaluate"] = recorded

    shell.events.register("pre_run_cell", swap)


_bp_course_record_feedback(%r, %r)
del _bp_course_record_feedback
"""


def recorded_feedback(path):
    """``{lang: {english message: message in lang}}`` from a file that RECORD_FEEDBACK wrote."""
    said = {lang: {} for lang in LANGUAGES}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            pair = json.loads(line)
            for lang in LANGUAGES:
                if pair.get(lang) not in (None, pair["en"]):
                    said[lang][pair["en"]] = pair[lang]
    return said


def stored_feedback(english, translated_nb):
    """``{English printed text: translated text}`` of the code cells of a translated notebook as stored,
    against its English notebook as stored: a build that runs nothing keeps both outputs, and with
    this their translation."""
    said = {}
    theirs = {cell.id: cell for cell in translated_nb.cells if cell.cell_type == "code"}
    for cell in english.cells:
        if cell.cell_type != "code" or cell.id not in theirs or theirs[cell.id].source != cell.source:
            continue
        for mine, its in zip(cell.get("outputs", []), theirs[cell.id].get("outputs", [])):
            if (mine.get("output_type") == its.get("output_type") == "stream" and mine.get("name") == "stdout"
                    and mine["text"] != its["text"]):
                said[mine["text"]] = its["text"]
    return said
