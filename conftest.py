"""Make nbval's `raises-exception` tag strict for the learner notebooks.

nbval lets a cell tagged `raises-exception` pass whether or not it raises
(nbval issue #108), so on its own the tag would hide a check cell that
raises the wrong error, or an exercise stub that no longer raises. While
nbval runs notebooks/ anyway, this hook asserts that every tagged cell
raised exactly an exercise stub's NotImplementedError. Every untagged cell
must already run clean under nbval, so together they prove the learner's
copy fails only where an exercise is unfinished.
"""
import os
from pathlib import Path

import pytest

# One BLAS thread per process: pytest-xdist already runs two workers on two
# cores, and small matrix products slow down erratically when OpenBLAS
# threads compete for them. Kernels started by nbval inherit this.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

LEARNER_FOLDER = (Path(__file__).resolve().parent.parent / "notebooks").resolve()
STUB_MESSAGE = "replace this line with your code"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    cell = getattr(item, "cell", None)
    if cell is None or Path(str(item.path)).resolve().parent != LEARNER_FOLDER:
        return result
    if "raises-exception" in cell.metadata.get("tags", []):
        errors = [out for out in (item.test_outputs or []) if "ename" in out]
        if not errors:
            raise AssertionError(f"cell {item.name} is tagged raises-exception but raised nothing: "
                                 "an exercise stub should make it raise NotImplementedError")
        error = errors[0]
        if error["ename"] != "NotImplementedError" or STUB_MESSAGE not in error["evalue"]:
            raise AssertionError(f"cell {item.name} raised {error['ename']}: {error['evalue']}; "
                                 "expected only an exercise stub's NotImplementedError")
    return result
