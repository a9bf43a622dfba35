"""Exercises of notebook 02: the forward pass."""
import numpy as np

from bplib import activations

from . import Exercise
from ._common import net_params, rng

sigmoid = activations.sigmoid


def _z_cases(seed):
    r = rng(seed)
    return [dict(z=np.linspace(-6, 6, 13)), dict(z=r.normal(0, 3, size=(4, 5)))]


def _z_hidden_cases():
    r = rng(102)
    return [dict(z=np.array([-40.0, -1e-3, 0.0, 2.5, 35.0])), dict(z=r.normal(0, 2, size=(3, 2, 2)))]


def forward_pass(X, weights, biases):
    a = X
    for w, b in zip(weights, biases):
        a = sigmoid(a @ w.T + b)
    return a


def _forward_cases(seed, layouts):
    r = rng(seed)
    cases = []
    for sizes, n in layouts:
        weights, biases = net_params(sizes, r)
        cases.append(dict(X=r.normal(size=(n, sizes[0])), weights=weights, biases=biases))
    return cases


def _forward_no_transpose(X, weights, biases):
    a = X
    for w, b in zip(weights, biases):
        a = sigmoid(a @ w + b)
    return a


def _forward_no_bias(X, weights, biases):
    a = X
    for w in weights:
        a = sigmoid(a @ w.T)
    return a


def _forward_linear_output(X, weights, biases):
    a = X
    for i, (w, b) in enumerate(zip(weights, biases)):
        z = a @ w.T + b
        a = z if i == len(weights) - 1 else sigmoid(z)
    return a


EXERCISES = [
    Exercise("sigmoid", "02_forward_pass", "sigmoid", 1, "sigma(z) = 1 / (1 + e^-z)", activations.sigmoid,
             cases=lambda: _z_cases(2), hidden_cases=_z_hidden_cases,
             mistakes=(("sign of the exponent: sigma(z) = 1 / (1 + e^(-z))", lambda z: 1 / (1 + np.exp(z))),)),
    Exercise("sigmoid-prime", "02_forward_pass", "sigmoid_prime", 1, "sigma'(z) = sigma(z)(1 - sigma(z))",
             activations.sigmoid_prime, cases=lambda: _z_cases(2), hidden_cases=_z_hidden_cases,
             mistakes=(("you used z(1 - z): the formula needs sigma(z)(1 - sigma(z))", lambda z: z * (1 - z)),
                       ("that is sigma(z) itself, not its derivative", activations.sigmoid))),
    # square layers first: W for W^T still runs there
    Exercise("forward-pass", "02_forward_pass", "forward_pass", 2, "a^l = sigma(a^(l-1) w^T + b) layer by layer",
             forward_pass, cases=lambda: _forward_cases(3, [([2, 2, 2], 4), ([3, 4, 2], 5)]),
             hidden_cases=lambda: _forward_cases(103, [([4, 3, 5, 1], 6), ([1, 2], 3)]),
             mistakes=(("W instead of W^T: with samples as rows, z = a @ w.T + b", _forward_no_transpose),
                       ("the bias is missing from z", _forward_no_bias),
                       ("the output layer needs sigma too", _forward_linear_output))),
]
