"""Exercises of notebook 05: the four equations (sigmoid layers, quadratic cost)."""
from bplib.activations import sigmoid, sigmoid_prime

from . import Exercise
from ._common import N_, rng


def output_error(a_out, y, z_out):
    return (a_out - y) * sigmoid_prime(z_out)


def _output_error_cases(seed, shapes):
    r = rng(seed)
    cases = []
    for n, k in shapes:
        z = r.normal(size=(n, k))
        cases.append(dict(a_out=sigmoid(z), y=r.uniform(size=(n, k)), z_out=z))
    return cases


def hidden_error(delta_next, w_next, z):
    return (delta_next @ w_next) * sigmoid_prime(z)


def _hidden_error_cases(seed, layouts):
    r = rng(seed)
    return [dict(delta_next=r.normal(size=(n, n_next)), w_next=r.normal(size=(n_next, n_here)),
                 z=r.normal(size=(n, n_here))) for n, n_next, n_here in layouts]


def bias_gradient(delta):
    return delta.mean(axis=0)


def _delta_cases(seed, shapes):
    r = rng(seed)
    return [dict(delta=r.normal(size=shape)) for shape in shapes]


def weight_gradient(delta, a_prev):
    return delta.T @ a_prev / delta.shape[0]


def _weight_gradient_cases(seed, layouts):
    r = rng(seed)
    return [dict(delta=r.normal(size=(n, n_out)), a_prev=r.uniform(size=(n, n_in))) for n, n_out, n_in in layouts]


_NO_MEAN_IN_DELTA = N_("delta is per sample: the 1/n of the mean enters only in BP3 and BP4")

EXERCISES = [
    Exercise("output-error", "05_four_equations", "output_error", 2, "BP1: delta^L = (a^L - y) * sigma'(z^L)",
             output_error, cases=lambda: _output_error_cases(8, [(4, 3), (2, 1)]),
             hidden_cases=lambda: _output_error_cases(108, [(3, 5), (1, 2), (3, 3)]),
             mistakes=((N_("missing sigma'(z^L) (BP1 has two factors)"), lambda a_out, y, z_out: a_out - y),
                       (N_("sign: dC/da = a - y, not y - a"),
                        lambda a_out, y, z_out: (y - a_out) * sigmoid_prime(z_out)),
                       (N_("sigma' was taken of a instead of z"),
                        lambda a_out, y, z_out: (a_out - y) * sigmoid_prime(a_out)),
                       (N_("sigma(z^L) is not sigma'(z^L) = sigma(z)(1 - sigma(z))"),
                        lambda a_out, y, z_out: (a_out - y) * sigmoid(z_out)),
                       (N_("BP1 multiplies entry by entry (*), not as matrices (@)"),
                        lambda a_out, y, z_out: (a_out - y) @ sigmoid_prime(z_out).T),
                       (_NO_MEAN_IN_DELTA,
                        lambda a_out, y, z_out: (a_out - y) * sigmoid_prime(z_out) / a_out.shape[0]))),
    # the first case is square (W for W^T runs and is named), the second is not
    Exercise("hidden-error", "05_four_equations", "hidden_error", 2,
             "BP2: delta^l = (delta^(l+1) w^(l+1)) * sigma'(z^l) for rows", hidden_error,
             cases=lambda: _hidden_error_cases(9, [(4, 3, 3), (5, 2, 4)]),
             hidden_cases=lambda: _hidden_error_cases(109, [(3, 4, 2), (1, 3, 5), (2, 4, 4)]),
             mistakes=((N_("missing sigma'(z^l)"), lambda delta_next, w_next, z: delta_next @ w_next),
                       (N_("w transposed: with samples as rows, BP2's (w^T delta)^T is delta @ w, without .T"),
                        lambda delta_next, w_next, z: (delta_next @ w_next.T) * sigmoid_prime(z)),
                       (N_("multiplied by z^l: BP2 needs sigma'(z^l)"),
                        lambda delta_next, w_next, z: (delta_next @ w_next) * z),
                       (N_("sigma(z^l) is not sigma'(z^l) = sigma(z)(1 - sigma(z))"),
                        lambda delta_next, w_next, z: (delta_next @ w_next) * sigmoid(z)),
                       (_NO_MEAN_IN_DELTA,
                        lambda delta_next, w_next, z: (delta_next @ w_next) * sigmoid_prime(z) / z.shape[0]))),
    Exercise("bias-gradient", "05_four_equations", "bias_gradient", 1, "BP3: mean of delta over the rows",
             bias_gradient, cases=lambda: _delta_cases(10, [(5, 3), (2, 4)]),
             hidden_cases=lambda: _delta_cases(110, [(7, 2), (1, 3), (3, 3)]),
             mistakes=((N_("summed over the batch: missing 1/n (the cost is a mean)"), lambda delta: delta.sum(axis=0)),
                       (N_("averaged each row (axis 1): average over the samples, the rows (axis 0)"),
                        lambda delta: delta.mean(axis=1)),
                       (N_("shape (1, n_l): dC/db^l is a vector of shape (n_l,), like b^l (drop keepdims)"),
                        lambda delta: delta.mean(axis=0, keepdims=True)))),
    # the second case is square, so the transpose is named by its values there
    Exercise("weight-gradient", "05_four_equations", "weight_gradient", 2,
             "BP4: delta^T a^(l-1) / n", weight_gradient,
             cases=lambda: _weight_gradient_cases(11, [(5, 3, 4), (3, 2, 2)]),
             hidden_cases=lambda: _weight_gradient_cases(111, [(6, 2, 5), (2, 4, 3), (4, 3, 3)]),
             mistakes=((N_("summed over the batch: missing 1/n"), lambda delta, a_prev: delta.T @ a_prev),
                       (N_("transposed: dC/dw^l has the shape of w^l, (n_l, n_{l-1}), which is delta^T a^(l-1)"),
                        lambda delta, a_prev: a_prev.T @ delta / delta.shape[0]),
                       (N_("divided by n_l (the layer's width) instead of n (the batch size, the rows)"),
                        lambda delta, a_prev: delta.T @ a_prev / delta.shape[1]))),
]
