"""The translated editions (solutions/zh/, notebooks/zh/): made from the English notebooks.

Every translated notebook holds the English notebook's code cells and their outputs, cell for
cell (only what a check cell prints is said in the translation's language), and translated text in
every Markdown cell; its learner copy holds the exercise stubs, never an answer. When the English
text changes under a translation, the build refuses to run and names the cell. nbval also runs a
sample of the translated notebooks in their own folders (conftest.py), where the check cells print
their feedback in Chinese.
"""
import os
import re
import shutil

import nbformat
import pytest

from bpcourse import build, translations
from bplib import checks
from conftest import TRANSLATED_UNDER_NBVAL

SOLUTIONS, NOTEBOOKS = build.SOLUTIONS, build.NOTEBOOKS
STEMS = sorted(p.stem for p in SOLUTIONS.glob("*.ipynb"))
CJK = re.compile(r"[\u4e00-\u9fff]")
PAIRS = [(lang, folder, stem) for lang in translations.LANGUAGES for folder in (SOLUTIONS, NOTEBOOKS)
         for stem in STEMS]


def read(path):
    return nbformat.read(path, as_version=4)


@pytest.mark.parametrize("lang, folder, stem", PAIRS, ids=lambda x: getattr(x, "name", x))
def test_a_translation_holds_the_english_code_and_outputs(lang, folder, stem):
    english, translated = read(folder / f"{stem}.ipynb"), read(folder / lang / f"{stem}.ipynb")
    assert [(c.id, c.cell_type) for c in translated.cells] == [(c.id, c.cell_type) for c in english.cells]
    for ours, theirs in zip(english.cells, translated.cells):
        if ours.cell_type == "markdown":
            assert CJK.search(theirs.source), f"cell {ours.id} is not translated"
            continue
        assert theirs.source == ours.source, f"code cell {ours.id} differs from the English"
        assert theirs.get("execution_count") == ours.get("execution_count")
        if not build.is_check_cell(ours):
            if theirs.outputs != ours.outputs:
                # A cell that prints evaluate's message prints it in the translation's language: only a
                # run proves the text (nbval runs such notebooks in their folder), the rest must be equal.
                assert stem in TRANSLATED_UNDER_NBVAL and "evaluate(" in ours.source, \
                    f"the outputs of cell {ours.id} differ from the English"
                assert [{**o, "text": None} for o in theirs.outputs] == [{**o, "text": None} for o in ours.outputs]
            continue
        assert [o.output_type for o in theirs.outputs] == [o.output_type for o in ours.outputs]
        for mine, its in zip(ours.outputs, theirs.outputs):
            if mine.output_type == "stream":
                assert its.text == translations.check_output(mine.text, lang)
                if mine.text.startswith("Correct:") and lang == "zh":
                    assert its.text.startswith("正确"), its.text
            else:
                assert its == translations.check_error(mine, lang)
                if mine.get("ename") == "NotImplementedError" and lang == "zh":   # a stub the check called
                    assert its.traceback[-1].startswith("这个练习还没有完成"), its.traceback[-1]
    assert translated.metadata["bp_course"] == dict(english.metadata["bp_course"], language=lang)
    assert {k: v for k, v in translated.metadata.items() if k != "bp_course"} == \
        {k: v for k, v in english.metadata.items() if k != "bp_course"}


def english_feedback_fragments(lang):
    """The English words of every message the catalogue of ``lang`` translates (the feedback's
    sentences, the names of known mistakes, ...): the text between its fields, with two words of three letters or more."""
    fragments = set()
    for msgid in checks._catalogue(lang)._catalog:
        for piece in re.split(r"\{[^}]*\}", msgid if isinstance(msgid, str) else msgid[0]):
            piece = piece.strip(" :;,.()\n")
            if len(re.findall(r"[A-Za-z]{3,}", piece)) >= 2:
                fragments.add(piece)
    return sorted(fragments)


@pytest.mark.parametrize("lang, folder, stem", PAIRS, ids=lambda x: getattr(x, "name", x))
def test_a_translation_prints_no_english_feedback(lang, folder, stem):
    """What a learner reads in a translated notebook's stored outputs is what its cells print there:
    feedback in the translation's language (the stored 01 once showed evaluate's message in English)."""
    fragments = english_feedback_fragments(lang)
    assert len(fragments) > 100 and "likely mistake" in fragments
    feedback_cells = [cell for cell in read(folder / lang / f"{stem}.ipynb").cells
                      if build.is_check_cell(cell) or "evaluate(" in cell.source]   # others print what code says
    for cell in feedback_cells:
        for output in cell.get("outputs", []):
            # (A traceback's frames show code, which stays English: its message is the evalue.)
            shown = output.get("text", "") + output.get("evalue", "")
            english = [fragment for fragment in fragments if fragment in shown]
            assert english == [], f"cell {cell.id} shows English feedback: {english} in {shown!r}"


@pytest.mark.parametrize("lang", translations.LANGUAGES)
def test_translated_learner_copies_hold_the_stubs_and_no_answer(lang):
    for stem in STEMS:
        solution, learner = read(SOLUTIONS / lang / f"{stem}.ipynb"), read(NOTEBOOKS / lang / f"{stem}.ipynb")
        answers = [line for cell in solution.cells if cell.cell_type == "code"
                   for line in build.solution_lines(cell.source)]
        text = nbformat.writes(learner)
        assert build.BEGIN not in text and build.HIDDEN_BEGIN not in text
        for cell in learner.cells:
            if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution"):
                assert "NotImplementedError" in cell.source
                assert not [line for line in answers if line.strip() and line in cell.source.split("\n")], stem
        assert learner.metadata["bp_course"]["copy"] == "learner"


def test_a_build_that_runs_nothing_keeps_the_translated_feedback(tmp_path, monkeypatch):
    """``build --no-execute`` keeps the outputs: the translated ones too (it cannot say them anew)."""
    stem = "01_start_here"
    for folder in (SOLUTIONS, NOTEBOOKS):
        (tmp_path / folder.name / "zh").mkdir(parents=True)
        shutil.copy(folder / f"{stem}.ipynb", tmp_path / folder.name)
        shutil.copy(folder / "zh" / f"{stem}.ipynb", tmp_path / folder.name / "zh")
    monkeypatch.setattr(build, "SOLUTIONS", tmp_path / SOLUTIONS.name)
    monkeypatch.setattr(build, "NOTEBOOKS", tmp_path / NOTEBOOKS.name)
    monkeypatch.setattr(build.exercise_data, "write", lambda: None)
    assert build.build([stem], run=False) == []
    for folder in (SOLUTIONS, NOTEBOOKS):
        kept, stored = read(tmp_path / folder.name / "zh" / f"{stem}.ipynb"), read(folder / "zh" / f"{stem}.ipynb")
        printed = [c.outputs for c in kept.cells if c.cell_type == "code" and "evaluate(" in c.source]
        assert printed and printed == [c.outputs for c in stored.cells if c.cell_type == "code" and "evaluate(" in c.source]
        assert "可能的错误" in printed[0][0]["text"]


def test_links_into_a_translation_find_their_heading():
    for lang in translations.LANGUAGES:
        headings = {}
        for stem in STEMS:
            nb = read(SOLUTIONS / lang / f"{stem}.ipynb")
            # JupyterLab's anchors: a heading's text with spaces as dashes, and an HTML id. Links
            # into the Chinese text use ASCII ids (<a id="Sources">): JupyterLab does not follow
            # the percent-encoded link a Chinese heading's anchor becomes.
            sources = [c.source for c in nb.cells if c.cell_type == "markdown"]
            headings[f"{stem}.ipynb"] = {line.lstrip("#").strip().replace(" ", "-")
                                         for source in sources for line in source.split("\n")
                                         if line.startswith("#") and line.isascii()}
            headings[f"{stem}.ipynb"] |= {m for source in sources for m in re.findall(r'<a id="([\w-]+)">', source)}
        for stem in STEMS:
            for cell in read(SOLUTIONS / lang / f"{stem}.ipynb").cells:
                for target, anchor in re.findall(r"\]\(([\w.]*)#([^)\s]+)\)", cell.source):
                    assert anchor in headings[target or f"{stem}.ipynb"], (stem, cell.id, target, anchor)


def test_a_change_to_the_english_text_stops_the_build_and_names_the_cell(tmp_path, monkeypatch):
    stem = "04_chain_rule"
    nb = read(SOLUTIONS / f"{stem}.ipynb")
    translations.load("zh", stem, nb)  # matches today
    changed = next(c for c in nb.cells if c.cell_type == "markdown" and c.source.startswith("## "))
    changed.source += "\n\nA sentence the translation does not have."
    with pytest.raises(translations.TranslationDrift, match=f"cell {changed.id}: the English text changed"):
        translations.load("zh", stem, nb)
    nb.cells.append(nbformat.v4.new_markdown_cell("A new cell."))
    with pytest.raises(translations.TranslationDrift, match=f"cell {nb.cells[-1].id} is not translated"):
        translations.load("zh", stem, nb)
    # The build checks every translation before it executes anything.
    shutil.copytree(SOLUTIONS, tmp_path / "solutions", ignore=shutil.ignore_patterns("zh"))
    nbformat.write(nb, tmp_path / "solutions" / f"{stem}.ipynb")
    monkeypatch.setattr(build, "SOLUTIONS", tmp_path / "solutions")
    with pytest.raises(build.CourseError, match="translations do not match the English"):
        build.build([stem], run=True)
    assert build.check_translations(["02_forward_pass"]) == []


def test_a_translation_file_must_name_each_cell_once_with_text():
    good = "<!-- cell abc en 0123456789ab -->\n你好\n"
    assert translations.parse(good) == {"abc": ("0123456789ab", "你好")}
    with pytest.raises(translations.TranslationDrift, match="start with a line like"):
        translations.parse("stray text\n" + good)
    with pytest.raises(translations.TranslationDrift, match="translated twice"):
        translations.parse(good + good)
    with pytest.raises(translations.TranslationDrift, match="has no text"):
        translations.parse("<!-- cell abc en 0123456789ab -->\n\n")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("Hello")])
    nb.cells[0].id = "abc"
    assert translations.problems(nb, {"abc": (translations.english_hash("Hello"), "你好")}) == []
    assert "no Markdown cell" in translations.problems(nb, {"abc": (translations.english_hash("Hello"), "你好"),
                                                             "zzz": ("0" * 12, "多余")})[0]


class _Shell:
    """What RECORD_FEEDBACK uses of IPython's shell: the notebook's namespace and its events."""

    def __init__(self):
        self.user_ns, self.hooks = {}, []
        self.events = self

    def register(self, event, hook):
        assert event == "pre_run_cell"
        self.hooks.append(hook)

    def run_cell(self, code):
        for hook in self.hooks:
            hook(None)
        exec(code, self.user_ns)


def test_the_build_records_a_notebooks_own_evaluate_calls_in_every_language(tmp_path, monkeypatch):
    """The hook the build runs in the English kernel: a cell's evaluate() is said in Chinese too, the
    cell still gets the English, the random states are as a run without the hook leaves them, and a
    function that fails when called again changes nothing the cell sees."""
    import random

    import IPython
    import numpy as np

    shell, record = _Shell(), tmp_path / "feedback.jsonl"
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    monkeypatch.delenv("BPLIB_LANGUAGE", raising=False)
    monkeypatch.chdir(tmp_path)   # a folder that is not called zh: English
    exec(translations.RECORD_FEEDBACK % (str(record), ("zh",)), {})
    shell.run_cell("from bplib.checks import evaluate\nimport numpy as np, random\n"
                   "def first(w, b):\n    return np.hstack([b.reshape(-1, 1), w])\n"
                   "def noisy(w, b):\n    return np.hstack([w, b.reshape(-1, 1)]) + np.random.rand()\n"
                   "calls = []\n"
                   "def once(w, b):\n    calls.append(1)\n    if len(calls) > 1:\n        raise RuntimeError('again')\n"
                   "    return w\n")
    np.random.seed(3)
    random.seed(3)
    shell.run_cell("passed, message = evaluate('fold-bias', first)\nafter = (np.random.rand(), random.random())")
    assert shell.user_ns["evaluate"] is not checks.evaluate   # swapped before the cell that used it
    np.random.seed(3)
    random.seed(3)
    assert shell.user_ns["after"] == (np.random.rand(), random.random())
    assert not shell.user_ns["passed"] and "likely mistake" in shell.user_ns["message"]
    shell.run_cell("again = evaluate('fold-bias', once)")
    assert shell.user_ns["again"][0] is False
    # Drawing from NumPy's generator, it says the same again only from the same random state.
    shell.run_cell("noise = evaluate('fold-bias', noisy)")
    said = translations.recorded_feedback(record)["zh"]
    assert list(said) == [shell.user_ns["message"], shell.user_ns["noise"][1]]   # none of `once`'s
    assert said[shell.user_ns["message"]].startswith("fold_bias，测试用例 1") and "可能的错误" in said[shell.user_ns["message"]]
    assert "BPLIB_LANGUAGE" not in os.environ
