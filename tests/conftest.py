"""One JupyterLab server and one headless Chromium for tests/test_browser.py and tests/test_rise.py.

Starting JupyterLab costs about 4 s of CPU and Chromium about 1 s; the two files used
to start one of each for themselves. Here they share them: the ``jupyterlab`` and
``lab_browser`` fixtures start them on first use, and they are shut down as soon as
the next test to run in this process is in neither file (or none is left), so they
do not idle beside the tests that follow.

To share them, the two files' tests must run one after the other in one process:
``pytest_collection_modifyitems`` puts them together, and under pytest-xdist
(``--dist loadfile``, from pyproject.toml) ``pytest_xdist_make_scheduler`` hands them
to one worker as one unit of work; every other file is still scheduled whole, as
loadfile does, so a notebook's cells and a module's fixtures stay on one worker.
"""
import pytest

from labserver import CHROMIUM, JUPYTERLAB_FILES, shared


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadfile``, with the two files of JUPYTERLAB_FILES as one unit of work."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class SharedJupyterLabScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid):
            scope = super()._split_scope(nodeid)
            return " + ".join(JUPYTERLAB_FILES) if scope in JUPYTERLAB_FILES else scope

    return SharedJupyterLabScheduling(config, log)


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    """The shared JupyterLab server (see ``JupyterLab``); each test file puts its own
    notebooks under ``jupyterlab.root``."""
    return shared.jupyterlab(tmp_path_factory)


@pytest.fixture(scope="module")
def lab_browser():
    """The shared headless Chromium (a Playwright ``Browser``); each test opens its own pages."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: apt-get install -y chromium")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:  # chromium is there, so the browser tests must run: say what is missing
        pytest.fail("the playwright Python package is needed for the browser tests: pip install playwright "
                    "(do not run `playwright install`; the tests use /usr/bin/chromium)")
    return shared.chromium()


def _in_jupyterlab_files(item):
    return item is not None and item.nodeid.split("::", 1)[0] in JUPYTERLAB_FILES


def pytest_collection_modifyitems(items):
    """Run the tests of JUPYTERLAB_FILES one after another (where the first of them would
    run), so that they share one server and one browser without pytest-xdist too."""
    together = [item for item in items if _in_jupyterlab_files(item)]
    if together:
        first = items.index(together[0])
        rest = [item for item in items if not _in_jupyterlab_files(item)]
        items[:] = rest[:first] + together + rest[first:]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """Stop the server and the browser once the last test that may use them is done here."""
    try:
        return (yield)
    finally:
        if _in_jupyterlab_files(item) and not _in_jupyterlab_files(nextitem):
            shared.close()


def pytest_sessionfinish(session):
    shared.close()
