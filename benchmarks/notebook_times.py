"""Execution time of every course notebook, to keep the test suite within its budget.

    python benchmarks/notebook_times.py [solutions|notebooks ...]

Runs each notebook top to bottom in a fresh kernel (as nbval does), errors
allowed (learner copies raise in unfinished exercises), and prints the wall
time per notebook, kernel start included, and the total.
"""
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent


def main(folders):
    total = 0.0
    print(f"{'notebook':<45}{'seconds':>8}")
    for folder in folders:
        for path in sorted((ROOT / folder).glob("*.ipynb")):
            nb = nbformat.read(path, as_version=4)
            start = time.perf_counter()
            NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                           resources={"metadata": {"path": str(path.parent)}}).execute()
            elapsed = time.perf_counter() - start
            total += elapsed
            print(f"{folder + '/' + path.name:<45}{elapsed:>8.2f}", flush=True)
    print(f"{'total (one core)':<45}{total:>8.2f}")


if __name__ == "__main__":
    main(sys.argv[1:] or ["solutions", "notebooks"])
