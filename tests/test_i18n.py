"""Check-cell feedback in the notebook's language: Simplified Chinese in a folder named zh,
English elsewhere (exactly as before), BPLIB_LANGUAGE over both.

The catalogue (bplib/locale) holds every message of the code, translated and compiled; each
translation keeps its message's format fields; what a check prints in Chinese has no English
left in it but notation, code and the learner's own error text. No kernel is started.
"""
import fnmatch
import gettext
import io
import re
import string
import tomllib
from pathlib import Path

import numpy as np
import pytest
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from bpcourse import exercises, messages
from bpcourse.__main__ import main as bpcourse_main
from bplib import checks
from bplib.checks import MESSAGES, ExerciseFailed, check, evaluate, load

ROOT = Path(__file__).resolve().parent.parent
ZH_PO = messages.po_path("zh_CN")
ZH_MO = messages.mo_path("zh_CN")
HAN = "\u4e00-\u9fff"
FULL_WIDTH = "\u3000-\u303f\uff00-\uffef"  # CJK punctuation (、。) and full-width forms (，：（）)
# Words of an English sentence that no notation or code of the course uses.
ENGLISH = re.compile(r"\b(the|is|are|of|and|should|expected|got|your|not|was|missing|with|at|item|entry|shape"
                     r"|test case|likely|mistake|raised)\b")


def _catalogue(path):
    with open(path, "rb") as file:
        return read_po(file)


@pytest.fixture(scope="module")
def template():
    return messages.extract()  # Babel reads the code: once for the module


@pytest.fixture(scope="module")
def zh():
    return {m.id: m for m in _catalogue(ZH_PO) if m.id}


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """``folder(name)`` makes a fresh folder called ``name`` the working directory;
    BPLIB_LANGUAGE is unset for the test."""
    monkeypatch.delenv(checks.LANGUAGE_VARIABLE, raising=False)

    def go(name):
        path = tmp_path / name
        path.mkdir(parents=True, exist_ok=True)
        monkeypatch.chdir(path)
        return path
    return go


def _fields(text):
    """The format fields of ``text``, as (name, conversion, format spec), sorted."""
    return sorted((name, conversion or "", spec or "")
                  for _, name, spec, conversion in string.Formatter().parse(text) if name is not None)


# -- the catalogue ----------------------------------------------------------------------------------------------
def test_every_message_of_the_code_is_in_the_template_and_translated(template, zh):
    code = {m.id for m in template if m.id}
    assert len(code) > 150
    assert code == {m.id for m in _catalogue(messages.TEMPLATE) if m.id}
    assert code == set(zh)
    untranslated = [i for i, m in zh.items() if not m.string.strip()]
    fuzzy = [i for i, m in zh.items() if m.fuzzy]
    assert untranslated == [] and fuzzy == []
    assert set(MESSAGES.values()) <= code


def test_the_committed_mo_is_what_the_po_compiles_to(zh):
    """Compared by content: compiling writes Babel's version into the header."""
    compiled = io.BytesIO()
    write_mo(compiled, _catalogue(ZH_PO))
    assert messages.mo_content(ZH_MO.read_bytes()) == messages.mo_content(compiled.getvalue())
    # gettext finds it for Chinese as bplib.checks asks, and says each message as the .po does
    found = gettext.find("bplib", checks.LOCALE_FOLDER, languages=["zh_CN", "zh"])
    assert found is not None and Path(found).resolve() == ZH_MO.resolve()
    with open(found, "rb") as file:
        served = gettext.GNUTranslations(file)
    assert {msgid: served.gettext(msgid) for msgid in zh} == {msgid: m.string for msgid, m in zh.items()}
    assert len(read_mo(io.BytesIO(ZH_MO.read_bytes()))) == len(zh)


def test_the_command_finds_nothing_stale(template, monkeypatch, capsys):
    monkeypatch.setattr(messages, "extract", lambda: template)  # the fixture is that extraction
    assert bpcourse_main(["messages", "--check"]) == 0, capsys.readouterr().out


def test_the_command_names_what_is_stale_and_updates_it(template, tmp_path, monkeypatch, capsys):
    """On a copy of the catalogues: a message new in the code, one gone, an untranslated and a
    fuzzy entry and a .mo out of date are each named; updating leaves only the translator's work."""
    locale = tmp_path / "locale"
    for path in (messages.TEMPLATE, ZH_PO, ZH_MO):
        copy = locale / path.relative_to(messages.LOCALE_FOLDER)
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_bytes(path.read_bytes())
    monkeypatch.setattr(messages, "LOCALE_FOLDER", locale)
    monkeypatch.setattr(messages, "TEMPLATE", locale / "bplib.pot")
    code = _catalogue(messages.TEMPLATE)  # a copy to change
    code.add("a message new in the code", locations=[("bplib/checks.py", None)])
    del code["your function"]
    monkeypatch.setattr(messages, "extract", lambda: code)
    po = _catalogue(messages.po_path("zh_CN"))
    po["your result"].string = ""
    po["missing the 1/2"].flags.add("fuzzy")
    messages.po_path("zh_CN").write_bytes(messages._po_text(po))

    assert bpcourse_main(["messages", "--check"]) == 1
    said = capsys.readouterr().out
    for words in ("bplib.pot: 1 message(s) of the code missing: 'a message new in the code'",
                  "bplib.pot: 1 message(s) no longer in the code: 'your function'",
                  "bplib.po: 1 message(s) of the code missing: 'a message new in the code'",
                  "bplib.po: 1 message(s) no longer in the code: 'your function'",
                  "bplib.po: 1 untranslated: 'your result'",
                  "bplib.po: 1 fuzzy (check the translation, then remove the '#, fuzzy' line): 'missing the 1/2'",
                  "bplib.mo differs from what its .po compiles to",
                  "7 problem(s)"):
        assert words in said, said

    assert bpcourse_main(["messages"]) == 1
    said = capsys.readouterr().out
    assert "wrote bplib/locale/bplib.pot" not in said  # the paths are tmp_path's, not the repository's
    left = messages.stale()
    assert len(left) == 2 and "untranslated: 'a message new in the code'; 'your result'" in left[0], left
    assert "fuzzy" in left[1] and "'missing the 1/2'" in left[1]
    assert "your function" not in _catalogue(messages.po_path("zh_CN"))._messages
    compiled = messages.compile_po(messages.po_path("zh_CN").read_bytes())
    assert messages.mo_content(messages.mo_path("zh_CN").read_bytes()) == messages.mo_content(compiled)

    po = _catalogue(messages.po_path("zh_CN"))  # a change to the header alone is a change too
    po.last_translator = "someone else"
    messages.po_path("zh_CN").write_bytes(messages._po_text(po))
    assert any("bplib.mo differs from what its .po compiles to" in problem for problem in messages.stale())


def test_every_translation_keeps_the_format_fields_of_its_message(zh):
    differ = {i: m.string for i, m in zh.items() if _fields(i) != _fields(m.string)}
    assert differ == {}


def test_chinese_text_has_full_width_punctuation_and_no_english_sentence(zh):
    problems = []
    for msgid, message in zh.items():
        text = message.string
        if re.search(rf"[{HAN}] ?[,:;?!]|[,:;?!] ?[{HAN}]|[{HAN}][()]|[()][{HAN}]", text):
            problems.append(f"ASCII punctuation beside Chinese: {text!r}")
        if ENGLISH.search(re.sub(r"`[^`]*`|{[^{}]*}", "", text)):
            problems.append(f"English left: {text!r}")
        if not re.search(f"[{HAN}{FULL_WIDTH}]", text):
            problems.append(f"nothing Chinese: {text!r}")
    assert problems == []


def test_every_message_says_its_fields_in_chinese(monkeypatch):
    monkeypatch.setenv(checks.LANGUAGE_VARIABLE, "zh")
    for key, msgid in MESSAGES.items():
        fields = {}
        for name, _, spec in _fields(msgid):
            fields[name] = 0.125 if spec[-1:] in ("g", "f", "e") else f"<{name}>"
        said = checks._say(key, **fields)
        assert said != msgid.format(**fields), key
        assert all(value in said for value in fields.values() if isinstance(value, str)), (key, said)


def test_the_package_data_lists_the_compiled_catalogues():
    """pyproject.toml's package-data (a wheel built from it, or an install of it, has them). The
    student release builds its wheel from its own template, bpcourse.release.WHEEL_PYPROJECT."""
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    shipped = ZH_MO.relative_to(ROOT / "bplib").as_posix()
    assert any(fnmatch.fnmatch(shipped, pattern) for pattern in package_data["bplib"])


def test_every_text_of_the_exercise_data_a_learner_can_read_is_in_the_catalogue(zh):
    """The answer key marks the names of its mistakes and the diagnosis' phrases (N_): one left
    unmarked would print in English. The exercise data is what the check reads."""
    texts = set()
    for exercise_id in checks.exercise_ids():
        for case in load(exercise_id)["cases"]:
            texts |= {mistake["name"] for mistake in case["mistakes"]}
            inputs = dict(case["inputs"]["dict"])
            if "about" in inputs and "nodes" not in inputs:
                texts.add(inputs["about"])
            if "evidence" in inputs:
                evidence = {k: v for k, v in inputs["evidence"]["dict"]}
                texts |= {phrase for _, phrase in evidence["phrases"]["dict"]}
                texts |= {description for _, description in evidence["descriptions"]["dict"]}
                for group in ("observed", "predicted"):
                    for _, facts in evidence[group]["dict"]:
                        for _, fact in facts["dict"]:
                            texts.add(fact[0] if isinstance(fact, list) else fact)
    assert len(texts) > 100
    assert sorted(texts - set(zh)) == []


# -- which language, when ---------------------------------------------------------------------------------------
def hidden_error(delta_next, w_next, z):
    return (delta_next @ w_next) * z * 0 + (delta_next @ w_next) * np.exp(-z) / (1 + np.exp(-z)) ** 2


def hidden_error_transposed(delta_next, w_next, z):
    return (delta_next @ w_next.T) * np.exp(-z) / (1 + np.exp(-z)) ** 2


ENGLISH_WRONG = ("hidden_error, test case 1 (delta_next shape (4, 3), w_next shape (3, 3), z shape (4, 3)):\n"
                 "likely mistake: w transposed: with samples as rows, BP2's (w^T delta)^T is delta @ w, without .T")
CHINESE_WRONG = ("hidden_error，测试用例 1（delta_next 形状为 (4, 3)、w_next 形状为 (3, 3)、z 形状为 (4, 3)）：\n"
                 "可能的错误：w 转置了：样本按行排列时，BP2 的 (w^T delta)^T 就是 delta @ w，不带 .T")


def _feedback(function, capsys):
    """What a check cell shows: the printed line, or the failure's message."""
    try:
        check("hidden-error", function)
    except ExerciseFailed as failed:
        return str(failed)
    return capsys.readouterr().out


def test_in_a_folder_named_zh_the_feedback_is_chinese(folder, capsys):
    folder("notebooks/zh")
    assert checks.language() == "zh"
    assert _feedback(hidden_error, capsys) == "正确：hidden_error 通过了全部 2 个测试用例。\n"
    assert _feedback(hidden_error_transposed, capsys) == CHINESE_WRONG


@pytest.mark.parametrize("name", ["notebooks", "zh/notebooks", "zh_CN", "ZH"])
def test_elsewhere_the_feedback_is_english_as_before(folder, capsys, name):
    folder(name)
    assert checks.language() == "en"
    assert _feedback(hidden_error, capsys) == "Correct: hidden_error passes all 2 test cases.\n"
    assert _feedback(hidden_error_transposed, capsys) == ENGLISH_WRONG


def test_the_locale_of_the_machine_does_not_choose(folder, monkeypatch, capsys):
    for variable in ("LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.setenv(variable, "zh_CN.UTF-8")
    folder("notebooks")
    assert _feedback(hidden_error_transposed, capsys) == ENGLISH_WRONG


def test_the_language_is_chosen_at_each_check(folder, monkeypatch, capsys):
    """A kernel that changes folder, or a %env, changes the next check's language."""
    folder("zh")
    assert _feedback(hidden_error_transposed, capsys) == CHINESE_WRONG
    folder("en")
    assert _feedback(hidden_error_transposed, capsys) == ENGLISH_WRONG
    monkeypatch.setenv(checks.LANGUAGE_VARIABLE, "zh")
    assert _feedback(hidden_error_transposed, capsys) == CHINESE_WRONG


def test_BPLIB_LANGUAGE_overrides_the_folder(folder, monkeypatch, capsys):
    folder("zh")
    monkeypatch.setenv(checks.LANGUAGE_VARIABLE, "en")
    assert _feedback(hidden_error_transposed, capsys) == ENGLISH_WRONG
    monkeypatch.setenv(checks.LANGUAGE_VARIABLE, "")  # empty, as %env NAME= leaves it: the folder decides
    assert _feedback(hidden_error_transposed, capsys) == CHINESE_WRONG


@pytest.mark.parametrize("value", ["fr", "zh_CN", "ZH", "chinese"])
def test_a_bad_BPLIB_LANGUAGE_is_a_clear_error_before_any_learner_code_runs(folder, monkeypatch, value):
    folder("notebooks")
    monkeypatch.setenv(checks.LANGUAGE_VARIABLE, value)
    calls = []
    message = f"BPLIB_LANGUAGE is {value!r}; expected one of en, zh"
    with pytest.raises(ValueError, match=re.escape(message)):
        check("hidden-error", lambda delta_next, w_next, z: calls.append(1))
    assert calls == []


def test_the_catalogue_is_read_once_per_language(folder, monkeypatch, capsys):
    opened = []
    real = gettext.translation

    def counting(*args, **kwargs):
        opened.append(kwargs.get("languages"))
        return real(*args, **kwargs)
    monkeypatch.setattr(gettext, "translation", counting)
    checks._catalogue.cache_clear()
    folder("en")
    _feedback(hidden_error_transposed, capsys)
    assert opened == []  # English needs no catalogue
    folder("zh")
    for _ in range(3):
        assert _feedback(hidden_error_transposed, capsys) == CHINESE_WRONG
    assert opened == [["zh_CN", "zh"]]


# -- everything a check can say, in Chinese ---------------------------------------------------------------------
def _wrong_answers():
    """One wrong answer for every exercise (its first known mistake) and the answers that reach
    the other kinds of message: structure, dtype, shape, graphs, the diagnosis."""
    answers = [(e.id, e.mistakes[0][1]) for e in exercises.EXERCISES if e.mistakes]
    answers += [
        ("fold-bias", lambda w, b: np.column_stack([w, b]).tolist()),              # a list: wrap it in np.array
        ("fold-bias", lambda w, b: np.column_stack([w, b]).astype(np.float32)),    # dtype
        ("fold-bias", lambda w, b: np.column_stack([w, b]).T),                     # an entry of "your result"
        ("bias-gradient", lambda delta: np.zeros_like(delta, dtype=int).sum(axis=0)),  # integer zeros_like
        ("backprop", lambda weights, biases, X, Y: ([w * 0 for w in weights], [b * 0 for b in biases])),
        ("neuron-gradients", lambda x, w, b, y: None),                             # forgot to return
        ("relative-error", lambda analytic, numeric: np.ones(3)),                  # a single number
        ("value-add", lambda a, b: a.data + b.data),                               # not a Value: a float
        ("value-mul", lambda a, b: type(a)(a.data * b.data + 1, (a, b))),          # a graph's value
        ("scaled-init", lambda n_in, n_out, rng: rng.uniform(-1, 1, size=(n_out, n_in))),  # kurtosis hint
        ("layers-at-fault", lambda backprop_fn, net, X, Y: "w1"),                  # not pairs
        ("diagnosis", lambda: dict.fromkeys("ABCDE", "sign")),                    # one mistake for two bugs
        ("diagnosis", lambda: {**exercises.get("diagnosis").reference(), "A": "sign", "D": "missing_mean"}),
    ]
    return answers


def test_no_english_is_left_in_chinese_feedback(monkeypatch):
    monkeypatch.setenv(checks.LANGUAGE_VARIABLE, "zh")
    left = []
    for exercise_id, answer in _wrong_answers():
        passed, message = evaluate(exercise_id, answer)
        assert not passed, (exercise_id, message)
        if ENGLISH.search(message) or not re.search(f"[{HAN}]", message):
            left.append((exercise_id, message))
    assert left == []
    said = evaluate("value-mul", lambda a, b: None)[1]
    assert "（C = tanh(x * y) * x，其中 x = 0.5、y = -1.5）" in said
    said = evaluate("diagnosis", lambda: {**exercises.get("diagnosis").reference(), "A": "sign",
                                          "D": "missing_mean"})[1]
    assert "它的表格显示每一行都相同的 r = " in said and "sign（输出层误差 delta 的符号错了" in said


def _stub(z):
    raise NotImplementedError("exercise sigmoid: replace this line with your code")


def _own_not_implemented(z):
    raise NotImplementedError("softplus is not written yet")


def test_a_stub_in_a_chinese_notebook_says_in_chinese_that_it_is_unfinished(monkeypatch):
    """The stub's message is code, English in both editions; the check adds a Chinese line (a note, shown
    under the message), and leaves the exception itself as the stub raised it."""
    monkeypatch.setenv(checks.LANGUAGE_VARIABLE, "zh")
    with pytest.raises(NotImplementedError, match="replace this line with your code") as raised:
        check("sigmoid", _stub)
    assert raised.value.__notes__ == ["这个练习还没有完成：请把 raise NotImplementedError(...) 这一行换成你自己的代码。"]
    with pytest.raises(NotImplementedError) as raised:
        check("sigmoid", _own_not_implemented)      # not a stub: no note
    assert not hasattr(raised.value, "__notes__")
    monkeypatch.setenv(checks.LANGUAGE_VARIABLE, "en")
    with pytest.raises(NotImplementedError) as raised:
        check("sigmoid", _stub)                     # the English message already says it
    assert not hasattr(raised.value, "__notes__")
