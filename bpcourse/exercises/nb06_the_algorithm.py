"""Exercises of notebook 06: the algorithm."""
import numpy as np

from bplib.activations import sigmoid, sigmoid_prime
from bplib.bughunt import PLANTED_BUGS, planted_bug

from . import Exercise
from ._common import N_, net_params, rng


def backprop(weights, biases, X, Y):
    """Batch backprop for sigmoid layers and the quadratic cost."""
    activations, weighted_inputs = [X], []
    for w, b in zip(weights, biases):
        z = activations[-1] @ w.T + b
        weighted_inputs.append(z)
        activations.append(sigmoid(z))
    n = X.shape[0]
    delta = (activations[-1] - Y) * sigmoid_prime(weighted_inputs[-1])
    weight_grads, bias_grads = [None] * len(weights), [None] * len(weights)
    for i in range(len(weights) - 1, -1, -1):
        weight_grads[i] = delta.T @ activations[i] / n
        bias_grads[i] = delta.sum(axis=0) / n
        if i > 0:
            delta = (delta @ weights[i]) * sigmoid_prime(weighted_inputs[i - 1])
    return weight_grads, bias_grads


def _backprop_wrong(kind):
    """Batch backprop with one of the mistakes the course warns about (notebooks 03, 05, 06)."""
    def wrong(weights, biases, X, Y):
        activations, weighted_inputs = [X], []
        for w, b in zip(weights, biases):
            z = activations[-1] @ w.T + b
            weighted_inputs.append(z)
            activations.append(sigmoid(z))
        n = X.shape[0]
        delta = activations[-1] - Y
        if kind == "sigma_for_slope":
            delta = delta * sigmoid(weighted_inputs[-1])
        elif kind != "shortcut":
            delta = delta * sigmoid_prime(weighted_inputs[-1])
        weight_grads, bias_grads = [None] * len(weights), [None] * len(weights)
        for i in range(len(weights) - 1, -1, -1):
            weight_grads[i] = (activations[i].T @ delta if kind == "transposed_bp4" else delta.T @ activations[i]) / n
            bias_grads[i] = delta.sum(axis=0) / n
            if i > 0:
                slope = sigmoid_prime(weighted_inputs[i] if kind == "slope_of_layer_above" else weighted_inputs[i - 1])
                if kind == "sigma_for_slope_bp2":
                    slope = sigmoid(weighted_inputs[i - 1])
                delta = (delta @ weights[i]) * slope
        if kind == "reversed":
            return weight_grads[::-1], bias_grads[::-1]
        if kind == "biases_first":  # network.py's order
            return bias_grads, weight_grads
        return weight_grads, bias_grads
    return wrong


_BACKPROP_MISTAKES = (
    (N_("delta^L = a^L - y, without sigma'(z^L): that shortcut is right only for sigmoid outputs with the "
        "cross-entropy cost (notebook 03); with the quadratic cost BP1 keeps sigma'(z^L)"),
     _backprop_wrong("shortcut")),
    (N_("BP4 transposed: dC/dw^l = delta^T a^(l-1) / n has the shape of w^l, (n_l, n_{l-1})"),
     _backprop_wrong("transposed_bp4")),
    (N_("BP2 with sigma'(z^(l+1)): the error of layer l is scaled by its own slope sigma'(z^l)"),
     _backprop_wrong("slope_of_layer_above")),
    (N_("the layers are in reverse order: weight_grads[0] belongs to w^1, the first layer, not to w^L"),
     _backprop_wrong("reversed")),
    (N_("returned in the order (bias_grads, weight_grads), as Nielsen's network.py does: "
        "return (weight_grads, bias_grads)"), _backprop_wrong("biases_first")),
    (N_("BP1 with sigma(z^L) where sigma'(z^L) = sigma(z^L)(1 - sigma(z^L)) belongs"), _backprop_wrong("sigma_for_slope")),
    (N_("BP2 with sigma(z^l) where sigma'(z^l) = sigma(z^l)(1 - sigma(z^l)) belongs"),
     _backprop_wrong("sigma_for_slope_bp2")),
)


# A planted bug's name said in the exercise's own terms: a learner writing rows reads "where
# (w^{l+1})^T belongs" as "add a .T", which is the mistake itself.
_ROW_FORM = {"w_not_transposed": N_("BP2 with w^{l+1} where (w^{l+1})^T belongs: with samples as rows, "
                                    "delta^l comes from delta^{l+1} @ w^{l+1}, without .T")}


def _backprop_cases(seed, layouts):
    r = rng(seed)
    cases = []
    for sizes, n in layouts:
        weights, biases = net_params(sizes, r)
        cases.append(dict(weights=weights, biases=biases, X=r.normal(size=(n, sizes[0])),
                          Y=r.uniform(size=(n, sizes[-1]))))
    return cases


def relative_error(analytic, numeric):
    analytic, numeric = np.asarray(analytic, float), np.asarray(numeric, float)
    return float(np.max(np.abs(analytic - numeric) / np.maximum(np.abs(analytic), np.abs(numeric))))


def _relative_error_cases():
    r = rng(13)
    a = r.normal(size=(3, 4))
    # negative pairs where max(a, n) and max(|a|, |n|) differ, and signed differences
    return [dict(analytic=a, numeric=a * (1 + r.normal(0, 1e-6, size=a.shape))),
            dict(analytic=np.array([1.0, -2.0, 0.5]), numeric=np.array([1.1, -2.0, 1.0])),
            dict(analytic=np.array([[-3.0, 0.2], [-1.0, 2.0]]), numeric=np.array([[-1.0, 0.2], [-1.5, 2.5]])),
            dict(analytic=-2.5, numeric=-2.0)]   # "or two numbers", as the exercise says


def _relative_error_hidden_cases():
    r = rng(113)
    a = r.normal(size=(2, 5))
    return [dict(analytic=a, numeric=-a), dict(analytic=np.array([-3.0, -1.0]), numeric=np.array([-1.0, -1.5])),
            dict(analytic=np.array([-0.5, -4.0, 1e-3]), numeric=np.array([-2.0, -4.0, 1e-3])),
            dict(analytic=0.75, numeric=-0.25)]


EXERCISES = [
    # square layers first, as in 02
    Exercise("backprop", "06_the_algorithm", "backprop", 3,
             "batch backprop for sigmoid layers and the quadratic cost", backprop,
             cases=lambda: _backprop_cases(12, [([3, 3, 3, 3], 5), ([2, 5, 3, 4], 3)]),
             hidden_cases=lambda: _backprop_cases(112, [([4, 2, 5, 3], 6), ([1, 3], 1), ([2, 2, 2], 4)]),
             names=[["weight_grads", "weight_grads[{i}] (dC/dw^{l})"], ["bias_grads", "bias_grads[{i}] (dC/db^{l})"]],
             mistakes=tuple((_ROW_FORM.get(bug, message), planted_bug(bug)) for bug, message in PLANTED_BUGS.items())
             + _BACKPROP_MISTAKES),
    Exercise("relative-error", "06_the_algorithm", "relative_error", 1,
             "max over entries of |a - n| / max(|a|, |n|)", relative_error,
             cases=_relative_error_cases, hidden_cases=_relative_error_hidden_cases,
             mistakes=((N_("divided by |analytic| only; divide by max(|a|, |n|)"),
                        lambda analytic, numeric: float(np.max(np.abs(analytic - numeric) / np.abs(analytic)))),
                       (N_("max(a, n) without abs: for negative gradients the denominator must be max(|a|, |n|)"),
                        lambda analytic, numeric: float(np.max(np.abs(analytic - numeric)
                                                               / np.maximum(analytic, numeric)))),
                       (N_("the difference needs abs: |a - n|"),
                        lambda analytic, numeric: float(np.max((analytic - numeric)
                                                               / np.maximum(np.abs(analytic), np.abs(numeric))))),
                       (N_("divided by |a| + |n|; the relative error divides by max(|a|, |n|)"),
                        lambda analytic, numeric: float(np.max(np.abs(analytic - numeric)
                                                               / (np.abs(analytic) + np.abs(numeric))))),
                       (N_("the mean of the entries' errors; the relative error is the largest of them (max)"),
                        lambda analytic, numeric: float(np.mean(np.abs(analytic - numeric)
                                                                / np.maximum(np.abs(analytic), np.abs(numeric))))))),
]
