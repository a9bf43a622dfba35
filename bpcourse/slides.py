"""Slides for a lecture room: where sub-slides start, and decks that open with no network.

Each notebook carries ``slideshow.slide_type`` metadata, which ``bpcourse
build`` writes with ``slide_types`` below (a sub-slide starts before a code
cell that would not fit on a 1280x720 slide), so it can be presented live in
JupyterLab with RISE (``rise.css`` beside the notebooks sets lecture sizes),
or exported as a reveal.js deck. ``jupyter nbconvert --to slides`` on its own
loads reveal.js, require.js, jQuery and MathJax from CDNs, so its decks stay
blank without internet. This module exports with nbconvert's
``SlidesExporter`` and a small template override, and copies every asset the
deck loads next to it, linked by relative URLs: the output folder opens from
disk or a USB stick, in any browser, with no network. A deck is laid out on a
1280x720 canvas that reveal.js scales to the screen, with the sizes of
``rise.css`` (``slide_assets/deck.css``: about 20 px text, 17 px code, long
lines wrapped); a slide taller than the screen scrolls (``--no-scroll`` cuts
it off instead).

    python -m bpcourse slides                        # every solutions/*.ipynb -> ./slides/
    python -m bpcourse slides solutions/05_four_equations.ipynb --out /media/usb/decks
    python -m bpcourse slides notebooks/*.ipynb --out decks --theme black

Where the assets come from (installed from PyPI, nothing is fetched at run time):

* reveal.js 5 (``dist/`` and the speaker-notes plugin): the ``sphinx-revealjs``
  package, which bundles it (reveal.js is MIT; its LICENSE is copied along).
* MathJax 3 (``tex-svg-full.js``, one self-contained file: every TeX extension,
  SVG output, so no fonts or extensions are loaded later): the
  ``sphinx-mathjax-offline`` package. MathJax is Apache-2.0; that package
  ships no copy of the licence, so ``bpcourse/slide_assets/MathJax-LICENSE`` is
  copied along.

The stock reveal template needs require.js only to load reveal.js and its
notes plugin (AMD ``require([...])``), jQuery only for ``reveal_scroll``, and
its MathJax hook calls MathJax 2's ``MathJax.Hub``. The override here loads
reveal.js with plain ``<script>`` tags, scrolls tall slides with CSS alone and
configures MathJax 3, so neither require.js nor jQuery is shipped. Mermaid
(an ES module import, which browsers refuse from ``file://``) and the
ipywidgets HTML manager (fetched from a CDN) are left out: a widget output
shows a note to run the cell live instead.
"""
import argparse
import base64
import copy
import functools
import re
import shutil
import struct
import sys
from importlib import metadata
from pathlib import Path

import nbformat

from . import translations

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
VENDORED = Path(__file__).resolve().parent / "slide_assets"
ASSETS = "slide_assets"                       # folder created next to the decks
REVEAL_PREFIX = f"{ASSETS}/reveal.js"
MATHJAX_FILE = "tex-svg-full.js"
MATHJAX_URL = f"{ASSETS}/mathjax/{MATHJAX_FILE}"
TEMPLATE_NAME = "bp_offline_slides.html.j2"
INSTALL_HINT = "pip install -r requirements.txt (needs sphinx-revealjs and sphinx-mathjax-offline)"
WIDGET_NOTE = ('<p class="bp-widget-note"><em>Interactive widget: run this cell live '
               '(JupyterLab or RISE) to use it.</em></p>')

# Blocks of nbconvert's reveal/index.html.j2 replaced for offline use.
TEMPLATE = r"""{%- extends 'index.html.j2' -%}

{#- No jQuery, require.js or mermaid: nothing below needs them. -#}
{%- block html_head_js -%}{%- endblock html_head_js -%}

{#- The widget manager would come from a CDN; widget outputs are replaced by a note. -#}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}

{%- block html_head_js_mathjax -%}
<script>
window.MathJax = {
  tex: {
    inlineMath: [['$', '$'], ['\\(', '\\)']],
    displayMath: [['$$', '$$'], ['\\[', '\\]']],
    processEscapes: true,
    processEnvironments: true,
    tags: 'ams',
    // An undefined macro is an error (not silent red text), and every TeX
    // error is logged, so a typo in a formula shows up in the console.
    packages: {'[-]': ['noundefined']},
    formatError: function (jax, error) {
      console.error('MathJax TeX error: ' + error.message);
      return jax.formatError(error);
    }
  },
  svg: {fontCache: 'global'},
  startup: {
    pageReady: function () {
      return MathJax.startup.defaultPageReady().then(function () {
        // Typesetting changes slide heights: let reveal.js lay out again.
        if (window.Reveal && Reveal.isReady()) { Reveal.layout(); }
      });
    }
  }
};
</script>
<script src="{{ resources.mathjax_url }}"></script>
{%- endblock html_head_js_mathjax -%}

{#- Lecture sizes, wrapped lines and scrolling (deck.css), after nbconvert's own styles so they win. -#}
{%- block html_head_css -%}
<style type="text/css">
{{ resources.bp_deck_css }}
</style>
{%- endblock html_head_css -%}

{#- Pygments escapes the code it highlights; sanitizing it again with bleach cost a second per deck. -#}
{% block input %}
<div class="jp-CodeMirrorEditor jp-Editor jp-InputArea-editor" data-type="inline">
     <div class="cm-editor cm-s-jupyter">
{%- if resources.should_sanitize_html %}
{{ cell.source | highlight_code(metadata=cell.metadata) | clean_html }}
{%- else %}
{{ cell.source | highlight_code(metadata=cell.metadata) }}
{%- endif %}
     </div>
</div>
{%- endblock input %}

{% block footer_js %}
{%- set prefix = resources.reveal.url_prefix -%}
<script src="{{ prefix }}/dist/reveal.js"></script>
<script src="{{ prefix }}/plugin/notes/notes.js"></script>
<script>
Reveal.initialize({
  controls: true,
  progress: true,
  history: true,
  transition: "{{ resources.reveal.transition | default('slide', true) }}",
  slideNumber: "{{ resources.reveal.number | default('', true) }}",
  plugins: [RevealNotes],
  // A 16:9 canvas that reveal.js scales to the screen: a slide that fits
  // at 1280x720 fits at 1920x1080 too, only larger.
  width: {{ resources.reveal.width | default('1280', true) }},
  height: {{ resources.reveal.height | default('720', true) }},
  margin: 0.02
});
</script>
{% endblock footer_js %}
"""


# ---------------------------------------------------------------------------
# Slide layout: where the course build starts a sub-slide.
#
# RISE with rise.css and the decks with deck.css show a slide at 1280x720 with
# 20 px text and 17 px code. The course build estimates each cell's height there
# from the notebook alone (wrapped source lines, output lines, PNG heights read
# from their headers) and starts a sub-slide before a cell that would not fit
# below the ones already on the slide; a cell taller than a slide on its own
# gets a sub-slide to itself, which scrolls. The pixel weights were fitted to
# heights measured in Chromium (RISE and decks, every cell of the course, the
# larger of the two), so the estimate errs on the tall side.

SLIDE_HEIGHT = 620        # px of a 720 px slide the cells of one sub-slide may fill
TEXT_CHARS = 120          # characters in a line of 20 px text
CODE_CHARS = 112          # characters in a line of 17 px code (RISE shows a prompt beside it)
IMAGE_WIDTH = 1150        # px an image may take before it is scaled down
UNKNOWN_IMAGE_HEIGHT = 480  # px assumed for an image whose size cannot be read
WIDGET_HEIGHT = 2 * SLIDE_HEIGHT  # a live widget (the playground) gets a sub-slide of its own

# px per unit of each feature of a cell (see _markdown_features and _code_features)
HEIGHT_PX = {
    "markdown cell": 24, "block": 30, "h1": 46, "h2": 64, "h3": 52, "text line": 23,
    "list item": 10, "list line": 31, "tall inline": 9, "math row": 26, "table line": 32, "fenced line": 23,
    "code cell": 34, "input line": 24, "output": 12, "output line": 24, "image": 65, "image px": 1.0,
}
_TALL_TEX = re.compile(r"\\(?:frac|dfrac|sum|prod|int|begin|binom|sqrt|left)(?![a-zA-Z])")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s")
_TABLE_RULE = re.compile(r"^\|?[\s:|-]+\|?$")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")    # colours in a traceback take no room


def _wrapped(text, width):
    """Lines that ``text`` takes when wrapped at ``width`` characters (at least one)."""
    return max(1, -(-len(text) // width))


def _visible(text):
    """Markdown source as roughly the characters it shows: link targets, emphasis
    marks and backticks dropped, inline TeX counted at half its length."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\$([^$]+)\$", lambda m: "x" * max(1, len(m.group(1)) // 2), text)
    return re.sub(r"\*\*|__|`", "", text)


def _table_lines(rows):
    """Text lines a Markdown table takes: columns share the width in proportion to
    their longest cell (as in a browser's automatic table layout), long cells wrap,
    and a row with a fraction or a sum in it is two lines taller."""
    raw = [[c.strip() for c in row.strip().strip("|").split("|")] for row in rows]
    cells = [[_visible(c) for c in row] for row in raw]
    columns = max(len(row) for row in cells)
    longest = [max((len(row[j]) if j < len(row) else 0) for row in cells) + 3 for j in range(columns)]
    total = sum(longest)
    lines = 0
    for row, source in zip(cells, raw):
        if total <= TEXT_CHARS:
            lines += 1
        else:
            lines += max(_wrapped(cell, max(1, TEXT_CHARS * longest[j] // total)) for j, cell in enumerate(row))
        lines += 2 if any(_TALL_TEX.search(cell) for cell in source) else 0
    return lines


def _markdown_features(source, width=TEXT_CHARS):
    """Counts of what a Markdown cell shows: headings, text lines, list lines, display
    math rows, table lines, fenced code lines, and the blocks between them."""
    features = {}

    def add(name, amount=1):
        features[name] = features.get(name, 0) + amount

    lines, paragraph, i = source.split("\n"), [], 0

    def flush():
        if paragraph:
            add("block")
            add("text line", _wrapped(_visible(" ".join(paragraph)), width))
            add("tall inline", len(_TALL_TEX.findall(" ".join(paragraph))))
            paragraph.clear()

    while i < len(lines):
        line = lines[i].strip()
        heading = re.match(r"(#{1,6})\s", line)
        if not line:
            flush()
            i += 1
        elif line.startswith(">"):                  # a quote: its content, a little narrower
            flush()
            j = i
            while j < len(lines) and lines[j].strip().startswith(">"):
                j += 1
            inner = "\n".join(l.strip()[1:] for l in lines[i:j])
            for name, amount in _markdown_features(inner, width - 6).items():
                add(name, amount)
            i = j
        elif line.startswith("```") or line.startswith("~~~"):
            flush()
            j = i + 1
            while j < len(lines) and not lines[j].strip().startswith(line[:3]):
                j += 1
            add("block")
            add("fenced line", sum(_wrapped(l, CODE_CHARS) for l in lines[i + 1:j]) or 1)
            i = j + 1
        elif line.startswith("$$"):
            flush()
            j = i
            if line == "$$" or not line.endswith("$$") or len(line) < 4:
                j = i + 1
                while j < len(lines) and "$$" not in lines[j]:
                    j += 1
            formula = "\n".join(lines[i:j + 1])
            add("block")
            add("math row", formula.count("\\\\") + 1 + (1 if _TALL_TEX.search(formula) else 0))
            i = j + 1
        elif heading:
            flush()
            level = min(len(heading.group(1)), 3)
            add(f"h{level}", _wrapped(line, {1: 55, 2: 65, 3: 80}[level]))
            i += 1
        elif line.startswith("|"):
            flush()
            j = i
            while j < len(lines) and lines[j].strip().startswith("|"):
                j += 1
            rows = [r for r in lines[i:j] if not _TABLE_RULE.match(r.strip())]
            add("block")
            add("table line", _table_lines(rows) if rows else 0)
            i = j
        elif _LIST_ITEM.match(lines[i]):
            flush()
            item, j = [line], i + 1
            while (j < len(lines) and lines[j].strip() and not _LIST_ITEM.match(lines[j])
                   and lines[j].startswith(" ")):
                item.append(lines[j].strip())
                j += 1
            depth = (len(lines[i]) - len(lines[i].lstrip())) // 2
            add("list item")
            add("list line", _wrapped(_visible(" ".join(item)), width - 4 - 3 * depth))
            add("tall inline", 1 if _TALL_TEX.search(" ".join(item)) else 0)
            i = j
        else:
            paragraph.append(line)
            i += 1
    flush()
    return features


def _png_size(data):
    """(width, height) from a base64 PNG's header, or None if it is not a PNG."""
    try:
        head = base64.b64decode(data[:44])
    except ValueError:
        return None
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", head[16:24])


def _image_height(output, mime):
    """The height in px an image output takes: its metadata's size if given, else the
    PNG header's, scaled down to IMAGE_WIDTH."""
    size = output.get("metadata", {}).get(mime, {})
    if size.get("width") and size.get("height"):
        width, height = size["width"], size["height"]
    elif mime == "image/png" and _png_size(output["data"][mime]):
        width, height = _png_size(output["data"][mime])
    else:
        return UNKNOWN_IMAGE_HEIGHT
    return height * min(1.0, IMAGE_WIDTH / max(1, width))


def _text_lines(text):
    text = "".join(text) if isinstance(text, list) else text
    return sum(_wrapped(line, CODE_CHARS) for line in text.rstrip("\n").split("\n"))


def _code_features(cell):
    """Counts of what a code cell shows: wrapped input lines, outputs, output lines, image px."""
    features = {"input line": _text_lines(cell.source), "output": 0, "output line": 0, "image": 0,
                "image px": 0}
    for output in cell.get("outputs", []):
        features["output"] += 1
        if output.get("output_type") == "stream":
            features["output line"] += _text_lines(output.get("text", ""))
        elif output.get("output_type") == "error":
            features["output line"] += _text_lines(_ANSI.sub("", "\n".join(output.get("traceback", []))))
        else:
            data = output.get("data", {})
            image = next((m for m in ("image/png", "image/jpeg", "image/svg+xml") if m in data), None)
            if "application/vnd.jupyter.widget-view+json" in data:
                features["image px"] += WIDGET_HEIGHT
            elif image:
                features["image"] += 1
                features["image px"] += _image_height(output, image)
            elif "text/html" in data:
                html = "".join(data["text/html"])
                features["output line"] += max(1, html.count("<tr"), html.count("<br") + html.count("<p"))
            elif "text/plain" in data:
                features["output line"] += _text_lines(data["text/plain"])
    return features


def cell_height(cell):
    """Estimated height in px of ``cell`` on a 1280x720 slide (RISE or deck)."""
    if cell.cell_type == "markdown":
        features = dict(_markdown_features(cell.source), **{"markdown cell": 1})
    elif cell.cell_type == "code":
        features = dict(_code_features(cell), **{"code cell": 1})
    else:
        features = {"text line": _text_lines(cell.source)}
    return round(sum(HEIGHT_PX[name] * amount for name, amount in features.items()))


def heading_slide_type(cell):
    """"slide" for a Markdown cell opening with a # or ## heading, "subslide" for any
    other Markdown cell (an explanation below the section's heading), else None."""
    if cell.cell_type != "markdown":
        return None
    first = cell.source.lstrip().split("\n", 1)[0]
    return "slide" if first.startswith("# ") or first.startswith("## ") else "subslide"


# Slide types an author may set by hand; the build keeps them.
AUTHORED_SLIDE_TYPES = ("fragment", "skip", "notes")


def _split(heights):
    """Where to start sub-slides in a run of cells (or groups of cells that stay
    together) with these heights, the first of which starts one.

    Returns the indices that start a sub-slide, 0 included: as few sub-slides
    as possible, each within SLIDE_HEIGHT unless it holds a single item, and
    among those the split whose least-filled sub-slide is fullest (so a
    one-line cell is not left alone on a slide when the cell before it could
    go with it).
    """
    n = len(heights)
    # best[k][i]: (fill of the emptiest sub-slide, starts) over splits of items 0..i-1 into k sub-slides
    best = [{0: (float("inf"), ())}]
    for k in range(1, n + 1):
        row = {}
        for i in range(1, n + 1):
            for j in range(i - 1, -1, -1):
                fill = sum(heights[j:i])
                if i - j > 1 and fill > SLIDE_HEIGHT:
                    break                   # items j..i-1 are too tall together, and so are longer runs
                if j in best[k - 1]:
                    worst = min(best[k - 1][j][0], fill)
                    if i not in row or worst > row[i][0]:
                        row[i] = (worst, best[k - 1][j][1] + (j,))
        best.append(row)
        if n in row:
            return list(row[n][1])
    raise AssertionError("unreachable: one item per sub-slide is always a split")


def slide_types(cells):
    """The ``slideshow.slide_type`` of every cell, from the cells alone.

    A # or ## heading starts a slide and every other Markdown cell a sub-slide,
    with the code cells that follow it; where those would not fit on one
    1280x720 slide (``cell_height``), a sub-slide also starts before a code cell
    (see ``_split``), and a cell taller than the slide gets one of its own.
    "fragment", "skip" and "notes" set by hand are kept ("skip" and "notes"
    take no room; a fragment stays with the cell before it).
    """
    heights = [cell_height(c) for c in cells]
    types = ["-"] * len(cells)
    run = []                                   # indices of the cells sharing the current sub-slide
    for index, cell in enumerate(cells):
        authored = (cell.metadata.get("slideshow") or {}).get("slide_type")
        if authored in AUTHORED_SLIDE_TYPES:
            types[index] = authored
            if authored != "fragment":
                continue
        kind = heading_slide_type(cell)
        if not run:
            kind = "slide"
        if kind is not None and authored != "fragment":
            _mark(heights, types, run)
            types[index] = kind
            run = []
        run.append(index)
    _mark(heights, types, run)
    return types


def _mark(heights, types, run):
    """Set "subslide" where ``_split`` starts a sub-slide inside ``run`` (a list of cell
    indices, whose first cell already starts one). A fragment stays with the cell before it."""
    if not run:
        return
    groups = []
    for index in run:
        if groups and types[index] == "fragment":
            groups[-1].append(index)
        else:
            groups.append([index])
    for start in _split([sum(heights[i] for i in group) for group in groups])[1:]:
        types[groups[start][0]] = "subslide"


class SlidesError(RuntimeError):
    """An asset is missing or a notebook cannot be exported; the message says what to do."""


def _dist_path(dist_name, relative):
    """A file or folder shipped by an installed distribution, without importing it."""
    try:
        dist = metadata.distribution(dist_name)
    except metadata.PackageNotFoundError:
        raise SlidesError(f"the package {dist_name!r} is not installed: {INSTALL_HINT}") from None
    path = Path(dist.locate_file(relative))
    if not path.exists():
        raise SlidesError(f"{dist_name} {dist.version} has no {relative}: {INSTALL_HINT}")
    return path, dist.version


def asset_sources():
    """Where each asset comes from: ``{name: (source path, package, version, licence)}``."""
    reveal, reveal_pkg = _dist_path("sphinx-revealjs", "sphinx_revealjs/_static/revealjs")
    mathjax, mathjax_pkg = _dist_path("sphinx-mathjax-offline",
                                      f"sphinx-mathjax-offline/static/mathjax/{MATHJAX_FILE}")
    header = (reveal / "dist" / "reveal.js").read_text(encoding="utf-8", errors="replace")[:300]
    match = re.search(r"reveal\.js (\d+\.\d+\.\d+)", header)
    return {
        "reveal.js": (reveal, f"sphinx-revealjs {reveal_pkg}",
                      match.group(1) if match else "?", "MIT"),
        "MathJax": (mathjax, f"sphinx-mathjax-offline {mathjax_pkg}", "3.2.2", "Apache-2.0"),
    }


def _ignore_reveal(folder, names):
    # What the deck loads: dist/ (core, themes, their fonts) and the bundled notes plugin;
    # no sources (css/*.scss, plugin.js), source maps, ES-module copies or unused plugins.
    folder = Path(folder)
    keep = {"revealjs": {"dist", "plugin", "LICENSE"}, "plugin": {"notes"}, "notes": {"notes.js"}}.get(folder.name)
    if keep is not None and folder.parent.name != "dist":
        return [n for n in names if n not in keep]
    return [n for n in names if n.endswith(".map") or n.endswith(".esm.js")]


def copy_assets(out_dir):
    """Copy reveal.js and MathJax into ``out_dir/slide_assets``; return that folder."""
    sources = asset_sources()
    target = Path(out_dir) / ASSETS
    reveal_src = sources["reveal.js"][0]
    shutil.copytree(reveal_src, target / "reveal.js", ignore=_ignore_reveal, dirs_exist_ok=True)
    mathjax_dir = target / "mathjax"
    mathjax_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy2(sources["MathJax"][0], mathjax_dir / MATHJAX_FILE)
    shutil.copy2(VENDORED / "MathJax-LICENSE", mathjax_dir / "LICENSE")
    lines = ["Assets of the bp-course slide decks, copied by `python -m bpcourse slides`.", ""]
    for name, (_, package, version, licence) in sources.items():
        lines.append(f"{name} {version} ({licence} licence), from the PyPI package {package}")
    (target / "README.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def notebook_title(nb):
    """The notebook's title: ``metadata.title``, else its first ``# `` heading, else ''."""
    if nb.metadata.get("title"):
        return str(nb.metadata["title"])
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return ""


def _prepare(nb):
    """A copy of ``nb`` ready to export: its title set, widget outputs replaced by a note."""
    nb = copy.deepcopy(nb)
    title = notebook_title(nb)
    if title:
        nb.metadata["title"] = title
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if "application/vnd.jupyter.widget-view+json" in output.get("data", {}):
                output["data"] = {"text/html": WIDGET_NOTE}
    return nb


# A slide taller than the screen scrolls (mouse wheel, touchpad) instead of being cut off.
SCROLL_CSS = """
.reveal .slides > section:not(.stack),
.reveal .slides > section > section {
  max-height: 100%;
  overflow-y: auto;
}
"""


def deck_css(scroll=True):
    """The style sheet every deck inlines: lecture sizes, wrapped code, and scrolling."""
    css = (VENDORED / "deck.css").read_text(encoding="utf-8")
    return css + SCROLL_CSS if scroll else css


# What nbconvert's HTMLExporter adds to every page after rendering it: alt text on
# images that have none, and cells that take the keyboard focus.
MISSING_ALT = "No description has been provided for this image"
FOCUSABLE = ("jp-Cell-inputWrapper", "jp-OutputArea-output")
# A comment, or a <script> or <style> element (their text is not markup), or a <div> or <img> start tag.
_TAG = re.compile(r"<!--.*?-->|<(script|style)\b.*?</\1\s*>|<(div|img)\b([^>]*)>", re.S | re.I)
_CLASS = re.compile(r"""\sclass\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.I)
_ALT = re.compile(r"\salt\s*=", re.I)
_TABINDEX = re.compile(r"""\stabindex\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+)""", re.I)
_BODY = re.compile(r"<body\b([^>]*)>", re.I)


def _add_attribute(tag, name, value):
    """``tag`` (a start tag) with ``name="value"`` as its last attribute. A closing "/>" is
    kept after it, unless the slash ends an unquoted value (``width=3/>``: HTML reads 3/)."""
    self_closing = re.search(r"""(?:^<[a-zA-Z]+|[\s"'])/>$""", tag) is not None
    end = len(tag) - (2 if self_closing else 1)
    return f'{tag[:end].rstrip()} {name}="{value}"{tag[end:]}'


def accessible_html(html, log=None):
    """``html`` with what HTMLExporter's BeautifulSoup pass adds: ``alt`` on every <img>
    without one, and ``tabindex="0"`` on each cell's input wrapper and output.

    The same change, for a fraction of the cost: HTMLExporter parses the whole page
    (0.5 MB and 3000 tags a deck) and writes it out again, which took two thirds of
    the export. Its selectors are ``img:not([alt])`` and ``.jp-Notebook div.<class>``;
    nbconvert's templates put ``jp-Notebook`` on <body>, and any other page falls
    back to BeautifulSoup itself.
    """
    body = _BODY.search(html)
    classes = _CLASS.search(body.group(1)) if body else None
    if classes is None or "jp-Notebook" not in " ".join(g or "" for g in classes.groups()).split():
        return _accessible_html_by_soup(html, log)
    missing = 0

    def fix(match):
        nonlocal missing
        tag, name, attributes = match.group(0), match.group(2), match.group(3)
        if name is None:                                       # a comment, script or style: left as it is
            return tag
        if name.lower() == "img":
            if _ALT.search(attributes):
                return tag
            missing += 1
            return _add_attribute(tag, "alt", MISSING_ALT)
        if match.start() < body.end():
            return tag
        found = _CLASS.search(attributes)
        if found is None or not set(FOCUSABLE) & set(next(g for g in found.groups() if g is not None).split()):
            return tag
        return _add_attribute(_TABINDEX.sub("", tag), "tabindex", "0")

    html = _TAG.sub(fix, html)
    if missing and log is not None:
        log.warning("Alternative text is missing on %s image(s).", missing)
    return html


def _accessible_html_by_soup(html, log=None):
    """HTMLExporter's own pass (BeautifulSoup), for a page the fast one does not cover."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, features="html.parser")
    missing = 0
    for elem in soup.select("img:not([alt])"):
        elem.attrs["alt"] = MISSING_ALT
        missing += 1
    if missing and log is not None:
        log.warning("Alternative text is missing on %s image(s).", missing)
    for name in FOCUSABLE:
        for elem in soup.select(f".jp-Notebook div.{name}"):
            elem.attrs["tabindex"] = "0"
    return str(soup)


def _exporter_class():
    from nbconvert import SlidesExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class OfflineSlidesExporter(SlidesExporter):
        """``SlidesExporter`` with HTMLExporter's BeautifulSoup pass done by ``accessible_html``."""

        def from_notebook_node(self, nb, resources=None, **kw):
            # HTMLExporter.from_notebook_node (nbconvert 7.16-7.17) up to its BeautifulSoup pass.
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            highlight_code = self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
            resources = self._init_resources(resources)
            filter_data_type = WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self,
                                                     resources=resources)
            self.register_filter("highlight_code", highlight_code)
            self.register_filter("filter_data_type", filter_data_type)
            html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            return accessible_html(html, self.log), resources

    return OfflineSlidesExporter


@functools.lru_cache(maxsize=None)
def make_exporter(theme="white", transition="slide", scroll=True):
    """An nbconvert ``SlidesExporter`` whose decks load only ``slide_assets/``.

    One per set of arguments in a process: an exporter compiles its Jinja templates on first use
    (0.2 CPU s), and each deck sets what differs (``export_deck``)."""
    from jinja2 import DictLoader

    return _exporter_class()(
        extra_loaders=[DictLoader({TEMPLATE_NAME: TEMPLATE})],
        template_file=TEMPLATE_NAME,
        reveal_url_prefix=REVEAL_PREFIX,
        reveal_theme=theme,
        reveal_transition=transition,
        reveal_scroll=scroll,
        mathjax_url=MATHJAX_URL,
        # Not loaded by the template above; set so no CDN address is left in the resources.
        require_js_url="", jquery_url="", mermaid_js_url="", mermaid_layout_elk_js_url="",
        embed_images=True,
        # "In [12]:" beside every cell costs a slide 110 px of width and says nothing in a lecture.
        exclude_input_prompt=True, exclude_output_prompt=True,
    )


def export_deck(notebook, out_dir, exporter=None):
    """Write ``out_dir/<stem>.slides.html`` for one notebook (assets not copied); return its path."""
    notebook = Path(notebook)
    exporter = exporter or make_exporter()
    nb = _prepare(nbformat.read(notebook, as_version=4))
    exporter.language_code = nb.metadata.get("bp_course", {}).get("language", "en")   # <html lang=...>
    resources = {"metadata": {"name": notebook.stem, "path": str(notebook.parent.resolve())},
                 "bp_deck_css": deck_css(exporter.reveal_scroll)}
    try:
        body, _ = exporter.from_notebook_node(nb, resources=resources)
    except ValueError as error:   # e.g. "All cells are hidden, cannot create slideshow"
        raise SlidesError(f"{notebook}: {error}") from error
    out = Path(out_dir) / f"{notebook.stem}.slides.html"
    out.write_text(body, encoding="utf-8")
    return out


def export_decks(notebooks, out_dir, theme="white", transition="slide", scroll=True):
    """Export every notebook into ``out_dir`` and copy the assets there; return the deck paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    copy_assets(out_dir)
    theme_css = out_dir / REVEAL_PREFIX / "dist" / "theme" / f"{theme}.css"
    if not theme_css.exists():
        themes = sorted(p.stem for p in theme_css.parent.glob("*.css"))
        raise SlidesError(f"no reveal.js theme {theme!r}; have {themes}")
    if re.search(r"@import\s+url\(\s*['\"]?https?:", theme_css.read_text(encoding="utf-8")):
        print(f"warning: theme {theme!r} imports web fonts; offline it falls back to local fonts",
              file=sys.stderr)
    exporter = make_exporter(theme, transition, scroll)
    return [export_deck(notebook, out_dir, exporter) for notebook in notebooks]


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m bpcourse slides", description=__doc__.split("\n\n")[0],
        epilog="Decks of solutions/ show every exercise's answer: do not post them for students. Give paths "
               "of learner copies (notebooks/05_four_equations.ipynb) for decks with the stubs.")
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="paths of notebooks to export, each translated one into OUT/<language> (default: "
                             "every solutions/*.ipynb, and solutions/zh/*.ipynb into OUT/zh)")
    parser.add_argument("--out", type=Path, default=Path("slides"),
                        help="folder for the decks and their assets (default: ./slides)")
    parser.add_argument("--theme", default="white", help="reveal.js theme (default: white)")
    parser.add_argument("--transition", default="slide", help="reveal.js transition (default: slide)")
    parser.add_argument("--scroll", action=argparse.BooleanOptionalAction, default=True,
                        help="slides taller than the screen scroll (default); --no-scroll cuts them off")
    args = parser.parse_args(argv)
    if args.notebooks:   # a translated edition's notebook (solutions/zh/...) into OUT/zh, as by default
        by_folder = {}
        for notebook in args.notebooks:
            lang = notebook.parent.name if notebook.parent.name in translations.LANGUAGES else None
            by_folder.setdefault(args.out / lang if lang else args.out, []).append(notebook)
        batches = [(notebooks, out) for out, notebooks in by_folder.items()]
        for notebooks, out in batches:
            names = [notebook.name for notebook in notebooks]
            twice = sorted({name for name in names if names.count(name) > 1})
            if twice:
                print(f"error: two notebooks would make the same deck in {out}/: {', '.join(twice)}", file=sys.stderr)
                return 2
    else:  # every solution notebook, and each translated edition into its own folder (slides/zh/)
        batches = [(sorted(SOLUTIONS.glob("*.ipynb")), args.out)] + [
            (sorted((SOLUTIONS / lang).glob("*.ipynb")), args.out / lang) for lang in translations.LANGUAGES
            if list((SOLUTIONS / lang).glob("*.ipynb"))]
    if not batches[0][0]:
        print(f"error: no notebooks given and none in {SOLUTIONS}", file=sys.stderr)
        return 2
    missing = [str(p) for notebooks, _ in batches for p in notebooks if not p.is_file()]
    if missing:
        stems = {p.stem for p in SOLUTIONS.glob("*.ipynb")}
        hint = "; give paths, such as solutions/05_four_equations.ipynb" if any(
            Path(m).stem in stems for m in missing) else ""
        print(f"error: no such notebook: {', '.join(missing)}{hint}", file=sys.stderr)
        return 2
    for notebooks, out in batches:
        try:
            decks = export_decks(notebooks, out, args.theme, args.transition, args.scroll)
        except SlidesError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        except OSError as error:
            print(f"error: cannot write the decks into {out}: {error.strerror or error}", file=sys.stderr)
            return 2
        for deck in decks:
            print(deck)
        print(f"{len(decks)} deck(s) in {out}/ with their assets in {out / ASSETS}/: "
              "open any .slides.html in a browser, no network needed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
