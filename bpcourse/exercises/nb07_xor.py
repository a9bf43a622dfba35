"""Exercises of notebook 07: XOR."""
import numpy as np

from bplib import Network

from . import Exercise
from ._common import N_


def train_step(net, X, Y, learning_rate):
    weight_grads, bias_grads = net.backprop(X, Y)
    for w, gw in zip(net.weights, weight_grads):
        w -= learning_rate * gw
    for b, gb in zip(net.biases, bias_grads):
        b -= learning_rate * gb


_XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
_XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])


def _train_step_cases():
    # learning_rate 0.3, not 0.5: with 4 rows, p -= g / 0.5 equals the summed step p -= 0.5 * 4 * g
    return [dict(net=Network([2, 3, 1], "sigmoid", "sigmoid", "cross_entropy", seed=4), X=_XOR_X, Y=_XOR_Y,
                 learning_rate=0.3),
            dict(net=Network([2, 4, 3, 2], "tanh", "sigmoid", "quadratic", seed=5), X=_XOR_X,
                 Y=np.c_[_XOR_Y, 1 - _XOR_Y], learning_rate=2.0)]


def _train_step_hidden_cases():
    r = np.random.default_rng(114)
    X = r.normal(size=(5, 3))
    return [dict(net=Network([3, 4, 2, 1], "relu", "identity", "quadratic", seed=14), X=X,
                 Y=r.normal(size=(5, 1)), learning_rate=0.05)]


def _train_step_wrong(kind):
    def step(net, X, Y, learning_rate):
        weight_grads, bias_grads = net.backprop(X, Y)
        sign = -1.0 if kind == "sign" else 1.0
        rate = 1.0 if kind == "no_rate" else 1.0 / learning_rate if kind == "divided_by_rate" else learning_rate
        if kind == "summed":
            rate *= X.shape[0]
        elif kind == "averaged_twice":
            rate /= X.shape[0]
        layers = range(len(net.weights))
        if kind == "last_layer_only":
            layers = [len(net.weights) - 1]
        for i in layers:
            net.weights[i] -= sign * rate * weight_grads[i]
            if kind != "no_biases":
                net.biases[i] -= sign * rate * bias_grads[i]
    return step


EXERCISES = [
    Exercise("train-step", "07_xor", "train_step", 2, "one gradient-descent step on net, in place",
             train_step, cases=_train_step_cases, hidden_cases=_train_step_hidden_cases, invoke="train-step",
             judge="train-step",
             names=[["net.weights", "net.weights[{i}] (w^{l})"], ["net.biases", "net.biases[{i}] (b^{l})"]],
             mistakes=((N_("sign: the step went uphill (w += ...); use w -= learning_rate * grad"),
                        _train_step_wrong("sign")),
                       (N_("the biases were not updated"), _train_step_wrong("no_biases")),
                       (N_("the learning rate is missing: the step is learning_rate * grad"),
                        _train_step_wrong("no_rate")),
                       (N_("only the last layer was updated: every w^l and b^l takes a step"),
                        _train_step_wrong("last_layer_only")),
                       (N_("the gradients were summed over the batch, not averaged: the step is n times too long; "
                           "divide by n (net.backprop's gradients are already means over the n rows)"),
                        _train_step_wrong("summed")),
                       (N_("divided by n once more: the step is n times too short; net.backprop's gradients are "
                           "already means over the n rows"), _train_step_wrong("averaged_twice")),
                       (N_("divided by the learning rate: the step is learning_rate * grad"),
                        _train_step_wrong("divided_by_rate")))),
]
