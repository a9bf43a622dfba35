"""A fully connected feed-forward network trained by backpropagation."""

import numpy as np

from . import losses
from ._validate import as_matrix, choose, is_positive_int, positive_int, positive_number, same_rows
from .activations import ACTIVATIONS, DERIVATIVES_FROM_OUTPUT, OUTPUT_ACTIVATIONS
from .equations import bias_gradient, hidden_error, output_error, weight_gradient


class TrainingDiverged(RuntimeError):
    """The training loss became NaN or infinite: the learning rate is too large.

    ``epoch`` is the 1-based epoch whose loss was not finite and ``history``
    the finite losses before it.
    """

    def __init__(self, epoch, history, learning_rate):
        self.epoch = epoch
        self.history = history
        super().__init__(
            f"training diverged at epoch {epoch}: the loss became NaN or infinite "
            f"(learning_rate={learning_rate:g} is too large; try a smaller one)"
        )


class Network:
    """A network of ``len(sizes) - 1`` fully connected layers.

    Parameters
    ----------
    sizes : list of int
        Units per layer, input first: ``[2, 3, 1]`` is 2 inputs, 3 hidden
        units, 1 output.
    activation : {"sigmoid", "tanh", "relu", "identity"}
        sigma of every hidden layer.
    output_activation : {"sigmoid", "tanh", "relu", "identity", "softmax"}
        sigma of the output layer L.
    loss : {"quadratic", "cross_entropy"}
        Per-sample loss C_x. "quadratic" is 1/2 ||a - y||^2. "cross_entropy"
        is binary (per output unit) after a sigmoid output and categorical
        after softmax; it is only defined for those two outputs.
    seed : int
        Seeds the initial parameters and the default shuffling of ``fit``.
        Weights are drawn from N(0, 1/n_in), so that z starts of order 1
        whatever the layer width; biases from N(0, 1), so that units start
        at different offsets (with zero biases every unit fed by one input
        x is centred on x = 0, and fitting a curve like sin(x) is slow).

    Attributes
    ----------
    weights : list of arrays; ``weights[i]`` is w^{i+1} with shape
        ``(sizes[i+1], sizes[i])``, entry ``[j, k]`` from neuron k to neuron j.
    biases : list of arrays; ``biases[i]`` is b^{i+1} with shape ``(sizes[i+1],)``.

    Output error. Two pairs use delta^L = a - y instead of BP1 as written:
    sigmoid + binary cross-entropy, where dC/da = (a - y) / (a (1 - a)) and
    sigma'(z) = a (1 - a) cancel, and softmax + categorical cross-entropy,
    where the softmax Jacobian contracted with dC/da = -y/a gives a - y
    (because the row of y sums to 1). The cancelled form is also the stable
    one: it never divides by a saturated a(1 - a). Every other pair uses
    BP1, delta^L = dC/da (*) sigma'(z^L).
    """

    def __init__(self, sizes, activation="sigmoid", output_activation="sigmoid",
                 loss="quadratic", seed=0):
        sizes = list(sizes) if not isinstance(sizes, (str, bytes)) else sizes
        if not isinstance(sizes, list) or len(sizes) < 2:
            raise ValueError(
                f"sizes must list at least two layers (inputs and outputs), e.g. [2, 3, 1]; got {sizes!r}"
            )
        for i, width in enumerate(sizes):
            if not is_positive_int(width):
                raise ValueError(
                    f"sizes[{i}] must be a positive integer number of units, got {width!r}"
                )
        self.sizes = [int(w) for w in sizes]
        self.activation = choose("activation", activation, ACTIVATIONS)
        self.output_activation = choose("output activation", output_activation, OUTPUT_ACTIVATIONS)
        self.loss_name = choose("loss", loss, losses.LOSSES)
        if self.loss_name == "cross_entropy" and self.output_activation not in ("sigmoid", "softmax"):
            raise ValueError(
                f"loss='cross_entropy' needs output_activation 'sigmoid' or 'softmax' (outputs in (0, 1)), "
                f"got {self.output_activation!r}; use loss='quadratic' for it"
            )
        if self.output_activation == "softmax" and self.loss_name != "cross_entropy":
            raise ValueError(
                "output_activation='softmax' is only supported with loss='cross_entropy' "
                "(softmax has no elementwise derivative, so BP1 as written does not apply)"
            )
        self.seed = seed
        rng = np.random.default_rng(seed)
        self.weights = [rng.normal(0.0, 1.0 / np.sqrt(n_in), size=(n_out, n_in))
                        for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:])]
        self.biases = [rng.normal(0.0, 1.0, size=n_out) for n_out in self.sizes[1:]]
        self._shuffle_rng = np.random.default_rng(seed)  # fit's default; advances across calls
        self._sigma = ACTIVATIONS[self.activation][0]
        self._sigma_prime_from_a = DERIVATIVES_FROM_OUTPUT[self.activation]
        self._output_sigma = OUTPUT_ACTIVATIONS[self.output_activation][0]
        self._output_sigma_prime_from_a = DERIVATIVES_FROM_OUTPUT.get(self.output_activation)
        # For these two pairs BP1 simplifies to a - y (see the class docstring).
        self._output_error_is_a_minus_y = self.loss_name == "cross_entropy"

    def __repr__(self):
        return (f"Network({self.sizes}, activation={self.activation!r}, "
                f"output_activation={self.output_activation!r}, loss={self.loss_name!r}, seed={self.seed!r})")

    # -- checked entry points -------------------------------------------------
    def _check_X(self, X):
        return as_matrix(X, "X", self.sizes[0])

    def _check_XY(self, X, Y):
        X = self._check_X(X)
        Y = as_matrix(Y, "Y", self.sizes[-1])
        same_rows(X, Y)
        return X, Y

    def forward(self, X):
        """Output a^L for a batch: X ``(n_samples, sizes[0])`` -> ``(n_samples, sizes[-1])``."""
        return self._forward(self._check_X(X))[0][-1]

    def loss(self, X, Y):
        """The cost C = (1/n) sum_x C_x over the batch, a float.

        X: ``(n_samples, sizes[0])``; Y: ``(n_samples, sizes[-1])`` (a 1-D Y is
        accepted when there is one output).
        """
        X, Y = self._check_XY(X, Y)
        activations, weighted_inputs = self._forward(X)
        return self._cost(weighted_inputs[-1], activations[-1], Y)

    def backprop(self, X, Y):
        """Gradient of ``loss(X, Y)`` with respect to every weight and bias.

        Returns ``(weight_grads, bias_grads)``, lists shaped like
        ``weights`` and ``biases``.
        """
        X, Y = self._check_XY(X, Y)
        return self._backprop(X, Y)

    def predict(self, X):
        """Predictions for X ``(n_samples, sizes[0])``.

        softmax output: class index per row, ``(n_samples,)``.
        sigmoid output with cross-entropy: 0/1 per output unit (threshold
        0.5), ``(n_samples, sizes[-1])``.
        Otherwise (regression): the outputs a^L themselves.
        """
        A = self.forward(X)
        if self.output_activation == "softmax":
            return A.argmax(axis=1)
        if self.output_activation == "sigmoid" and self.loss_name == "cross_entropy":
            return (A >= 0.5).astype(int)
        return A

    def fit(self, X, Y, epochs=10, learning_rate=0.1, batch_size=32, seed=None,
            on_divergence="raise", on_epoch=None, on_backprop=None):
        """Mini-batch stochastic gradient descent; returns the loss of each epoch.

        Each epoch shuffles the rows, then for every batch of ``batch_size``
        rows steps w -= learning_rate * dC/dw and likewise for b, with the
        gradients of the batch's mean loss. ``batch_size=None`` uses the whole
        set (full-batch gradient descent). The shuffles come from
        ``np.random.default_rng(seed)`` when ``seed`` is given; otherwise from
        the network's own generator, seeded with the network's seed and carried
        over from one call to the next, so that calling ``fit(epochs=1)`` ten
        times (say, to change the learning rate between epochs) trains exactly
        as ``fit(epochs=10)`` does, instead of repeating the first shuffle.

        An epoch's loss is the mean of the batch losses met during the epoch,
        each taken just before its step (as scikit-learn's ``loss_curve_``):
        it costs nothing extra, and it trails ``loss(X, Y)`` after the epoch
        a little while the network is still learning fast.

        If the loss becomes NaN or infinite, ``on_divergence="raise"`` raises
        ``TrainingDiverged`` and ``"stop"`` stops and returns the finite
        history; either way ``self.diverged_at`` holds the epoch (else None).

        Two optional hooks let a caller watch training (the playground uses
        them): ``on_epoch(epoch, loss)`` after each epoch, stopping training
        if it returns True; ``on_backprop(layer, delta, weight_gradient)``
        for every layer l = L..1 of every batch, with delta^l
        ``(batch_rows, n_l)`` and dC/dw^l ``(n_l, n_{l-1})`` (read them, do
        not change them).
        """
        X, Y = self._check_XY(X, Y)
        epochs = positive_int(epochs, "epochs")
        n = X.shape[0]
        batch_size = n if batch_size is None else min(positive_int(batch_size, "batch_size"), n)
        positive_number(learning_rate, "learning_rate")
        choose("on_divergence", on_divergence, ("raise", "stop"))
        rng = self._shuffle_rng if seed is None else np.random.default_rng(seed)
        history = []
        self.diverged_at = None
        # Overflow in a diverging run is reported once, below, not as warnings.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for epoch in range(1, epochs + 1):
                if batch_size < n:
                    order = rng.permutation(n)
                    X_epoch, Y_epoch = X[order], Y[order]
                else:
                    X_epoch, Y_epoch = X, Y
                loss_sum = 0.0
                for start in range(0, n, batch_size):
                    X_batch = X_epoch[start:start + batch_size]
                    Y_batch = Y_epoch[start:start + batch_size]
                    weight_grads, bias_grads, batch_loss_sum = self._backprop(
                        X_batch, Y_batch, with_loss=True, on_backprop=on_backprop)
                    loss_sum += batch_loss_sum
                    for w, b, gw, gb in zip(self.weights, self.biases, weight_grads, bias_grads):
                        gw *= learning_rate  # the gradients are fresh arrays: scale in place
                        gb *= learning_rate
                        w -= gw
                        b -= gb
                epoch_loss = loss_sum / n
                if not np.isfinite(epoch_loss) or not all(np.isfinite(w).all() for w in self.weights):
                    self.diverged_at = epoch
                    if on_divergence == "raise":
                        raise TrainingDiverged(epoch, history, learning_rate)
                    break
                history.append(epoch_loss)
                if on_epoch is not None and on_epoch(epoch, epoch_loss):
                    break
        return history

    # -- the algorithm, on validated arrays ---------------------------------
    def _forward(self, X):
        """Lists a^0..a^L and z^1..z^L for the batch (rows are samples)."""
        activations = [X]
        weighted_inputs = []
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            z = activations[-1] @ w.T
            z += b
            sigma = self._output_sigma if i == last else self._sigma
            weighted_inputs.append(z)
            activations.append(sigma(z))
        return activations, weighted_inputs

    def _cost(self, z_out, a_out, Y):
        if self.loss_name == "quadratic":
            per_sample = losses.quadratic(a_out, Y)
        elif self.output_activation == "softmax":
            per_sample = losses.categorical_cross_entropy_from_z(z_out, Y)
        else:
            per_sample = losses.binary_cross_entropy_from_z(z_out, Y)
        return float(per_sample.mean())

    def _backprop(self, X, Y, with_loss=False, on_backprop=None):
        activations, weighted_inputs = self._forward(X)
        if self._output_error_is_a_minus_y:
            delta = activations[-1] - Y
        else:
            delta = output_error(losses.quadratic_gradient(activations[-1], Y),
                                 self._output_sigma_prime_from_a(activations[-1]))  # BP1
        n_layers = len(self.weights)
        weight_grads = [None] * n_layers
        bias_grads = [None] * n_layers
        for i in range(n_layers - 1, -1, -1):
            weight_grads[i] = weight_gradient(delta, activations[i])  # BP4
            bias_grads[i] = bias_gradient(delta)  # BP3
            if on_backprop is not None:
                on_backprop(i + 1, delta, weight_grads[i])
            if i > 0:
                delta = hidden_error(delta, self.weights[i], self._sigma_prime_from_a(activations[i]))  # BP2
        if with_loss:
            return weight_grads, bias_grads, self._monitoring_loss_sum(weighted_inputs[-1], activations[-1], Y)
        return weight_grads, bias_grads

    def _monitoring_loss_sum(self, z_out, a_out, Y):
        """Sum over the batch of C_x, for fit's history.

        For softmax outputs it uses log(a), which the forward pass makes
        cheap, instead of log-softmax(z); the two agree unless a probability
        underflows below 1e-308, where log(a) is clipped (no log(0)).
        """
        if self.output_activation == "softmax":
            return -float(np.vdot(Y, np.log(np.maximum(a_out, _TINY))))
        return self._cost(z_out, a_out, Y) * Y.shape[0]


_TINY = np.finfo(float).tiny

