"""The course's exercises: what each asks for, its points, its reference answer
and the known wrong answers that feedback can name.

This table is the one place that defines an exercise. ``bplib.checks`` uses
it to give a learner feedback in the notebook, ``bplib.grade`` to grade
submissions, and ``bplib.course`` to write the nbgrader metadata of the
exercise cells. An exercise is a function the learner writes; ``cases()``
gives the inputs it is tried on (fresh, seeded arrays every call) and
``reference`` the right output for each.
"""
from dataclasses import dataclass, field

import numpy as np

from . import activations
from .gradcheck import gradient_check
from .network import Network


@dataclass(frozen=True)
class Exercise:
    id: str                 # also the grade_id of its cells
    notebook: str           # file stem in notebooks/ and solutions/
    function: str           # name the learner defines
    points: int
    summary: str            # what to write, one line
    reference: callable     # the right answer (a judge, if given, decides instead)
    cases: callable         # () -> list of keyword-argument dicts
    mistakes: tuple = ()    # (what went wrong, function giving that wrong output)
    invoke: callable = None  # (function, case) -> output; default function(**case)
    judge: callable = None   # (output, case) -> None if right, else a message
    rtol: float = 1e-6
    atol: float = 1e-9
    notes: dict = field(default_factory=dict)

    def run(self, function, case):
        """The output of ``function`` on ``case`` (the way this exercise calls it)."""
        __tracebackhide__ = True
        if self.invoke is not None:
            return self.invoke(function, case)
        return function(**case)


def _rng(seed):
    return np.random.default_rng(seed)


sig, sig_prime = activations.sigmoid, activations.sigmoid_prime

# --- 01 start here -----------------------------------------------------------


def _fold_bias(w, b):
    return np.column_stack([w, b])


def _fold_bias_cases():
    r = _rng(1)
    return [dict(w=r.normal(size=(3, 2)), b=r.normal(size=3)),
            dict(w=r.normal(size=(1, 4)), b=r.normal(size=1))]


# --- 02 forward pass ---------------------------------------------------------


def _z_cases():
    r = _rng(2)
    return [dict(z=np.linspace(-6, 6, 13)), dict(z=r.normal(0, 3, size=(4, 5)))]


def _forward_pass(X, weights, biases):
    a = X
    for w, b in zip(weights, biases):
        a = sig(a @ w.T + b)
    return a


def _net_params(sizes, r):
    weights = [r.normal(0, 1, size=(n_out, n_in)) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    biases = [r.normal(0, 1, size=n_out) for n_out in sizes[1:]]
    return weights, biases


def _forward_cases():
    r = _rng(3)
    cases = []
    for sizes, n in (([2, 2, 2], 4), ([3, 4, 2], 5)):  # square layers first: W for W^T still runs there
        weights, biases = _net_params(sizes, r)
        cases.append(dict(X=r.normal(size=(n, sizes[0])), weights=weights, biases=biases))
    return cases


def _forward_no_transpose(X, weights, biases):
    a = X
    for w, b in zip(weights, biases):
        a = sig(a @ w + b)
    return a


def _forward_no_bias(X, weights, biases):
    a = X
    for w in weights:
        a = sig(a @ w.T)
    return a


def _forward_linear_output(X, weights, biases):
    a = X
    for i, (w, b) in enumerate(zip(weights, biases)):
        z = a @ w.T + b
        a = z if i == len(weights) - 1 else sig(z)
    return a


# --- 03 cost and gradient descent -------------------------------------------


def _quadratic_cost(A, Y):
    return float(np.mean(0.5 * np.sum((A - Y) ** 2, axis=1)))


def _cross_entropy_cost(A, Y):
    return float(np.mean(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A), axis=1)))


def _cost_cases():
    r = _rng(4)
    return [dict(A=r.uniform(0.05, 0.95, size=(6, 2)), Y=r.integers(0, 2, size=(6, 2)).astype(float)),
            dict(A=r.uniform(0.05, 0.95, size=(3, 1)), Y=r.uniform(0, 1, size=(3, 1)))]


def _step_cases():
    r = _rng(5)
    return [dict(param=r.normal(size=(3, 2)), grad=r.normal(size=(3, 2)), learning_rate=0.5),
            dict(param=r.normal(size=4), grad=r.normal(size=4), learning_rate=0.01)]


def _numerical_gradient(cost, param, eps=1e-5):
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


def _forward_difference(cost, param, eps=1e-5):
    grad = np.zeros_like(param)
    base = cost()
    for index in np.ndindex(param.shape):
        original = param[index]
        param[index] = original + eps
        grad[index] = (cost() - base) / eps
        param[index] = original
    return grad


def _numerical_gradient_cases():
    r = _rng(6)
    cases = []
    for shape in ((2, 3), (4,)):
        param = r.normal(size=shape)
        target = r.normal(size=shape)
        # A smooth cost with curvature, so one-sided differences are visibly off.
        cases.append(dict(param=param, target=target, eps=1e-4))
    return cases


def _invoke_numerical_gradient(function, case):
    param, target = case["param"], case["target"]
    before = param.copy()
    cost = lambda: float(np.sum(np.cos(param) * target) + np.sum(param ** 3))  # noqa: E731
    grad = function(cost, param, case["eps"])
    if not np.array_equal(param, before):
        return {"restored": False, "grad": grad}
    return grad


def _judge_numerical_gradient(output, case):
    if isinstance(output, dict):
        return "the parameter array was left changed: put each entry back after nudging it"
    param, target = case["param"], case["target"]
    exact = -np.sin(param) * target + 3 * param ** 2
    output = np.asarray(output, dtype=float)
    if output.shape != exact.shape:
        return f"wrong shape: expected {exact.shape} (the shape of param), got {output.shape}"
    error = np.max(np.abs(output - exact))
    if error < 1e-6:
        return None
    if error < 1e-2:
        return (f"close but not central: off by up to {error:.1e}. A one-sided difference "
                "(C(p + eps) - C(p)) / eps has an O(eps) error; use (C(p + eps) - C(p - eps)) / (2 eps)")
    return f"off by up to {error:.3g} from the true gradient"


# --- 04 chain rule -------------------------------------------------------------


def _neuron_gradients(x, w, b, y):
    z = w @ x + b
    a = sig(z)
    dz = (a - y) * sig_prime(z)
    return dz * x, float(dz)


def _neuron_cases():
    r = _rng(7)
    return [dict(x=r.normal(size=3), w=r.normal(size=3), b=float(r.normal()), y=1.0),
            dict(x=r.normal(size=2), w=r.normal(size=2), b=0.3, y=0.0)]


def _neuron_no_sigma_prime(x, w, b, y):
    a = sig(w @ x + b)
    return (a - y) * x, float(a - y)


def _neuron_sign(x, w, b, y):
    gw, gb = _neuron_gradients(x, w, b, y)
    return -gw, -gb


def _neuron_no_x(x, w, b, y):
    gw, gb = _neuron_gradients(x, w, b, y)
    return np.full_like(x, gb), gb


# --- 05 the four equations (sigmoid layers, quadratic cost) ------------------


def _output_error(a_out, y, z_out):
    return (a_out - y) * sig_prime(z_out)


def _output_error_cases():
    r = _rng(8)
    cases = []
    for n, k in ((4, 3), (2, 1)):
        z = r.normal(size=(n, k))
        cases.append(dict(a_out=sig(z), y=r.uniform(size=(n, k)), z_out=z))
    return cases


def _hidden_error(delta_next, w_next, z):
    return (delta_next @ w_next) * sig_prime(z)


def _hidden_error_cases():
    r = _rng(9)
    return [dict(delta_next=r.normal(size=(4, 3)), w_next=r.normal(size=(3, 3)), z=r.normal(size=(4, 3))),
            dict(delta_next=r.normal(size=(5, 2)), w_next=r.normal(size=(2, 4)), z=r.normal(size=(5, 4)))]


def _delta_cases():
    r = _rng(10)
    return [dict(delta=r.normal(size=(5, 3))), dict(delta=r.normal(size=(2, 4)))]


def _weight_gradient(delta, a_prev):
    return delta.T @ a_prev / delta.shape[0]


def _weight_gradient_cases():
    r = _rng(11)
    return [dict(delta=r.normal(size=(5, 3)), a_prev=r.uniform(size=(5, 4))),
            dict(delta=r.normal(size=(3, 2)), a_prev=r.uniform(size=(3, 2)))]


# --- 06 the algorithm -----------------------------------------------------------


def _backprop(weights, biases, X, Y, bug=None):
    """Batch backprop for sigmoid layers and the quadratic cost; ``bug`` plants one mistake."""
    activations_, weighted = [X], []
    for w, b in zip(weights, biases):
        z = activations_[-1] @ w.T + b
        weighted.append(z)
        activations_.append(sig(z))
    n = X.shape[0]
    scale = 1.0 if bug == "missing_mean" else 1.0 / n
    sign = -1.0 if bug == "sign" else 1.0
    delta = sign * (activations_[-1] - Y) * sig_prime(weighted[-1])
    weight_grads, bias_grads = [None] * len(weights), [None] * len(weights)
    for i in range(len(weights) - 1, -1, -1):
        a_in = activations_[i + 1] if bug == "wrong_activation" else activations_[i]
        weight_grads[i] = delta.T @ a_in * scale
        bias_grads[i] = delta.sum(axis=0) * scale
        if i > 0:
            back = delta @ (weights[i].T if bug == "w_not_transposed" else weights[i])
            delta = back if bug == "missing_sigma_prime" else back * sig_prime(weighted[i - 1])
    return weight_grads, bias_grads


PLANTED_BUGS = {
    "missing_sigma_prime": "BP2 without sigma'(z): delta^l = (w^{l+1})^T delta^{l+1} only",
    "w_not_transposed": "BP2 with w^{l+1} where (w^{l+1})^T belongs",
    "missing_mean": "gradients summed over the batch, not averaged (missing 1/m)",
    "wrong_activation": "BP4 with a^l where a^(l-1) belongs",
    "sign": "the output error with the wrong sign (y - a instead of a - y)",
}


def buggy_backprop(bug):
    """A ``backprop(weights, biases, X, Y)`` with the planted mistake ``bug``
    (a key of ``PLANTED_BUGS``), for the bug hunt."""
    if bug not in PLANTED_BUGS:
        raise ValueError(f"unknown bug {bug!r}; expected one of {sorted(PLANTED_BUGS)}")
    return lambda weights, biases, X, Y: _backprop(weights, biases, X, Y, bug=bug)


def _backprop_cases():
    r = _rng(12)
    cases = []
    for sizes, n in (([3, 3, 3, 3], 5), ([2, 4, 1], 3)):  # square first, as above
        weights, biases = _net_params(sizes, r)
        cases.append(dict(weights=weights, biases=biases, X=r.normal(size=(n, sizes[0])),
                          Y=r.uniform(size=(n, sizes[-1]))))
    return cases


def _relative_error(analytic, numeric):
    analytic, numeric = np.asarray(analytic, float), np.asarray(numeric, float)
    return float(np.max(np.abs(analytic - numeric) / np.maximum(np.abs(analytic), np.abs(numeric))))


def _relative_error_cases():
    r = _rng(13)
    a = r.normal(size=(3, 4))
    return [dict(analytic=a, numeric=a * (1 + r.normal(0, 1e-6, size=a.shape))),
            dict(analytic=np.array([1.0, -2.0, 0.5]), numeric=np.array([1.1, -2.0, 1.0]))]


# --- 07 XOR -------------------------------------------------------------------


def _train_step(net, X, Y, learning_rate):
    weight_grads, bias_grads = net.backprop(X, Y)
    for w, gw in zip(net.weights, weight_grads):
        w -= learning_rate * gw
    for b, gb in zip(net.biases, bias_grads):
        b -= learning_rate * gb


def _train_step_cases():
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    Y = np.array([[0.0], [1.0], [1.0], [0.0]])
    return [dict(net=Network([2, 3, 1], "sigmoid", "sigmoid", "cross_entropy", seed=4), X=X, Y=Y, learning_rate=0.5),
            dict(net=Network([2, 2, 2], "tanh", "sigmoid", "quadratic", seed=5), X=X, Y=np.c_[Y, 1 - Y],
                 learning_rate=2.0)]


def _invoke_train_step(function, case):
    net = case["net"]
    function(net, case["X"], case["Y"], case["learning_rate"])
    return [w.copy() for w in net.weights] + [b.copy() for b in net.biases]


def _train_step_wrong(kind):
    def step(net, X, Y, learning_rate):
        weight_grads, bias_grads = net.backprop(X, Y)
        sign = -1.0 if kind == "sign" else 1.0
        for w, gw in zip(net.weights, weight_grads):
            w -= sign * learning_rate * gw
        if kind != "no_biases":
            for b, gb in zip(net.biases, bias_grads):
                b -= sign * learning_rate * gb
    return step


# --- 08 regression --------------------------------------------------------------

# --- 09 digits ------------------------------------------------------------------


def _softmax_cases():
    r = _rng(14)
    return [dict(Z=r.normal(size=(4, 3))), dict(Z=np.array([[1000.0, 999.0, 0.0], [-1000.0, -1001.0, -999.5]]))]


def _softmax_columns(Z):
    e = np.exp(Z - Z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def _softmax_unshifted(Z):
    with np.errstate(all="ignore"):
        e = np.exp(Z)
        return e / e.sum(axis=1, keepdims=True)


def _softmax_delta(Z, Y):
    return activations.softmax(Z) - Y


def _softmax_delta_cases():
    r = _rng(15)
    cases = []
    for n, k in ((5, 4), (3, 10)):
        labels = r.integers(0, k, size=n)
        cases.append(dict(Z=r.normal(0, 2, size=(n, k)), Y=np.eye(k)[labels]))
    return cases


def _softmax_delta_with_sigma_prime(Z, Y):
    a = activations.softmax(Z)
    return (a - Y) * a * (1 - a)


# --- 10 training in practice ---------------------------------------------------


def _scaled_init(n_in, n_out, rng):
    return rng.normal(0.0, 1.0 / np.sqrt(n_in), size=(n_out, n_in))


def _init_cases():
    return [dict(n_in=400, n_out=300, rng=np.random.default_rng(16)),
            dict(n_in=25, n_out=2000, rng=np.random.default_rng(17))]


def _judge_init(output, case):
    n_in, n_out = case["n_in"], case["n_out"]
    output = np.asarray(output, dtype=float)
    if output.shape == (n_in, n_out) and n_in != n_out:
        return f"transposed: w^l has shape (n_out, n_in) = {(n_out, n_in)}, you returned {output.shape}"
    if output.shape != (n_out, n_in):
        return f"wrong shape: expected (n_out, n_in) = {(n_out, n_in)}, got {output.shape}"
    std, mean = output.std(), output.mean()
    wanted = 1.0 / np.sqrt(n_in)
    # With n_in * n_out >= 50,000 draws the sample mean and standard deviation
    # are within 1% of the truth, so 5% margins separate the cases cleanly.
    if abs(mean) > 0.05 * wanted:
        return f"the weights should be centred on 0; their mean is {mean:.4f}"
    if abs(std / wanted - 1) < 0.05:
        return None
    if abs(std - 1) < 0.05:
        return f"standard deviation {std:.3f}: that is N(0, 1); scale it by 1/sqrt(n_in) = {wanted:.3f}"
    if abs(std * n_in - 1) < 0.05:
        return f"standard deviation {std:.4f} = 1/n_in: use 1/sqrt(n_in) = {wanted:.4f} (the variance is 1/n_in)"
    return f"standard deviation {std:.4f}, expected 1/sqrt(n_in) = {wanted:.4f}"


def _step_decay(initial_rate, epoch, drop, every):
    return initial_rate * drop ** (epoch // every)


def _step_decay_cases():
    return [dict(initial_rate=0.5, epoch=e, drop=0.5, every=10) for e in (0, 9, 10, 25, 40)]


def _invoke_schedule(function, case):
    return float(function(**case))


def _step_decay_unfloored(initial_rate, epoch, drop, every):
    return initial_rate * drop ** (epoch / every)


# --- 11 autograd ----------------------------------------------------------------


def _mul_backward(a, b, grad_out):
    return grad_out * b, grad_out * a


def _mul_cases():
    r = _rng(18)
    return [dict(a=2.0, b=-3.0, grad_out=0.5), dict(a=r.normal(size=3), b=r.normal(size=3), grad_out=r.normal(size=3))]


def _tanh_backward(x, grad_out):
    return grad_out * (1 - np.tanh(x) ** 2)


def _tanh_backward_cases():
    r = _rng(19)
    return [dict(x=0.7, grad_out=2.0), dict(x=r.normal(size=4), grad_out=r.normal(size=4))]


# --- 12 bug hunt ------------------------------------------------------------------


def _layers_at_fault(backprop_fn, net, X, Y):
    return gradient_check(net, X, Y, backprop=backprop_fn).failing()


def _bug_hunt_cases():
    cases = []
    r = _rng(20)
    X, Y = r.normal(size=(4, 3)), r.uniform(size=(4, 3))
    for bug in ("missing_sigma_prime", "missing_mean", "wrong_activation", None):
        net = Network([3, 3, 3, 3], "sigmoid", "sigmoid", "quadratic", seed=21)
        planted = _backprop if bug is None else buggy_backprop(bug)
        backprop_fn = (lambda X_, Y_, net=net, planted=planted: planted(net.weights, net.biases, X_, Y_))
        cases.append(dict(backprop_fn=backprop_fn, net=net, X=X, Y=Y))
    return cases


def _invoke_layers(function, case):
    found = function(**case)
    return sorted((int(layer), str(name)) for layer, name in found)


def _judge_layers(output, case):
    expected = sorted(_layers_at_fault(**case))
    if output == expected:
        return None
    return f"expected the parameters {expected} to disagree, you reported {output}"


EXERCISES = [
    Exercise("fold-bias", "01_start_here", "fold_bias", 1,
             "append b as an extra last column of w", _fold_bias, _fold_bias_cases,
             mistakes=(("the bias went in the first column; put it last, matching the 1 appended to the input",
                        lambda w, b: np.column_stack([b, w])),)),
    Exercise("sigmoid", "02_forward_pass", "sigmoid", 1, "sigma(z) = 1 / (1 + e^-z)", activations.sigmoid, _z_cases,
             mistakes=(("sign of the exponent: sigma(z) = 1 / (1 + e^(-z))", lambda z: 1 / (1 + np.exp(z))),)),
    Exercise("sigmoid-prime", "02_forward_pass", "sigmoid_prime", 1, "sigma'(z) = sigma(z)(1 - sigma(z))",
             activations.sigmoid_prime, _z_cases,
             mistakes=(("you used z(1 - z): the formula needs sigma(z)(1 - sigma(z))", lambda z: z * (1 - z)),
                       ("that is sigma(z) itself, not its derivative", activations.sigmoid))),
    Exercise("forward-pass", "02_forward_pass", "forward_pass", 2, "a^l = sigma(a^(l-1) w^T + b) layer by layer",
             _forward_pass, _forward_cases,
             mistakes=(("W instead of W^T: with samples as rows, z = a @ w.T + b", _forward_no_transpose),
                       ("the bias is missing from z", _forward_no_bias),
                       ("the output layer needs sigma too", _forward_linear_output))),
    Exercise("quadratic-cost", "03_cost_and_gradient_descent", "quadratic_cost", 1,
             "C = mean over samples of 1/2 ||a - y||^2", _quadratic_cost, _cost_cases,
             mistakes=(("summed over samples: missing 1/n (the cost is the mean)",
                        lambda A, Y: 0.5 * np.sum((A - Y) ** 2)),
                       ("missing the 1/2", lambda A, Y: np.mean(np.sum((A - Y) ** 2, axis=1))),
                       ("averaged over every entry: sum over outputs, then average over samples",
                        lambda A, Y: 0.5 * np.mean((A - Y) ** 2)))),
    Exercise("cross-entropy-cost", "03_cost_and_gradient_descent", "cross_entropy_cost", 1,
             "C = -mean over samples of sum_j [y ln a + (1 - y) ln(1 - a)]", _cross_entropy_cost, _cost_cases,
             mistakes=(("sign: the cost is minus the log-likelihood", lambda A, Y: -_cross_entropy_cost(A, Y)),
                       ("the (1 - y) ln(1 - a) term is missing",
                        lambda A, Y: float(np.mean(-np.sum(Y * np.log(A), axis=1)))),
                       ("summed over samples: missing 1/n",
                        lambda A, Y: _cross_entropy_cost(A, Y) * A.shape[0]))),
    Exercise("gradient-descent-step", "03_cost_and_gradient_descent", "gradient_descent_step", 1,
             "return param - learning_rate * grad", lambda param, grad, learning_rate: param - learning_rate * grad,
             _step_cases,
             mistakes=(("sign: + learning_rate * grad climbs uphill; step against the gradient",
                        lambda param, grad, learning_rate: param + learning_rate * grad),)),
    Exercise("numerical-gradient", "03_cost_and_gradient_descent", "numerical_gradient", 2,
             "central differences, one entry of param at a time", _numerical_gradient,
             _numerical_gradient_cases, invoke=_invoke_numerical_gradient, judge=_judge_numerical_gradient),
    Exercise("neuron-gradients", "04_chain_rule", "neuron_gradients", 2,
             "dC/dw and dC/db of one sigmoid neuron with C = 1/2 (a - y)^2", _neuron_gradients, _neuron_cases,
             mistakes=(("missing sigma'(z): dC/dz = (a - y) sigma'(z)", _neuron_no_sigma_prime),
                       ("sign: dC/da = a - y, not y - a", _neuron_sign),
                       ("dC/dw needs the factor dz/dw = x", _neuron_no_x))),
    Exercise("output-error", "05_four_equations", "output_error", 2, "BP1: delta^L = (a^L - y) * sigma'(z^L)",
             _output_error, _output_error_cases,
             mistakes=(("missing sigma'(z^L) (BP1 has two factors)", lambda a_out, y, z_out: a_out - y),
                       ("sign: dC/da = a - y, not y - a", lambda a_out, y, z_out: (y - a_out) * sig_prime(z_out)),
                       ("sigma' was taken of a instead of z", lambda a_out, y, z_out: (a_out - y) * sig_prime(a_out)))),
    Exercise("hidden-error", "05_four_equations", "hidden_error", 2,
             "BP2: delta^l = (delta^(l+1) w^(l+1)) * sigma'(z^l) for rows", _hidden_error, _hidden_error_cases,
             mistakes=(("missing sigma'(z^l)", lambda delta_next, w_next, z: delta_next @ w_next),
                       ("W instead of W^T: for rows, (w^T delta)^T = delta @ w",
                        lambda delta_next, w_next, z: (delta_next @ w_next.T) * sig_prime(z)))),
    Exercise("bias-gradient", "05_four_equations", "bias_gradient", 1, "BP3: mean of delta over the rows",
             lambda delta: delta.mean(axis=0), _delta_cases,
             mistakes=(("summed over the batch: missing 1/m (the cost is a mean)", lambda delta: delta.sum(axis=0)),)),
    Exercise("weight-gradient", "05_four_equations", "weight_gradient", 2,
             "BP4: delta^T a^(l-1) / m", _weight_gradient, _weight_gradient_cases,
             mistakes=(("summed over the batch: missing 1/m", lambda delta, a_prev: delta.T @ a_prev),)),
    Exercise("backprop", "06_the_algorithm", "backprop", 3,
             "batch backprop for sigmoid layers and the quadratic cost", _backprop, _backprop_cases,
             mistakes=tuple((message, buggy_backprop(bug)) for bug, message in PLANTED_BUGS.items())),
    Exercise("relative-error", "06_the_algorithm", "relative_error", 1,
             "max over entries of |a - n| / max(|a|, |n|)", _relative_error, _relative_error_cases,
             mistakes=(("divided by |analytic| only; divide by max(|a|, |n|)",
                        lambda analytic, numeric: float(np.max(np.abs(analytic - numeric) / np.abs(analytic)))),)),
    Exercise("train-step", "07_xor", "train_step", 2, "one gradient-descent step on net, in place",
             _train_step, _train_step_cases, invoke=_invoke_train_step,
             mistakes=(("sign: the step went uphill (w += ...); use w -= learning_rate * grad",
                        _train_step_wrong("sign")),
                       ("the biases were not updated", _train_step_wrong("no_biases")))),
    Exercise("tanh-prime", "08_regression", "tanh_prime", 1, "tanh'(z) = 1 - tanh(z)^2", activations.tanh_prime,
             _z_cases,
             mistakes=(("you used 1 - z^2: the formula needs 1 - tanh(z)^2", lambda z: 1 - z ** 2),
                       ("that is the sigmoid's derivative", activations.sigmoid_prime))),
    Exercise("softmax", "09_digits", "softmax", 2, "row-wise softmax, stable for large z", lambda Z: activations.softmax(Z),
             _softmax_cases,
             mistakes=(("normalised over columns: each row (sample) should sum to 1", _softmax_columns),
                       ("overflow: exp(1000) is inf; subtract each row's maximum before exp",
                        _softmax_unshifted))),
    Exercise("softmax-delta", "09_digits", "softmax_cross_entropy_delta", 2,
             "delta^L = softmax(z) - y", _softmax_delta, _softmax_delta_cases,
             mistakes=(("sign: delta^L = a - y", lambda Z, Y: Y - activations.softmax(Z)),
                       ("with softmax + cross-entropy the sigma' factor cancels: delta^L = a - y exactly",
                        _softmax_delta_with_sigma_prime))),
    Exercise("scaled-init", "10_training_in_practice", "scaled_init", 1,
             "weights from N(0, 1/n_in), shape (n_out, n_in)", _scaled_init, _init_cases, judge=_judge_init),
    Exercise("step-decay", "10_training_in_practice", "step_decay", 1,
             "initial_rate * drop ** (epoch // every)", _step_decay, _step_decay_cases, invoke=_invoke_schedule,
             mistakes=(("the rate should drop in steps: use epoch // every (whole steps), not epoch / every",
                        _step_decay_unfloored),)),
    Exercise("mul-backward", "11_autograd", "mul_backward", 1, "gradients of out = a * b",
             _mul_backward, _mul_cases,
             mistakes=(("swapped: d(ab)/da = b, d(ab)/db = a", lambda a, b, grad_out: (grad_out * a, grad_out * b)),
                       ("forgot the incoming gradient (the chain rule multiplies by grad_out)",
                        lambda a, b, grad_out: (b, a)))),
    Exercise("tanh-backward", "11_autograd", "tanh_backward", 1, "gradient of out = tanh(x)",
             _tanh_backward, _tanh_backward_cases,
             mistakes=(("forgot the incoming gradient (the chain rule multiplies by grad_out)",
                        lambda x, grad_out: 1 - np.tanh(x) ** 2),
                       ("you used 1 - x^2: the formula needs 1 - tanh(x)^2",
                        lambda x, grad_out: grad_out * (1 - x ** 2)))),
    Exercise("layers-at-fault", "12_bug_hunt", "layers_at_fault", 2,
             "the (layer, 'w' or 'b') pairs whose gradients fail the check", _layers_at_fault, _bug_hunt_cases,
             invoke=_invoke_layers, judge=_judge_layers),
]

BY_ID = {exercise.id: exercise for exercise in EXERCISES}


def get(exercise_id):
    """The ``Exercise`` with this id (a ValueError lists the ids if it is unknown)."""
    from ._validate import choose

    return BY_ID[choose("exercise id", exercise_id, BY_ID)]
