"""Exercises of notebook 04: the chain rule."""
import numpy as np

from bplib.activations import sigmoid, sigmoid_prime

from . import Exercise
from ._common import N_, rng


def neuron_gradients(x, w, b, y):
    z = w @ x + b
    a = sigmoid(z)
    dz = (a - y) * sigmoid_prime(z)
    return dz * x, float(dz)


def _neuron_cases(seed):
    r = rng(seed)
    return [dict(x=r.normal(size=3), w=r.normal(size=3), b=float(r.normal()), y=1.0),
            dict(x=r.normal(size=2), w=r.normal(size=2), b=0.3, y=0.0),
            dict(x=r.normal(size=4), w=r.normal(size=4), b=-0.7, y=0.25)]


def _neuron_no_sigma_prime(x, w, b, y):
    a = sigmoid(w @ x + b)
    return (a - y) * x, float(a - y)


def _neuron_sign(x, w, b, y):
    gw, gb = neuron_gradients(x, w, b, y)
    return -gw, -gb


def _neuron_no_x(x, w, b, y):
    gw, gb = neuron_gradients(x, w, b, y)
    return np.full_like(x, gb), gb


def _neuron_w_for_x(x, w, b, y):
    gw, gb = neuron_gradients(x, w, b, y)
    return gb * w, gb


def _neuron_sigma_prime_of_a(x, w, b, y):
    a = sigmoid(w @ x + b)
    dz = (a - y) * sigmoid_prime(a)
    return dz * x, float(dz)


def _neuron_sigma_for_slope(x, w, b, y):
    a = sigmoid(w @ x + b)
    dz = (a - y) * a
    return dz * x, float(dz)


EXERCISES = [
    Exercise("neuron-gradients", "04_chain_rule", "neuron_gradients", 2,
             "dC/dw and dC/db of one sigmoid neuron with C = 1/2 (a - y)^2", neuron_gradients,
             cases=lambda: _neuron_cases(7), hidden_cases=lambda: _neuron_cases(107),
             mistakes=((N_("missing sigma'(z): dC/dz = (a - y) sigma'(z)"), _neuron_no_sigma_prime),
                       (N_("sign: dC/da = a - y, not y - a"), _neuron_sign),
                       (N_("dC/dw needs the factor dz/dw = x"), _neuron_no_x),
                       (N_("dz/dw = x, not w: z = w . x + b changes with w_k at the rate x_k"), _neuron_w_for_x),
                       (N_("sigma' was taken of a instead of z: dC/dz = (a - y) sigma'(z)"), _neuron_sigma_prime_of_a),
                       (N_("sigma(z) where sigma'(z) = sigma(z)(1 - sigma(z)) belongs: dC/dz = (a - y) sigma'(z)"),
                        _neuron_sigma_for_slope),
                       (N_("returned in the order (grad_b, grad_w): return (grad_w, grad_b)"),
                        lambda x, w, b, y: neuron_gradients(x, w, b, y)[::-1])),
             names=["grad_w (dC/dw)", "grad_b (dC/db)"]),
]
