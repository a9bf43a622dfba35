"""Exercises of notebook 03: cost and gradient descent."""
import numpy as np

from . import Exercise
from ._common import N_, rng


def quadratic_cost(A, Y):
    return float(np.mean(0.5 * np.sum((A - Y) ** 2, axis=1)))


def cross_entropy_cost(A, Y):
    return float(np.mean(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A), axis=1)))


def _cost_cases(seed):
    r = rng(seed)
    return [dict(A=r.uniform(0.05, 0.95, size=(6, 2)), Y=r.integers(0, 2, size=(6, 2)).astype(float)),
            dict(A=r.uniform(0.05, 0.95, size=(3, 1)), Y=r.uniform(0, 1, size=(3, 1)))]


def _cost_hidden_cases():
    r = rng(104)
    return [dict(A=r.uniform(0.01, 0.99, size=(5, 3)), Y=r.uniform(0, 1, size=(5, 3))),
            dict(A=np.array([[0.5]]), Y=np.array([[1.0]]))]


def gradient_descent_step(param, grad, learning_rate):
    return param - learning_rate * grad


def _step_cases(seed):
    r = rng(seed)
    return [dict(param=r.normal(size=(3, 2)), grad=r.normal(size=(3, 2)), learning_rate=0.5),
            dict(param=r.normal(size=4), grad=r.normal(size=4), learning_rate=0.01),
            dict(param=r.normal(size=(2, 3, 2)), grad=r.normal(size=(2, 3, 2)), learning_rate=3.0)]


def numerical_gradient(cost, param, eps=1e-5):
    grad = np.zeros_like(param)
    for index in np.ndindex(param.shape):
        original = param[index]
        param[index] = original + eps
        plus = cost()
        param[index] = original - eps
        minus = cost()
        param[index] = original
        grad[index] = (plus - minus) / (2 * eps)
    return grad


def _numerical_gradient_cases(seed, shapes):
    r = rng(seed)
    # A smooth cost with curvature, so one-sided differences are visibly off. The second case's eps is
    # large: its central differences are 1e-3 away from the exact derivative, so an answer that ignores
    # eps (a tiny step of its own, or the derivative itself) shows.
    return [dict(param=r.normal(size=shape), target=r.normal(size=shape), eps=eps)
            for shape, eps in zip(shapes, (1e-4, 0.1))]


EXERCISES = [
    Exercise("quadratic-cost", "03_cost_and_gradient_descent", "quadratic_cost", 1,
             "C = mean over samples of 1/2 ||a - y||^2", quadratic_cost,
             cases=lambda: _cost_cases(4), hidden_cases=_cost_hidden_cases,
             mistakes=((N_("summed over samples: missing 1/n (the cost is the mean)"),
                        lambda A, Y: 0.5 * np.sum((A - Y) ** 2)),
                       (N_("missing the 1/2"), lambda A, Y: np.mean(np.sum((A - Y) ** 2, axis=1))),
                       (N_("averaged over every entry: sum over outputs, then average over samples"),
                        lambda A, Y: 0.5 * np.mean((A - Y) ** 2)),
                       (N_("the norm is squared: 1/2 ||a - y||^2, not 1/2 ||a - y||"),
                        lambda A, Y: float(np.mean(0.5 * np.linalg.norm(A - Y, axis=1)))))),
    Exercise("cross-entropy-cost", "03_cost_and_gradient_descent", "cross_entropy_cost", 1,
             "C = -mean over samples of sum_j [y ln a + (1 - y) ln(1 - a)]", cross_entropy_cost,
             cases=lambda: _cost_cases(4), hidden_cases=_cost_hidden_cases,
             mistakes=((N_("sign: the cost is minus the log-likelihood"), lambda A, Y: -cross_entropy_cost(A, Y)),
                       (N_("the (1 - y) ln(1 - a) term is missing"),
                        lambda A, Y: float(np.mean(-np.sum(Y * np.log(A), axis=1)))),
                       (N_("summed over samples: missing 1/n"),
                        lambda A, Y: cross_entropy_cost(A, Y) * A.shape[0]),
                       (N_("averaged over every entry: sum over the outputs j, then average over the samples"),
                        lambda A, Y: float(-np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A)))),
                       (N_("y and 1 - y swapped: the cost is -[y ln a + (1 - y) ln(1 - a)]"),
                        lambda A, Y: float(np.mean(-np.sum((1 - Y) * np.log(A) + Y * np.log(1 - A), axis=1)))),
                       (N_("ln is the natural logarithm (np.log), not log10"),
                        lambda A, Y: float(np.mean(-np.sum(Y * np.log10(A) + (1 - Y) * np.log10(1 - A), axis=1)))))),
    Exercise("gradient-descent-step", "03_cost_and_gradient_descent", "gradient_descent_step", 1,
             "return param - learning_rate * grad", gradient_descent_step,
             cases=lambda: _step_cases(5), hidden_cases=lambda: _step_cases(105),
             mistakes=((N_("sign: + learning_rate * grad climbs uphill; step against the gradient"),
                        lambda param, grad, learning_rate: param + learning_rate * grad),
                       (N_("the learning rate is missing: the step is learning_rate * grad"),
                        lambda param, grad, learning_rate: param - grad),
                       (N_("divided by the learning rate: the step is learning_rate * grad"),
                        lambda param, grad, learning_rate: param - grad / learning_rate),
                       (N_("param and grad swapped: the new parameter is param - learning_rate * grad"),
                        lambda param, grad, learning_rate: grad - learning_rate * param))),
    Exercise("numerical-gradient", "03_cost_and_gradient_descent", "numerical_gradient", 2,
             "central differences, one entry of param at a time", numerical_gradient,
             cases=lambda: _numerical_gradient_cases(6, [(2, 3), (4,)]),
             hidden_cases=lambda: _numerical_gradient_cases(106, [(3, 1), (2, 2, 2)]),
             invoke="numerical-gradient", judge="numerical-gradient"),
]
