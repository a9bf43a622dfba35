"""What a notebook's kernel costs to start: fresh, and forked from the test suite's zygote.

    python benchmarks/bench_kernels.py [--rounds 5]

nbval starts one kernel per notebook (26 in the suite). Each round starts a
kernel afresh (``python -m ipykernel_launcher``) and one forked by
tests/forked_kernels.py, in turn, runs a course notebook's first cell in it
(notebook 09's imports) and a small plot, and shuts it down. It prints the CPU
seconds of each kernel (its process, and the forked one's client), the wall
time from start to the cell's end, the medians, and the ratio per round (a slow
moment of the machine hits both sides of a ratio alike). The zygote's own
start-up, paid once per pytest process, is printed apart.
"""
import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
import forked_kernels  # noqa: E402

HZ = os.sysconf("SC_CLK_TCK")
FIRST_CELL = next(c.source for c in nbformat.read(ROOT / "solutions" / "09_digits.ipynb", as_version=4).cells
                  if c.cell_type == "code")
PLOT = "fig, ax = plt.subplots(figsize=(3, 2)); ax.plot([0, 1], label=r'$\\delta^L$'); ax.legend(); plt.show()"


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def process_cpu(pid):
    """CPU seconds of process pid: (its own, the children it has waited for)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / HZ, (int(fields[13]) + int(fields[14])) / HZ


def reaped_by(pid):
    return process_cpu(pid)[1]


def one_kernel(argv, zygote_pid=None):
    """(CPU seconds, wall seconds) of one kernel: start, first cell, a plot, shutdown."""
    cpu, reaped, wall = children_cpu(), reaped_by(zygote_pid) if zygote_pid else 0.0, time.perf_counter()
    manager = forked_kernels.kernel_manager(argv)
    with open(os.devnull, "w") as quiet:   # as nbval starts them: the kernel's log is not the figures
        manager.start_kernel(cwd=str(ROOT / "solutions"), stderr=quiet)
    client = manager.client()
    client.start_channels()
    client.wait_for_ready(timeout=120)
    for code in (FIRST_CELL, PLOT):
        reply = client.execute_interactive(code, timeout=120, output_hook=lambda msg: None)
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"the cell failed: {reply['content']}")
    elapsed = time.perf_counter() - wall
    client.stop_channels()
    manager.shutdown_kernel()
    time.sleep(0.2)   # the zygote reaps its child
    used = children_cpu() - cpu + ((reaped_by(zygote_pid) - reaped) if zygote_pid else 0.0)
    return used, elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")   # as the test suite runs them
    fresh_argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    start = time.perf_counter()
    zygote = forked_kernels.Zygote()
    zygote_start = time.perf_counter() - start
    try:
        one_kernel(fresh_argv), one_kernel(zygote.kernel_argv(), zygote.process.pid)   # warm-up: file caches
        rows = []
        for _ in range(args.rounds):
            rows.append((one_kernel(fresh_argv), one_kernel(zygote.kernel_argv(), zygote.process.pid)))
        zygote_cpu = process_cpu(zygote.process.pid)[0]
    finally:
        zygote.close()
    print(f"{'round':>5} {'fresh CPU':>10} {'forked CPU':>11} {'fresh wall':>11} {'forked wall':>12} {'CPU ratio':>10}")
    for number, ((fresh_cpu, fresh_wall), (forked_cpu, forked_wall)) in enumerate(rows, 1):
        print(f"{number:>5} {fresh_cpu:>10.2f} {forked_cpu:>11.2f} {fresh_wall:>11.2f} {forked_wall:>12.2f} "
              f"{fresh_cpu / forked_cpu:>9.1f}x")
    median = statistics.median
    print(f"median: fresh {median(r[0][0] for r in rows):.2f} s CPU, forked {median(r[1][0] for r in rows):.2f} s CPU "
          f"({median(r[0][0] / r[1][0] for r in rows):.1f}x less); wall {median(r[0][1] for r in rows):.2f} s vs "
          f"{median(r[1][1] for r in rows):.2f} s")
    print(f"the zygote: {zygote_cpu:.2f} s CPU in all (its imports, once per pytest process), ready after "
          f"{zygote_start:.2f} s")


if __name__ == "__main__":
    main()
