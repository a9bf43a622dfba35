"""The README's test command, timed, beside a fixed reference workload that tells how fast the machine is.

    python benchmarks/suite_time.py [pytest arguments ...]

The suite's budget is about 90 s of wall time on two cores. On a shared machine the same run
takes 86 s in a quiet hour and 130 s in a busy one, for the same work: every process runs slower,
so the CPU seconds grow too. To tell a slower suite from a slower machine, this script times a
reference workload before and after the suite (bench_training.py's bplib run, the digits net for
30 epochs, the median of five, on both cores at once) and prints the suite's wall time also in
units of that reference: a change in the suite moves that ratio, a change in the machine moves
it much less (the reference is seconds long, the suite minutes: expect some 10% of noise).

Linux only: the CPU seconds are the whole machine's busy time from /proc/stat (Chromium's and
the kernels' processes are not all children of pytest), so run nothing else meanwhile.
"""
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench_training.py's bplib run (the digits net, 30 epochs), so that there is one definition of it.
REFERENCE = """
from bench_training import run_bplib
from bplib import datasets
data = datasets.digits()
print(sorted(run_bplib(data, seed=0)[0][0] for _ in range(5))[2])
"""


def reference_seconds():
    """Seconds of the reference workload (the median of five), run on both cores at once (one
    process each, as the suite's two workers), averaged over the two."""
    runs = [subprocess.Popen([sys.executable, "-c", REFERENCE], stdout=subprocess.PIPE, text=True,
                             cwd=ROOT / "benchmarks", env={"OPENBLAS_NUM_THREADS": "1", "PATH": ""})
            for _ in range(2)]
    seconds = [float(run.communicate()[0].split()[-1]) for run in runs]
    return sum(seconds) / len(seconds)


def busy_seconds():
    """CPU seconds the machine has been busy (all cores), from /proc/stat."""
    with open("/proc/stat") as stat:
        fields = [int(x) for x in stat.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq = fields[:7]
    return (user + nice + system + irq + softirq) / 100


def main(args):
    before = reference_seconds()
    busy, start = busy_seconds(), time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", *args], cwd=ROOT, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - start, busy_seconds() - busy
    after = reference_seconds()
    summary = [line for line in done.stdout.splitlines() if line.strip()][-1:]
    print(f"pytest: {summary[0] if summary else '(no output)'} (exit status {done.returncode})")
    print(f"suite: {wall:.1f} s wall, {cpu:.0f} CPU s busy on the machine")
    reference = (before + after) / 2
    print(f"reference workload: {before:.3f} s before, {after:.3f} s after")
    print(f"suite wall time in reference units: {wall / reference:.0f} (CPU: {cpu / reference:.0f})")
    return done.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
