"""Backprop with one planted bug each, for the bug hunt of notebook 12.

``planted_bug(name)`` returns a ``backprop(weights, biases, X, Y)`` for
sigmoid layers and the quadratic cost (the batch backprop of notebook 06)
with exactly one mistake. ``PLANTED_BUGS`` maps each name to what the
mistake is; the notebook keeps the names hidden until its reveal.
"""
import numpy as np

from .activations import sigmoid, sigmoid_prime

PLANTED_BUGS = {
    "missing_sigma_prime": "BP2 without sigma'(z): delta^l = (w^{l+1})^T delta^{l+1} only",
    "w_not_transposed": "BP2 with w^{l+1} where (w^{l+1})^T belongs",
    "missing_mean": "gradients summed over the batch, not averaged (missing 1/n)",
    "wrong_activation": "BP4 with a^l where a^(l-1) belongs",
    "sign": "the output error with the wrong sign (y - a instead of a - y)",
}


def planted_bug(name):
    """A ``backprop(weights, biases, X, Y) -> (weight_grads, bias_grads)`` with the mistake ``name``.

    X: ``(n, n_0)``; Y: ``(n, n_L)``; weights[i]: ``(n_{i+1}, n_i)``. The
    gradients come back shaped like the weights and biases (except where
    the bug itself breaks a shape).
    """
    if not isinstance(name, str) or name not in PLANTED_BUGS:  # a list is unhashable: `in` would raise TypeError
        raise ValueError(f"unknown bug {name!r}; expected one of {sorted(PLANTED_BUGS)}")

    def backprop(weights, biases, X, Y):
        return _buggy_backprop(weights, biases, np.asarray(X, float), np.asarray(Y, float), name)

    backprop.__name__ = f"backprop_with_{name}"
    return backprop


def _buggy_backprop(weights, biases, X, Y, bug):
    activations, weighted_inputs = [X], []
    for w, b in zip(weights, biases):
        z = activations[-1] @ w.T + b
        weighted_inputs.append(z)
        activations.append(sigmoid(z))
    n = X.shape[0]
    scale = 1.0 if bug == "missing_mean" else 1.0 / n
    sign = -1.0 if bug == "sign" else 1.0
    delta = sign * (activations[-1] - Y) * sigmoid_prime(weighted_inputs[-1])
    weight_grads, bias_grads = [None] * len(weights), [None] * len(weights)
    for i in range(len(weights) - 1, -1, -1):
        a_in = activations[i + 1] if bug == "wrong_activation" else activations[i]
        weight_grads[i] = delta.T @ a_in * scale
        bias_grads[i] = delta.sum(axis=0) * scale
        if i > 0:
            back = delta @ (weights[i].T if bug == "w_not_transposed" else weights[i])
            delta = back if bug == "missing_sigma_prime" else back * sigmoid_prime(weighted_inputs[i - 1])
    return weight_grads, bias_grads
