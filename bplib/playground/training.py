"""The playground's own training loop: gradient descent written out with the
four equations of ``bplib.equations``, recording what backpropagation
computes on the way.

It trains a ``bplib.Network``'s public ``weights`` and ``biases`` in place and
does exactly what ``Network.fit`` does (same shuffles, same steps), so a
learner can compare the two; but it also records, per epoch,

* the training and test loss, both measured on the whole set at the same
  point: the start of the epoch, before its first step;
* the size of delta^l = dC_x/dz^l for each layer and each neuron;
* the size of the weight gradient: dC/dw^l (the batch mean that the step
  uses) and dC_x/dw^l (per sample, before averaging);
* copies of the weights at up to ``max_snapshots`` evenly spaced epochs, for
  the replay;

and stops early when a time budget runs out or the loss diverges.
"""
import math
import time
from dataclasses import dataclass

import numpy as np

from .. import activations, equations, losses

# The equations and losses as bare formulas: the playground made and shaped every array it hands them,
# so the argument checks the public functions run on each call (half of a small run's time) are skipped,
# and a step that overflows is caught as a divergence below (the loops run under np.errstate).
bias_gradient, hidden_error = equations.bias_gradient.formula, equations.hidden_error.formula
output_error, weight_gradient = equations.output_error.formula, equations.weight_gradient.formula
quadratic, binary_cross_entropy_from_z = losses.quadratic.formula, losses.binary_cross_entropy_from_z.formula

# A run counts as diverged when its training loss is NaN or infinite (as in
# Network.fit) or when it grows above this many times its first-epoch value.
# With a sigmoid output and cross-entropy the loss cannot become infinite,
# but a learning rate that is too large still throws the net far off.
EXPLOSION_FACTOR = 10.0

# sigma(z) written over z (forward's own, fresh array), without the checks of activations.sigmoid etc.
HIDDEN_ACTIVATIONS = {name: activations.ACTIVATIONS[name].function_over
                      for name in ("sigmoid", "tanh", "relu", "identity")}


# sigma'(z) from a = sigma(z): backprop already holds a from the forward pass,
# so this costs one or two operations instead of evaluating sigma again. The
# values are those of bplib.activations.*_prime(z) (a test checks it).
def _sigmoid_prime_from_a(a):
    return a * (1.0 - a)


def _tanh_prime_from_a(a):
    return 1.0 - a * a


def _relu_prime_from_a(a):
    return (a > 0).astype(float)


DERIVATIVES_FROM_ACTIVATION = {
    "sigmoid": _sigmoid_prime_from_a,
    "tanh": _tanh_prime_from_a,
    "relu": _relu_prime_from_a,
    "identity": np.ones_like,
}


@dataclass
class Snapshot:
    """The network's parameters after ``epoch`` epochs (copies)."""
    epoch: int
    weights: list
    biases: list


@dataclass
class Record:
    """Everything one call of ``train`` measured.

    train_loss, test_loss: lists, entry i the loss after i epochs (at the
    start of epoch i + 1); ``test_loss`` is empty without a test set.
    final_train_loss, final_test_loss: the loss after the last epoch run.
    delta_rms, weight_rms, weight_rms_per_sample: arrays ``(n_layers,
    epochs_run)``, column e - 1 measured during epoch e.
    neuron_delta_rms: list over layers of arrays ``(epochs_run, n_l)``.
    snapshots: list of ``Snapshot``, epochs 0, s, 2s, ... and the last.
    diverged_at: None or the 1-based epoch at which the loss was NaN or
    infinite, or grew past ``EXPLOSION_FACTOR`` times its first value.
    stopped_by_budget: True if the time budget ended the run early.
    """
    train_loss: list
    test_loss: list
    final_train_loss: float
    final_test_loss: float
    delta_rms: np.ndarray
    weight_rms: np.ndarray
    weight_rms_per_sample: np.ndarray
    neuron_delta_rms: list
    snapshots: list
    diverged_at: int
    stopped_by_budget: bool
    epochs_planned: int
    seconds: float

    @property
    def epochs_run(self):
        return self.delta_rms.shape[1]


class Model:
    """The arithmetic of a playground network on its public parameters.

    ``hidden`` names the hidden layers' sigma; ``regression`` picks a linear
    output with the quadratic loss, else a sigmoid output with binary
    cross-entropy. Both pairs have delta^L = a^L - y (see ``output_delta``).
    """

    def __init__(self, hidden, regression):
        self.hidden_name = hidden
        self.sigma = HIDDEN_ACTIVATIONS[hidden]
        self.sigma_prime_from_a = DERIVATIVES_FROM_ACTIVATION[hidden]
        self.regression = regression

    def forward(self, weights, biases, X):
        """Lists a^0..a^L and the output's weighted input z^L for a batch X ``(n, n_0)``."""
        layer_outputs = [X]
        last = len(weights) - 1
        z = None
        for i, (w, b) in enumerate(zip(weights, biases)):
            z = layer_outputs[-1] @ w.T
            z += b
            if i < last:
                layer_outputs.append(self.sigma(z))
            elif self.regression:
                layer_outputs.append(z)
            else:
                layer_outputs.append(activations.sigmoid(z))
        return layer_outputs, z

    def cost(self, a_out, z_out, Y):
        """C = (1/n) sum_x C_x, a float."""
        return float(self.per_sample_cost(a_out, z_out, Y).mean())

    def output_delta(self, a_out, Y):
        """delta^L ``(n, 1)``.

        Regression: BP1 with dC_x/da = a - y and sigma' = 1. Classification:
        BP1 would multiply dC_x/da = (a - y) / (a (1 - a)) by sigma'(z) =
        a (1 - a); they cancel to a - y, which never divides by a saturated
        a (1 - a).
        """
        if self.regression:
            return output_error(a_out - Y, np.ones_like(a_out))  # dC_x/da = a - y, sigma' = 1
        return a_out - Y

    def per_sample_cost(self, a_out, z_out, Y):
        """C_x for each row, ``(n,)``."""
        if self.regression:
            return quadratic(a_out, Y)
        return binary_cross_entropy_from_z(z_out, Y)

    def loss(self, weights, biases, X, Y):
        layer_outputs, z_out = self.forward(weights, biases, X)
        return self.cost(layer_outputs[-1], z_out, Y)


def snapshot_stride(epochs, max_snapshots):
    """Epochs between two snapshots, so that at most ``max_snapshots`` + 1 are kept."""
    return max(1, math.ceil(epochs / max_snapshots))


def train(net, model, X_train, Y_train, X_test, Y_test, *, epochs, learning_rate, batch_size, seed,
          time_budget=None, clock=time.perf_counter, max_snapshots=100):
    """Train ``net.weights``/``net.biases`` in place; return a ``Record``.

    X_train ``(n, n_0)``, Y_train ``(n, 1)`` (likewise the test set, or
    None). ``batch_size=None`` is full-batch gradient descent; otherwise
    each epoch shuffles with ``np.random.default_rng(seed)`` as
    ``Network.fit(seed=seed)`` does. ``time_budget`` (seconds, or None)
    stops training at the first batch that ends past it, the first epoch
    excepted, and rolls the unfinished epoch back, so the network is always
    the one after a whole number of epochs. ``clock`` returns seconds.
    """
    weights, biases = net.weights, net.biases
    n = X_train.shape[0]
    batch = n if batch_size is None else min(batch_size, n)
    full_batch = batch >= n
    rng = np.random.default_rng(seed)
    stride = snapshot_stride(epochs, max_snapshots)
    start = clock()
    deadline = None if time_budget is None else start + time_budget
    # Training and test rows go through the network together: one forward
    # pass measures both losses on the same network.
    X_all = X_train if X_test is None else np.vstack([X_train, X_test])
    Y_all = Y_train if Y_test is None else np.vstack([Y_train, Y_test])
    n_test = X_all.shape[0] - n

    train_hist, test_hist, snapshots = [], [], []
    record = _EpochRecord(weights, epochs)
    diverged_at, stopped = None, False
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        for epoch in range(1, epochs + 1):
            if (epoch - 1) % stride == 0:
                snapshots.append(_snapshot(epoch - 1, weights, biases))
            # The losses after epoch - 1 epochs: both sets, the same network.
            layer_outputs, z_out = model.forward(weights, biases, X_all)
            per_sample = model.per_sample_cost(layer_outputs[-1], z_out, Y_all)
            train_loss = float(per_sample[:n].sum() / n)
            if not np.isfinite(train_loss):
                diverged_at = epoch
                break
            train_hist.append(train_loss)
            if n_test:
                test_hist.append(float(per_sample[n:].sum() / n_test))

            sums = record.start_epoch(epoch - 1)
            if full_batch:
                train_outputs = [a[:n] for a in layer_outputs] if n_test else layer_outputs
                _step(weights, biases, model, train_outputs, Y_train, learning_rate, sums)
            else:
                saved = (([w.copy() for w in weights], [b.copy() for b in biases])
                         if deadline is not None and epoch > 1 else None)
                order = rng.permutation(n)
                X_epoch, Y_epoch = X_train[order], Y_train[order]
                for first in range(0, n, batch):
                    X_batch, Y_batch = X_epoch[first:first + batch], Y_epoch[first:first + batch]
                    _step(weights, biases, model, model.forward(weights, biases, X_batch)[0], Y_batch,
                          learning_rate, sums)
                    if saved is not None and clock() > deadline:
                        stopped = True
                        break
                if stopped:  # the unfinished epoch is undone: the net is the one after epoch - 1 epochs
                    for w, b, w_saved, b_saved in zip(weights, biases, *saved):
                        w[...] = w_saved
                        b[...] = b_saved
                    train_hist.pop()
                    if n_test:
                        test_hist.pop()
                    break
            record.close_epoch(epoch - 1)
            # A non-finite step shows in its own gradient sizes (one check
            # instead of one per weight matrix); the weights are checked
            # in full once training ends.
            if not np.isfinite(record.weight_sq[epoch - 1].sum()):
                diverged_at = epoch
                break
            if train_loss > EXPLOSION_FACTOR * train_hist[0]:
                diverged_at = epoch
                break
            if deadline is not None and epoch < epochs and clock() > deadline:
                stopped = True
                break

        epochs_run = record.epochs_closed
        if diverged_at is None and not all(np.isfinite(w).all() and np.isfinite(b).all()
                                           for w, b in zip(weights, biases)):
            diverged_at = epochs_run
        if not snapshots or snapshots[-1].epoch != epochs_run:
            snapshots.append(_snapshot(epochs_run, weights, biases))
        layer_outputs, z_out = model.forward(weights, biases, X_all)
        per_sample = model.per_sample_cost(layer_outputs[-1], z_out, Y_all)
        final_train = float(per_sample[:n].sum() / n)
        final_test = float(per_sample[n:].sum() / n_test) if n_test else None
    seconds = clock() - start
    delta_rms, weight_rms, per_sample_rms, neuron_rms = record.sizes(n)
    return Record(train_loss=train_hist, test_loss=test_hist,
                  final_train_loss=_finite_or_nan(final_train),
                  final_test_loss=None if final_test is None else _finite_or_nan(final_test),
                  delta_rms=delta_rms, weight_rms=weight_rms, weight_rms_per_sample=per_sample_rms,
                  neuron_delta_rms=neuron_rms, snapshots=snapshots, diverged_at=diverged_at,
                  stopped_by_budget=stopped, epochs_planned=epochs, seconds=seconds)


def _step(weights, biases, model, layer_outputs, Y, learning_rate, sums):
    """One gradient step on a batch whose forward pass gave ``layer_outputs`` (a^0..a^L)."""
    delta = model.output_delta(layer_outputs[-1], Y)  # BP1
    for i in range(len(weights) - 1, -1, -1):
        grad_w = weight_gradient(delta, layer_outputs[i])  # BP4
        grad_b = bias_gradient(delta)  # BP3
        sums.add(i, delta, grad_w, layer_outputs[i])
        if i > 0:
            # BP2 uses w^{l+1} before its step, so it comes before the update.
            delta = hidden_error(delta, weights[i], model.sigma_prime_from_a(layer_outputs[i]))
        grad_w *= learning_rate  # fresh arrays: scale in place
        grad_b *= learning_rate
        weights[i] -= grad_w
        biases[i] -= grad_b


_ONES = {}  # np.ones(n) by n: the row sums below are products with it


class _EpochRecord:
    """Sums of squares per epoch, filled batch by batch, turned into sizes (RMS) at the end.

    Rows are epochs; columns of the per-neuron arrays run over the neurons of
    all layers (layer l from ``offsets[l - 1]``). ``neuron_sq[e, j]`` sums
    delta_j^2 over the samples of epoch e; ``per_sample_sq[e, j]`` sums
    delta_xj^2 ||a_x^{l-1}||^2, whose sum over the layer's neurons is
    sum_x ||dC_x/dw^l||^2; ``weight_sq[e, l]`` sums ||dC/dw^l||^2 over
    the batches. The sums are matrix products: on small arrays NumPy's
    reductions cost twice as much per call.
    """

    def __init__(self, weights, epochs):
        self.widths = np.array([w.shape[0] for w in weights])
        self.sizes_w = np.array([w.size for w in weights], dtype=float)
        self.offsets = np.concatenate([[0], np.cumsum(self.widths)])
        self.squares = np.zeros((epochs, 2, self.offsets[-1]))  # [e, 0] neuron_sq, [e, 1] per_sample_sq
        self.weight_sq = np.zeros((epochs, len(weights)))
        self.batches = np.zeros(epochs)
        self.epochs_closed = 0
        self._weights_rows = None  # (2, batch rows): a row of ones and ||a_x^{l-1}||^2

    def start_epoch(self, row):
        self._row = row
        return self

    def add(self, i, delta, grad_w, previous):
        rows = delta.shape[0]
        if self._weights_rows is None or self._weights_rows.shape[1] != rows:
            self._weights_rows = np.ones((2, rows))
        weights_rows = self._weights_rows
        # dC_x/dw^l is the outer product delta_x (a_x^{l-1})^T, whose squared
        # size is ||delta_x||^2 ||a_x^{l-1}||^2: no outer product needed.
        np.matmul(previous * previous, self._ones(previous.shape[1]), out=weights_rows[1])
        self.squares[self._row, :, self.offsets[i]:self.offsets[i + 1]] += weights_rows @ (delta * delta)
        self.weight_sq[self._row, i] += np.vdot(grad_w, grad_w)
        if i == 0:  # layer 1 comes last in each batch
            self.batches[self._row] += 1

    @staticmethod
    def _ones(length):
        if length not in _ONES:
            _ONES[length] = np.ones(length)
        return _ONES[length]

    def close_epoch(self, row):
        self.epochs_closed = row + 1

    def sizes(self, n):
        """(delta_rms, weight_rms, weight_rms_per_sample) ``(n_layers, epochs_run)`` and the
        per-neuron delta RMS, a list over layers of ``(epochs_run, n_l)``."""
        e = self.epochs_closed
        neuron_ms = self.squares[:e, 0] / n
        starts = self.offsets[:-1]
        if e:
            layer_ms = np.add.reduceat(neuron_ms, starts, axis=1) / self.widths
            per_sample_ms = np.add.reduceat(self.squares[:e, 1], starts, axis=1) / (n * self.sizes_w)
        else:
            layer_ms = per_sample_ms = np.zeros((0, len(self.widths)))
        with np.errstate(invalid="ignore", divide="ignore"):
            weight_ms = self.weight_sq[:e] / (self.batches[:e, None] * self.sizes_w)
        neuron = [np.sqrt(neuron_ms[:, lo:hi]) for lo, hi in zip(starts, self.offsets[1:])]
        return np.sqrt(layer_ms).T.copy(), np.sqrt(weight_ms).T.copy(), np.sqrt(per_sample_ms).T.copy(), neuron


def _snapshot(epoch, weights, biases):
    return Snapshot(epoch, [w.copy() for w in weights], [b.copy() for b in biases])


def _finite_or_nan(value):
    return float(value) if np.isfinite(value) else float("nan")
