"""The translations of the learner feedback: extract the messages, update the catalogues, compile them.

    python -m bpcourse messages          # rewrite bplib/locale/bplib.pot, update each .po, compile each .mo
    python -m bpcourse messages --check  # exit 1 naming what is stale; write nothing

The messages are every ``N_("...")`` in ``bplib/`` and in the answer key
(``bpcourse/exercises/``: the names of known mistakes and the diagnosis'
phrases), found by Babel's Python extractor (``SOURCES`` is the mapping a
``babel.cfg`` would hold), plus the descriptions of the planted bugs
(``bplib.bughunt.PLANTED_BUGS``), which the feedback prints as names of
mistakes but which are not marked in their file.

Each language has ``bplib/locale/<locale>/LC_MESSAGES/bplib.po``, which
translators edit, and ``bplib.mo`` compiled from it. The .mo files are
committed and ship in the wheel, so that a learner's install reads them with
the standard library's ``gettext`` alone: Babel is needed only here and in the
tests. Updating a .po keeps the translations of the messages still in the code,
adds new ones untranslated (or marked fuzzy, with the translation of a similar
message as a starting point), and drops the ones gone from the code.

Stale (``--check``, and ``stale()``): a message in the code missing from the
.pot or a .po, a message in them no longer in the code, a .pot whose comments
or locations are out of date, an untranslated or fuzzy entry, and a .mo that is
missing or says something else than what compiling its .po gives. Only the
content counts: not the files' times (a fresh checkout gives them any order), nor
the version of Babel that compiled it.
"""
import io
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE_FOLDER = ROOT / "bplib" / "locale"
DOMAIN = "bplib"
TEMPLATE = LOCALE_FOLDER / f"{DOMAIN}.pot"
LOCALES = ("zh_CN",)
# Where the messages are and how each file is read (what babel.cfg would say).
SOURCES = {"bplib": [("**.py", "python")], "bpcourse/exercises": [("**.py", "python")]}
KEYWORDS = {"N_": None}  # only the marker: nothing else in these files is a message
WIDTH = 100
BUGS = "the bp-course repository's issues"
TEMPLATE_HEADER = """\
# The messages of bplib's learner feedback (bplib/checks.py, the answer key's mistakes).
# Written by python -m bpcourse messages from the code: do not edit, translate in the .po files.
# Copyright (C) YEAR bp-course
# This file is distributed under the same license as the PROJECT project.
#"""
PO_HEADER = """\
# The learner feedback of bplib in {language}: edit the msgstr lines, keeping every {{field}}
# and all notation and code as they are; python -m bpcourse messages then compiles bplib.mo.
# Copyright (C) YEAR bp-course
# This file is distributed under the same license as the PROJECT project.
#"""


def po_path(locale):
    return LOCALE_FOLDER / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(locale):
    return po_path(locale).with_suffix(".mo")


def _relative(path):
    """How messages name ``path``: from the repository's root when it is inside it."""
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)


def extract():
    """The template catalogue: every message of the code, with where it is and what it is."""
    from bplib import __version__, checks
    from bplib.bughunt import PLANTED_BUGS

    from .exercises import EXERCISES

    keys = {message: key for key, message in checks.MESSAGES.items()}
    mistakes = {}
    for exercise in EXERCISES:
        for name, _ in exercise.mistakes:
            mistakes.setdefault(name, []).append(exercise.id)
    template = Catalog(domain=DOMAIN, project="bplib", version=__version__, copyright_holder="bp-course",
                       msgid_bugs_address=BUGS, header_comment=TEMPLATE_HEADER, charset="utf-8", fuzzy=False)

    def add(message, filename, comments=()):
        comments = list(comments)
        if message in keys:
            comments.append(f"MESSAGES[{keys[message]!r}]")
        if message in mistakes:
            comments.append("a known mistake of " + ", ".join(sorted(set(mistakes[message]))))
        previous = template.get(message)
        if previous is not None:
            comments = previous.auto_comments + [c for c in comments if c not in previous.auto_comments]
            filenames = [f for f, _ in previous.locations] + [filename]
        else:
            filenames = [filename]
        template.add(message, locations=[(f, None) for f in dict.fromkeys(filenames)], auto_comments=comments)

    for folder, method_map in SOURCES.items():
        found = extract_from_dir(ROOT / folder, method_map, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",),
                                 strip_comment_tags=True)
        for filename, _, message, comments, _ in found:
            add(message, f"{folder}/{filename}", comments)
    for name, description in PLANTED_BUGS.items():
        add(description, "bplib/bughunt.py", [f"PLANTED_BUGS[{name!r}]: printed as a mistake's name"])
    return template


def _read(path, locale=None):
    with open(path, "rb") as file:
        return read_po(file, locale=locale, domain=DOMAIN)


def _po_text(catalog):
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=WIDTH, ignore_obsolete=True, include_lineno=False)
    return buffer.getvalue()


def compile_po(po_bytes):
    """The .mo that the .po text ``po_bytes`` compiles to (fuzzy entries left out, as msgfmt does)."""
    buffer = io.BytesIO()
    write_mo(buffer, read_po(io.BytesIO(po_bytes), domain=DOMAIN), use_fuzzy=False)
    return buffer.getvalue()


def mo_content(mo_bytes):
    """What a .mo says: ``{msgid: msgstr}``, and under ``""`` its header's fields. Read back with
    Babel, whose header names the Babel reading it: the bytes of a .mo differ from one Babel to
    the next (the version it writes in), what it says does not."""
    catalog = read_mo(io.BytesIO(mo_bytes))
    content = {m.id: m.string for m in catalog if m.id}
    content[""] = list(catalog.mime_headers)
    return content


def _entries(catalog):
    """What a catalogue says about each message, apart from its translation: (comments, files)."""
    return {m.id: (tuple(m.auto_comments), tuple(sorted({f for f, _ in m.locations}))) for m in catalog if m.id}


def _listed(ids, limit=5):
    ids = sorted(ids)
    shown = "; ".join(repr(i) for i in ids[:limit])
    return shown + (f"; and {len(ids) - limit} more" if len(ids) > limit else "")


def _template_problems(template, have):
    if have is None:
        return [f"{_relative(TEMPLATE)} is missing"]
    want, got = _entries(template), _entries(have)
    problems = []
    if set(want) - set(got):
        problems.append(f"{_relative(TEMPLATE)}: {len(set(want) - set(got))} message(s) of the code missing: "
                        + _listed(set(want) - set(got)))
    if set(got) - set(want):
        problems.append(f"{_relative(TEMPLATE)}: {len(set(got) - set(want))} message(s) no longer in the code: "
                        + _listed(set(got) - set(want)))
    changed = [i for i in set(want) & set(got) if want[i] != got[i]]
    if changed:
        problems.append(f"{_relative(TEMPLATE)}: comments or locations out of date for " + _listed(changed))
    return problems


def _po_problems(path, template, catalog):
    if catalog is None:
        return [f"{_relative(path)} is missing"]
    want = {m.id for m in template if m.id}
    got = {m.id: m for m in catalog if m.id}
    problems = []
    if want - set(got):
        problems.append(f"{_relative(path)}: {len(want - set(got))} message(s) of the code missing: "
                        + _listed(want - set(got)))
    if set(got) - want or catalog.obsolete:
        gone = (set(got) - want) | set(catalog.obsolete)
        problems.append(f"{_relative(path)}: {len(gone)} message(s) no longer in the code: " + _listed(gone))
    untranslated = [i for i in want & set(got) if not got[i].string]
    if untranslated:
        problems.append(f"{_relative(path)}: {len(untranslated)} untranslated: " + _listed(untranslated))
    fuzzy = [i for i in want & set(got) if got[i].fuzzy and got[i].string]
    if fuzzy:
        problems.append(f"{_relative(path)}: {len(fuzzy)} fuzzy (check the translation, then remove the "
                        f"'#, fuzzy' line): " + _listed(fuzzy))
    return problems


def _mo_problems(locale):
    po, mo = po_path(locale), mo_path(locale)
    if not po.exists():
        return []  # said about the .po
    if not mo.exists():
        return [f"{_relative(mo)} is missing"]
    if mo_content(mo.read_bytes()) != mo_content(compile_po(po.read_bytes())):
        older = " (and older than it)" if mo.stat().st_mtime < po.stat().st_mtime else ""
        return [f"{_relative(mo)} differs from what its .po compiles to{older}"]
    return []


def stale():
    """Messages for everything out of date (see the module docstring); [] when all is current."""
    template = extract()
    problems = _template_problems(template, _read(TEMPLATE) if TEMPLATE.exists() else None)
    for locale in LOCALES:
        path = po_path(locale)
        problems += _po_problems(path, template, _read(path, locale) if path.exists() else None)
        problems += _mo_problems(locale)
    return problems


def update():
    """Rewrite what is out of date: the .pot from the code, each .po from the .pot (translations
    kept), each .mo from its .po. Returns the paths written."""
    template = extract()
    written = []
    old_template = _read(TEMPLATE) if TEMPLATE.exists() else None
    if _template_problems(template, old_template):
        LOCALE_FOLDER.mkdir(parents=True, exist_ok=True)
        TEMPLATE.write_bytes(_po_text(template))
        written.append(TEMPLATE)
    else:
        template = old_template  # its creation date stays, so the .po headers do too
    for locale in LOCALES:
        path = po_path(locale)
        if path.exists():
            catalog = _read(path, locale)
        else:
            catalog = Catalog(locale=locale, domain=DOMAIN, project="bplib", version=template.version,
                              copyright_holder="bp-course", msgid_bugs_address=BUGS, charset="utf-8", fuzzy=False)
            catalog.header_comment = PO_HEADER.format(language=catalog.locale.english_name)
        before = _po_text(catalog)
        catalog.update(template)
        text = _po_text(catalog)
        if text != before or not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text)
            written.append(path)
        compiled = compile_po(path.read_bytes())
        if not mo_path(locale).exists() or mo_content(mo_path(locale).read_bytes()) != mo_content(compiled):
            mo_path(locale).write_bytes(compiled)
            written.append(mo_path(locale))
    return written


def main(check=False):
    """``python -m bpcourse messages [--check]``; the exit status."""
    if check:
        problems = stale()
        for problem in problems:
            print(problem)
        print("the feedback's catalogues are up to date" if not problems
              else f"{len(problems)} problem(s): run python -m bpcourse messages, then translate what it lists")
        return 1 if problems else 0
    written = update()
    for path in written:
        print(f"wrote {_relative(path)}")
    problems = stale()
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) left: translate the entries listed in the .po, then run this again")
    elif not written:
        print("the feedback's catalogues are up to date")
    return 1 if problems else 0
