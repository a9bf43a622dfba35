"""The strict raises-exception hook of conftest.py fires on learner notebooks.

A first version looked for the learner folder one level too high and never
ran; these tests run nbval in a child pytest on small learner notebooks and
watch the hook fail the cells it must fail.
"""
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

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


def run_nbval(paths):
    # -p conftest loads this repository's conftest.py as a plugin for notebooks outside it.
    command = [sys.executable, "-m", "pytest", "-q", "-p", "conftest", "-p", "no:cacheprovider", "-o", "addopts=",
               "--nbval-lax", "--nbval-current-env", *map(str, paths)]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True)


@pytest.fixture(scope="module")
def outcome(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hook")
    learner = learner_notebook(folder / "learner.ipynb", [STUB, "x = 1", "raise ValueError('a bug in a check')"])
    other = learner_notebook(folder / "not_learner.ipynb", ["x = 1"], learner=False)
    done = run_nbval([learner, other])
    return done.stdout + done.stderr


def test_a_stub_error_passes(outcome):
    assert "learner.ipynb::Cell 0" not in outcome.split("short test summary")[-1]


def test_a_tagged_cell_that_raises_nothing_fails(outcome):
    assert "FAILED" in outcome and "learner.ipynb::Cell 1" in outcome
    assert "is tagged raises-exception but raised nothing" in outcome


def test_a_tagged_cell_that_raises_the_wrong_error_fails(outcome):
    assert "learner.ipynb::Cell 2" in outcome and "raised ValueError: a bug in a check" in outcome


def test_notebooks_that_are_not_learner_copies_are_left_to_nbval(outcome):
    assert "not_learner.ipynb::Cell 0" not in outcome.split("short test summary")[-1]
    assert "2 failed, 2 passed" in outcome
