"""Make nbval's `raises-exception` tag strict for the learner notebooks.

nbval lets a cell tagged `raises-exception` pass whether or not it raises
(nbval issue #108), so on its own the tag would hide a check cell that
raises the wrong error, or an exercise stub that no longer raises. While
nbval runs a learner's copy anyway (a notebook whose metadata says
`bp_course.copy == "learner"`, as `python -m bpcourse build` writes it),
this hook asserts that every tagged cell raised exactly an exercise stub's
NotImplementedError. Every untagged cell must already run clean under nbval,
so together they prove the learner's copy fails only where an exercise is
unfinished. tests/test_conftest_hook.py proves that the hook fires.

nbval's kernels are forked from a process that has imported ipykernel, NumPy
and matplotlib once (tests/forked_kernels.py): about a quarter less CPU for
the notebook tests. ``BPLIB_TEST_FRESH_KERNELS=1`` starts each one afresh instead.
Forked or not, they draw figures without the tight bounding box (PLAIN_FIGURES), and
nbval formats a kernel message for its debug log only when that log is written.
"""
import importlib.util
import os
import sys
import warnings

import pytest

# One BLAS thread per process: pytest-xdist already runs two workers on two
# cores, and small matrix products slow down erratically when OpenBLAS
# threads compete for them. Kernels started by nbval inherit this.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

# Bytecode caches, as Python keeps them by default. Some machines set PYTHONDONTWRITEBYTECODE (Python's
# Docker images do); then every process of a run (pytest and its workers, the kernels, the graders, the
# deck builds) compiles the course's modules from source again and pytest rewrites the asserts of
# every test module anew, several CPU seconds per process. They go to __pycache__/, which git ignores.
sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

from bpcourse.translations import LANGUAGES  # noqa: E402 (loads numpy: after the thread count is set)

STUB_MESSAGE = "replace this line with your code"

# The translated editions (solutions/zh/, notebooks/zh/) hold the English code cells and their outputs,
# which tests/test_translations.py proves for every notebook; nbval runs this sample of them in their
# own folders, where the check cells print their feedback in the translation's language. 01 has both
# kinds of feedback: check cells' (their "Correct" lines, a stub's note), and evaluate's message
# printed by a cell of its own, which only a run can prove.
TRANSLATED_UNDER_NBVAL = {"01_start_here"}


def pytest_ignore_collect(collection_path, config):
    if (collection_path.suffix == ".ipynb" and collection_path.parent.name in LANGUAGES
            and collection_path.stem not in TRANSLATED_UNDER_NBVAL):
        return True
    return None


def _load_forked_kernels():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tests", "forked_kernels.py")
    spec = importlib.util.spec_from_file_location("forked_kernels", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# nbval compares the text of outputs, not their PNGs; the inline backend's default tight bounding box
# draws every figure twice (once to measure it), about 0.15 CPU s for each of the notebooks' figures.
PLAIN_FIGURES = "--InlineBackend.print_figure_kwargs={'bbox_inches': None}"


class _FormattedWhenLogged:
    """``pformat(message)`` done only if the log line that holds it is written.

    nbval hands every kernel message to ``logger.debug`` through ``pformat``, which runs whether or not
    anything logs at that level: on the figures' base64 PNGs and the widgets' states, about a quarter
    of the CPU the pytest processes spend on the notebooks.
    """

    def __init__(self, message):
        self.message = message

    def __str__(self):
        from pprint import pformat

        return pformat(self.message)


def pytest_configure(config):
    if not getattr(config.option, "nbval_current_env", False):
        return
    from nbval import kernel

    plain = kernel.NbvalKernelspecManager.get_kernel_spec
    if hasattr(plain, "zygotes"):   # an inner session (tests/test_conftest_hook.py) uses the outer one's
        return
    formatted = kernel.pformat
    kernel.pformat = _FormattedWhenLogged
    fork = (os.environ.get("BPLIB_TEST_FRESH_KERNELS") != "1"
            and hasattr(os, "pidfd_open"))   # Linux only (fork, pidfds, descriptors passed over a socket)
    forked_kernels = _load_forked_kernels() if fork else None
    zygotes = []   # started on first use: one per pytest process that runs notebooks

    def get_kernel_spec(manager, kernel_name):
        spec = plain(manager, kernel_name)
        if kernel_name == kernel.CURRENT_ENV_KERNEL_NAME:
            if fork and not zygotes:
                try:
                    zygotes.append(forked_kernels.Zygote())
                except Exception as error:  # noqa: BLE001 - slower, never wrong: fresh kernels
                    warnings.warn(f"no kernel zygote ({error}): nbval starts every kernel afresh")
                    zygotes.append(None)
            if zygotes and zygotes[0] is not None:
                spec.argv = zygotes[0].kernel_argv()
            spec.argv = [*spec.argv, PLAIN_FIGURES]
        return spec

    def restore():
        kernel.NbvalKernelspecManager.get_kernel_spec = plain
        kernel.pformat = formatted
        for zygote in zygotes:
            if zygote is not None:
                zygote.close()

    get_kernel_spec.zygotes = zygotes
    kernel.NbvalKernelspecManager.get_kernel_spec = get_kernel_spec
    config.add_cleanup(restore)


def is_learner_copy(item):
    """True for a cell of a learner notebook run by nbval."""
    notebook = getattr(getattr(item, "parent", None), "nb", None)
    if getattr(item, "cell", None) is None or notebook is None:
        return False
    return notebook.metadata.get("bp_course", {}).get("copy") == "learner"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    if not is_learner_copy(item):
        return result
    if "raises-exception" in item.cell.metadata.get("tags", []):
        errors = [out for out in (item.test_outputs or []) if "ename" in out]
        if not errors:
            raise AssertionError(f"cell {item.name} is tagged raises-exception but raised nothing: "
                                 "an exercise stub should make it raise NotImplementedError")
        error = errors[0]
        if error["ename"] != "NotImplementedError" or STUB_MESSAGE not in error["evalue"]:
            raise AssertionError(f"cell {item.name} raised {error['ename']}: {error['evalue']}; "
                                 "expected only an exercise stub's NotImplementedError")
    return result
