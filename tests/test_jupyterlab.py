"""JupyterLab in headless Chromium: the playground live, and presenting with RISE.

One JupyterLab server (127.0.0.1, a free port, no token, every setting and
runtime file in a temporary folder) and one headless Chromium serve every test
here. Starting each costs seconds of CPU, so the playground and the RISE checks
share them, and RISE's page loads while JupyterLab opens the playground and runs
it: two pages at once keep both cores busy. The playground's interactive steps,
which race the kernel against the browser, wait for RISE to be done loading.

The playground (``test_playground_in_jupyterlab``): a small notebook of its own
(the playground cell of notebook 07) is opened in JupyterLab 4 + ipywidgets 8,
all cells run, and then, on one page: ArrowRight on the "hidden units" slider
(the pictures and the loss change, and the status said "training..." in
between), play (the replay slider moves and the data picture follows), scrubbing
the replay slider by keyboard (the epoch label and the pictures follow), and
another neuron picked (the neuron view changes). On failure, screenshots of the
page (at the failure, and after each step that passed) are kept in
``test-artifacts/browser/`` under the repository (or the folder named by
``BPLIB_TEST_ARTIFACTS``), and the path is printed; ``BPLIB_KEEP_SCREENSHOTS=1``
keeps them after a pass too.

RISE (jupyterlab-rise): the server also serves copies of the notebooks with the
``rise.css`` the course build writes beside them. A page at 1280x720 presents
with RISE a sampler notebook made of real cells: from each solution notebook the
sub-slides most likely to overflow (the fullest one of several cells by the
build's estimate, the one with the longest code line, and the tallest), and from
each learner copy the fullest one (where an unfinished exercise's traceback
shows). Loading a notebook into RISE takes 5-10 s of CPU on a slow machine, so
the sampler stands in for the 24 notebooks (~800 slides); the offline decks
(tests/test_slides.py) check every slide of every solution notebook with the
same sizes and rule. RISE must show lecture sizes (rise.css), honour the
notebooks' ``rise.scroll``, and no slide may overflow
(``test_slides.overflow_problems``). RISE's settings for the run (transition
"none", no automatic cell selection, start at the first slide) only let each
slide be measured as soon as it is shown; the notebooks' own ``rise`` metadata
still applies.

Opening must not rewrite a notebook: each notebook, as JupyterLab's front end
sends it back when saving, goes through the server's save path byte for byte,
and its ``kernelspec`` and ``language_info`` are what JupyterLab sets when the
kernel starts.

Needs /usr/bin/chromium (``apt-get install -y chromium``) and the ``playwright``
Python package; never ``playwright install``. Chromium's headless shell
(``apt-get install -y chromium-headless-shell``) is used instead when it is
installed: the same engine, without a browser window's cost (see
``test_slides.CHROMIUM``).
"""
import copy
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from bpcourse import slides
from test_slides import CHROMIUM, CHROMIUM_ARGS, MEASURE_SLIDE, SCREEN, overflow_problems, scrolling

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SAMPLER = "rise_sampler.ipynb"
ARTIFACTS = Path(os.environ.get("BPLIB_TEST_ARTIFACTS", ROOT / "test-artifacts")) / "browser"
PLAYGROUND = "playground/playground.ipynb"
CELL = "\n".join([
    "from bplib.playground import Playground",
    'playground = Playground(dataset="xor", hidden_units=2, learning_rate=1.0, epochs=300)',
    "playground.show()",
])

SERVER_START_TIMEOUT = 90  # s, on a slow machine under load
PAGE_TIMEOUT = 120  # s for a JupyterLab or RISE page to load and its kernel to start
RUN_ALL_TIMEOUT = 180  # s
UPDATE_TIMEOUT = 30  # s
TYPESET_TIMEOUT = 30  # s for MathJax, once the notebook is rendered
RISE_SETTINGS = {"transition": "none", "auto_select": "none", "start_slideshow_at": "beginning"}
# No news or update toasts (they ask to fetch from the internet and can cover the page).
NOTIFICATIONS = {"fetchNews": "false", "checkForUpdates": False, "doNotDisturbMode": True}

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not found: install it with "
                                "`apt-get install -y chromium` (or chromium-headless-shell) to run the "
                                "real-browser tests")


# --- One server and one browser -----------------------------------------------

def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _descendants(pid):
    try:
        import psutil

        return psutil.Process(pid).children(recursive=True)
    except Exception:  # noqa: BLE001 - psutil absent or the process already gone
        return []


# nbgrader's server and page extensions are not here: the course's own settings (jupyter-config/,
# installed by requirements.txt) turn them off for learners, and the tests see what learners see.
UNUSED_SERVER_EXTENSIONS = ("jupyter_lsp", "jupyter_server_terminals")


class JupyterLab:
    """A JupyterLab server on 127.0.0.1 (a free port, no token), in its own process group,
    serving ``root``, with every setting and runtime file in ``home``: RISE's settings for
    the run, no news, and ``window.jupyterapp`` exposed."""

    def __init__(self, root, home):
        self.root, self.port = root, _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        settings = home / "settings"
        for plugin, values in [("jupyterlab-rise/plugin", RISE_SETTINGS),
                               ("@jupyterlab/apputils-extension/notification", NOTIFICATIONS)]:
            path = settings / f"{plugin}.jupyterlab-settings"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        # Server extensions these tests do not use cost CPU to load in each (the language-server
        # scan, terminals).
        # No build check either: the page's "is a rebuild needed?" request made the server scan
        # every extension and run `node yarn.js config --json` (0.5 CPU s) a second time.
        config = home / "config"
        (config / "labconfig").mkdir(parents=True, exist_ok=True)
        (config / "jupyter_server_config.json").write_text(json.dumps({"ServerApp": {"jpserver_extensions": {
            name: False for name in UNUSED_SERVER_EXTENSIONS}}}))
        (config / "labconfig" / "page_config.json").write_text(json.dumps({"buildCheck": False}))
        env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(home / "runtime"), JUPYTERLAB_SETTINGS_DIR=str(settings),
                   JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"), JUPYTER_CONFIG_DIR=str(home / "config"),
                   IPYTHONDIR=str(home / "ipython"), MPLBACKEND="module://matplotlib_inline.backend_inline")
        env.pop("JUPYTER_TOKEN", None)
        self.log_path = home / "jupyterlab.log"
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1",
             f"--port={self.port}", "--port-retries=0", "--IdentityProvider.token=", "--ServerApp.password=",
             "--expose-app-in-browser", f"--ServerApp.root_dir={root}", "--LabApp.news_url=",
             "--ServerApp.disable_check_xsrf=True",
             "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", "--LabApp.extension_manager=readonly"],
            cwd=root, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self):
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {self.process.returncode}:\n{self.tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status", timeout=2):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"JupyterLab did not answer within {SERVER_START_TIMEOUT} s:\n{self.tail()}")

    def api(self, path, body=None):
        request = urllib.request.Request(f"{self.url}/api/{path}", method="GET" if body is None else "PUT",
                                         data=None if body is None else json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)

    def tail(self, n=3000):
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def stop(self):
        """SIGTERM to the server's process group (it shuts its kernels down), SIGKILL if it lingers."""
        children = _descendants(self.process.pid)
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        for child in children:  # kernels live in their own sessions: end them by pid
            try:
                child.wait(timeout=5)
            except Exception:  # noqa: BLE001
                try:
                    child.kill()
                except Exception:  # noqa: BLE001 - already gone
                    pass
        self.log.close()


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory, request):
    """The server, serving an empty folder (``jupyterlab.root``) that the tests fill."""
    server = JupyterLab(tmp_path_factory.mktemp("served"), tmp_path_factory.mktemp("home"))
    try:
        request.getfixturevalue("browser")   # Chromium starts while the server does
        server.wait_ready()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (a Playwright ``Browser``); each test opens its own pages."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # chromium is there, so the browser tests must run: say what is missing
        pytest.fail("the playwright Python package is needed for the browser tests: pip install playwright "
                    "(do not run `playwright install`; the tests use /usr/bin/chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# --- RISE: the sampler and its page (loading while the playground runs) ----------

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


@pytest.fixture(scope="module")
def rise_page(served, jupyterlab, browser):
    """RISE's page for the sampler at 1280x720, still loading: ``(page, uncaught errors)``.

    The playground test asks for it first (``rise_loading``), so that RISE loads
    while the playground runs; ``rise_run`` waits for it and measures it.
    """
    page = browser.new_page(viewport=SCREEN)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{jupyterlab.url}/rise/{SAMPLER}", wait_until="commit", timeout=PAGE_TIMEOUT * 1000)
    yield page, errors
    page.close()


@pytest.fixture
def rise_loading(request):
    """Starts loading RISE's page (``rise_page``) now, if a selected test will measure it.
    Returns a function that waits until RISE has rendered the sampler."""
    here = [item for item in request.session.items if getattr(item, "module", None) is request.module]
    if not any("rise_run" in item.fixturenames for item in here):
        return lambda: None
    page, _ = request.getfixturevalue("rise_page")
    return lambda: page.wait_for_function(RENDERED, timeout=PAGE_TIMEOUT * 1000, polling=250)


# --- The playground in JupyterLab --------------------------------------------------

def _write_notebook(path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Playground (written by tests/test_jupyterlab.py)"),
                nbformat.v4.new_code_cell(CELL)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


_KERNEL_IDLE = """() => {
    const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    const kernel = panel && panel.sessionContext && panel.sessionContext.session
        && panel.sessionContext.session.kernel;
    return !!kernel && kernel.status === 'idle' && panel.content && panel.content.widgets.length > 0;
}"""

_RUN_ALL = """async () => {
    await window.jupyterapp.commands.execute('notebook:run-all-cells');
    const panel = window.jupyterapp.shell.currentWidget;
    return panel.content.widgets.filter(c => c.model.type === 'code')
        .map(c => c.model.sharedModel.execution_count);
}"""

# Tracebacks shown in cell outputs (an error output renders with the stderr MIME type).
_ERRORS = """() => Array.from(document.querySelectorAll(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'))
    .map(e => e.innerText).filter(t => /Error|Traceback/.test(t))"""


def _image_head(page, image):
    """The first 8 bytes of the picture the <img> shows (a PNG's signature), fetched from its
    blob: URL (the six whole pictures, sent as JSON lists of numbers, took 2 s)."""
    data = page.evaluate("""async (img) => {
        const buffer = await (await fetch(img.src)).arrayBuffer();
        return Array.from(new Uint8Array(buffer, 0, Math.min(8, buffer.byteLength)));
    }""", image.element_handle())
    return bytes(data)


# Every text the status line shows, recorded as it changes (the busy state lasts a few tenths of a second).
# With each text, whether the playground box had its busy class (which fades the pictures).
_WATCH_STATUS = """([el, box]) => {
    const note = () => el.innerText + (box.classList.contains('bplib-busy') ? ' [busy]' : '');
    window.__statusTexts = [note()];
    new MutationObserver(() => window.__statusTexts.push(note()))
        .observe(el, {subtree: true, childList: true, characterData: true});
}"""


def _wait_src_change(page, image, src):
    page.wait_for_function("([img, src]) => img.src && img.src !== src",
                           arg=[image.element_handle(), src], polling=50)
    return image.get_attribute("src")


class _Shots:
    """Screenshots after each step; kept only when the test fails."""

    def __init__(self, page, folder):
        self.page, self.folder, self.taken = page, folder, []

    def __call__(self, step):
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{len(self.taken) + 1:02d}-{step}.png"
        self.page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)


def test_playground_in_jupyterlab(jupyterlab, browser, rise_loading, tmp_path):
    # rise_loading: RISE's page loads while JupyterLab does, on the other core.
    _write_notebook(jupyterlab.root / PLAYGROUND)
    shots_folder = tmp_path / "screenshots"
    start = time.monotonic()
    timings = {}
    failed = True
    page = browser.new_page(viewport={"width": 1400, "height": 1300})
    shots = _Shots(page, shots_folder)
    try:
        page.set_default_timeout(UPDATE_TIMEOUT * 1000)
        page.goto(f"{jupyterlab.url}/lab/tree/{PLAYGROUND}", wait_until="domcontentloaded",
                  timeout=PAGE_TIMEOUT * 1000)
        page.wait_for_function(_KERNEL_IDLE, timeout=PAGE_TIMEOUT * 1000, polling=200)
        timings["kernel idle"] = time.monotonic() - start
        # What a learner sees: no nbgrader menu or Validate button (jupyter-config/ turns them off).
        menus = page.locator(".lm-MenuBar-itemLabel").all_inner_texts()
        assert "Kernel" in menus and "Nbgrader" not in menus, menus
        assert page.locator(".jp-NotebookPanel-toolbar", has_text="Validate").count() == 0
        page.set_default_timeout(RUN_ALL_TIMEOUT * 1000)
        counts = page.evaluate(_RUN_ALL)
        page.wait_for_function(_KERNEL_IDLE, timeout=RUN_ALL_TIMEOUT * 1000, polling=200)
        assert all(c is not None for c in counts), (
            f"run-all stopped early (execution counts {counts}); errors: {page.evaluate(_ERRORS)}")
        page.set_default_timeout(UPDATE_TIMEOUT * 1000)

        playground = page.locator(".bplib-playground")
        playground.first.wait_for(state="visible")
        assert playground.count() == 1, "expected the playground to be shown exactly once"
        images = {part: playground.locator(f".bplib-image-{part} img, img.bplib-image-{part}")
                  for part in ("data", "network", "loss", "delta", "weight", "neuron")}
        for part, image in images.items():
            image.wait_for(state="visible")
            assert _image_head(page, image).startswith(b"\x89PNG"), f"the {part} picture is no PNG"
        # A label that the pointer rests on shows what its control does, never "null" (ipywidgets 8 writes
        # a null tooltip into the title; its dropdowns show none at all).
        titles = dict(page.evaluate("""(root) => [...root.querySelectorAll('label.widget-label')]
            .filter(l => l.offsetParent !== null).map(l => [l.textContent, l.getAttribute('title')])""",
                                    playground.element_handle()))
        assert "null" not in titles.values(), f"labels whose tooltip reads null: {titles}"
        from bplib.playground.widgets import TOOLTIPS

        assert titles["hidden units"] == TOOLTIPS["hidden_units"], titles
        status = playground.locator(".bplib-status")
        replay = playground.locator(".bplib-replay")
        label = playground.locator(".bplib-replay-label")
        timings["run all"] = time.monotonic() - start
        errors_before = page.evaluate(_ERRORS)
        shots("shown")
        # The steps below race the kernel against the browser (play, then scrub): they run
        # with RISE's page done loading, as they would alone.
        rise_loading()
        timings["RISE loaded"] = time.monotonic() - start

        # 1. a control: hidden units + 1 retrains; the status was busy in between
        slider = playground.locator(".widget-slider").filter(has_text="hidden units")
        assert slider.count() == 1, "expected exactly one 'hidden units' slider in the playground"
        readout = slider.locator(".widget-readout")
        units_before = int(readout.inner_text().strip())
        status_before = status.inner_text()
        src = {part: image.get_attribute("src") for part, image in images.items()}
        page.evaluate(_WATCH_STATUS, [status.element_handle(), playground.element_handle()])
        slider.locator(".noUi-handle").focus()
        page.keyboard.press("ArrowRight")
        for part in ("data", "network", "loss"):
            src[part] = _wait_src_change(page, images[part], src[part])
        page.wait_for_function(
            """([el, before]) => el.innerText !== before && /train loss/.test(el.innerText)""",
            arg=[status.element_handle(), status_before], polling=50)
        assert int(readout.inner_text().strip()) == units_before + 1
        seen = page.evaluate("() => window.__statusTexts")
        assert any("training..." in text and "[busy]" in text for text in seen), \
            f"no busy status was shown: {seen}"
        assert "[busy]" not in seen[-1], f"still busy after the run: {seen}"
        assert "epoch 300 of 300" in label.inner_text()
        timings["slider update"] = time.monotonic() - start
        shots("hidden-units")

        # 1b. a shorter run, then a longer one: the longer one is shown at its end (the replay
        # widgets' maxima must grow before their values, or jslink clamps the value on its way)
        epochs = playground.locator(".widget-text").filter(has_text="epochs").locator("input")
        for count in (50, 300):
            epochs.fill(str(count))
            epochs.press("Enter")
            page.wait_for_function(f"(el) => /epoch {count} of {count}$/.test(el.innerText.trim())",
                                   arg=label.element_handle(), polling=50)
        page.wait_for_timeout(300)   # a clamped value sent back would arrive by now
        assert "epoch 300 of 300" in label.inner_text(), label.inner_text()
        timings["epochs 50, 300"] = time.monotonic() - start

        # 2. play: the replay slider runs from the start, the data picture follows; then pause
        data_src = images["data"].get_attribute("src")
        playground.locator(".bplib-play button").first.click()
        page.wait_for_function("(el) => /epoch ([1-9]\\d?|[12]\\d\\d) of 300/.test(el.innerText)",
                               arg=label.element_handle(), polling=50)  # epoch 1 to 299
        _wait_src_change(page, images["data"], data_src)
        playground.locator(".bplib-play button").first.click()  # the same button pauses
        timings["play"] = time.monotonic() - start
        shots("played")

        # 3. scrub: keys on the replay slider move the epoch back, every picture follows
        src = {part: image.get_attribute("src") for part, image in images.items()}
        replay.locator(".noUi-handle").focus()
        page.keyboard.press("Home")
        page.wait_for_function("(el) => /epoch 0 of 300/.test(el.innerText)",
                               arg=label.element_handle(), polling=50)
        for part, image in images.items():
            src[part] = _wait_src_change(page, image, src[part])
        page.keyboard.press("ArrowRight")
        page.wait_for_function("(el) => /epoch 3 of 300/.test(el.innerText)",
                               arg=label.element_handle(), polling=50)
        _wait_src_change(page, images["data"], src["data"])
        timings["scrub"] = time.monotonic() - start
        shots("scrubbed")

        # 4. the neuron view: pick neuron 2 of layer 1
        neuron_src, network_src = images["neuron"].get_attribute("src"), images["network"].get_attribute("src")
        playground.locator(".bplib-neuron select").select_option(label="layer 1, neuron 2")
        _wait_src_change(page, images["neuron"], neuron_src)
        _wait_src_change(page, images["network"], network_src)
        timings["neuron"] = time.monotonic() - start
        shots("neuron")
        assert page.evaluate(_ERRORS) == errors_before, "an error was shown in the notebook"
        failed = False
    except Exception:
        print("JupyterLab log (tail):\n" + jupyterlab.tail())
        raise
    finally:
        if failed:
            try:
                shots("failure")
            except Exception as error:  # noqa: BLE001 - the test's own error says more
                print(f"no screenshot at the failure: {error}")
        page.close()
        if (failed or os.environ.get("BPLIB_KEEP_SCREENSHOTS")) and shots_folder.exists():
            kept = ARTIFACTS / time.strftime("%Y%m%d-%H%M%S")
            shutil.copytree(shots_folder, kept)
            print(f"screenshots of the page kept in {kept}")
    print("browser test, seconds since start: " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items())
          + f", page closed {time.monotonic() - start:.1f}")


# --- RISE: every slide measured, and saving ----------------------------------------

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
def rise_run(rise_page, jupyterlab):
    """The sampler presented with RISE at 1280x720: font sizes, every slide measured, page errors."""
    page, errors = rise_page
    try:
        page.wait_for_function(RENDERED, timeout=PAGE_TIMEOUT * 1000, polling=250)
        formulas = page.evaluate(TYPESET, TYPESET_TIMEOUT * 1000)
        run = {"fonts": page.evaluate(FONT_SIZES), "slides": page.evaluate(MEASURE_RISE),
               "formulas": formulas, "errors": errors}
    except Exception:
        page.screenshot(path=str(jupyterlab.log_path.with_name("rise-failure.png")))
        print("JupyterLab log (tail):\n" + jupyterlab.tail())
        raise
    finally:
        page.close()    # RISE keeps polling the server while it is open
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
