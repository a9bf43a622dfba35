"""Exercises of notebook 10: training in practice."""
import numpy as np

from . import Exercise
from ._common import N_


def scaled_init(n_in, n_out, rng):
    return rng.normal(0.0, 1.0 / np.sqrt(n_in), size=(n_out, n_in))


def _init_cases():
    # n_in = 3: 1/sqrt(n_in +- 1) is 13% or 22% off 1/sqrt(3), where the judge allows 5%
    return [dict(n_in=400, n_out=300, rng=np.random.default_rng(16)),
            dict(n_in=3, n_out=20000, rng=np.random.default_rng(17))]


def _init_hidden_cases():
    return [dict(n_in=1000, n_out=64, rng=np.random.default_rng(118)),
            dict(n_in=2, n_out=30000, rng=np.random.default_rng(119))]


def step_decay(initial_rate, epoch, drop, every):
    return initial_rate * drop ** (epoch // every)


def _step_decay_unfloored(initial_rate, epoch, drop, every):
    return initial_rate * drop ** (epoch / every)


EXERCISES = [
    Exercise("scaled-init", "10_training_in_practice", "scaled_init", 1,
             "weights from N(0, 1/n_in), shape (n_out, n_in)", scaled_init,
             cases=_init_cases, hidden_cases=_init_hidden_cases, invoke="draw-with-rng", judge="init-statistics"),
    Exercise("step-decay", "10_training_in_practice", "step_decay", 1,
             "initial_rate * drop ** (epoch // every)", step_decay,
             cases=lambda: [dict(initial_rate=0.5, epoch=e, drop=0.5, every=10) for e in (0, 9, 10, 25, 40)],
             hidden_cases=lambda: [dict(initial_rate=0.1, epoch=e, drop=0.3, every=7) for e in (6, 7, 20, 21)]
             + [dict(initial_rate=2.0, epoch=3, drop=0.9, every=1)],
             invoke="float",
             mistakes=((N_("the rate should drop in steps: use epoch // every (whole steps), not epoch / every"),
                        _step_decay_unfloored),
                       (N_("one drop too many: at epoch 0 the rate is initial_rate, the first drop comes at "
                           "epoch = every"),
                        lambda initial_rate, epoch, drop, every: initial_rate * drop ** (epoch // every + 1)),
                       (N_("drop ** epoch drops every epoch: the exponent counts the `every`-epoch periods done, "
                           "epoch // every"), lambda initial_rate, epoch, drop, every: initial_rate * drop ** epoch),
                       (N_("multiplied by drop times the number of periods; each period multiplies by drop again: "
                           "drop ** (epoch // every)"),
                        lambda initial_rate, epoch, drop, every: initial_rate * drop * (epoch // every)))),
]
