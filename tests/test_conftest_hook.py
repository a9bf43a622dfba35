"""The strict raises-exception hook of conftest.py fires on learner notebooks.

A first version looked for the learner folder one level too high and never
ran; these tests run nbval in an inner pytest session on small learner
notebooks and watch the hook fail the cells it must fail. The last tests
check the run-wide settings conftest.py makes for the suite's speed.
"""
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

try:  # pytest >= 8.4 collects garbage when a session ends; the key lets an in-process run skip that
    from _pytest.unraisableexception import gc_collect_iterations_key
except ImportError:
    gc_collect_iterations_key = None

ROOT = Path(__file__).resolve().parent.parent
STUB = 'raise NotImplementedError("exercise demo: replace this line with your code")'


def learner_notebook(path, tagged_sources, learner=True):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    if learner:
        nb.metadata["bp_course"] = {"notebook": "demo", "copy": "learner"}
    nb.cells = [nbformat.v4.new_code_cell(source, metadata={"tags": ["raises-exception"]})
                for source in tagged_sources]
    nbformat.write(nb, path)
    return path


class Recorder:
    """A pytest plugin that keeps the call-phase report of every test of the inner session."""

    def __init__(self):
        self.calls = {}

    def pytest_configure(self, config):
        # As pytester does for in-process runs: the inner session's closing gc.collect() walks
        # this whole process's heap (0.7 s) to find unraisable exceptions the outer one reports anyway.
        if gc_collect_iterations_key is not None:
            config.stash[gc_collect_iterations_key] = 0

    def pytest_runtest_logreport(self, report):
        if report.when == "call":
            self.calls[report.nodeid.rsplit("/", 1)[-1]] = report


def run_nbval(paths, folder):
    """Run nbval on ``paths`` with this repository's conftest.py as a plugin; the call reports by test name.

    The inner session runs in this process (pytest.main, as pytester's in-process runs do): a child
    pytest spent 5 s of CPU importing its plugins before starting the two kernels that are the test.
    """
    spec = importlib.util.spec_from_file_location("bp_course_root_conftest", ROOT / "conftest.py")
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    recorder = Recorder()
    # An empty ini of its own, so that the repository's addopts (xdist, strict nbval) stay out.
    (folder / "pytest.ini").write_text("[pytest]\n")
    # Without hypothesis' plugin, whose end-of-session summary imports all of hypothesis (3 s of
    # CPU in a process that has not, as pytest rewrites the asserts of a plugin's whole package).
    pytest.main(["-q", "-c", str(folder / "pytest.ini"), "--rootdir", str(folder), "-p", "no:cacheprovider",
                          "-p", "no:xdist", "-p", "no:hypothesispytest", "--nbval-lax", "--nbval-current-env",
                          *map(str, paths)], plugins=[hook, recorder])
    return recorder.calls


@pytest.fixture(scope="module")
def outcome(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hook")
    learner = learner_notebook(folder / "learner.ipynb", [STUB, "x = 1", "raise ValueError('a bug in a check')"])
    other = learner_notebook(folder / "not_learner.ipynb", ["x = 1"], learner=False)
    return run_nbval([learner, other], folder)


def test_a_stub_error_passes(outcome):
    assert outcome["learner.ipynb::Cell 0"].passed


def test_a_tagged_cell_that_raises_nothing_fails(outcome):
    report = outcome["learner.ipynb::Cell 1"]
    assert report.failed and "is tagged raises-exception but raised nothing" in report.longreprtext


def test_a_tagged_cell_that_raises_the_wrong_error_fails(outcome):
    report = outcome["learner.ipynb::Cell 2"]
    assert report.failed and "raised ValueError: a bug in a check" in report.longreprtext


def test_notebooks_that_are_not_learner_copies_are_left_to_nbval(outcome):
    assert outcome["not_learner.ipynb::Cell 0"].passed
    assert sorted(outcome) == ["learner.ipynb::Cell 0", "learner.ipynb::Cell 1", "learner.ipynb::Cell 2",
                               "not_learner.ipynb::Cell 0"]
    assert sorted(report.outcome for report in outcome.values()) == ["failed", "failed", "passed", "passed"]


def test_the_run_keeps_bytecode_caches_even_where_the_machine_turns_them_off():
    # conftest.py undoes PYTHONDONTWRITEBYTECODE for the run: with it, every process (worker, kernel,
    # grader, deck build) compiled the course's modules afresh and pytest rewrote every test module anew.
    assert not sys.dont_write_bytecode and "PYTHONDONTWRITEBYTECODE" not in os.environ
    child = subprocess.run([sys.executable, "-c", "import sys; print(sys.dont_write_bytecode)"],
                           capture_output=True, text=True, check=True)
    assert child.stdout.strip() == "False"
    assert list((ROOT / "tests" / "__pycache__").glob(f"{Path(__file__).stem}.*pytest*.pyc"))


def test_nbval_formats_a_kernel_message_only_for_a_log_line_that_is_written(caplog):
    # conftest.py defers nbval's pformat of every kernel message (figures' PNGs included) to the
    # moment its debug line is written: with debug logging on, the line holds the message as before.
    from pprint import pformat

    from nbval import kernel

    message = {"header": {"msg_type": "display_data"}, "content": {"data": {"image/png": "iVBORw0KGgo" * 500}}}
    formatted_when_logged = kernel.pformat(message)
    assert not isinstance(formatted_when_logged, str), "nbval's pformat runs for every message again"
    with caplog.at_level("DEBUG", logger=kernel.logger.name):
        kernel.logger.debug("Kernel message (%s):\n%s", "iopub", formatted_when_logged)
    assert caplog.records[-1].getMessage() == "Kernel message (iopub):\n" + pformat(message)
