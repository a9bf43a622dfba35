"""The playground in a real browser: JupyterLab 4 + ipywidgets 8 in headless Chromium.

Writes a small notebook of its own (the playground cell of notebook 07) into a
folder of the JupyterLab server that tests/test_rise.py uses too (127.0.0.1, a
free port, no token; see tests/conftest.py), opens it with Playwright in the
shared headless Chromium, runs all cells and then, on one page: presses
ArrowRight on the "hidden units" slider (the pictures and the loss change, and
the status said "training..." in between), presses play (the replay slider
moves and the data picture follows), scrubs the replay slider by keyboard (the
epoch label and the pictures follow), and picks another neuron (the neuron view
changes). Needs /usr/bin/chromium (``apt-get install -y chromium``) and the
``playwright`` Python package; never ``playwright install``.

On failure, screenshots of the page (at the failure, and after each step that
passed) are kept in ``test-artifacts/browser/`` under the repository (or the
folder named by ``BPLIB_TEST_ARTIFACTS``), and the path is printed;
``BPLIB_KEEP_SCREENSHOTS=1`` keeps them after a pass too.
"""
import os
import shutil
import time
from pathlib import Path

import pytest

from labserver import CHROMIUM

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(os.environ.get("BPLIB_TEST_ARTIFACTS", ROOT / "test-artifacts")) / "browser"
NOTEBOOK_NAME = "playground.ipynb"
CELL = "\n".join([
    "from bplib.playground import Playground",
    'playground = Playground(dataset="xor", hidden_units=2, learning_rate=1.0, epochs=300)',
    "playground.show()",
])

PAGE_LOAD_TIMEOUT = 60  # s: the JupyterLab page and its kernel
RUN_ALL_TIMEOUT = 180  # s
UPDATE_TIMEOUT = 30  # s

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason=f"{CHROMIUM} not found: install it with `apt-get install -y chromium` "
                              "to run the real-browser test"),
]


def _write_notebook(folder):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Playground (written by tests/test_browser.py)"),
                nbformat.v4.new_code_cell(CELL)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nbformat.write(nb, folder / NOTEBOOK_NAME)
    return NOTEBOOK_NAME


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


def _image_bytes(page, image):
    """The PNG the <img> shows, fetched from its blob: URL."""
    data = page.evaluate("""async (img) => {
        const buffer = await (await fetch(img.src)).arrayBuffer();
        return Array.from(new Uint8Array(buffer));
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


def test_playground_in_jupyterlab(jupyterlab, lab_browser, tmp_path):
    served = jupyterlab.root / "playground"
    served.mkdir(exist_ok=True)
    name = f"{served.name}/{_write_notebook(served)}"
    shots_folder = tmp_path / "screenshots"
    start = time.monotonic()
    timings = {}
    failed = True
    page = lab_browser.new_page(viewport={"width": 1400, "height": 1300})
    shots = _Shots(page, shots_folder)
    try:
        page.set_default_timeout(UPDATE_TIMEOUT * 1000)
        page.goto(f"{jupyterlab.url}/lab/tree/{name}", wait_until="domcontentloaded",
                  timeout=PAGE_LOAD_TIMEOUT * 1000)
        page.wait_for_function(_KERNEL_IDLE, timeout=PAGE_LOAD_TIMEOUT * 1000, polling=200)
        timings["kernel idle"] = time.monotonic() - start
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
            assert _image_bytes(page, image).startswith(b"\x89PNG"), f"the {part} picture is no PNG"
        status = playground.locator(".bplib-status")
        replay = playground.locator(".bplib-replay")
        label = playground.locator(".bplib-replay-label")
        timings["run all"] = time.monotonic() - start
        errors_before = page.evaluate(_ERRORS)
        shots("shown")

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
