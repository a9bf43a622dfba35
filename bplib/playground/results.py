"""What a playground run produced, and the one-line verdict on it."""
from dataclasses import dataclass, field

import numpy as np

# "The loss oscillates": in the last half of the run (at least
# OSCILLATION_MIN_EPOCHS epochs), the training loss reverses direction at
# least OSCILLATION_REVERSALS times by more than OSCILLATION_SWING times its
# starting value. A move counts only once it has gone that far against the
# last extreme (hysteresis), so wiggles smaller than that never count.
#
# Why measured against the starting loss: SGD with small batches makes the
# loss noisy too, but at a good learning rate the noise rides on a loss far
# below where it started, and its swings are a small fraction of the start.
# A too-large rate throws the loss back up to (or above) the start, again
# and again: swings of the size of the start itself.
OSCILLATION_SWING = 0.2
OSCILLATION_REVERSALS = 3
OSCILLATION_MIN_EPOCHS = 10


@dataclass
class History:
    """Loss per epoch: ``train`` and ``test`` are lists of floats (``test`` is
    empty without a test set). Entry i is the loss after i epochs, that is
    at the start of epoch i + 1, before its first step; training and test
    loss are measured on the same network. The loss after the last epoch
    is ``PlaygroundResult.train_loss`` / ``test_loss``."""
    train: list
    test: list


@dataclass
class GradientNorms:
    """Sizes of the backpropagated quantities, per layer and per epoch.

    ``delta[l][e]`` is the root mean square of delta^{l+1} = dC_x/dz over
    the samples and units of layer l+1 during epoch e+1; ``weight[l][e]``
    the root mean square of the entries of dC/dw^{l+1}, the batch-mean
    gradient that the step uses (averaged over the epoch's batches);
    ``weight_per_sample[l][e]`` the root mean square over samples and
    entries of dC_x/dw^{l+1}, each sample's own gradient before averaging.
    All three are arrays of shape ``(n_layers, epochs_run)``; layer
    ``n_layers`` is the output layer. ``neuron_delta[l]`` is an array
    ``(epochs_run, n_{l+1})``: the root mean square of each neuron's delta.

    Why both weight sizes: averaging over the batch can cancel. In a deep
    sigmoid net the per-sample gradients of the early layers point every
    which way, so their mean is small in every layer alike and the
    vanishing that delta shows is hidden; the per-sample size shows it.
    """
    delta: np.ndarray
    weight: np.ndarray
    weight_per_sample: np.ndarray = None
    neuron_delta: list = None


@dataclass
class PlaygroundResult:
    """What one training run produced.

    train_loss, test_loss: the cost of the final network on each set (NaN if
    it diverged to infinity; test_loss is None without a test set).
    train_accuracy, test_accuracy: fractions in [0, 1], None for regression
    (and None when the weights are no longer finite).
    diverged_at: None, or the 1-based epoch whose training loss was NaN,
    infinite or more than ``EXPLOSION_FACTOR`` times the first epoch's.
    unstable: None, or why the learning rate looks too large although the
    run did not diverge ("oscillates" or "rose": see ``rate_verdict``).
    stopped_early: True when the time budget ended training before
    ``settings["epochs"]``.
    history: ``History`` of per-epoch losses; gradient_norms: ``GradientNorms``.
    """
    train_loss: float
    test_loss: float
    train_accuracy: float
    test_accuracy: float
    diverged_at: int
    history: History
    gradient_norms: GradientNorms
    settings: dict = field(default_factory=dict)
    unstable: str = None
    stopped_early: bool = False
    seconds: float = 0.0

    @property
    def epochs_run(self):
        return self.gradient_norms.delta.shape[1]

    @property
    def bad_rate(self):
        """True when the learning rate is too large: divergence, or an unstable loss."""
        return self.diverged_at is not None or self.unstable is not None

    def summary(self):
        """One line of plain text: final losses and accuracies, or what went wrong."""
        if self.diverged_at is not None:
            first = self.history.train[0] if self.history.train else float("nan")
            last = self.history.train[-1] if self.history.train else float("nan")
            if len(self.history.train) >= self.diverged_at and np.isfinite(last):
                how = f"the training loss grew from {first:.3g} to {last:.3g}"
            else:
                how = "the training loss became NaN or infinite"
            return (f"diverged at epoch {self.diverged_at} (learning rate too large): {how}; "
                    f"try a smaller learning rate")
        parts = [self._progress() + f": train loss {self.train_loss:.4f}"]
        if self.test_loss is not None:
            parts.append(f"test loss {self.test_loss:.4f}")
        if self.train_accuracy is not None:
            parts.append(f"train accuracy {100 * self.train_accuracy:.1f}%")
        if self.test_accuracy is not None:
            parts.append(f"test accuracy {100 * self.test_accuracy:.1f}%")
        line = ", ".join(parts)
        if self.unstable is not None:
            return f"learning rate too large: {self.unstable}; try a smaller learning rate. {line[0].upper()}{line[1:]}"
        return line

    def _progress(self):
        planned = self.settings.get("epochs", self.epochs_run)
        if self.stopped_early:
            budget = self.settings.get("time_budget")
            return (f"stopped after {self.epochs_run} of {planned} epochs "
                    f"(time budget {budget:g} s used up)")
        return f"after {self.epochs_run} epoch{'s' if self.epochs_run != 1 else ''}"


def rate_verdict(train_losses, final_loss):
    """Why the learning rate looks too large, or None.

    ``train_losses``: the loss after 0, 1, ... epochs; ``final_loss`` the
    loss after the last one. Two signs, both relative to the starting loss
    L0 = ``train_losses[0]``:

    * rose: the final loss is above L0 (training made the net worse);
    * oscillates: see ``OSCILLATION_*`` above.
    """
    losses = np.asarray(list(train_losses) + [final_loss], dtype=float)
    if losses.size < 2 or not np.all(np.isfinite(losses)):
        return None
    start = losses[0]
    tail = losses[len(losses) // 2:]
    if len(tail) >= OSCILLATION_MIN_EPOCHS and \
            count_reversals(tail, OSCILLATION_SWING * start) >= OSCILLATION_REVERSALS:
        return (f"the training loss oscillates between {tail.min():.3g} and {tail.max():.3g} over the last "
                f"{len(tail) - 1} epochs (it started at {start:.3g})")
    if final_loss > start:
        return f"the training loss ended above where it started ({start:.3g} -> {final_loss:.3g})"
    return None


def count_reversals(values, swing):
    """How often ``values`` turns around after moving more than ``swing`` from its last extreme.

    A zig-zag count: a rise counts as a move once it is ``swing`` above the
    lowest value since the last move, and likewise for a fall.
    """
    direction, reversals = 0, 0  # +1 rising, -1 falling, 0 not moved yet
    low = high = values[0]
    for value in values[1:]:
        if direction >= 0:
            high = max(high, value)
        if direction <= 0:
            low = min(low, value)
        if direction >= 0 and high - value > swing:
            reversals += direction == 1
            direction, low = -1, value
        elif direction <= 0 and value - low > swing:
            reversals += direction == -1
            direction, high = 1, value
    return reversals
