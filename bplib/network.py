"""A fully connected feed-forward network trained by backpropagation."""
import math
import numbers

import numpy as np

from . import _validate, losses
from .activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from .equations import bias_gradient, hidden_error, output_error, weight_gradient


class Network:
    """Fully connected layers trained by backpropagation.

    ``Network([2, 3, 1])`` has 2 inputs, 3 hidden units and 1 output. Layer
    l = 1..L has weights w^l = ``weights[l - 1]`` of shape ``(n_l, n_{l-1})``,
    entry ``[j, k]`` from neuron k of layer l-1 to neuron j of layer l, and
    biases b^l = ``biases[l - 1]`` of shape ``(n_l,)``. A batch is rows: X is
    ``(n, sizes[0])`` and Y is ``(n, sizes[-1])``; a 1-D Y is one column.
    """

    def __init__(self, sizes, activation="sigmoid", output_activation="sigmoid", loss="quadratic", seed=0):
        """sizes: units per layer, input first, e.g. ``[2, 3, 1]``.
        activation: sigma of the hidden layers, "sigmoid", "tanh", "relu" or "identity".
        output_activation: sigma of layer L, one of those or "softmax".
        loss: "quadratic", C_x = 1/2 ||a - y||^2, or "cross_entropy": binary (per unit) after
            a sigmoid output, categorical after softmax; its targets are probabilities, in [0, 1].
        seed: an integer >= 0 for the initial parameters and fit's shuffling. Weights start
            as N(0, 1/n_{l-1}), so that z starts of order 1 whatever the width; biases as
            N(0, 1), so that units start at different offsets.
        """
        self._sizes, self._activation, self._output_activation, self._loss = _architecture(
            sizes, activation, output_activation, loss)
        self._seed = _validate.seed(seed)
        rng = np.random.default_rng(self._seed)
        self.weights = [rng.normal(0.0, 1.0 / np.sqrt(n_in), size=(n_out, n_in))
                        for n_in, n_out in zip(self._sizes[:-1], self._sizes[1:])]
        self.biases = [rng.normal(0.0, 1.0, size=n_out) for n_out in self._sizes[1:]]
        self.diverged_at = None  # the epoch at which fit's loss diverged, else None
        self._shuffle_rng = np.random.default_rng(self._seed)  # fit's default: carries over between calls

    def forward(self, X):
        """The output a^L of a batch: X ``(n, sizes[0])`` -> ``(n, sizes[-1])``."""
        a, _ = self._feedforward(self._checked(X))
        return a[-1]

    def backprop(self, X, Y):
        """The gradients of ``loss(X, Y)``: ``(weight_grads, bias_grads)``, lists shaped like
        ``weights`` and ``biases``."""
        X, Y = self._checked(X, Y)
        L = len(self.weights)
        w = [None, *self.weights]                 # w[l] is w^l for l = 1..L
        a, z = self._feedforward(X)               # a[l] and z[l] for l = 0..L (z[0] is None)
        grad_w, grad_b = [None] * (L + 1), [None] * (L + 1)
        delta = self._output_error(z[L], a[L], Y)                                        # BP1
        for l in range(L, 0, -1):
            grad_b[l] = bias_gradient(delta)                                             # BP3
            grad_w[l] = weight_gradient(delta, a[l - 1])                                 # BP4
            if l > 1:
                delta = hidden_error(delta, w[l], self._hidden.derivative(z[l - 1]))     # BP2
        return grad_w[1:], grad_b[1:]

    def loss(self, X, Y):
        """The cost C = (1/n) sum_x C_x of a batch, a float; X ``(n, sizes[0])``, Y ``(n, sizes[-1])``."""
        return self._loss_of_checked(*self._checked(X, Y))

    def predict(self, X):
        """Predictions for X ``(n, sizes[0])``.

        softmax output: the class index of each row, ``(n,)``. sigmoid output
        with cross-entropy: 0 or 1 per output unit (threshold 0.5),
        ``(n, sizes[-1])``. Otherwise (regression): the outputs a^L themselves.
        """
        A = self.forward(X)
        if self._output_activation == "softmax":
            return A.argmax(axis=1)
        if self._output_activation == "sigmoid" and self._loss == "cross_entropy":
            return (A >= 0.5).astype(int)
        return A

    def fit(self, X, Y, epochs=10, learning_rate=0.1, batch_size=32, seed=None, on_divergence="raise",
            dtype=np.float64):
        """Mini-batch stochastic gradient descent; returns the loss of each epoch, a list of floats.

        Each epoch shuffles the rows, then for every batch of ``batch_size``
        rows steps w -= learning_rate * dC/dw and likewise for b, with the
        gradients of the batch's mean loss (``backprop``'s). ``batch_size=None``
        (or one larger than the set) uses the whole set: full-batch gradient
        descent. The shuffles come from ``np.random.default_rng(seed)`` when
        ``seed`` is given, else from the network's own generator, seeded by
        the network's seed and carried over between calls, so that ten calls
        of ``fit(epochs=1)`` train exactly as one ``fit(epochs=10)``.

        An epoch's loss is the mean over the epoch of the batch losses, each
        computed from z just before its step (as scikit-learn's
        ``loss_curve_``): it costs nothing extra, and trails ``loss(X, Y)``
        a little while the network still learns fast.

        Divergence: when a batch's loss becomes NaN or infinite, or more than
        10^6 times both (1 + the loss of the first batch of this call) and
        (1 + its own loss with the parameters the call started from: a batch
        of outliers is no divergence), or a parameter stops being finite (or
        grows past about 1e154, where its square overflows, unless it started
        there), or the loss of X overflows with the parameters an epoch leaves
        (checked when they grew 1000-fold in norm, or X or Y holds a value
        beyond 1e50), training stops and the network keeps the parameters it
        had after the last epoch in the returned history (the ones before the
        diverging epoch; an epoch whose parameters make the next epoch's
        first batch diverge diverged itself).
        ``diverged_at`` is set to the diverging epoch (None if training did
        not diverge), and ``on_divergence="raise"`` raises ``TrainingDiverged``
        while ``"stop"`` returns the history. A batch that overflows even with
        the parameters the call started from is a ValueError: the data are too
        large.

        ``dtype=np.float32`` trains on float32 copies of the data and the
        parameters, which is faster, and stores the result back in the
        float64 ``weights`` and ``biases``; ``loss``, ``backprop`` and
        ``gradient_check`` always compute in float64.
        """
        X, Y = self._checked_for_updates(X, Y)
        epochs = _validate.positive_int(epochs, "epochs")
        learning_rate = _validate.positive_number(learning_rate, "learning_rate")
        n = X.shape[0]
        batch_size = min(_validate.batch_size(batch_size) or n, n)
        seed = _validate.seed(seed, allow_none=True)
        _validate.choose("on_divergence", on_divergence, ("raise", "stop"))
        dtype = _validate.float_dtype(dtype)
        rng = self._shuffle_rng if seed is None else np.random.default_rng(seed)
        self.diverged_at = None
        with np.errstate(all="ignore"):  # a diverging run is reported once, below, not as warnings
            history, self.diverged_at = self._sgd(X, Y, epochs, learning_rate, batch_size, rng, dtype)
        if self.diverged_at is not None and on_divergence == "raise":
            raise TrainingDiverged(self.diverged_at, history, learning_rate)
        return history

    # -- the rest is support: BP1's cases, the training loop, checks, the forward pass -----------
    def _output_error(self, z_L, a_L, Y):
        """BP1, delta^L = dC_x/dz^L for each sample, ``(n, n_L)``.

        With cross-entropy sigma'(z^L) cancels in closed form, and the result
        never divides by a saturated sigma'. Sigmoid + binary cross-entropy:
        delta^L = a - y. Softmax + categorical cross-entropy: the softmax
        Jacobian contracted with dC/da = -y/a gives delta^L = a (sum_j y_j) - y,
        which is a - y when each row of targets sums to 1 (one-hot labels).
        Every other pair uses BP1 as written, delta^L = (a - y) (*) sigma'(z^L).
        """
        if self._output_activation == "softmax":
            return a_L * Y.sum(axis=1, keepdims=True) - Y
        if self._loss == "cross_entropy":
            return a_L - Y
        with np.errstate(over="ignore", invalid="ignore"):
            cost_gradient = a_L - Y  # dC_x/da of the quadratic loss
        if not np.isfinite(cost_gradient).all():
            raise ValueError("the output error a^L - y overflowed float64 although the outputs and Y are finite: "
                             "they are too large; scale Y (and X)")
        return output_error(cost_gradient, self._output.derivative(z_L))

    DIVERGENCE_FACTOR = 1e6  # large: a batch of outliers must not pass for a divergence
    GROWTH_CHECKED = 1e3  # an epoch that grows the parameters' norm this much has its loss checked
    EXTREME_DATA = 1e50  # on X or Y with a value beyond this, every epoch has its loss checked

    def _sgd(self, X, Y, epochs, learning_rate, batch_size, rng, dtype):
        """fit's loop; returns (history, the diverged epoch or None)."""
        # Training works on one flat copy of all the parameters, so that the checks and the copies
        # kept after each epoch are one pass over one array, not one per parameter (the most of an
        # epoch of full-batch training on a small set); the network gets the result back at the end.
        # Each layer is one block [w^l | b^l] of it (see _train_step), and X gets a column of ones.
        blocks, offset = [], 0
        for l, w in enumerate(self.weights, start=1):
            shape = (w.shape[0] + (l < len(self.weights)), w.shape[1] + 1)  # a hidden layer's bias unit row
            blocks.append((offset, shape))
            offset += shape[0] * shape[1]

        def as_layers(buffer):
            return [buffer[start:start + rows * columns].reshape(rows, columns) for start, (rows, columns) in blocks]

        flat = np.zeros(offset, dtype)
        layers = as_layers(flat)
        weights, biases = _weights_and_biases(layers)
        params = weights + biases
        for trained, param in zip(params, self.weights + self.biases):
            trained[...] = param  # in float32, rounded as astype rounds
        X_ones = np.ones((X.shape[0], X.shape[1] + 1), dtype)
        X_ones[:, :-1] = X
        X, Y = X_ones, Y.astype(dtype, copy=False)
        if not (np.isfinite(X).all() and np.isfinite(Y).all() and np.isfinite(flat).all()):
            raise ValueError(f"X, Y or the parameters do not fit {dtype.name} (values beyond "
                             f"{np.finfo(dtype).max:.3g}): scale them, or train with dtype=np.float64")
        last_good, before_last, initial, scratch = flat.copy(), flat.copy(), flat.copy(), np.empty_like(flat)
        one_hot = bool((Y.sum(axis=1) == 1).all())  # then softmax's delta^L is a - y, one pass fewer
        scratch_layers = as_layers(scratch)
        start_size = float(np.vdot(flat, flat))
        # After an epoch the parameters must be so small that their squares stay finite (else the loss
        # of the network kept after a divergence would overflow); ones a learner made that large before
        # training (weights of 1e200, say) need only stay finite, or every learning rate "diverges".
        squares_stay_finite = math.isfinite(start_size)
        # Data this large can overflow the output after any step: then every epoch's loss is checked.
        extreme_data = max(X.max(), -X.min(), Y.max(), -Y.min()) > self.EXTREME_DATA  # no copy of X made

        def losses_with(params, batches):
            """The summed loss of each (X_batch, Y_batch) with the flat ``params``: steps of size 0 on a
            copy of them (a finite delta times 0 changes nothing)."""
            np.copyto(scratch, params)
            return (self._train_step(scratch_layers, X_batch, Y_batch, 0.0, one_hot) for X_batch, Y_batch in batches)

        def diverged(batch_loss, X_batch, Y_batch):
            """A batch loss beyond the limit (or NaN, or infinite) is a divergence unless the batch's loss
            with the parameters the call started from was already that large (a batch of outliers); if
            that loss overflows too, the data are refused."""
            rows = X_batch.shape[0]
            if batch_loss <= limit * rows and batch_loss < math.inf:
                return False
            (loss_at_start,) = losses_with(initial, [(X_batch, Y_batch)])
            if not math.isfinite(loss_at_start):
                self._divergence_limit(loss_at_start, flat, initial)  # raises the ValueError
            return not (batch_loss <= self.DIVERGENCE_FACTOR * (rows + loss_at_start) and batch_loss < math.inf)

        def epoch_left_fine():
            """The parameters an epoch leaves are finite (their squares too, unless they started beyond
            that), and after an epoch that grew their norm 1000-fold, or on extreme data, so is the loss
            of X with them: across layers their products can overflow although each is finite. That loss
            goes batch by batch, as training summed it (the sum over all of X may overflow)."""
            size = np.vdot(flat, flat)
            if not (np.isfinite(size) if squares_stay_finite else np.isfinite(flat).all()):
                return False
            if not (extreme_data or size > self.GROWTH_CHECKED ** 2 * (1.0 + start_size)):
                return True
            batches = ((X[s:s + batch_size], Y[s:s + batch_size]) for s in range(0, n, batch_size))
            return all(math.isfinite(loss) for loss in losses_with(flat, batches))

        n, history, limit, diverged_at = X.shape[0], [], None, None
        try:
            for epoch in range(1, epochs + 1):
                order = rng.permutation(n) if batch_size < n else None
                X_epoch, Y_epoch = (X, Y) if order is None else (X.take(order, axis=0), Y.take(order, axis=0))
                loss_sum = loss_mean = 0.0  # the mean also summed as it goes: batch losses near 1e308 add up to inf
                for start in range(0, n, batch_size):
                    rows = min(batch_size, n - start)
                    X_batch, Y_batch = X_epoch[start:start + rows], Y_epoch[start:start + rows]
                    batch_loss = self._train_step(layers, X_batch, Y_batch, learning_rate, one_hot)
                    if limit is None:
                        limit = self._divergence_limit(batch_loss / rows, flat, last_good)
                    if diverged(batch_loss, X_batch, Y_batch):
                        diverged_at = epoch
                        if start == 0 and history:
                            # This batch's loss is of the last epoch's parameters, before any step: that
                            # epoch diverged, and the parameters kept are the ones before it.
                            np.copyto(last_good, before_last)
                            history.pop()
                            diverged_at = epoch - 1
                        break
                    loss_sum += batch_loss
                    loss_mean += batch_loss / n
                if diverged_at is None and not epoch_left_fine():
                    diverged_at = epoch
                if diverged_at is not None:
                    np.copyto(flat, last_good)
                    break
                history.append(loss_sum / n if loss_sum < math.inf else loss_mean)
                np.copyto(before_last, last_good)
                np.copyto(last_good, flat)
        finally:  # interrupted too: the network holds what training reached, as if it trained in place
            # In float32 an epoch must have finished, else the float64 parameters are still the ones to keep.
            if dtype == np.float64 or history:
                for param, trained in zip(self.weights + self.biases, params):
                    np.copyto(param, trained)
        return history, diverged_at

    def _train_step(self, layers, X, Y, learning_rate, targets_one_hot=False):
        """One step of SGD on a batch, in place; returns sum_x C_x of the batch before the step
        (NaN, and no step, when z^L of the quadratic loss's output overflowed).

        The gradients are backprop's, computed faster. Each bias is the
        weight from a unit whose activation is always 1: ``layers[l - 1]`` is
        [w^l | b^l], ``(n_l, n_{l-1} + 1)``, and X, ``(m, n_0 + 1)``, ends with
        a column of ones, so z^l = [a^{l-1} | 1] @ [w^l | b^l].T is one
        product, and so are BP3 and BP4 together:
        [w^l | b^l] -= delta^l.T @ [a^{l-1} | 1]. A hidden layer's block has
        one more row, of zeros: its unit is that bias unit of the next layer,
        its activation is set to 1, and its error is never used. The step
        size learning_rate / m is folded into delta^L once, so that BP2-BP4
        carry it (they are linear in delta); sigma'(z) is computed from a,
        and each activation is written over the array of its z.
        ``targets_one_hot`` says every row of Y sums to 1. A test holds the
        two paths equal.
        """
        hidden, output = self._hidden, self._output
        a = [X]
        for layer in layers[:-1]:
            a_l = hidden.function_over(a[-1] @ layer.T)
            a_l[:, -1] = 1.0  # the bias unit
            a.append(a_l)
        z = a[-1] @ layers[-1].T
        # Layer L, its loss from z and BP1 together: the values of loss() and _output_error.
        if self._output_activation == "softmax":
            # log a = z - max - log(total), total = sum exp(z - max), so the batch's loss
            # -sum y.log a is sum_x (sum_j y_j) log(total) - y.(z - max), and
            # delta = a (sum_j y_j) - y (NaN when diverging: caught by fit).
            z -= z.max(axis=1, keepdims=True)
            delta = np.exp(z)
            total = delta.sum(axis=1, keepdims=True)
            delta /= total
            if targets_one_hot:
                loss_sum = np.log(total).sum() - np.vdot(Y, z)
            else:
                target_sums = Y.sum(axis=1, keepdims=True)
                loss_sum = np.vdot(target_sums, np.log(total)) - np.vdot(Y, z)
                delta *= target_sums
            delta -= Y
        elif self._loss == "cross_entropy":  # sigmoid output: sigma' cancels, delta = a - y
            loss_sum = losses.binary_cross_entropy_from_z.formula(z, Y).sum()
            delta = output.function_over(z)
            delta -= Y
        else:
            if not np.isfinite(z).all():  # sigmoid(inf) = 1 would hide it; forward refuses it too
                return math.nan  # no step: fit tells a divergence from data too large
            a_L = output.function_over(z)
            delta = a_L - Y
            loss_sum = 0.5 * np.vdot(delta, delta)  # sum_x 1/2 ||a - y||^2, as losses.quadratic
            output.times_derivative_from_output(delta, a_L)
        delta *= learning_rate / X.shape[0]
        for l in range(len(layers), 0, -1):
            w_and_b = layers[l - 1][:delta.shape[1]]  # without the bias unit's row
            if l > 1:
                next_delta = delta @ w_and_b  # BP2, with w^l before its update; the last column is b's
            w_and_b -= delta.T @ a[l - 1]  # BP3 and BP4
            if l > 1:
                hidden.times_derivative_from_output(next_delta, a[l - 1])  # BP2's sigma'; a[l-1] is used up
                delta = next_delta[:, :-1]
        return float(loss_sum)

    def _divergence_limit(self, first_loss, flat, start):
        """The largest mean batch loss fit accepts, from the loss before its first step."""
        if not np.isfinite(first_loss):
            np.copyto(flat, start)
            wider = ", or train with dtype=np.float64" if flat.dtype != np.float64 else ""
            raise ValueError("the loss is NaN or infinite before training (it overflowed): the data, the "
                             f"targets or the weights are too large; scale X (and, for regression, Y){wider}")
        return self.DIVERGENCE_FACTOR * (1.0 + first_loss)

    def _feedforward(self, X):
        """Lists a[l] and z[l] for l = 0..L (a[0] = X, z[0] = None); a ValueError if a^L overflowed."""
        a, z = [X], [None]
        L = len(self.weights)
        with np.errstate(over="ignore", invalid="ignore"):
            for l, (w, b) in enumerate(zip(self.weights, self.biases), start=1):
                z.append(a[-1] @ w.T + b)
                if l < L:
                    a.append(self._hidden.function(z[-1]))
        if not np.isfinite(z[L]).all():  # then a^L = sigma(z^L) is finite too
            raise ValueError("the network's output overflowed float64 (NaN or infinity) although X and the "
                             "parameters are finite: X or the weights are too large; scale X")
        a.append(self._output.function(z[L]))
        return a, z

    def _per_sample_loss(self, z_L, a_L, Y):
        """C_x for each sample, ``(n,)``: the formulas of ``bplib.losses`` (arguments checked by the caller)."""
        if self._loss == "quadratic":
            return losses.quadratic.formula(a_L, Y)
        if self._output_activation == "softmax":
            return losses.categorical_cross_entropy_from_z.formula(z_L, Y)
        return losses.binary_cross_entropy_from_z.formula(z_L, Y)

    def _loss_of_checked(self, X, Y):
        """loss(X, Y) for X, Y and parameters already checked (gradient_check calls it many times)."""
        a, z = self._feedforward(X)
        with np.errstate(over="ignore", invalid="ignore"):
            cost = float(self._per_sample_loss(z[-1], a[-1], Y).mean())
        if not np.isfinite(cost):
            raise ValueError("the loss overflowed float64 although X, Y and the parameters are finite: "
                             "they are too large; scale X (and, for regression, Y)")
        return cost

    def _checked(self, X, Y=None):
        """X (and Y) as finite float64 matrices that fit the network, once the parameters are checked."""
        self._check_parameters()
        X = _validate.as_matrix(X, "X", self._sizes[0])
        if Y is None:
            return X
        Y = _validate.real_array(Y, "Y")
        if self._output_activation == "softmax" and Y.ndim == 1:   # class labels, most likely
            raise ValueError(f"Y must be one-hot rows of shape (n_samples, {self._sizes[-1]}), got a 1-D array "
                             f"of shape {Y.shape}: for class labels pass bplib.one_hot(labels, {self._sizes[-1]})")
        Y = _validate.as_matrix(Y, "Y", self._sizes[-1])
        _validate.same_rows(X, Y)
        if self._loss == "cross_entropy":
            _validate.within(Y, "Y", 0.0, 1.0, "cross-entropy targets are probabilities")
        return X, Y

    def _checked_for_updates(self, X, Y):
        """``_checked(X, Y)`` for a call that changes the parameters in place (fit's steps,
        gradient_check's nudges): no two of them may share memory, and X and Y are copied if they
        share it with one."""
        X, Y = self._checked(X, Y)
        params = {f"net.{kind}[{i}] ({kind[0]}^{i + 1})": param
                  for kind in ("weights", "biases") for i, param in enumerate(getattr(self, kind))}
        _validate.separate(params)
        return _validate.apart_from(X, params.values()), _validate.apart_from(Y, params.values())

    def _check_parameters(self):
        """weights and biases as a learner may have left them: one finite float64 array of the right
        shape per layer. Lists, integer arrays and array subclasses (np.matrix, whose * is a matrix
        product) are converted (and stored back)."""
        L = len(self._sizes) - 1
        for kind, symbol in (("weights", "w"), ("biases", "b")):
            params = getattr(self, kind, None)
            if not isinstance(params, (list, tuple)) or len(params) != L:
                got = (f"{len(params)} entries" if isinstance(params, (list, tuple)) else
                       type(params).__name__ if hasattr(self, kind) else f"none (del net.{kind} removed them)")
                raise ValueError(f"net.{kind} must be a list of {L} arrays, one per layer l = 1..{L} "
                                 f"(sizes {self._sizes}), got {got}")
            if isinstance(params, tuple):
                params = list(params)
                setattr(self, kind, params)
            for i, param in enumerate(params):
                name = f"net.{kind}[{i}] ({symbol}^{i + 1})"
                if not (type(param) is np.ndarray and param.dtype == np.float64 and param.flags.writeable):
                    param = params[i] = np.array(_validate.real_array(param, name), dtype=np.float64)
                shape = (self._sizes[i + 1], self._sizes[i]) if kind == "weights" else (self._sizes[i + 1],)
                if param.shape != shape:
                    raise ValueError(f"{name} has shape {param.shape}, expected {shape} for sizes {self._sizes}")
                _validate.all_finite(param, name)

    @property
    def sizes(self):
        """Units per layer, input first (a copy: the architecture is fixed at construction)."""
        return list(self._sizes)

    @property
    def activation(self):
        return self._activation

    @property
    def output_activation(self):
        return self._output_activation

    @property
    def loss_name(self):
        return self._loss

    @property
    def seed(self):
        return self._seed

    @property
    def _hidden(self):
        return ACTIVATIONS[self._activation]

    @property
    def _output(self):
        return ACTIVATIONS[self._output_activation]

    def __repr__(self):
        return (f"Network({self._sizes}, activation={self._activation!r}, output_activation="
                f"{self._output_activation!r}, loss={self._loss!r}, seed={self._seed!r})")


class TrainingDiverged(RuntimeError):
    """The training loss became NaN, infinite or 10^6 times its start: the learning rate is too large.

    ``epoch`` is the 1-based epoch that diverged and ``history`` the losses of
    the epochs before it; the network keeps the parameters of the last of them.
    """

    def __init__(self, epoch, history, learning_rate):
        self.epoch = epoch
        self.history = history
        self.learning_rate = learning_rate
        rate = f"{learning_rate:g}" if isinstance(learning_rate, numbers.Real) else repr(learning_rate)
        super().__init__(
            f"training diverged at epoch {epoch}: the loss became NaN, infinite or 10^6 times its start "
            f"(learning_rate={rate} is too large; try a smaller one). The network keeps the "
            f"parameters it had before epoch {epoch}."
        )

    def __reduce__(self):  # pickle and copy rebuild it from these (an exception's default is the message alone)
        return type(self), (self.epoch, self.history, self.learning_rate)


def _weights_and_biases(layers):
    """Views of w^l and b^l, two lists, in fit's blocks [w^l | b^l] (see Network._train_step),
    a hidden layer's last row, its bias unit, left out: the next block has a column per unit."""
    rows = [following.shape[1] - 1 for following in layers[1:]] + [layers[-1].shape[0]]
    return ([layer[:n, :-1] for layer, n in zip(layers, rows)],
            [layer[:n, -1] for layer, n in zip(layers, rows)])


MAX_PARAMETERS = 10 ** 8


def _architecture(sizes, activation, output_activation, loss):
    """The checked (sizes, activation, output_activation, loss) of a Network."""
    try:
        widths = list(sizes) if not isinstance(sizes, _validate.UNORDERED) else None
    except TypeError:
        widths = None
    if widths is None or len(widths) < 2:
        raise ValueError(f"sizes must list at least two layers (inputs and outputs), e.g. [2, 3, 1]; got {sizes!r}")
    for i, width in enumerate(widths):
        if not _validate.is_positive_int(width):
            raise ValueError(f"sizes[{i}] must be a positive integer number of units, got {width!r}")
    widths = [int(width) for width in widths]
    n_parameters = sum(n_out * (n_in + 1) for n_in, n_out in zip(widths[:-1], widths[1:]))
    if n_parameters > MAX_PARAMETERS:
        raise ValueError(f"sizes {widths} make {n_parameters:,} parameters; bplib is meant for nets of up to "
                         f"{MAX_PARAMETERS:,}")
    activation = _validate.choose("activation", activation, HIDDEN_ACTIVATIONS)
    output_activation = _validate.choose("output activation", output_activation, ACTIVATIONS)
    loss = _validate.choose("loss", loss, losses.LOSSES)
    if loss == "cross_entropy" and output_activation not in ("sigmoid", "softmax"):
        raise ValueError(f"loss='cross_entropy' needs output_activation 'sigmoid' or 'softmax' (outputs in "
                         f"(0, 1)), got {output_activation!r}; use loss='quadratic' for it")
    if output_activation == "softmax" and loss != "cross_entropy":
        raise ValueError("output_activation='softmax' is only supported with loss='cross_entropy' "
                         "(softmax has no elementwise derivative, so BP1 as written does not apply)")
    if output_activation == "softmax" and widths[-1] < 2:
        raise ValueError("output_activation='softmax' needs at least 2 output units (with one its output is "
                         "always 1 and nothing is learned); for two classes use one sigmoid unit with "
                         "loss='cross_entropy'")
    return widths, activation, output_activation, loss
