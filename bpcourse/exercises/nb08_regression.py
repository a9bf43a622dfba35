"""Exercises of notebook 08: regression."""
import numpy as np

from bplib import activations

from . import Exercise
from ._common import N_, rng


def _z_cases(seed):
    r = rng(seed)
    return [dict(z=np.linspace(-6, 6, 13)), dict(z=r.normal(0, 3, size=(4, 5)))]


EXERCISES = [
    Exercise("tanh-prime", "08_regression", "tanh_prime", 1, "tanh'(z) = 1 - tanh(z)^2", activations.tanh_prime,
             cases=lambda: _z_cases(2),
             hidden_cases=lambda: [dict(z=np.array([-30.0, -0.5, 0.0, 1e-4, 20.0])),
                                   dict(z=rng(115).normal(0, 2, size=(2, 3, 2)))],
             mistakes=((N_("you used 1 - z^2: the formula needs 1 - tanh(z)^2"), lambda z: 1 - z ** 2),
                       (N_("that is the sigmoid's derivative"), activations.sigmoid_prime),
                       (N_("sign: tanh'(z) = 1 - tanh(z)^2 is positive, not tanh(z)^2 - 1"),
                        lambda z: np.tanh(z) ** 2 - 1),
                       (N_("tanh(z) must be squared: tanh'(z) = 1 - tanh(z)^2"), lambda z: 1 - np.tanh(z)),
                       (N_("that is tanh(z) itself, not its derivative"), lambda z: np.tanh(z)),
                       (N_("sech(z) must be squared: tanh'(z) = sech(z)^2 = 1 / cosh(z)^2"), lambda z: 1 / np.cosh(z)))),
]
