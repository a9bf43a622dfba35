"""Playground latency: time from a control change to a redrawn figure.

Drives ``bplib.playground.Playground`` from code through a fixed, seeded
sequence of control changes (learning rate, hidden units, activation, hidden
layers, noise), half on XOR and half on moons, with the default 200 points,
300 epochs, full batch. Each change is timed from ``pg.set(...)`` until it
returns, which covers retraining, redrawing the figure and rendering it to
the PNG the widget shows (the same work a slider move causes). Prints the
median (p50), p95 and worst wall time, where the time goes, the CPU time
per change, and the load average (other processes on a small machine
stretch the wall time, not the CPU time).

    python benchmarks/bench_playground.py [--changes 50] [--seed 0]

Target: p95 <= 250 ms on a 2-core machine.
"""
import argparse
import os
import time

import numpy as np

from bplib.playground import Playground

LEARNING_RATES = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
ACTIVATIONS = ("tanh", "sigmoid", "relu")


def changes(pg, n, seed):
    """n single-control changes of ``pg``, drawn with a fixed seed; each one
    differs from the current value (an unchanged value would not retrain)."""
    rng = np.random.default_rng(seed)
    kinds = ("learning_rate", "hidden_units", "activation", "hidden_layers", "noise")
    for i in range(n):
        kind = kinds[i] if i < len(kinds) else kinds[rng.integers(len(kinds))]
        value = getattr(pg, kind)
        while value == getattr(pg, kind):
            if kind == "learning_rate":
                value = float(rng.choice(LEARNING_RATES))
            elif kind == "hidden_units":
                value = int(rng.integers(1, 33))
            elif kind == "activation":
                value = str(rng.choice(ACTIVATIONS))
            elif kind == "hidden_layers":
                value = int(rng.integers(1, 5))
            else:
                value = round(float(rng.uniform(0.0, 0.5)), 2)
        yield kind, value


def percentile(values, q):
    return float(np.percentile(np.asarray(values), q))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=50, help="control changes in all (default 50)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the change sequence")
    args = parser.parse_args()

    times, cpu_times, train_times, render_times, labels = [], [], [], [], []
    per_set = [args.changes // 2, args.changes - args.changes // 2]
    for dataset, n in zip(("xor", "moons"), per_set):
        pg = Playground(dataset=dataset)  # construction (first training and drawing) is not timed
        # To split a change into training and drawing, time the drawing step on its own.
        split = {}

        def timed_redraw(render=pg._redraw, split=split):
            start = time.perf_counter()
            render()
            split["render"] = time.perf_counter() - start

        pg._redraw = timed_redraw
        for kind, value in changes(pg, n, args.seed + (dataset == "moons")):
            start, cpu_start = time.perf_counter(), time.process_time()
            pg.set(**{kind: value})
            elapsed = time.perf_counter() - start
            cpu_times.append(time.process_time() - cpu_start)
            times.append(elapsed)
            render_times.append(split.pop("render"))
            train_times.append(elapsed - render_times[-1])
            r = pg.result
            outcome = f"diverged@{r.diverged_at}" if r.diverged_at else f"loss {r.train_loss:.3f}"
            labels.append(f"{dataset:5s} {kind}={value!r:<8} net {'-'.join(map(str, pg.network.sizes)):<18} "
                          f"{pg.activation:7s} {1000 * elapsed:6.0f} ms ({outcome})")
    for line in labels:
        print(line)
    ms = [1000 * t for t in times]
    print(f"\n{len(ms)} changes on xor and moons ({Playground().epochs} epochs, full batch, 200 points):")
    print(f"  change -> redrawn PNG: p50 {percentile(ms, 50):.0f} ms, p95 {percentile(ms, 95):.0f} ms, "
          f"max {max(ms):.0f} ms")
    print(f"  of which training p50 {1000 * np.median(train_times):.0f} ms, "
          f"drawing + PNG p50 {1000 * np.median(render_times):.0f} ms")
    cpu = [1000 * t for t in cpu_times]
    print(f"  CPU time of the process per change: p50 {percentile(cpu, 50):.0f} ms, p95 {percentile(cpu, 95):.0f} ms "
          f"(about the wall time on an otherwise idle machine)")
    print(f"  load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    verdict = "meets" if percentile(ms, 95) <= 250 else "MISSES"
    print(f"  {verdict} the target p95 <= 250 ms")


if __name__ == "__main__":
    main()
