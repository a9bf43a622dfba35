"""Exercises of notebook 09: digits."""
import numpy as np

from bplib import activations

from . import Exercise
from ._common import N_, rng


def softmax(Z):
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _softmax_cases():
    r = rng(14)
    return [dict(Z=r.normal(size=(4, 3))), dict(Z=np.array([[1000.0, 999.0, 0.0], [-1000.0, -1001.0, -999.5]]))]


def _softmax_hidden_cases():
    r = rng(116)
    return [dict(Z=r.normal(0, 5, size=(6, 10))), dict(Z=np.array([[-800.0, 800.0], [3.0, 3.0]]))]


def _softmax_columns(Z):
    e = np.exp(Z - Z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def _softmax_row_shift_column_sum(Z):
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def _softmax_column_shift(Z):
    with np.errstate(all="ignore"):
        e = np.exp(Z - Z.max(axis=0, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)


def _softmax_unshifted(Z):
    with np.errstate(all="ignore"):
        e = np.exp(Z)
        return e / e.sum(axis=1, keepdims=True)


def _softmax_global_max(Z):
    with np.errstate(all="ignore"):
        e = np.exp(Z - Z.max())
        return e / e.sum(axis=1, keepdims=True)


def _softmax_over_everything(Z):
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    return e / e.sum()


def softmax_cross_entropy_delta(Z, Y):
    return softmax(Z) - Y


def _softmax_delta_cases(seed, layouts):
    r = rng(seed)
    cases = []
    for n, k in layouts:
        labels = r.integers(0, k, size=n)
        cases.append(dict(Z=r.normal(0, 2, size=(n, k)), Y=np.eye(k)[labels]))
    return cases


# Logits as large as the softmax exercise's: an answer that forgets the max shift overflows here.
_LARGE_LOGITS = dict(Z=np.array([[1000.0, 999.0, 0.0], [-1000.0, -1001.0, -999.5]]), Y=np.eye(3)[[0, 2]])


def _softmax_delta_stopped_at_dC_da(Z, Y):
    with np.errstate(all="ignore"):  # a softmax output of 0 where y is 0: NaN, as the learner's would be
        return -Y / activations.softmax(Z)


def _softmax_delta_with_sigma_prime(Z, Y):
    a = softmax(Z)
    return (a - Y) * a * (1 - a)


EXERCISES = [
    Exercise("softmax", "09_digits", "softmax", 2, "row-wise softmax, stable for large z", softmax,
             cases=_softmax_cases, hidden_cases=_softmax_hidden_cases,
             mistakes=((N_("normalised over columns: each row (sample) should sum to 1"), _softmax_columns),
                       (N_("normalised over columns: each row (sample) should sum to 1"),
                        _softmax_row_shift_column_sum),
                       (N_("shifted by each column's maximum (axis=0): the shift must be one number per row; "
                           "subtract each row's own maximum (axis=1, keepdims=True)"), _softmax_column_shift),
                       (N_("overflow: exp(1000) is inf; subtract each row's maximum before exp"),
                        _softmax_unshifted),
                       (N_("shifted by the largest entry of all Z: a row far below it underflows to 0 / 0; "
                           "subtract each row's own maximum (axis=1, keepdims=True)"), _softmax_global_max),
                       (N_("divided by the sum over the whole batch: each row (sample) should sum to 1"),
                        _softmax_over_everything),
                       (N_("not normalised: divide each row's exponentials by their sum"),
                        lambda Z: np.exp(Z - Z.max(axis=1, keepdims=True))))),
    Exercise("softmax-delta", "09_digits", "softmax_cross_entropy_delta", 2,
             "delta^L = softmax(z) - y", softmax_cross_entropy_delta,
             cases=lambda: _softmax_delta_cases(15, [(5, 4), (3, 10)]) + [_LARGE_LOGITS],
             hidden_cases=lambda: _softmax_delta_cases(117, [(2, 3), (7, 2)]) + [
                 dict(Z=np.array([[-800.0, 800.0], [3.0, 3.0]]), Y=np.eye(2)[[1, 0]])],
             mistakes=((N_("sign: delta^L = a - y"), lambda Z, Y: Y - activations.softmax(Z)),
                       (N_("overflow: exp(1000) is inf; subtract each row's maximum before exp"),
                        lambda Z, Y: _softmax_unshifted(Z) - Y),
                       (N_("z - y: delta^L is a - y, with a = softmax(z)"), lambda Z, Y: Z - Y),
                       (N_("that is dC/da = -y/a; delta^L = dC/dz goes on through softmax's Jacobian, to a - y"),
                        _softmax_delta_stopped_at_dC_da),
                       (N_("with softmax + cross-entropy the sigma' factor cancels: delta^L = a - y exactly"),
                        _softmax_delta_with_sigma_prime),
                       (N_("delta^L is per sample: the 1/n of the mean enters only in BP3 and BP4"),
                        lambda Z, Y: (softmax(Z) - Y) / Z.shape[0]),
                       (N_("softmax over columns: each row (sample) of a^L should sum to 1"),
                        lambda Z, Y: _softmax_columns(Z) - Y))),
]
