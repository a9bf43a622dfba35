"""Gradient checking: compare backprop with central finite differences."""
import numpy as np


def relative_error(analytic, numeric, floor=1e-5):
    """CS231n's |a - n| / max(|a|, |n|), elementwise.

    The denominator never drops below ``floor``: finite differences carry a
    rounding error near 1e-13, so for a gradient entry below 1e-5 (a dead
    ReLU's exact 0, say) the ratio would measure rounding, not a bug; such
    entries are held to an absolute difference of ``floor`` times the
    tolerance instead.
    """
    analytic = np.asarray(analytic, dtype=float)
    numeric = np.asarray(numeric, dtype=float)
    scale = np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), floor)
    return np.abs(analytic - numeric) / scale


def numerical_gradient(f, param, eps=1e-3):
    """Central differences of a scalar ``f()`` with respect to each entry of
    the array ``param``, which is nudged in place and restored.

    Uses the fourth-order central stencil
    (-f(p+2e) + 8 f(p+e) - 8 f(p-e) + f(p-2e)) / (12 e): its truncation error
    is O(e^4) instead of O(e^2), so a step as large as 1e-3 is still
    accurate and the rounding error (about 1e-16 / e) stays near 1e-13.
    A ReLU unit whose z lies within 2 e of 0 crosses its kink during the
    nudge, and there the difference is not the derivative: check such nets
    at a point away from the kinks. Returns an array shaped like ``param``; costs
    4 * param.size calls of ``f``.
    """
    grad = np.zeros_like(param, dtype=float)
    for index in np.ndindex(param.shape):
        original = param[index]
        values = []
        for step in (2 * eps, eps, -eps, -2 * eps):
            param[index] = original + step
            values.append(f())
        param[index] = original
        grad[index] = (-values[0] + 8 * values[1] - 8 * values[2] + values[3]) / (12 * eps)
    return grad


class GradientCheck:
    """The result of ``gradient_check``.

    ``max_relative_error`` is the largest elementwise relative error over
    all parameters; ``rows`` lists ``(layer, "w" or "b", max relative
    error)`` for layers l = 1..L, and ``worst`` names the row that disagrees
    most. ``float(result)`` is ``max_relative_error``.
    """

    def __init__(self, rows, tolerance):
        self.rows = rows
        self.tolerance = tolerance
        self.max_relative_error = max(error for _, _, error in rows)
        self.worst = max(rows, key=lambda row: row[2])

    def __float__(self):
        return float(self.max_relative_error)

    @property
    def passed(self):
        return self.max_relative_error < self.tolerance

    def failing(self):
        """The ``(layer, name)`` pairs whose relative error is above the tolerance."""
        return [(layer, name) for layer, name, error in self.rows if error >= self.tolerance]

    def __str__(self):
        lines = [f"{'parameter':<10} {'max rel. error':>14}  verdict"]
        for layer, name, error in self.rows:
            verdict = "ok" if error < self.tolerance else "DISAGREES"
            lines.append(f"{name}[{layer}]{'':<{7 - len(str(layer))}} {error:>14.2e}  {verdict}")
        lines.append(f"largest relative error {self.max_relative_error:.2e} "
                     f"({'passed' if self.passed else 'FAILED'}, tolerance {self.tolerance:.0e})")
        return "\n".join(lines)

    def __repr__(self):
        return str(self)


def gradient_check(net, X, Y, eps=1e-3, tolerance=1e-6, backprop=None):
    """Check ``net.backprop`` (or another ``backprop(X, Y)``) against central differences.

    X: ``(n_samples, sizes[0])``; Y: ``(n_samples, sizes[-1])``. Each
    weight and bias is nudged by +-eps and +-2 eps in turn, so this costs four
    forward passes per parameter: fine for the small nets it is meant for.
    ``backprop`` lets a learner check their own function with the same
    signature and return value as ``Network.backprop``. Returns a
    ``GradientCheck`` whose report names each layer's weight and bias error.
    """
    X, Y = net._check_XY(X, Y)
    compute = net.backprop if backprop is None else backprop
    weight_grads, bias_grads = compute(X, Y)
    _check_grad_shapes(net, weight_grads, bias_grads)
    cost = lambda: net.loss(X, Y)  # noqa: E731  (reads the parameters as nudged)
    rows = []
    for i, (w, b) in enumerate(zip(net.weights, net.biases)):
        rows.append((i + 1, "w", float(relative_error(weight_grads[i], numerical_gradient(cost, w, eps)).max())))
        rows.append((i + 1, "b", float(relative_error(bias_grads[i], numerical_gradient(cost, b, eps)).max())))
    return GradientCheck(rows, tolerance)


def _check_grad_shapes(net, weight_grads, bias_grads):
    for kind, grads, params in (("weight", weight_grads, net.weights), ("bias", bias_grads, net.biases)):
        if len(grads) != len(params):
            raise ValueError(f"backprop returned {len(grads)} {kind} gradients, expected {len(params)} (one per layer)")
        for i, (g, p) in enumerate(zip(grads, params)):
            if np.shape(g) != p.shape:
                raise ValueError(
                    f"{kind} gradient of layer {i + 1} has shape {np.shape(g)}, expected {p.shape} "
                    f"(the shape of the {kind}s it belongs to)"
                )
