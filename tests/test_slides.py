"""Slides: the course build's slide layout, and the offline decks (``python -m bpcourse slides``).

The layout (``bpcourse.slides.slide_types``) is checked on made-up cells: a
sub-slide starts before a code cell that would not fit, from heights estimated
from the notebook alone. ``python -m bpcourse build --no-execute`` must keep the
stored outputs of unchanged cells.

Every solution notebook, plus a small synthetic one (slide metadata, LaTeX,
a code cell with a PNG plot, a line too long for the slide, a cell taller
than the slide), is exported once into a temporary folder. Each deck must
hold one <section> per slide and subslide that its cells'
``slideshow.slide_type`` metadata implies, load every script and style sheet
from a relative path that exists in the output folder, and carry the
notebook's title. Then one headless Chromium opens each deck once, at
1280x720, with every request that is not ``file://`` aborted: reveal.js must
start with the right number of slides, MathJax must typeset the formulas
without a TeX error, and no slide may overflow (see ``test_no_slide_overflows``).
Two pages (one per core) open the decks in turn, each waiting on the deck's own
events (load, reveal.js ready, MathJax's first typesetting), not on a timer.
"""
import base64
import copy
import functools
import io
import os
import re
import shutil
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest

from bpcourse import build as course, messages, slides
from bpcourse.build import BEGIN

SOLUTION_NOTEBOOKS = sorted(slides.SOLUTIONS.glob("*.ipynb"))
SYNTHETIC = "00_synthetic_slides"
SYNTHETIC_TITLE = "Synthetic deck: backpropagation in four equations"
# One deck of the Chinese edition too (its longest text: the glossary and the sources), exported
# under its own name beside the English decks.
TRANSLATED = slides.SOLUTIONS / "zh" / "01_start_here.ipynb"
TRANSLATED_NAME = "zh_01_start_here"
NAMES = [SYNTHETIC] + [p.stem for p in SOLUTION_NOTEBOOKS] + [TRANSLATED_NAME]
# Chromium's headless shell (apt-get install chromium-headless-shell) when it is installed, else
# Chromium itself (BPLIB_TEST_CHROMIUM names another). Debian builds both from one source, at one
# version: the same Blink lays out every slide of every deck to the same numbers, but the shell
# has no browser window (no toolbar, no omnibox pages preloaded in a renderer of their own), which
# cost a third of Chromium's CPU in these tests (its start-up, and each page's frames composited twice).
HEADLESS_SHELL = Path("/usr/lib/chromium/chromium-headless-shell")
CHROMIUM = Path(os.environ.get("BPLIB_TEST_CHROMIUM")
                or (HEADLESS_SHELL if HEADLESS_SHELL.exists() else "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
REMOTE = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//)")          # any scheme, or protocol-relative
REMOTE_IN_CODE = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|import\s*\(?\s*["'](?:https?:)?//"""
                            r"""|url\(\s*["']?(?:https?:)?//|@import\s+["'](?:https?:)?//""")


@functools.lru_cache(maxsize=None)
def _png_plot():
    """A 300x200 PNG of a line plot, base64 (drawn once: every synthetic notebook embeds it)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1, 2, 3], [0, 1, 4, 9])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


LONG_LINE = "values = [" + ", ".join(f"{k} * weight_{k}" for k in range(24)) + "]"   # wider than any slide
TALL_CELL = "\n".join(f"step_{k} = {k} ** 2   # one line of a cell taller than the slide" for k in range(45))


def synthetic_notebook():
    """Three slides (the second with two subslides), a skipped cell, notes, LaTeX, a PNG
    output, a code line too long for the slide, and a cell taller than the slide."""
    def cell(kind, source, slide_type):
        new = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        c = new(source)
        c.metadata["slideshow"] = {"slide_type": slide_type}
        return c

    plot = cell("code", "plt.plot([0, 1, 2, 3], [0, 1, 4, 9])", "-")
    plot.execution_count = 1
    plot.outputs = [nbformat.v4.new_output("display_data",
                                           data={"image/png": _png_plot(), "text/plain": "<Figure>"})]
    cells = [
        cell("markdown", f"# {SYNTHETIC_TITLE}\n\nThe output error is "
             r"$\delta^L = \nabla_a C \odot \sigma'(z^L)$.", "slide"),
        cell("markdown", r"$$\frac{\partial C}{\partial w^l_{jk}} = a^{l-1}_k \delta^l_j$$", "-"),
        cell("markdown", "This cell is skipped.", "skip"),
        cell("markdown", "## A plot", "slide"),
        plot,
        cell("markdown", "Say: the loss falls.", "notes"),
        cell("markdown", "### Backward pass\n\n" r"$\delta^l = ((w^{l+1})^T \delta^{l+1}) \odot \sigma'(z^l)$",
             "subslide"),
        cell("code", LONG_LINE, "-"),
        cell("code", TALL_CELL, "subslide"),
        cell("markdown", "## The end", "slide"),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    return nb


# --- The course build's slide layout ------------------------------------------

def code(source, outputs=(), slide_type=None):
    c = nbformat.v4.new_code_cell(source, outputs=list(outputs))
    if slide_type:
        c.metadata["slideshow"] = {"slide_type": slide_type}
    return c


def markdown(source, slide_type=None):
    c = nbformat.v4.new_markdown_cell(source)
    if slide_type:
        c.metadata["slideshow"] = {"slide_type": slide_type}
    return c


def lines(n, width=20):
    return "\n".join(f"x_{k} = {k}".ljust(width, " ") + "# ok" for k in range(n))


def png_output(b64):
    return nbformat.v4.new_output("display_data", data={"image/png": b64, "text/plain": "<Figure>"})


def test_cell_height_counts_wrapped_code_lines_outputs_and_png_heights():
    px = slides.HEIGHT_PX
    short, longer = slides.cell_height(code(lines(10))), slides.cell_height(code(lines(20)))
    assert longer - short == 10 * px["input line"]
    # A line three slide-widths long wraps into three.
    assert slides.cell_height(code("x" * (3 * slides.CODE_CHARS))) - slides.cell_height(code("x")) \
        == 2 * px["input line"]
    printed = code("print(1)", [nbformat.v4.new_output("stream", name="stdout", text="1\n2\n3\n")])
    assert slides.cell_height(printed) - slides.cell_height(code("print(1)")) == px["output"] + 3 * px["output line"]
    # A 300x200 PNG (figsize 3x2 at 100 dpi): its height comes from the PNG header.
    plot = code("plot()", [png_output(_png_plot())])
    assert slides._png_size(plot.outputs[0]["data"]["image/png"]) == (300, 200)
    assert slides.cell_height(plot) - slides.cell_height(code("plot()")) == px["output"] + px["image"] + 200
    # The size in the output's metadata wins (a retina figure is shown at half its pixels).
    plot.outputs[0]["metadata"] = {"image/png": {"width": 150, "height": 100}}
    assert slides.cell_height(plot) - slides.cell_height(code("plot()")) == px["output"] + px["image"] + 100
    # An image wider than the slide is scaled down to it.
    plot.outputs[0]["metadata"] = {"image/png": {"width": 2 * slides.IMAGE_WIDTH, "height": 600}}
    assert slides.cell_height(plot) - slides.cell_height(code("plot()")) == px["output"] + px["image"] + 300
    # A traceback counts by the text it shows, not its colour codes.
    coloured = "\x1b[0;31m" + "x" * (slides.CODE_CHARS - 10) + "\x1b[0m"
    error = nbformat.v4.new_output("error", ename="ValueError", evalue="", traceback=[coloured, coloured])
    assert slides.cell_height(code("f()", [error])) - slides.cell_height(code("f()")) \
        == px["output"] + 2 * px["output line"]
    widget = nbformat.v4.new_output("display_data", data={
        "application/vnd.jupyter.widget-view+json": {"model_id": "m", "version_major": 2, "version_minor": 0}})
    assert slides.cell_height(code("show()", [widget])) > slides.SLIDE_HEIGHT


def test_cell_height_of_markdown_grows_with_what_it_shows():
    base = slides.cell_height(markdown("One line."))
    paragraph = slides.cell_height(markdown("word " * (2 * slides.TEXT_CHARS // 5)))   # two lines' worth
    assert paragraph - base == slides.HEIGHT_PX["text line"]
    assert slides.cell_height(markdown("## Heading\n\nOne line.")) > base
    plain_table = "| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |"
    fraction_table = plain_table + "\n| $\\dfrac{1}{2}$ | 5 |"
    assert slides.cell_height(markdown(fraction_table)) - slides.cell_height(markdown(plain_table)) \
        == 3 * slides.HEIGHT_PX["table line"]
    assert slides.cell_height(markdown("$$\\frac{a}{b}$$")) > slides.cell_height(markdown("$$a + b$$"))
    items = "\n".join(f"- item {k}" for k in range(6))
    assert slides.cell_height(markdown(items)) > slides.cell_height(markdown("- item 0"))


def test_a_sub_slide_starts_before_a_code_cell_that_does_not_fit():
    heading = markdown("## Section\n\nText.")
    tall = code(lines(40))                            # taller than a slide on its own
    assert slides.cell_height(tall) > slides.SLIDE_HEIGHT
    cells = [heading, code(lines(3)), markdown("More text."), code(lines(3)), tall, code(lines(3)),
             markdown("### Exercise"), code(lines(4))]
    assert slides.slide_types(cells) == ["slide", "-", "subslide", "-", "subslide", "subslide", "subslide", "-"]


def test_the_split_keeps_a_short_cell_with_the_one_before_it():
    """Three cells that need two sub-slides: the short last one goes with the middle one,
    not alone on a slide of its own."""
    text, middle, short = markdown("Text.\n\n" + "word " * 120), code(lines(15)), code("check()")
    heights = [slides.cell_height(c) for c in (text, middle, short)]
    assert heights[0] + heights[1] <= slides.SLIDE_HEIGHT < sum(heights)
    assert heights[1] + heights[2] <= slides.SLIDE_HEIGHT
    assert slides.slide_types([markdown("# Title"), text, middle, short]) == ["slide", "subslide", "subslide", "-"]


def test_slide_types_keep_authored_types_and_ignore_stale_ones():
    cells = [markdown("# Title", "subslide"), code(lines(3), slide_type="subslide"),
             markdown("Skipped.", "skip"), markdown("Say this.", "notes"), code(lines(2), slide_type="fragment"),
             code(lines(40)), code(lines(40), slide_type="fragment")]
    # A fragment stays on its sub-slide even when it does not fit; skip and notes take no room.
    assert slides.slide_types(cells) == ["slide", "-", "skip", "notes", "fragment", "subslide", "fragment"]
    assert slides.slide_types(cells) == slides.slide_types(copy.deepcopy(cells))


def test_prepared_notebooks_carry_what_jupyterlab_and_rise_read():
    nb = nbformat.read(slides.SOLUTIONS / "07_xor.ipynb", as_version=4)
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    for cell in nb.cells:
        cell.metadata.pop("slideshow", None)
    course.prepare_solution(nb, "07_xor")
    assert nb.metadata["kernelspec"] == {"display_name": "Python 3 (ipykernel)", "language": "python",
                                         "name": "python3"}
    assert nb.metadata["rise"] == {"scroll": True}
    assert [c.metadata["slideshow"]["slide_type"] for c in nb.cells] == slides.slide_types(nb.cells)


def test_each_copy_is_split_by_its_own_outputs():
    """An unfinished exercise's traceback in the learner's copy can need a sub-slide
    that the solution, with its short output, does not."""
    solution = nbformat.v4.new_notebook(cells=[markdown("## Exercise"), code(lines(10)), code("check()")])
    learner = copy.deepcopy(solution)
    learner.cells[2].outputs = [nbformat.v4.new_output(
        "error", ename="NotImplementedError", evalue="exercise", traceback=[f"frame {k}" for k in range(12)])]
    course.set_slide_metadata(solution)
    course.set_slide_metadata(learner)
    assert [c.metadata["slideshow"]["slide_type"] for c in solution.cells] == ["slide", "-", "-"]
    assert [c.metadata["slideshow"]["slide_type"] for c in learner.cells] == ["slide", "-", "subslide"]
    assert learner.metadata["rise"] == solution.metadata["rise"] == {"scroll": True}


def test_numbers_are_written_as_jupyterlab_saves_them():
    """JavaScript has one kind of number: JupyterLab saves a stored widget state's 1.0 as 1."""
    state = {"max": 1.0, "min": -3.0, "step": 0.1, "values": [0.0, 2.5, 1e16], "label": "1.0", "on": True}
    assert course.as_javascript_numbers(state) == {"max": 1, "min": -3, "step": 0.1, "values": [0, 2.5, 10**16],
                                                   "label": "1.0", "on": True}
    assert all(type(v) is int for v in course.as_javascript_numbers([1.0, -3.0]))


def test_build_without_executing_keeps_the_outputs_of_unchanged_cells(tmp_path, monkeypatch, capsys):
    stem = "07_xor"
    solutions, notebooks = tmp_path / "solutions", tmp_path / "notebooks"
    solutions.mkdir()
    notebooks.mkdir()
    shutil.copy(course.SOLUTIONS / f"{stem}.ipynb", solutions)
    shutil.copy(course.NOTEBOOKS / f"{stem}.ipynb", notebooks)
    monkeypatch.setattr(course, "SOLUTIONS", solutions)
    monkeypatch.setattr(course, "NOTEBOOKS", notebooks)
    monkeypatch.setattr(course.exercise_data, "write", lambda: None)
    monkeypatch.setattr(course.translations, "LANGUAGES", ())   # the edited English text has no translation
    # The feedback data and the catalogue are the answer key's, which this build leaves alone (their
    # staleness is tests/test_course.py's; 1.4 CPU s to compute again).
    monkeypatch.setattr(course.exercise_data, "stale", lambda: [])
    monkeypatch.setattr(messages, "stale", lambda: [])
    stored = nbformat.read(notebooks / f"{stem}.ipynb", as_version=4)
    solution = nbformat.read(solutions / f"{stem}.ipynb", as_version=4)
    code_cells = [c for c in solution.cells if c.cell_type == "code" and c.outputs and BEGIN not in c.source]
    edited = code_cells[1]
    edited.source += "\n# edited"
    next(c for c in solution.cells if c.cell_type == "markdown").source += "\n\nAn edited sentence."
    nbformat.write(solution, solutions / f"{stem}.ipynb")

    assert course.build([stem], run=False) == []
    learner = nbformat.read(notebooks / f"{stem}.ipynb", as_version=4)
    rebuilt = nbformat.read(solutions / f"{stem}.ipynb", as_version=4)
    assert [c.get("outputs") for c in rebuilt.cells] == [c.get("outputs") for c in solution.cells]
    before = {c.id: c for c in stored.cells}
    kept = [c for c in learner.cells if c.cell_type == "code" and c.id != edited.id]
    assert kept and all(c.outputs == before[c.id].outputs for c in kept)
    assert all(c.execution_count == before[c.id].execution_count for c in kept)
    assert sum(bool(c.outputs) for c in kept) > 5
    changed = next(c for c in learner.cells if c.id == edited.id)
    assert changed.outputs == [] and changed.execution_count is None
    assert learner.metadata["widgets"] == stored.metadata["widgets"]
    assert "1 code cell(s) changed" in capsys.readouterr().out
    assert (notebooks / "rise.css").read_text() == (slides.VENDORED / "rise.css").read_text()
    assert course.stale() == []    # the check agrees with what the build wrote


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """``{name: (notebook path, deck path)}`` for all notebooks, exported in one go."""
    source = tmp_path_factory.mktemp("notebooks")
    synthetic = source / f"{SYNTHETIC}.ipynb"
    nbformat.write(synthetic_notebook(), synthetic)
    translated = source / f"{TRANSLATED_NAME}.ipynb"
    shutil.copy(TRANSLATED, translated)
    notebooks = [synthetic] + SOLUTION_NOTEBOOKS + [translated]
    decks = slides.export_decks(notebooks, tmp_path_factory.mktemp("decks"))
    return {nb.stem: (nb, deck) for nb, deck in zip(notebooks, decks)}


def expected_slides(nb):
    """(slides, slides + subslides) that the cells' slide_type metadata implies.

    As in nbconvert (and RISE): the first cell that is not skip/notes always
    starts a slide; every slide holds at least one vertical subslide.
    """
    types = [(c.metadata.get("slideshow") or {}).get("slide_type") or "-" for c in nb.cells]
    first = next(i for i, t in enumerate(types) if t not in ("skip", "notes"))
    rest = types[first + 1:]
    n_slides = 1 + rest.count("slide")
    return n_slides, n_slides + rest.count("subslide")


def title_of(nb):
    for c in nb.cells:
        if c.cell_type == "markdown":
            for line in c.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return None


class DeckParser(HTMLParser):
    """Sections by depth, script and style-sheet references, inline code, the <title>."""

    def __init__(self):
        super().__init__()
        self.depth, self.sections, self.too_deep = 0, {1: 0, 2: 0}, 0
        self.refs, self.inline, self.title, self._in = [], [], "", None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section":
            self.depth += 1
            if self.depth in self.sections:
                self.sections[self.depth] += 1
            else:
                self.too_deep += 1
        elif tag == "script":
            if attrs.get("src") is not None:
                self.refs.append(("script", attrs["src"]))
            self._in = "script"
        elif tag == "link" and attrs.get("href") is not None:
            self.refs.append(("link", attrs["href"]))
        elif tag in ("style", "title"):
            self._in = tag

    def handle_endtag(self, tag):
        if tag == "section":
            self.depth -= 1
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        if self._in == "title":
            self.title += data
        elif self._in in ("script", "style"):
            self.inline.append(data)


@functools.lru_cache(maxsize=None)
def parse(deck):
    """The deck parsed once (three tests read each deck; none changes the parser)."""
    parser = DeckParser()
    parser.feed(deck.read_text(encoding="utf-8"))
    parser.close()
    return parser


def local_file(base, ref):
    """The file a relative URL names, or None if it names no local file."""
    if REMOTE.match(ref):
        return None
    return base / unquote(urlsplit(ref).path)


@pytest.mark.parametrize("name", NAMES)
def test_one_section_per_slide_and_subslide(exported, name):
    notebook, deck = exported[name]
    n_slides, n_subslides = expected_slides(nbformat.read(notebook, as_version=4))
    parser = parse(deck)
    assert parser.depth == 0, f"{deck.name}: unbalanced <section> tags"
    assert parser.too_deep == 0, f"{deck.name}: sections nested deeper than slide/subslide"
    assert parser.sections == {1: n_slides, 2: n_subslides}, (
        f"{deck.name}: <section>s by depth {parser.sections}; the metadata implies "
        f"{n_slides} slides holding {n_subslides} subslides")


@pytest.mark.parametrize("name", NAMES)
def test_assets_are_local_and_present(exported, name):
    _, deck = exported[name]
    parser = parse(deck)
    kinds = {kind for kind, _ in parser.refs}
    assert kinds == {"script", "link"}, f"{deck.name}: expected scripts and style sheets, got {parser.refs}"
    for kind, ref in parser.refs:
        target = local_file(deck.parent, ref)
        assert target is not None, f"{deck.name}: <{kind}> loads {ref} from the network"
        assert target.is_file(), f"{deck.name}: <{kind}> loads {ref}, missing from the output folder"
        if target.suffix == ".css":
            css = target.read_text(encoding="utf-8")
            for url in re.findall(r"""url\(\s*['"]?([^'")]+)""", css):
                if url.startswith("data:"):
                    continue
                inner = local_file(target.parent, url)
                assert inner is not None, f"{ref} fetches {url} from the network"
                assert inner.is_file(), f"{ref} needs {url}, missing from the output folder"
    for code in parser.inline:
        match = REMOTE_IN_CODE.search(code)
        assert match is None, f"{deck.name}: an inline script or style loads {code[match.start():][:120]!r}"


@pytest.mark.parametrize("name", NAMES)
def test_deck_carries_the_notebook_title(exported, name):
    notebook, deck = exported[name]
    title = title_of(nbformat.read(notebook, as_version=4))
    assert title, f"{notebook.name} has no '# ' title heading"
    if name == SYNTHETIC:
        assert title == SYNTHETIC_TITLE
    assert parse(deck).title.strip() == f"{title} slides"


def test_synthetic_deck_skips_shows_notes_and_embeds_the_plot(exported):
    html = exported[SYNTHETIC][1].read_text(encoding="utf-8")
    assert "This cell is skipped." not in html
    assert re.search(r'<aside class="notes">\s*.*Say: the loss falls\.', html, re.S)
    assert 'src="data:image/png;base64,' in html


def test_decks_carry_alt_text_and_focusable_cells(exported):
    """What nbconvert's HTMLExporter adds to a page: every image has alt text, and every
    cell's input and output takes the keyboard focus."""
    html = exported[SYNTHETIC][1].read_text(encoding="utf-8")
    images = re.findall(r"<img\b[^>]*>", html)
    assert images and all(re.search(r"\salt=", tag) for tag in images), images
    wrappers = re.findall(r'<div class="(?:[^"]* )?(?:jp-Cell-inputWrapper|jp-OutputArea-output)\b[^>]*>', html)
    assert len(wrappers) >= 9 and all('tabindex="0"' in tag for tag in wrappers), wrappers


ACCESSIBILITY_CASES = (
    '<html><head><title>t</title><style>div.jp-Cell-inputWrapper {color: red}</style>'
    '<script>const markup = "<div class=\'jp-Cell-inputWrapper\'><img src=x.png>";</script></head>'
    '<body class="theme jp-Notebook" data-jp-theme-light="true"><!-- <img src="old.png"> -->'
    '<div class="jp-Cell-inputWrapper">input</div>'
    '<div class="jp-OutputArea-child"><div class="jp-RenderedImage jp-OutputArea-output " data-mime-type=image/png>'
    '<img src="data:image/png;base64,iVBORw0KGgo="></div></div>'
    '<div class=jp-OutputArea-output tabindex="-1">output</div>'
    '<img alt="a plot" src="plot.png"/><IMG SRC="shouted.png" width=3/>'
    '<div class="jp-Cell-inputWrapper-like">not a wrapper</div><p>x > y</p></body></html>')


def test_the_fast_accessibility_pass_gives_the_page_beautifulsoup_gives():
    """``slides.accessible_html`` stands in for HTMLExporter's BeautifulSoup pass (two thirds
    of the export's time): the page it writes parses to the very page that pass writes."""
    from bs4 import BeautifulSoup

    fast = slides.accessible_html(ACCESSIBILITY_CASES)
    assert str(BeautifulSoup(fast, features="html.parser")) == slides._accessible_html_by_soup(ACCESSIBILITY_CASES)
    assert fast.count('tabindex="0"') == 3 and fast.count(f'alt="{slides.MISSING_ALT}"') == 2
    assert 'const markup = "<div class=\'jp-Cell-inputWrapper\'><img src=x.png>";' in fast   # script text untouched
    # A page whose <body> is not .jp-Notebook gets none of the tabindex: the selectors ask for it.
    plain = ACCESSIBILITY_CASES.replace("theme jp-Notebook", "theme")
    assert slides.accessible_html(plain).count('tabindex="0"') == 0


def test_the_cli_exports_into_a_folder_with_its_assets(tmp_path, capsys):
    notebook = tmp_path / "nb" / "tiny.ipynb"
    notebook.parent.mkdir()
    nbformat.write(synthetic_notebook(), notebook)
    out = tmp_path / "decks"
    assert slides.main([str(notebook), "--out", str(out)]) == 0
    assert (out / "tiny.slides.html").is_file()
    assert (out / "slide_assets" / "reveal.js" / "LICENSE").is_file()
    assert (out / "slide_assets" / "mathjax" / "LICENSE").is_file()
    assert "1 deck(s)" in capsys.readouterr().out
    assert slides.main([str(tmp_path / "missing.ipynb"), "--out", str(out)]) == 2


def test_the_cli_exports_every_edition_by_default(tmp_path, monkeypatch, capsys):
    solutions = tmp_path / "solutions"
    (solutions / "zh").mkdir(parents=True)
    nbformat.write(synthetic_notebook(), solutions / "tiny.ipynb")
    nbformat.write(synthetic_notebook(), solutions / "zh" / "tiny.ipynb")
    monkeypatch.setattr(slides, "SOLUTIONS", solutions)
    assert slides.main(["--out", str(tmp_path / "decks")]) == 0
    assert (tmp_path / "decks" / "tiny.slides.html").is_file()
    assert (tmp_path / "decks" / "zh" / "tiny.slides.html").is_file()
    assert (tmp_path / "decks" / "zh" / "slide_assets" / "reveal.js" / "LICENSE").is_file()


def test_the_cli_puts_a_translated_notebook_given_by_path_in_its_own_folder(tmp_path, capsys):
    # Given both editions by path, the Chinese deck was written over the English one (same name).
    for folder in ("solutions", "solutions/zh", "notebooks"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        nbformat.write(synthetic_notebook(), tmp_path / folder / "tiny.ipynb")
    out = tmp_path / "decks"
    assert slides.main([str(tmp_path / "solutions" / "tiny.ipynb"), str(tmp_path / "solutions" / "zh" / "tiny.ipynb"),
                        "--out", str(out)]) == 0
    assert (out / "tiny.slides.html").is_file() and (out / "zh" / "tiny.slides.html").is_file()
    chinese = tmp_path / "solutions" / "zh" / "tiny.ipynb"   # as the build writes a translated edition
    nb = nbformat.read(chinese, as_version=4)
    nb.metadata["bp_course"] = {"language": "zh"}
    nbformat.write(nb, chinese)
    assert slides.main([str(tmp_path / "solutions" / "tiny.ipynb"), str(chinese), "--out", str(out)]) == 0
    assert '<html lang="zh">' in (out / "zh" / "tiny.slides.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in (out / "tiny.slides.html").read_text(encoding="utf-8")
    capsys.readouterr()
    assert slides.main([str(tmp_path / "solutions" / "tiny.ipynb"), str(tmp_path / "notebooks" / "tiny.ipynb"),
                        "--out", str(out)]) == 2
    assert "two notebooks would make the same deck" in capsys.readouterr().err
    assert slides.main(["05_four_equations", "--out", str(out)]) == 2
    assert "give paths, such as solutions/05_four_equations.ipynb" in capsys.readouterr().err


# --- In Chromium: one browser, one page per deck --------------------------------

SCREEN = {"width": 1280, "height": 720}

# Every leaf <section> (a slide or sub-slide) of the deck, shown in turn with no
# transition, measured as it is on screen: its box, whether its content is taller
# than its box and whether it scrolls, its cells, and every element whose content
# is wider than its box (MathJax's own inner elements aside: their parents show it).
MEASURE_SLIDE = """function measureSlide(section) {
  const box = section.getBoundingClientRect();
  // A formula counts as one box: what MathJax draws inside it is its own business.
  // (A tree walk that skips a formula's inside: the selector '*:not(mjx-container *)'
  // checks every ancestor of every element, and cost a quarter of the measuring.)
  const inside = [];
  const walker = document.createTreeWalker(section, NodeFilter.SHOW_ELEMENT, {acceptNode: e =>
    e.parentElement.localName === 'mjx-container' ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT});
  for (let e = walker.nextNode(); e; e = walker.nextNode()) { inside.push(e); }
  const name = e => e.tagName.toLowerCase() + '.' + String(e.className).split(' ')[0];
  // Cut off or scrolling sideways: content wider than a box that does not show overflow.
  const clipped = [section, ...inside]
    .filter(e => e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1
                 && (e === section || getComputedStyle(e).overflowX !== 'visible'))
    .map(e => name(e) + ' holds ' + e.scrollWidth + ' px in ' + e.clientWidth + ' px');
  // Drawn past the slide's right edge. A run of text may end in a space that hangs
  // over the edge where a wrapped code line breaks (CSS pre-wrap keeps it): allow one.
  const beyond = [];
  for (const e of inside) {
    const edge = e.getBoundingClientRect();
    const past = edge.right - box.right;
    if (edge.width > 0 && (past > 12 || (past > 1 && getComputedStyle(e).display !== 'inline'))) {
      beyond.push(name(e) + ' ends ' + Math.round(past) + ' px right of the slide');
    }
  }
  const heading = section.querySelector('h1, h2, h3') || section;
  return {title: heading.innerText.trim().split('\\n')[0].slice(0, 50),
          top: box.top, bottom: box.bottom, left: box.left, right: box.right,
          scrollHeight: section.scrollHeight, clientHeight: section.clientHeight,
          overflowY: getComputedStyle(section).overflowY, cells: section.querySelectorAll('.jp-Cell').length,
          wide: clipped.concat(beyond).slice(0, 3)};
}"""
# Every slide of a deck laid out at once (reveal.js lays out the slides near the
# current one the same way), so that no slide has to be shown in turn, which
# costs ~60 ms each: its place on screen is its place on the 1280x720 canvas,
# scaled as reveal.js scales the canvas (within 1.5 px of showing it).
MEASURE_DECK = """() => {
  %s
  Reveal.configure({transition: 'none', backgroundTransition: 'none', viewDistance: 1e4, mobileViewDistance: 1e4});
  Reveal.layout();
  const slides = document.querySelector('.reveal .slides');
  const canvas = slides.getBoundingClientRect();
  const sx = canvas.width / slides.offsetWidth, sy = canvas.height / slides.offsetHeight;
  return Reveal.getSlides().map(section => {
    const at = Reveal.getIndices(section);
    let top = section.offsetTop, left = section.offsetLeft;
    const stack = section.parentElement.closest('section');
    if (stack) { top += stack.offsetTop; left += stack.offsetLeft; }
    return Object.assign(measureSlide(section), {h: at.h, v: at.v,
      top: canvas.top + top * sy, bottom: canvas.top + (top + section.offsetHeight) * sy,
      left: canvas.left + left * sx, right: canvas.left + (left + section.offsetWidth) * sx});
  });
}""" % MEASURE_SLIDE


def overflow_problems(measured, width, height):
    """Why slides overflow a ``width`` x ``height`` screen; [] when none does.

    "No slide overflows" means, for every slide: it lies within the screen, so
    nothing is cut off or out of reach; nothing is drawn past its right edge and
    no box cuts off or scrolls sideways content wider than itself, so no line
    runs off the right edge (a formula a few px wider than its table cell, drawn
    over the cell's padding, is fine); and a slide whose
    content is taller than its box scrolls (mouse wheel) and holds a single cell,
    since the build splits everything else into sub-slides that fit: only a
    cell taller than a slide on its own needs scrolling.
    """
    problems = []
    for s in measured:
        where = f"slide {s['h']}/{s['v']} ({s['title']!r})"
        if s["top"] < -2 or s["left"] < -2 or s["bottom"] > height + 2 or s["right"] > width + 2:
            problems.append(f"{where} lies outside the {width}x{height} screen: top {s['top']:.0f}, "
                            f"bottom {s['bottom']:.0f}, left {s['left']:.0f}, right {s['right']:.0f}")
        if s["wide"]:
            problems.append(f"{where} overflows to the right: {s['wide']}")
        if s["scrollHeight"] > s["clientHeight"] + 1:
            if s["overflowY"] not in ("auto", "scroll"):
                problems.append(f"{where} is cut off: {s['scrollHeight']} px of content in a "
                                f"{s['clientHeight']} px slide that does not scroll")
            elif s["cells"] != 1:
                problems.append(f"{where} needs scrolling ({s['scrollHeight']} px in {s['clientHeight']} px) "
                                f"but holds {s['cells']} cells: the build should have started a sub-slide")
    return problems


def scrolling(measured):
    """The slides whose content is taller than their box (they scroll)."""
    return [s for s in measured if s["scrollHeight"] > s["clientHeight"] + 1]


DECK_TIMEOUT = 20_000   # ms for a deck to load, start reveal.js and typeset its formulas

# Resolves once the page has loaded, reveal.js is ready and MathJax has done its first
# typesetting (the deck's pageReady then lays the slides out again); rejects after ``ms``.
DECK_READY = """async (ms) => {
  const ready = async () => {
    if (document.readyState !== 'complete') {
      await new Promise(resolve => addEventListener('load', resolve, {once: true}));
    }
    if (!window.Reveal || !window.MathJax || !MathJax.startup) {
      throw new Error('reveal.js or MathJax did not load');
    }
    if (!Reveal.isReady()) { await new Promise(resolve => Reveal.on('ready', resolve)); }
    await MathJax.startup.promise;
  };
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not ready within ${ms} ms: reveal.js ready ${
      !!(window.Reveal && Reveal.isReady())}, MathJax loaded ${!!window.MathJax}`)), ms);
  });
  try { await Promise.race([ready(), late]); } finally { clearTimeout(timer); }
}"""

# What a started deck shows: reveal.js's counts, the typeset formulas, and every slide measured.
DECK_STATE = """() => ({
  total: Reveal.getTotalSlides(),
  formulas: document.querySelectorAll('.reveal .slides mjx-container svg').length,
  sections: document.querySelectorAll('.reveal .slides section').length,
  scale: Reveal.getScale(),
  slides: (%s)(),
})""" % MEASURE_DECK


class DeckPage:
    """One browser page that opens decks one after another, recording for each what it
    requested and logged, its counts and its slides measured.

    A page is one renderer process: opening each deck in a page (or context) of its
    own cost a second of CPU more per deck than navigating the same page to it.
    Each deck is still a new document: reveal.js, MathJax and the page's state start
    afresh, and the context is offline, so any http(s) request fails. (An error a
    deck would log after it was measured, from a timer, would be counted against the
    next deck the page opens: it still fails a test.)
    """

    def __init__(self, context):
        self.page = context.new_page()
        self.run = None
        self.page.on("request", self._request)
        self.page.on("pageerror", lambda error: self.run["problems"].append(f"page error: {error}"))
        self.page.on("console", lambda m: self.run["problems"].append(f"console {m.type}: {m.text}")
                     if m.type in ("error", "warning") else None)

    def _request(self, request):   # a listener, not a route: requests are not held up on their way
        url = request.url
        if not url.startswith("file://"):
            self.run["remote"].append(url)
        elif not Path(unquote(urlsplit(url).path)).resolve().is_relative_to(self.out):
            self.run["outside"].append(url)

    def open(self, deck):
        """Start loading ``deck``; returns as soon as the page has committed to it."""
        self.out = deck.parent.resolve()
        self.run = {"remote": [], "outside": [], "problems": []}
        self.page.goto(deck.resolve().as_uri(), wait_until="commit")

    def result(self):
        """Wait for the deck opened last to start, and measure it."""
        run = self.run
        self.page.evaluate(DECK_READY, DECK_TIMEOUT)
        run.update(self.page.evaluate(DECK_STATE))
        return run


def open_decks(pages, decks):
    """``{name: run}`` for every deck in ``{name: path}``, the pages opening them in turn."""
    waiting, runs, busy = list(decks.items()), {}, {}
    for page in pages:
        if waiting:
            busy[page] = waiting.pop(0)
            page.open(busy[page][1])
    while busy:
        for page in list(busy):
            name, _ = busy.pop(page)
            runs[name] = page.result()
            if waiting:
                busy[page] = waiting.pop(0)
                page.open(busy[page][1])
    return runs


LARGE = {"width": 1920, "height": 1080}
DECKS_TIMEOUT = 600  # s for Chromium to open every deck


class DecksInChromium:
    """Every deck opened in headless Chromium at 1280x720 (two pages, one per core), and
    the synthetic deck again at 1920x1080, in a thread of its own: Chromium starts while
    the decks are exported, and the tests that only read the exported decks run while
    it opens them. Playwright's objects stay in that thread."""

    def __init__(self):
        self.decks, self.runs, self.large, self.error = None, None, None, None
        self._exported = threading.Event()
        self.thread = threading.Thread(target=self._run, name="decks in Chromium", daemon=True)
        self.thread.start()

    def open(self, decks):
        """Open ``{name: deck path}`` (Chromium may still be starting)."""
        self.decks = decks
        self._exported.set()

    def _run(self):
        from playwright.sync_api import sync_playwright

        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                try:
                    context = browser.new_context(offline=True, viewport=SCREEN)   # any http(s) request fails
                    pages = [DeckPage(context), DeckPage(context)]
                    if not self._exported.wait(DECKS_TIMEOUT):
                        raise TimeoutError(f"no decks to open within {DECKS_TIMEOUT} s")
                    if self.decks:
                        self.runs = open_decks(pages, self.decks)
                        pages[0].page.set_viewport_size(LARGE)
                        self.large = open_decks(pages[:1], {SYNTHETIC: self.decks[SYNTHETIC]})[SYNTHETIC]
                finally:
                    browser.close()
        except BaseException as error:  # noqa: BLE001 - raised again in the test's thread by wait()
            self.error = error

    def wait(self):
        self.thread.join(DECKS_TIMEOUT)
        if self.thread.is_alive():
            raise TimeoutError(f"Chromium did not open the decks within {DECKS_TIMEOUT} s")
        if self.error is not None:
            raise self.error
        return self


def _chromium_is_there():
    if not CHROMIUM.exists():
        return (f"{CHROMIUM} is absent: apt-get install -y chromium (or chromium-headless-shell) "
                "to run the offline browser check")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    return None


@pytest.fixture(scope="module", autouse=True)
def decks_in_chromium(request):
    """Starts Chromium on the decks before this module's first test, if a selected test
    here needs it (``deck_runs``): the decks are measured while the other tests run."""
    here = [item for item in request.session.items if getattr(item, "module", None) is request.module]
    if _chromium_is_there() is not None or not any("deck_runs" in item.fixturenames for item in here):
        yield None
        return
    runner, decks = DecksInChromium(), {}
    try:
        decks = {name: deck for name, (_, deck) in request.getfixturevalue("exported").items()}
    except Exception:  # noqa: BLE001 - the tests that ask for ``exported`` report it; the others run
        pass
    finally:
        runner.open(decks)      # none if the export failed: the thread then just closes Chromium
    yield runner
    runner.thread.join(DECKS_TIMEOUT)


@pytest.fixture(scope="module")
def deck_runs(exported, decks_in_chromium):
    """Each deck opened once at 1280x720: ``{name: run}`` (see ``DeckPage``)."""
    missing = _chromium_is_there()
    if missing:
        pytest.skip(missing)
    return decks_in_chromium.wait().runs


@pytest.mark.parametrize("name", NAMES)
def test_deck_starts_offline_in_chromium(exported, deck_runs, name):
    notebook, deck = exported[name]
    run = deck_runs[name]
    nb = nbformat.read(notebook, as_version=4)
    n_slides, n_subslides = expected_slides(nb)
    assert run["remote"] == [], f"{deck.name} tried to reach the network: {run['remote']}"
    assert run["outside"] == [], f"{deck.name} read files outside its output folder: {run['outside']}"
    assert run["problems"] == [], f"{deck.name}: {run['problems']}"
    assert run["total"] == n_subslides, f"{deck.name}: reveal.js counts {run['total']} slides, the metadata {n_subslides}"
    assert run["sections"] == n_slides + n_subslides
    has_math = "$" in "".join(c.source for c in nb.cells if c.cell_type == "markdown")
    if name == SYNTHETIC or has_math:
        assert run["formulas"] > 0, f"{deck.name}: MathJax typeset no formula"
    if name == SYNTHETIC:
        assert run["formulas"] == 3


@pytest.mark.parametrize("name", NAMES)
def test_no_slide_overflows_at_1280x720(deck_runs, name):
    run = deck_runs[name]
    assert len(run["slides"]) == run["total"]
    problems = overflow_problems(run["slides"], SCREEN["width"], SCREEN["height"])
    assert problems == [], "\n".join(problems)


def test_the_synthetic_deck_wraps_the_long_line_and_scrolls_the_tall_cell(deck_runs):
    """The synthetic deck has both: the checks above must have had something to pass."""
    slides_ = deck_runs[SYNTHETIC]["slides"]
    tall = scrolling(slides_)
    assert [(s["h"], s["v"], s["cells"], s["overflowY"]) for s in tall] == [(1, 2, 1, "auto")]
    with_long_line = next(s for s in slides_ if (s["h"], s["v"]) == (1, 1))
    assert with_long_line["wide"] == [] and with_long_line["cells"] == 2


def test_a_deck_at_1920x1080_is_the_1280x720_deck_larger(decks_in_chromium, deck_runs):
    """reveal.js lays a deck out on a 1280x720 canvas and scales it to the screen, so a
    1920x1080 screen shows the same slides half as large again, overflowing nowhere."""
    run = decks_in_chromium.wait().large
    small = deck_runs[SYNTHETIC]
    assert run["problems"] == [] and run["remote"] == []
    assert run["scale"] == pytest.approx(1.5 * small["scale"], rel=1e-3)
    layout = [(s["scrollHeight"], s["clientHeight"], s["cells"]) for s in run["slides"]]
    assert layout == [(s["scrollHeight"], s["clientHeight"], s["cells"]) for s in small["slides"]]
    assert overflow_problems(run["slides"], LARGE["width"], LARGE["height"]) == []
