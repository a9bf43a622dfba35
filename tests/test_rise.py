"""Presenting live with RISE (jupyterlab-rise), and opening the notebooks in JupyterLab.

The JupyterLab server that tests/test_browser.py uses too (on 127.0.0.1, a free
port, no token, every setting and runtime file in a temporary folder; see
tests/labserver.py) serves copies of the notebooks with the ``rise.css`` the
course build writes beside them. A page of the shared headless Chromium, at
1280x720, presents with RISE a sampler notebook made of real cells: from each
solution notebook the sub-slides most likely to overflow (the fullest one of
several cells by the build's estimate, the one with the longest code line, and
the tallest), and from each learner copy the fullest one (where an unfinished
exercise's traceback shows). Loading a notebook into RISE takes 5-10 s of CPU
on a slow machine, so the sampler stands in for the 24 notebooks (~800
slides); the offline decks (tests/test_slides.py) check every slide of every
solution notebook with the same sizes and rule. RISE must show lecture sizes
(rise.css), honour the notebooks' ``rise.scroll``, and no slide may overflow
(``test_slides.overflow_problems``).

RISE's settings for the run (transition "none", no automatic cell selection,
start at the first slide; tests/labserver.py) only let each slide be measured
as soon as it is shown; the notebooks' own ``rise`` metadata still applies.

Opening must not rewrite a notebook: each notebook, as JupyterLab's front end
sends it back when saving, goes through the server's save path byte for byte,
and its ``kernelspec`` and ``language_info`` are what JupyterLab sets when the
kernel starts.
"""
import copy
import json
import shutil
from pathlib import Path

import nbformat
import pytest

from bpcourse import slides
from labserver import CHROMIUM
from test_slides import MEASURE_SLIDE, SCREEN, overflow_problems, scrolling

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SAMPLER = "rise_sampler.ipynb"
PAGE_TIMEOUT = 120  # s
TYPESET_TIMEOUT = 30  # s for MathJax, once the notebook is rendered

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent: apt-get install -y chromium")


def sub_slides(nb):
    """The notebook's cells grouped by sub-slide (skipped cells and notes left out)."""
    groups = []
    for cell in nb.cells:
        slide_type = (cell.metadata.get("slideshow") or {}).get("slide_type", "-")
        if slide_type in ("skip", "notes"):
            continue
        if slide_type in ("slide", "subslide") or not groups:
            groups.append([])
        groups[-1].append(cell)
    return groups


def longest_line(cells):
    return max((len(line) for c in cells if c.cell_type == "code" for line in c.source.split("\n")), default=0)


def sampler_notebook(solutions, learner_copies):
    """A notebook of real sub-slides, each shown as a slide of its own: from each
    solution notebook the fullest one of several cells (by the build's estimate),
    the one with the longest code line and the tallest; from each learner copy the
    fullest one of several cells (tracebacks of unfinished exercises). Notebook
    metadata from the first solution notebook."""
    first, cells = None, []
    for path in list(solutions) + list(learner_copies):
        nb = nbformat.read(path, as_version=4)
        first = first or nb
        groups = sub_slides(nb)
        heights = [sum(slides.cell_height(c) for c in g) for g in groups]
        several = [i for i, g in enumerate(groups) if len(g) > 1]
        picked = {max(several, key=lambda i: heights[i])} if several else set()
        if path in solutions:
            picked |= {max(range(len(groups)), key=lambda i: longest_line(groups[i])),
                       max(range(len(groups)), key=lambda i: heights[i])}
        for index in sorted(picked):
            group = copy.deepcopy(groups[index])
            group[0].metadata["slideshow"] = {"slide_type": "slide"}
            cells += group
    for number, cell in enumerate(cells):
        cell.id = f"sampler-{number}"       # a solution's cells and its learner copy's share ids
    sampler = copy.deepcopy(first)
    sampler.cells = cells
    return sampler


@pytest.fixture(scope="module")
def served(jupyterlab):
    """The server's folder, with copies of both folders' notebooks, rise.css and the sampler notebook."""
    root = jupyterlab.root
    for path in SOLUTIONS:
        shutil.copy2(path, root / path.name)
    (root / "notebooks").mkdir()
    for path in NOTEBOOKS:
        shutil.copy2(path, root / "notebooks" / path.name)
    shutil.copy2(ROOT / "solutions" / "rise.css", root / "rise.css")
    nbformat.write(sampler_notebook(SOLUTIONS, NOTEBOOKS), root / SAMPLER)
    return root


# RISE builds one <section> per sub-slide, id "slide-H-V"; reveal.js follows the URL's
# #/H/V (RISE turns its history option on), and RISE's own reveal.js object is not exposed.
# Each slide is measured as soon as reveal.js has made it the present one. The first
# time it moves, reveal.js writes the URL of the slide it showed a few times over, and
# can overwrite the #/H/V asked for next before any hashchange event says so: when
# the URL changes to another slide's while the one asked for is not shown, it is
# asked for again. A slide not shown within SHOW_TIMEOUT ms has present: false.
SHOW_TIMEOUT = 5000
MEASURE_RISE = """async () => {
  %s
  const show = (section, hash) => new Promise(resolve => {
    const shown = () => section.classList.contains('present');
    if (shown()) { resolve(true); return; }
    const done = ok => {
      observer.disconnect(); removeEventListener('hashchange', again); clearTimeout(timer); resolve(ok);
    };
    const observer = new MutationObserver(() => { if (shown()) { done(true); } });
    const again = () => { if (!shown() && location.hash !== hash) { location.hash = hash; } };
    observer.observe(section, {attributes: true, attributeFilter: ['class']});
    addEventListener('hashchange', again);
    const timer = setTimeout(() => done(shown()), %d);
    location.hash = hash;
  });
  const out = [];
  for (const section of document.querySelectorAll('.reveal .slides > section > section')) {
    const [h, v] = section.id.split('-').slice(1).map(Number);
    const present = await show(section, '#/' + h + '/' + v);
    out.push(Object.assign({h, v, present}, measureSlide(section)));
  }
  return out;
}""" % (MEASURE_SLIDE, SHOW_TIMEOUT)

FONT_SIZES = """() => {
  const size = selector => { const e = document.querySelector(selector); return e && getComputedStyle(e).fontSize; };
  return {text: size('.jp-RenderedMarkdown p'), code: size('.jp-CodeCell .cm-content'),
          output: size('.jp-OutputArea-output pre')};
}"""

# Markdown rendered: RISE has built its slides and no Markdown cell is left unrendered.
RENDERED = """() => document.querySelector('.reveal.ready')
  && document.querySelectorAll('.reveal .slides > section > section').length > 0
  && !document.querySelector('.jp-MarkdownCell:not(.jp-mod-rendered)')"""

# MathJax done: it has typeset a formula (JupyterLab typesets every cell as soon as MathJax
# has loaded), and the number of typeset formulas holds while the page goes idle twice.
# Resolves to that number; rejects after ``ms``.
TYPESET = """async (ms) => {
  const count = () => document.querySelectorAll('mjx-container').length;
  const idle = () => new Promise(resolve => requestIdleCallback(resolve, {timeout: 1000}));
  const settled = async () => {
    while (count() === 0) { await idle(); }
    let before;
    do { before = count(); await idle(); await idle(); } while (before !== count());
    return before;
  };
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`MathJax still typesetting after ${ms} ms: ${count()} formulas`)), ms);
  });
  try { return await Promise.race([settled(), late]); } finally { clearTimeout(timer); }
}"""


@pytest.fixture(scope="module")
def rise_run(served, jupyterlab, lab_browser):
    """The sampler presented with RISE at 1280x720: font sizes, every slide measured, page errors."""
    page = lab_browser.new_page(viewport=SCREEN)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{jupyterlab.url}/rise/{SAMPLER}", timeout=PAGE_TIMEOUT * 1000)
        page.wait_for_function(RENDERED, timeout=PAGE_TIMEOUT * 1000, polling=250)
        formulas = page.evaluate(TYPESET, TYPESET_TIMEOUT * 1000)
        run = {"fonts": page.evaluate(FONT_SIZES), "slides": page.evaluate(MEASURE_RISE),
               "formulas": formulas, "errors": errors}
    except Exception:
        page.screenshot(path=str(jupyterlab.log_path.with_name("rise-failure.png")))
        print("JupyterLab log (tail):\n" + jupyterlab.tail())
        raise
    finally:
        page.close()
    return run


def test_rise_presents_every_sub_slide_of_the_sampler(served, rise_run):
    sampler = nbformat.read(served / SAMPLER, as_version=4)
    assert len(rise_run["slides"]) == len(sub_slides(sampler)) >= 2 * len(SOLUTIONS) + len(NOTEBOOKS)
    assert all(s["present"] for s in rise_run["slides"]), "a slide could not be shown"
    assert rise_run["formulas"] > 0, "MathJax typeset no formula"
    assert rise_run["errors"] == [], "uncaught errors in RISE's page"


def test_rise_shows_lecture_sizes(rise_run):
    """rise.css: about 20 px text and 17 px code and outputs (JupyterLab's are 14 and 13 px)."""
    assert rise_run["fonts"] == {"text": "20px", "code": "17px", "output": "17px"}


def test_no_slide_overflows_in_rise_at_1280x720(rise_run):
    problems = overflow_problems(rise_run["slides"], SCREEN["width"], SCREEN["height"])
    assert problems == [], "\n".join(problems)
    # The sampler holds cells taller than a slide: RISE scrolls them (the notebooks' rise.scroll).
    tall = scrolling(rise_run["slides"])
    assert tall and all(s["overflowY"] == "scroll" for s in tall)


@pytest.mark.parametrize("folder", ["solutions", "notebooks"])
def test_notebooks_ask_rise_to_scroll(folder):
    for path in sorted((ROOT / folder).glob("*.ipynb")):
        assert nbformat.read(path, as_version=4).metadata.get("rise") == {"scroll": True}, path.name
    assert (ROOT / folder / "rise.css").read_text() == (slides.VENDORED / "rise.css").read_text()


def as_javascript_sends_it(content):
    """A notebook as JupyterLab's front end sends it back to the server: JavaScript has
    one kind of number, so a whole-number float such as 1.0 comes back as 1."""
    def number(text):
        value = float(text)
        return int(value) if value.is_integer() and abs(value) < 1e21 else value

    return json.loads(json.dumps(content), parse_float=number)


def test_jupyterlab_saves_every_notebook_unchanged(served, jupyterlab):
    """What JupyterLab's save writes (the server's contents API, given the notebook as
    the front end sends it) is the file byte for byte, and the kernelspec is the one
    JupyterLab's front end sets when the kernel starts, so opening a notebook (and
    saving it, as RISE does when it starts) does not rewrite it."""
    specs = jupyterlab.api("kernelspecs")
    default = specs["kernelspecs"][specs["default"]]["spec"]
    kernelspec = {"display_name": default["display_name"], "language": default["language"],
                  "name": specs["default"]}
    paths = sorted(served.glob("*.ipynb")) + sorted((served / "notebooks").glob("*.ipynb"))
    assert len(paths) == 1 + len(SOLUTIONS) + len(NOTEBOOKS)
    for path in paths:
        name = path.relative_to(served).as_posix()
        before = path.read_bytes()
        model = jupyterlab.api(f"contents/{name}?type=notebook&content=1")
        assert model["content"]["metadata"]["kernelspec"] == kernelspec, name
        jupyterlab.api(f"contents/{name}", {"type": "notebook", "format": "json",
                                            "content": as_javascript_sends_it(model["content"])})
        assert path.read_bytes() == before, f"{name} changes when JupyterLab saves it"


def test_language_info_is_what_the_kernel_reports():
    """JupyterLab also writes the kernel's language_info on opening: the python3 kernel
    (ipykernel) reports its class's ``language_info``, read here without starting one.
    Its version is the Python that ran the notebook (the build's), so it is left out."""
    from ipykernel.ipkernel import IPythonKernel

    expected = {k: v for k, v in IPythonKernel.language_info.items() if k != "version"}
    for path in SOLUTIONS + NOTEBOOKS:
        stored = nbformat.read(path, as_version=4).metadata["language_info"]
        assert {k: v for k, v in stored.items() if k != "version"} == expected, path.name
