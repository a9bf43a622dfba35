"""Training speed: bplib against scikit-learn's MLPClassifier (and PyTorch, if installed).

The same net on the same data: digits 64-128-10, sigmoid hidden layer,
softmax + cross-entropy, plain SGD (no momentum, no L2), batch 32,
learning rate 0.1, 30 epochs, all in float64; bplib also trains once more
with ``fit(dtype=np.float32)``. Runs alternate between the libraries in one
process so that machine load affects all of them alike. The time per library
is the median over rounds; "bplib is x faster" is the median over rounds of
the ratio within each round (a slow moment of the machine hits both sides of
a ratio alike). Targets (issue 11): >= 3x MLPClassifier and >= 3x PyTorch
eager CPU in float64, >= 4x MLPClassifier in float32, at equal test accuracy.
Where the time goes (a bplib float64 batch, 120-160 us here, the machine's
load moving it): the five matrix products about 55 us (the biases ride in
them, as the weights of a unit whose activation is 1), the float64 exp of the
sigmoid about 22 us (on a CPU without AVX-512, NumPy has no vectorised float64
exp; scikit-learn's expit pays the same), and some fifteen NumPy calls of 1-3
us each on small arrays.

    python benchmarks/bench_training.py [--rounds 7] [--keep-blas-env]

Some machines pin OpenBLAS to an older kernel (OPENBLAS_CORETYPE, with
OPENBLAS_L2_SIZE) because old OpenBLAS builds misbehave on their processors;
current numpy runs slower under the pin. Unless --keep-blas-env is given, the
script runs itself again with both variables unset, and it always prints the
kernel in use (both libraries share it, so the ratio stays a fair one).
"""
import argparse
import os
import sys
import time
import warnings

import numpy as np

from bplib import Network, datasets

EPOCHS, BATCH, LR, HIDDEN = 30, 32, 0.1, 128


def timed(train):
    """(wall seconds, CPU seconds of the process) of train()."""
    wall, cpu = time.perf_counter(), time.process_time()
    train()
    return time.perf_counter() - wall, time.process_time() - cpu


def run_bplib(data, seed, dtype=np.float64):
    net = Network([64, HIDDEN, 10], "sigmoid", "softmax", "cross_entropy", seed=seed)
    Y = datasets.one_hot(data.y_train, 10)
    elapsed = timed(lambda: net.fit(data.X_train, Y, epochs=EPOCHS, learning_rate=LR, batch_size=BATCH, seed=seed,
                                    dtype=dtype))
    return elapsed, float((net.predict(data.X_test) == data.y_test).mean())


def run_bplib_float32(data, seed):
    return run_bplib(data, seed, dtype=np.float32)


def run_sklearn(data, seed):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    model = MLPClassifier(hidden_layer_sizes=(HIDDEN,), activation="logistic", solver="sgd",
                          learning_rate_init=LR, batch_size=BATCH, max_iter=EPOCHS, momentum=0.0,
                          nesterovs_momentum=False, alpha=0.0, tol=0.0, n_iter_no_change=EPOCHS + 1,
                          shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        elapsed = timed(lambda: model.fit(data.X_train, data.y_train))
    return elapsed, float(model.score(data.X_test, data.y_test))


def run_torch(data, seed):
    import torch

    torch.manual_seed(seed)
    X = torch.tensor(data.X_train, dtype=torch.float64)
    y = torch.tensor(data.y_train)
    model = torch.nn.Sequential(torch.nn.Linear(64, HIDDEN), torch.nn.Sigmoid(),
                                torch.nn.Linear(HIDDEN, 10)).double()
    optimiser = torch.optim.SGD(model.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(seed)

    def train():
        for _ in range(EPOCHS):
            order = torch.randperm(len(y), generator=generator)
            for first in range(0, len(y), BATCH):
                rows = order[first:first + BATCH]
                optimiser.zero_grad()
                loss_fn(model(X[rows]), y[rows]).backward()
                optimiser.step()

    elapsed = timed(train)
    with torch.no_grad():
        predicted = model(torch.tensor(data.X_test, dtype=torch.float64)).argmax(1).numpy()
    return elapsed, float((predicted == data.y_test).mean())


PINNED_BLAS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def blas_kernel():
    from threadpoolctl import threadpool_info

    return ", ".join(f"{os.path.basename(os.path.dirname(info['filepath']))}: {info['internal_api']} "
                     f"{info.get('version')} {info.get('architecture')} ({info['num_threads']} threads)"
                     for info in threadpool_info() if info["user_api"] == "blas")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--threads", type=int, default=None,
                        help="BLAS and PyTorch threads (default: each library's own, here the cores)")
    parser.add_argument("--keep-blas-env", action="store_true",
                        help="keep OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE as they are")
    args = parser.parse_args()
    pinned = [name for name in PINNED_BLAS if name in os.environ]
    if pinned and not args.keep_blas_env:
        environment = {k: v for k, v in os.environ.items() if k not in PINNED_BLAS}
        print(f"unsetting {', '.join(f'{n}={os.environ[n]}' for n in pinned)} for this run "
              "(--keep-blas-env keeps them)", flush=True)
        os.execve(sys.executable, [sys.executable, *sys.argv], environment)
    if args.threads is not None:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.threads)
    print(f"BLAS: {blas_kernel()}")
    data = datasets.digits()
    runners = {"bplib": run_bplib, "bplib float32": run_bplib_float32, "scikit-learn": run_sklearn}
    try:
        import torch

        runners["pytorch"] = run_torch
        if args.threads is not None:
            torch.set_num_threads(args.threads)
        print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads")
    except ImportError:
        print("PyTorch not installed: comparing bplib with scikit-learn only")
    for runner in runners.values():  # warm-up: imports, caches, BLAS threads
        runner(data, seed=0)
    times = {name: {"wall": [], "cpu": []} for name in runners}
    accuracies = {name: [] for name in runners}
    for round_index in range(args.rounds):
        for name, runner in runners.items():
            (wall, cpu), accuracy = runner(data, seed=round_index)
            times[name]["wall"].append(wall / EPOCHS * 1000)
            times[name]["cpu"].append(cpu / EPOCHS * 1000)
            accuracies[name].append(accuracy)
    print(f"digits 64-{HIDDEN}-10, sigmoid + softmax/cross-entropy, SGD batch {BATCH}, lr {LR}, "
          f"{EPOCHS} epochs, {args.rounds} alternating rounds; ms per epoch, medians")
    print("'x' columns: how many times faster bplib (float64) and bplib float32 are than each library, the median "
          "of per-round ratios; by wall-clock time, and by CPU time (steadier when other processes load the machine)")
    print(f"{'library':<14}{'wall':>7}{'CPU':>7}{'test acc.':>10}{'x (wall)':>10}{'f32 x (wall)':>13}"
          f"{'x (CPU)':>9}{'f32 x (CPU)':>12}")
    for name in runners:
        ratio = {(base, clock): np.median(np.array(times[name][clock]) / np.array(times[base][clock]))
                 for base in ("bplib", "bplib float32") for clock in ("wall", "cpu")}
        print(f"{name:<14}{np.median(times[name]['wall']):>7.2f}{np.median(times[name]['cpu']):>7.2f}"
              f"{np.mean(accuracies[name]):>10.3f}{ratio['bplib', 'wall']:>10.2f}"
              f"{ratio['bplib float32', 'wall']:>13.2f}"
              f"{ratio['bplib', 'cpu']:>9.2f}{ratio['bplib float32', 'cpu']:>12.2f}")


if __name__ == "__main__":
    main()
