"""Exercises of notebook 12: the bug hunt."""
from bplib import Network, gradient_check

from . import Exercise
from ._common import rng


def layers_at_fault(backprop_fn, net, X, Y):
    return gradient_check(net, X, Y, backprop=backprop_fn).failing()


def _bug_hunt_cases(seed, sizes, bugs):
    r = rng(seed)
    X, Y = r.normal(size=(4, sizes[0])), r.uniform(size=(4, sizes[-1]))
    return [dict(bug=bug, net=Network(sizes, "sigmoid", "sigmoid", "quadratic", seed=seed + 1), X=X, Y=Y)
            for bug in bugs]


EXERCISES = [
    Exercise("layers-at-fault", "12_bug_hunt", "layers_at_fault", 2,
             "the (layer, 'w' or 'b') pairs whose gradients fail the check", layers_at_fault,
             cases=lambda: _bug_hunt_cases(20, [3, 3, 3, 3], ["missing_sigma_prime", "missing_mean",
                                                             "wrong_activation", None]),
             hidden_cases=lambda: _bug_hunt_cases(121, [2, 4, 3], ["sign", None]),
             invoke="layers-at-fault", judge="layers"),
]
