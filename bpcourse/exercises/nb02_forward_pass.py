"""Exercises of notebook 02: the forward pass."""
import numpy as np

from bplib import activations

from . import Exercise
from ._common import N_, net_params, rng

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


def _forward_wrong(kind):
    def forward(X, weights, biases):
        a = sigmoid(X) if kind == "sigma_on_input" else X
        layers = list(zip(weights, biases))
        if kind == "reversed":
            layers = layers[::-1]
        for i, (w, b) in enumerate(layers):
            if kind == "no_transpose":
                z = a @ w + b
            elif kind == "no_bias":
                z = a @ w.T
            else:
                z = a @ w.T + b
            if kind == "bias_outside":
                a = sigmoid(a @ w.T) + b
            elif kind == "linear_output" and i == len(layers) - 1:
                a = z
            elif kind == "tanh":
                a = np.tanh(z)
            elif kind == "relu_hidden" and i < len(layers) - 1:
                a = np.maximum(z, 0.0)
            else:
                a = sigmoid(z)
            if kind == "first_layer_only":
                return a
        return a
    return forward


EXERCISES = [
    Exercise("sigmoid", "02_forward_pass", "sigmoid", 1, "sigma(z) = 1 / (1 + e^-z)", activations.sigmoid,
             # "(or a single number)", as the exercise says: z.shape on a float fails
             cases=lambda: _z_cases(2) + [dict(z=0.75)], hidden_cases=_z_hidden_cases,
             mistakes=((N_("sign of the exponent: sigma(z) = 1 / (1 + e^(-z))"), lambda z: 1 / (1 + np.exp(z))),
                       (N_("that is tanh(z), not the sigmoid 1 / (1 + e^(-z))"), lambda z: np.tanh(z)),
                       (N_("1 - e^(-z) in the denominator: sigma(z) = 1 / (1 + e^(-z))"),
                        lambda z: 1 / (1 - np.exp(-z))),
                       (N_("1 / 1 + e^(-z) is 1 + e^(-z) (division comes first): write 1 / (1 + np.exp(-z))"),
                        lambda z: 1 / 1 + np.exp(-z)),
                       (N_("the tanh form needs z / 2: sigma(z) = (1 + tanh(z / 2)) / 2"),
                        lambda z: 0.5 * (1 + np.tanh(z))))),
    Exercise("sigmoid-prime", "02_forward_pass", "sigmoid_prime", 1, "sigma'(z) = sigma(z)(1 - sigma(z))",
             activations.sigmoid_prime, cases=lambda: _z_cases(2), hidden_cases=_z_hidden_cases,
             mistakes=((N_("you used z(1 - z): the formula needs sigma(z)(1 - sigma(z))"), lambda z: z * (1 - z)),
                       (N_("that is sigma(z) itself, not its derivative"), activations.sigmoid),
                       (N_("1 - sigma(z)^2 is tanh's pattern; the sigmoid's is sigma(z)(1 - sigma(z))"),
                        lambda z: 1 - sigmoid(z) ** 2),
                       (N_("sign: sigma'(z) = sigma(z)(1 - sigma(z)) is positive"),
                        lambda z: -activations.sigmoid_prime(z)),
                       (N_("(1 - z) where (1 - sigma(z)) belongs: sigma'(z) = sigma(z)(1 - sigma(z))"),
                        lambda z: sigmoid(z) * (1 - z)),
                       (N_("sigma(z)(1 + sigma(z)): the second factor is 1 - sigma(z)"),
                        lambda z: sigmoid(z) * (1 + sigmoid(z))),
                       (N_("e^(-z) / (1 + e^(-z)) is 1 - sigma(z); the derivative squares the denominator: "
                           "e^(-z) / (1 + e^(-z))^2"), lambda z: np.exp(-z) / (1 + np.exp(-z))))),
    # square layers first: W for W^T and the reversed order still run there and are named
    Exercise("forward-pass", "02_forward_pass", "forward_pass", 2, "a^l = sigma(a^(l-1) w^T + b) layer by layer",
             forward_pass, cases=lambda: _forward_cases(3, [([2, 2, 2], 4), ([3, 4, 2], 5)]),
             hidden_cases=lambda: _forward_cases(103, [([4, 3, 5, 1], 6), ([1, 2], 3), ([3, 3, 3, 3], 2)]),
             mistakes=((N_("w instead of w^T: with samples as rows, z = a @ w.T + b"), _forward_wrong("no_transpose")),
                       (N_("the bias is missing from z"), _forward_wrong("no_bias")),
                       (N_("the output layer needs sigma too"), _forward_wrong("linear_output")),
                       (N_("the bias goes inside sigma: a = sigma(a w^T + b), not sigma(a w^T) + b"),
                        _forward_wrong("bias_outside")),
                       (N_("the layers ran in reverse order: weights[0] is w^1, the first layer the input meets"),
                        _forward_wrong("reversed")),
                       (N_("only the first layer ran: is the return inside the for loop, or does the loop stop a "
                           "layer early?"),
                        _forward_wrong("first_layer_only")),
                       (N_("sigma was applied to X: the input layer computes nothing, a^0 = X; the first sigma is "
                           "that of z^1"), _forward_wrong("sigma_on_input")),
                       (N_("tanh where the sigmoid belongs: every layer here is a = sigma(z), sigma(z) = "
                           "1 / (1 + e^(-z))"), _forward_wrong("tanh")),
                       (N_("ReLU where the sigmoid belongs: every layer here is a = sigma(z), sigma(z) = "
                           "1 / (1 + e^(-z))"), _forward_wrong("relu_hidden")))),
]
