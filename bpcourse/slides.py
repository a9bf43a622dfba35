"""Slide decks of the course notebooks that open with no network.

Each notebook carries ``slideshow.slide_type`` metadata (``bpcourse build``
writes it), so it can be presented live in JupyterLab with RISE, or exported
as a reveal.js deck. ``jupyter nbconvert --to slides`` on its own loads
reveal.js, require.js, jQuery and MathJax from CDNs, so its decks stay blank
without internet. This module exports with nbconvert's ``SlidesExporter``
and a small template override, and copies every asset the deck loads next
to it, linked by relative URLs: the output folder opens from disk or a USB
stick, in any browser, with no network.

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
reveal.js with plain ``<script>`` tags, scrolls tall slides without jQuery and
configures MathJax 3, so neither require.js nor jQuery is shipped. Mermaid
(an ES module import, which browsers refuse from ``file://``) and the
ipywidgets HTML manager (fetched from a CDN) are left out: a widget output
shows a note to run the cell live instead.
"""
import argparse
import copy
import re
import shutil
import sys
from importlib import metadata
from pathlib import Path

import nbformat

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
<style type="text/css">
.reveal mjx-container[display="true"] { margin: 0.5em 0; }
.bp-widget-note { color: #666; }
</style>
{%- endblock html_head_js_mathjax -%}

{% block footer_js %}
{%- set prefix = resources.reveal.url_prefix -%}
<script src="{{ prefix }}/dist/reveal.js"></script>
<script src="{{ prefix }}/plugin/notes/notes.js"></script>
<script>
(function () {
  var scroll = {{ resources.reveal.scroll | default(false, true) | json_dumps }};
  function setScrollingSlide() {
    if (scroll !== true) { return; }
    var limit = document.querySelector('.reveal').offsetHeight * 0.95;
    document.querySelectorAll('section.present section').forEach(function (section) {
      if (section.offsetHeight > limit) {
        section.style.height = 'calc(95vh)';
        section.style.overflowY = 'scroll';
        section.style.marginTop = '20px';
      }
    });
  }
  Reveal.initialize({
    controls: true,
    progress: true,
    history: true,
    transition: "{{ resources.reveal.transition | default('slide', true) }}",
    slideNumber: "{{ resources.reveal.number | default('', true) }}",
    plugins: [RevealNotes],
    width: {{ resources.reveal.width | default('960', true) }},
    height: {{ resources.reveal.height | default('700', true) }}
  }).then(setScrollingSlide);
  Reveal.on('slidechanged', setScrollingSlide);
})();
</script>
{% endblock footer_js %}
"""


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


def make_exporter(theme="white", transition="slide", scroll=False):
    """An nbconvert ``SlidesExporter`` whose decks load only ``slide_assets/``."""
    from jinja2 import DictLoader
    from nbconvert import SlidesExporter

    return SlidesExporter(
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
    )


def export_deck(notebook, out_dir, exporter=None):
    """Write ``out_dir/<stem>.slides.html`` for one notebook (assets not copied); return its path."""
    notebook = Path(notebook)
    exporter = exporter or make_exporter()
    nb = _prepare(nbformat.read(notebook, as_version=4))
    resources = {"metadata": {"name": notebook.stem, "path": str(notebook.parent.resolve())}}
    try:
        body, _ = exporter.from_notebook_node(nb, resources=resources)
    except ValueError as error:   # e.g. "All cells are hidden, cannot create slideshow"
        raise SlidesError(f"{notebook}: {error}") from error
    out = Path(out_dir) / f"{notebook.stem}.slides.html"
    out.write_text(body, encoding="utf-8")
    return out


def export_decks(notebooks, out_dir, theme="white", transition="slide", scroll=False):
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
    parser = argparse.ArgumentParser(prog="python -m bpcourse slides", description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to export (default: every solutions/*.ipynb)")
    parser.add_argument("--out", type=Path, default=Path("slides"),
                        help="folder for the decks and their assets (default: ./slides)")
    parser.add_argument("--theme", default="white", help="reveal.js theme (default: white)")
    parser.add_argument("--transition", default="slide", help="reveal.js transition (default: slide)")
    parser.add_argument("--scroll", action="store_true", help="let slides taller than the screen scroll")
    args = parser.parse_args(argv)
    notebooks = args.notebooks or sorted(SOLUTIONS.glob("*.ipynb"))
    if not notebooks:
        print(f"error: no notebooks given and none in {SOLUTIONS}", file=sys.stderr)
        return 2
    missing = [str(p) for p in notebooks if not p.is_file()]
    if missing:
        print(f"error: no such notebook: {', '.join(missing)}", file=sys.stderr)
        return 2
    try:
        decks = export_decks(notebooks, args.out, args.theme, args.transition, args.scroll)
    except SlidesError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for deck in decks:
        print(deck)
    print(f"{len(decks)} deck(s) in {args.out}/ with their assets in {args.out / ASSETS}/: "
          "open any .slides.html in a browser, no network needed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
