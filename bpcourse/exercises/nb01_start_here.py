"""Exercises of notebook 01: start here."""
import numpy as np

from . import Exercise
from ._common import N_, rng


def fold_bias(w, b):
    return np.column_stack([w, b])


def _cases(seed, shapes):
    r = rng(seed)
    return [dict(w=r.normal(size=shape), b=r.normal(size=shape[0])) for shape in shapes]


EXERCISES = [
    Exercise("fold-bias", "01_start_here", "fold_bias", 1, "append b as an extra last column of w", fold_bias,
             cases=lambda: _cases(1, [(3, 2), (1, 4)]),
             hidden_cases=lambda: _cases(101, [(2, 5), (4, 1), (3, 3)]),
             mistakes=((N_("the bias went in the first column; put it last, matching the 1 appended to the input"),
                        lambda w, b: np.column_stack([b, w])),
                       (N_("the last column is 1s: that 1 is appended to the input a; the last column of (w | b) is b"),
                        lambda w, b: np.column_stack([w, np.ones_like(b)])),
                       (N_("the bias column is -b: it is b itself (z = w a + b)"),
                        lambda w, b: np.column_stack([w, -b])),
                       # square in case 1, where the shape alone does not show it
                       (N_("transposed: b goes in as a last column of w, so the result has w's rows, (n_out, n_in + 1)"),
                        lambda w, b: np.column_stack([w, b]).T))),
]
