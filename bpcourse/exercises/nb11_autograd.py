"""Exercises of notebook 11: a tiny autograd."""
import numpy as np

from . import Exercise
from ._common import rng


def mul_backward(a, b, grad_out):
    return grad_out * b, grad_out * a


def _mul_cases(seed):
    r = rng(seed)
    return [dict(a=2.0, b=-3.0, grad_out=0.5), dict(a=r.normal(size=3), b=r.normal(size=3), grad_out=r.normal(size=3))]


def tanh_backward(x, grad_out):
    return grad_out * (1 - np.tanh(x) ** 2)


def _tanh_backward_cases(seed):
    r = rng(seed)
    return [dict(x=0.7, grad_out=2.0), dict(x=r.normal(size=4), grad_out=r.normal(size=4))]


EXERCISES = [
    Exercise("mul-backward", "11_autograd", "mul_backward", 1, "gradients of out = a * b",
             mul_backward, cases=lambda: _mul_cases(18), hidden_cases=lambda: _mul_cases(119),
             mistakes=(("swapped: d(ab)/da = b, d(ab)/db = a", lambda a, b, grad_out: (grad_out * a, grad_out * b)),
                       ("forgot the incoming gradient (the chain rule multiplies by grad_out)",
                        lambda a, b, grad_out: (b, a)))),
    Exercise("tanh-backward", "11_autograd", "tanh_backward", 1, "gradient of out = tanh(x)",
             tanh_backward, cases=lambda: _tanh_backward_cases(19), hidden_cases=lambda: _tanh_backward_cases(120),
             mistakes=(("forgot the incoming gradient (the chain rule multiplies by grad_out)",
                        lambda x, grad_out: 1 - np.tanh(x) ** 2),
                       ("you used 1 - x^2: the formula needs 1 - tanh(x)^2",
                        lambda x, grad_out: grad_out * (1 - x ** 2)))),
]
