"""For every exercise: wrong answers fail (the named ones with their name) and right
answers written unlike the reference pass.

Each row is (exercise id, answer, what the feedback must say). ``RIGHT`` means the
answer must pass; any other string must appear in the failing message. The wrong
answers are the ones learners write (transposes, sum vs mean, signs, in-place
changes, lists, float32, ignoring rng, ...), not only the answer key's mistakes.
"""
import math

import numpy as np
import pytest
from scipy import special

from bpcourse import exercises
from bplib import gradient_check
from bplib.bughunt import planted_bug
from bplib.activations import sigmoid as bp_sigmoid, sigmoid_prime as bp_sigmoid_prime, softmax as bp_softmax
from bplib.checks import evaluate, judge_output

RIGHT = None


# -- 01 fold-bias ------------------------------------------------------------------------------------------------
def fold_bias_concatenate(w, b):
    return np.concatenate([w, b.reshape(-1, 1)], axis=1)


def fold_bias_loop(w, b):
    out = np.empty((w.shape[0], w.shape[1] + 1))
    for j in range(w.shape[0]):
        out[j, :-1], out[j, -1] = w[j], b[j]
    return out


# -- 02 ----------------------------------------------------------------------------------------------------------
def sigmoid_positional_only(z, /):
    return special.expit(z)


def sigmoid_in_place(z):
    z *= -1
    return 1 / (1 + np.exp(z))


def forward_pass_einsum(X, weights, biases):
    a = X
    for w, b in zip(weights, biases):
        a = special.expit(np.einsum("jk,nk->nj", w, a) + b)
    return a


def forward_pass_columns(X, weights, biases):
    a = X.T                                  # one sample per column, as in article 001
    for w, b in zip(weights, biases):
        a = 1 / (1 + np.exp(-(w @ a + b[:, None])))
    return a.T


def forward_pass_first_layer_only(X, weights, biases):
    return bp_sigmoid(X @ weights[0].T + biases[0])


def forward_pass_all_activations(X, weights, biases):
    activations = [X]
    for w, b in zip(weights, biases):
        activations.append(bp_sigmoid(activations[-1] @ w.T + b))
    return activations


# -- 03 ----------------------------------------------------------------------------------------------------------
def numerical_gradient_drifting_restore(cost, param, eps=1e-5):
    """Restores with += eps, -= 2 eps, += eps: rounding leaves about 1e-16 behind, which is restored."""
    grad = np.zeros_like(param)
    for index in np.ndindex(param.shape):
        param[index] += eps
        plus = cost()
        param[index] -= 2 * eps
        minus = cost()
        param[index] += eps
        grad[index] = (plus - minus) / (2 * eps)
    return grad


def numerical_gradient_own_step(cost, param, eps=1e-5):
    return numerical_gradient_flat(cost, param, 1e-6)   # the mistake: a step of its own, not eps


def numerical_gradient_one_sided(cost, param, eps=1e-5, backwards=False):
    grad = np.zeros_like(param)
    for index in np.ndindex(param.shape):
        original = param[index]
        base = cost()
        param[index] = original - eps if backwards else original + eps
        nudged = cost()
        param[index] = original
        grad[index] = (base - nudged) / eps if backwards else (nudged - base) / eps
    return grad


def numerical_gradient_four_point(cost, param, eps=1e-5):
    grad = np.zeros_like(param)
    for index in np.ndindex(param.shape):
        original, values = param[index], []
        for step in (-2 * eps, -eps, eps, 2 * eps):
            param[index] = original + step
            values.append(cost())
        param[index] = original
        grad[index] = (values[0] - 8 * values[1] + 8 * values[2] - values[3]) / (12 * eps)
    return grad


def numerical_gradient_flat(cost, param, eps=1e-5):
    flat, grad = param.reshape(-1), np.zeros(param.size)
    for i in range(param.size):
        keep = flat[i]
        flat[i] = keep + eps
        plus = cost()
        flat[i] = keep - eps
        minus = cost()
        flat[i] = keep
        grad[i] = (plus - minus) / (2 * eps)
    return grad.reshape(param.shape)


def numerical_gradient_divides_by_eps(cost, param, eps=1e-5):
    return numerical_gradient_flat(cost, param, eps) * 2


def numerical_gradient_on_a_copy(cost, param, eps=1e-5):
    grad = np.zeros_like(param)
    for index in np.ndindex(param.shape):
        nudged = param.copy()
        nudged[index] += eps
        grad[index] = (cost() - cost()) / (2 * eps)
    return grad


def numerical_gradient_left_nudged(cost, param, eps=1e-5):
    grad = np.zeros_like(param)
    for index in np.ndindex(param.shape):
        param[index] += eps
        plus = cost()
        param[index] -= 2 * eps
        grad[index] = (plus - cost()) / (2 * eps)
    return grad


def gradient_descent_step_in_place(param, grad, learning_rate):
    param -= learning_rate * grad
    return param


def gradient_descent_step_copy(param, grad, learning_rate):
    new = param.copy()
    new -= learning_rate * grad
    return new


# -- 04 ----------------------------------------------------------------------------------------------------------
def neuron_gradients_by_hand(x, w, b, y):
    a = 1 / (1 + math.exp(-(float(np.dot(w, x)) + b)))
    dz = (a - y) * a * (1 - a)
    return [dz * x, dz]                      # a list instead of a tuple is harmless


def neuron_gradients_grad_b_as_array(x, w, b, y):
    a = bp_sigmoid(w @ x + b)
    dz = (a - y) * a * (1 - a)
    return dz * x, np.array([dz])


# -- 06 ----------------------------------------------------------------------------------------------------------
def backprop_loop(weights, biases, X, Y):
    """One sample at a time, column vectors, then the mean: right, unlike the reference."""
    weight_sums = [np.zeros_like(w) for w in weights]
    bias_sums = [np.zeros_like(b) for b in biases]
    for x, y in zip(X, Y):
        activations, zs = [x[:, None]], []
        for w, b in zip(weights, biases):
            zs.append(w @ activations[-1] + b[:, None])
            activations.append(bp_sigmoid(zs[-1]))
        delta = (activations[-1] - y[:, None]) * bp_sigmoid_prime(zs[-1])
        for i in reversed(range(len(weights))):
            weight_sums[i] += delta @ activations[i].T
            bias_sums[i] += delta[:, 0]
            if i:
                delta = (weights[i].T @ delta) * bp_sigmoid_prime(zs[i - 1])
    n = len(X)
    return tuple(s / n for s in weight_sums), tuple(s / n for s in bias_sums)


def backprop_misspelled_name(weights, biases, X, Y):
    a = X
    for w, b in zip(weights, biases):
        a = bp_sigmoid(a @ w.T + b)
    return sigmoid_prim(a)                   # noqa: F821 (the mistake: a misspelled name)


def backprop_helper_fails(weights, biases, X, Y):
    return _helper_with_a_typo(X)


def _helper_with_a_typo(X):
    return X.shpe                            # the mistake: a typo, raised inside the learner's helper


def backprop_bp4_transposed(weights, biases, X, Y):
    weight_grads, bias_grads = exercises.get("backprop").reference(weights, biases, X, Y)
    return [g.T for g in weight_grads], bias_grads


def relative_error_loop(analytic, numeric):
    worst = 0.0
    for a, n in zip(np.ravel(analytic), np.ravel(numeric)):
        worst = max(worst, abs(a - n) / max(abs(a), abs(n)))
    return worst


# -- 07 ----------------------------------------------------------------------------------------------------------
def train_step_assigning(net, X, Y, learning_rate):
    weight_grads, bias_grads = net.backprop(X, Y)
    for i in range(len(net.weights)):
        net.weights[i] = net.weights[i] - learning_rate * weight_grads[i]
        net.biases[i] = net.biases[i] - learning_rate * bias_grads[i]


def train_step_new_lists(net, X, Y, learning_rate):
    weight_grads, bias_grads = net.backprop(X, Y)
    net.weights = [w - learning_rate * g for w, g in zip(net.weights, weight_grads)]
    net.biases = [b - learning_rate * g for b, g in zip(net.biases, bias_grads)]


def train_step_rebinding(net, X, Y, learning_rate):
    weight_grads, bias_grads = net.backprop(X, Y)
    for w, g in zip(net.weights, weight_grads):
        w = w - learning_rate * g            # noqa: F841 (the mistake: rebinds a name, the net keeps its array)
    for b, g in zip(net.biases, bias_grads):
        b = b - learning_rate * g            # noqa: F841


def train_step_returning(net, X, Y, learning_rate):
    weight_grads, bias_grads = net.backprop(X, Y)
    return ([w - learning_rate * g for w, g in zip(net.weights, weight_grads)],
            [b - learning_rate * g for b, g in zip(net.biases, bias_grads)])


def train_step_weights_first_then_gradients_again(net, X, Y, learning_rate):
    for i in range(len(net.weights)):        # recomputes the gradients after each layer moved: not one step
        weight_grads, bias_grads = net.backprop(X, Y)
        net.weights[i] -= learning_rate * weight_grads[i]
        net.biases[i] -= learning_rate * bias_grads[i]


def forward_pass_with(hidden, output):
    """A forward pass whose hidden layers use ``hidden`` and whose last layer uses ``output``."""
    def forward_pass(X, weights, biases):
        a = X
        for i, (w, b) in enumerate(zip(weights, biases)):
            a = (output if i == len(weights) - 1 else hidden)(a @ w.T + b)
        return a
    return forward_pass


def forward_pass_sigma_on_input(X, weights, biases):
    a = bp_sigmoid(X)
    for w, b in zip(weights, biases):
        a = bp_sigmoid(a @ w.T + b)
    return a


def neuron_gradients_reference(x, w, b, y):
    a = bp_sigmoid(w @ x + b)
    dz = (a - y) * a * (1 - a)
    return dz * x, float(dz)


def forward_pass_one_layer_short(X, weights, biases):
    a = X
    for i in range(len(weights) - 1):
        a = bp_sigmoid(a @ weights[i].T + biases[i])
    return a


def neuron_gradients_sigma_for_slope(x, w, b, y):
    a = bp_sigmoid(w @ x + b)
    dz = (a - y) * bp_sigmoid(w @ x + b)
    return dz * x, float(dz)


def forward_pass_popping(X, weights, biases):
    a = X
    while weights:   # empties the caller's lists: every array stays as it was
        w, b = weights.pop(0), biases.pop(0)
        a = bp_sigmoid(a @ w.T + b)
    return a


def train_step_averaged_twice(net, X, Y, learning_rate):
    weight_grads, bias_grads = net.backprop(X, Y)
    for param, grad in zip(net.weights + net.biases, weight_grads + bias_grads):
        param -= learning_rate * grad / len(X)


def train_step_divided_by_the_rate(net, X, Y, learning_rate):
    weight_grads, bias_grads = net.backprop(X, Y)
    for param, grad in zip(net.weights + net.biases, weight_grads + bias_grads):
        param -= grad / learning_rate


def relative_error_np_max_of_two(analytic, numeric):
    return float(np.max(np.abs(analytic - numeric) / np.max(np.abs(analytic), np.abs(numeric))))


def relative_error_builtin_max(analytic, numeric):
    return float(np.max(np.abs(analytic - numeric) / max(np.abs(analytic), np.abs(numeric))))


def relative_error_of_arrays_only(analytic, numeric):
    a, n = analytic.ravel(), numeric.ravel()
    return float(np.max(np.abs(a - n) / np.maximum(np.abs(a), np.abs(n))))


def backprop_sigma_for_slope(weights, biases, X, Y, in_bp1=True, in_bp2=False):
    """Batch backprop with sigma where sigma' belongs, in BP1 and/or BP2."""
    activations, zs = [X], []
    for w, b in zip(weights, biases):
        zs.append(activations[-1] @ w.T + b)
        activations.append(bp_sigmoid(zs[-1]))
    delta = (activations[-1] - Y) * (bp_sigmoid if in_bp1 else bp_sigmoid_prime)(zs[-1])
    weight_grads, bias_grads = [None] * len(weights), [None] * len(weights)
    for i in range(len(weights) - 1, -1, -1):
        weight_grads[i], bias_grads[i] = delta.T @ activations[i] / len(X), delta.mean(axis=0)
        if i:
            delta = (delta @ weights[i]) * (bp_sigmoid if in_bp2 else bp_sigmoid_prime)(zs[i - 1])
    return weight_grads, bias_grads


def backprop_sigma_for_slope_in_bp2(weights, biases, X, Y):
    return backprop_sigma_for_slope(weights, biases, X, Y, in_bp1=False, in_bp2=True)


def train_step_summed(net, X, Y, learning_rate):
    weight_grads, bias_grads = net.backprop(X, Y)
    n = len(X)
    for w, b, gw, gb in zip(net.weights, net.biases, weight_grads, bias_grads):
        w -= learning_rate * n * gw          # the sum over the batch, as if backprop had not divided by n
        b -= learning_rate * n * gb


def train_step_scaling_X(net, X, Y, learning_rate):
    X /= X.std()                             # changes the caller's data
    train_step_assigning(net, X, Y, learning_rate)


def train_step_reordered(learning_rate, net, X, Y):  # the stub's names in another order: called by name
    train_step_assigning(net, X, Y, learning_rate)


# -- 09 ----------------------------------------------------------------------------------------------------------
def softmax_logsumexp(Z):
    return np.exp(Z - special.logsumexp(Z, axis=1, keepdims=True))


# -- 10 ----------------------------------------------------------------------------------------------------------
def scaled_init_transposed_draw(n_in, n_out, rng):
    return rng.standard_normal((n_in, n_out)).T / np.sqrt(n_in)


def scaled_init_repeated_row(n_in, n_out, rng):
    return np.tile(rng.normal(0, 1 / np.sqrt(n_in), size=n_in), (n_out, 1))


def scaled_init_uniform(n_in, n_out, rng):
    half_width = np.sqrt(3 / n_in)           # the same variance 1/n_in, but uniform
    return rng.uniform(-half_width, half_width, size=(n_out, n_in))


def scaled_init_global_random(n_in, n_out, rng):
    return np.random.randn(n_out, n_in) / np.sqrt(n_in)


def scaled_init_own_generator(n_in, n_out, rng):
    return np.random.default_rng(0).normal(0, 1 / np.sqrt(n_in), size=(n_out, n_in))


# -- 11: a learner's Value class, as the notebook gives it; the checks build leaves with it -----------------------
class Value:
    def __init__(self, data, parents=(), op="leaf"):
        self.data = float(data)
        self.grad = 0.0
        self.parents = parents
        self.op = op
        self.backward_rule = lambda: None

    def __add__(self, other):
        return add_micrograd_style(self, other)


def add_sign_of_a_only(a, b):
    out = Value(a.data + b.data, (a, b), "+")

    def rule():
        a.grad -= out.grad                          # the mistake: a's sign only
        b.grad += out.grad
    out.backward_rule = rule
    return out


def add_to_b_only(a, b):
    out = Value(a.data + b.data, (a, b), "+")

    def rule():
        b.grad += out.grad                          # the mistake: a gets nothing
    out.backward_rule = rule
    return out


def mul_to_a_only(a, b):
    out = Value(a.data * b.data, (a, b), "*")

    def rule():
        a.grad += out.grad * b.data                 # the mistake: b gets nothing
    out.backward_rule = rule
    return out


def add_micrograd_style(a, b):
    b = b if isinstance(b, Value) else Value(b)    # works because the check's leaves are this Value
    out = Value(a.data + b.data, (a, b), "+")

    def _backward():
        a.grad += 1.0 * out.grad
        b.grad += 1.0 * out.grad
    out.backward_rule = _backward
    return out


def add_with_loop(a, b):
    out = Value(a.data + b.data, (a, b), "+")

    def rule():
        for parent in out.parents:
            parent.grad += out.grad
    out.backward_rule = rule
    return out


def add_returning_float(a, b):
    return a.data + b.data


def add_without_parents(a, b):
    out = Value(a.data + b.data)

    def rule():
        a.grad += out.grad
        b.grad += out.grad
    out.backward_rule = rule
    return out


def add_updating_at_once(a, b):
    out = Value(a.data + b.data, (a, b), "+")
    a.grad += 1.0
    b.grad += 1.0
    return out


def add_without_rule(a, b):
    return Value(a.data + b.data, (a, b), "+")       # the class's default rule does nothing


def mul_updating_with_out_grad_at_once(a, b):
    out = Value(a.data * b.data, (a, b), "*")
    a.grad += out.grad * b.data                      # out.grad is still 0 here: adds nothing, now or later
    b.grad += out.grad * a.data
    return out


def mul_reading_parents(a, b):
    out = Value(a.data * b.data, (a, b), "*")

    def rule():
        left, right = out.parents
        left.grad += right.data * out.grad
        right.grad += left.data * out.grad
    out.backward_rule = rule
    return out


def mul_with_lambda(a, b):
    out = Value(a.data * b.data, (a, b), "*")
    out.backward_rule = lambda: (setattr(a, "grad", a.grad + out.grad * b.data),
                                 setattr(b, "grad", b.grad + out.grad * a.data))
    return out


def mul_wrong_value(a, b):
    out = Value(a.data + b.data, (a, b), "*")

    def rule():
        a.grad += out.grad * b.data
        b.grad += out.grad * a.data
    out.backward_rule = rule
    return out


def tanh_parents_not_a_tuple(x):
    out = Value(math.tanh(x.data), (x), "tanh")     # (x) is x itself, not a tuple

    def rule():
        x.grad += (1 - out.data ** 2) * out.grad
    out.backward_rule = rule
    return out


def tanh_by_exp(x):
    e = math.exp(2 * x.data)
    out = Value((e - 1) / (e + 1), (x,), "tanh")

    def rule():
        x.grad += (1 - out.data ** 2) * out.grad
    out.backward_rule = rule
    return out


def tanh_recomputed_in_rule(x):
    out = Value(np.tanh(x.data), (x,), "tanh")

    def rule():
        x.grad += out.grad / np.cosh(x.data) ** 2
    out.backward_rule = rule
    return out


def tanh_sigmoid_rule(x):
    out = Value(math.tanh(x.data), (x,), "tanh")

    def rule():
        x.grad += out.grad * out.data * (1 - out.data)
    out.backward_rule = rule
    return out


def backward_iterative(root):
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((parent, False) for parent in node.parents)
    root.grad = 1.0
    for node in order[::-1]:
        node.backward_rule()


def backward_kahn(root):
    """Counts how many uses each node still waits for: a node passes its gradient on only after all of them."""
    waiting, seen, stack = {}, {id(root)}, [root]
    while stack:
        node = stack.pop()
        for parent in node.parents:
            waiting[id(parent)] = waiting.get(id(parent), 0) + 1
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    root.grad, ready = 1.0, [root]
    while ready:
        node = ready.pop()
        node.backward_rule()
        for parent in node.parents:
            waiting[id(parent)] -= 1
            if waiting[id(parent)] == 0:
                ready.append(parent)


def backward_sorted_by_depth(root):
    """Sorts by the longest distance from the leaves (a correct topological key)."""
    depth = {}

    def measure(node):
        if id(node) not in depth:
            depth[id(node)] = 1 + max((measure(p) for p in node.parents), default=0)
        return depth[id(node)]
    measure(root)
    nodes, seen, stack = [], set(), [root]
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen.add(id(node))
            nodes.append(node)
            stack.extend(node.parents)
    root.grad = 1.0
    for node in sorted(nodes, key=lambda n: -depth[id(n)]):
        node.backward_rule()


def backward_leaves_only_seeded(root):
    order = []

    def visit(node):
        if node not in order:
            for parent in node.parents:
                visit(parent)
            order.append(node)
    visit(root)
    root.grad = 0.0
    for node in reversed(order):
        node.backward_rule()


def backward_root_only(root):
    root.grad = 1.0
    root.backward_rule()


def backward_skipping_leaves(root):
    """Runs only the operations' rules (a leaf's rule does nothing): right."""
    order = []

    def visit(node):
        if all(node is not seen for seen in order):
            for parent in node.parents:
                visit(parent)
            order.append(node)
    visit(root)
    root.grad = 1.0
    for node in reversed(order):
        if node.parents:
            node.backward_rule()


# -- 12 ----------------------------------------------------------------------------------------------------------
def layers_at_fault_by_rows(backprop_fn, net, X, Y):
    result = gradient_check(net, X, Y, backprop=backprop_fn)
    return [(layer, name) for layer, name, error in result.rows if error >= result.tolerance]


def layers_at_fault_reordered(net, X, Y, backprop_fn):
    return gradient_check(net, X, Y, backprop=backprop_fn).failing()


def layers_at_fault_as_set(backprop_fn, net, X, Y):
    return set(gradient_check(net, X, Y, backprop=backprop_fn).failing())


def layers_at_fault_object(backprop_fn, net, X, Y):
    return gradient_check(net, X, Y, backprop=backprop_fn)


def layers_at_fault_names(backprop_fn, net, X, Y):
    return [f"{name}{layer}" for layer, name in gradient_check(net, X, Y, backprop=backprop_fn).failing()]


RIGHT_DIAGNOSIS = {"A": "missing_mean", "B": "w_not_transposed", "C": "wrong_activation", "D": "sign",
                   "E": "missing_sigma_prime"}


def diagnosis_with(**changes):
    answer = dict(RIGHT_DIAGNOSIS, **changes)
    return lambda: answer


TABLE = [
    # 01
    ("fold-bias", fold_bias_concatenate, RIGHT),
    ("fold-bias", fold_bias_loop, RIGHT),
    ("fold-bias", lambda w, b: np.column_stack([w, b]).tolist(), "should be a numpy array of shape (3, 3), got a "
                                                                  "list of length 3: wrap it in np.array(...)"),
    ("fold-bias", lambda w, b: np.column_stack([b, w]), "likely mistake: the bias went in the first column"),
    ("fold-bias", lambda w, b: np.hstack([w, b]), "raised ValueError"),
    ("fold-bias", lambda w, b: np.column_stack([w, b]).T, "likely mistake: transposed: b goes in as a last column"),
    ("fold-bias", lambda w, b: np.asmatrix(np.column_stack([w, b])), "np.matrix"),
    ("fold-bias", lambda w, b: np.column_stack([w, b]).astype(np.float32), "dtype float32"),
    # 02
    ("sigmoid", lambda z: special.expit(z), RIGHT),
    ("sigmoid", special.expit, RIGHT),   # a ufunc takes its inputs by position
    # "(or a single number)": z.shape on a float failed only outside the check
    ("sigmoid", lambda z: (lambda out: (out.__setitem__(Ellipsis, 1 / (1 + np.exp(-z))), out)[1])(np.empty(z.shape)),
     "raised AttributeError: 'float' object has no attribute 'shape'"),
    ("sigmoid", np.vectorize(lambda z: 1 / (1 + math.exp(-z))), RIGHT),
    ("sigmoid", np.vectorize(lambda x: 1 / (1 + math.exp(-x))), "keep the stub's argument names: def sigmoid(z)"),
    ("sigmoid", sigmoid_positional_only, RIGHT),
    ("sigmoid", lambda z: 0.5 * (1 + np.tanh(z / 2)), RIGHT),
    ("sigmoid", lambda z: np.exp(z) / (1 + np.exp(z)), RIGHT),
    ("sigmoid", lambda z: 1 / (1 + np.exp(z)), "likely mistake: sign of the exponent"),
    ("sigmoid", lambda z: np.tanh(z), "likely mistake: that is tanh(z)"),
    ("sigmoid", lambda x: 1 / (1 + np.exp(-x)), "keep the stub's argument names: def sigmoid(z)"),
    ("sigmoid", lambda z: np.array([1 / (1 + math.exp(-v)) for v in z]), "raised TypeError"),
    ("sigmoid", sigmoid_in_place, "z was changed in place"),
    ("sigmoid", lambda z: (1 / (1 + np.exp(-z))).astype(np.float32), "dtype float32"),
    ("sigmoid-prime", lambda z: special.expit(z) * special.expit(-z), RIGHT),
    ("sigmoid-prime", lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2, RIGHT),
    ("sigmoid-prime", lambda z: z * (1 - z), "likely mistake: you used z(1 - z)"),
    ("sigmoid-prime", lambda z: special.expit(z), "likely mistake: that is sigma(z) itself"),
    ("sigmoid-prime", lambda z: 1 - special.expit(z) ** 2, "likely mistake: 1 - sigma(z)^2 is tanh's pattern"),
    ("sigmoid-prime", lambda z: special.expit(z) * (1 + special.expit(z)),
     "likely mistake: sigma(z)(1 + sigma(z)): the second factor is 1 - sigma(z)"),
    ("forward-pass", forward_pass_einsum, RIGHT),
    ("forward-pass", forward_pass_columns, RIGHT),
    ("forward-pass", lambda X, weights, biases: forward_pass_einsum(X, weights[::-1], biases[::-1]),
     "likely mistake: the layers ran in reverse order"),
    ("forward-pass", forward_pass_one_layer_short, "likely mistake: only the first layer ran: is the return inside "
                                                    "the for loop, or does the loop stop a layer early?"),
    ("forward-pass", forward_pass_popping, "weights (a list) was changed: pop, append or weights[i] = ... change"),
    ("forward-pass", lambda X, weights, biases: forward_pass_columns(X, [w.T for w in weights], biases),
     "likely mistake: w instead of w^T"),
    ("forward-pass", forward_pass_first_layer_only, "likely mistake: only the first layer ran"),
    ("forward-pass", forward_pass_all_activations, "should be a numpy array of shape (4, 2), got a list of length 3"),
    ("forward-pass", lambda X, weights, biases: forward_pass_einsum(X, weights, [0 * b for b in biases]),
     "likely mistake: the bias is missing"),
    # 03
    ("quadratic-cost", lambda A, Y: 0.5 * np.sum((A - Y) ** 2) / len(A), RIGHT),
    ("quadratic-cost", lambda A, Y: float(np.einsum("ij,ij->", A - Y, A - Y) / (2 * A.shape[0])), RIGHT),
    ("quadratic-cost", lambda A, Y: 0.5 * np.sum((A - Y) ** 2), "likely mistake: summed over samples: missing 1/n"),
    ("quadratic-cost", lambda A, Y: np.mean(np.sum((A - Y) ** 2, axis=1)), "likely mistake: missing the 1/2"),
    ("quadratic-cost", lambda A, Y: 0.5 * np.mean((A - Y) ** 2), "likely mistake: averaged over every entry"),
    ("quadratic-cost", lambda A, Y: 0.5 * np.sum((A - Y) ** 2, axis=1), "should be a single number"),
    ("quadratic-cost", lambda A, Y: np.array([0.5 * np.sum((A - Y) ** 2) / len(A)]), "should be a single number"),
    ("cross-entropy-cost", lambda A, Y: -np.sum(Y * np.log(A) + (1 - Y) * np.log1p(-A)) / len(A), RIGHT),
    ("cross-entropy-cost", lambda A, Y: float(np.mean([-(y @ np.log(a) + (1 - y) @ np.log(1 - a))
                                                        for a, y in zip(A, Y)])), RIGHT),
    ("cross-entropy-cost", lambda A, Y: np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / len(A),
     "likely mistake: sign"),
    ("cross-entropy-cost", lambda A, Y: -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A)),
     "likely mistake: averaged over every entry"),
    ("cross-entropy-cost", lambda A, Y: -np.sum(Y * np.log(A)) / len(A), "likely mistake: the (1 - y) ln(1 - a)"),
    ("cross-entropy-cost", lambda A, Y: -np.sum(Y * np.log10(A) + (1 - Y) * np.log10(1 - A)) / len(A),
     "likely mistake: ln is the natural logarithm"),
    ("gradient-descent-step", lambda param, grad, learning_rate: np.subtract(param, learning_rate * grad), RIGHT),
    ("gradient-descent-step", gradient_descent_step_copy, RIGHT),
    ("gradient-descent-step", gradient_descent_step_in_place, "param was changed in place"),
    ("gradient-descent-step", lambda param, grad, learning_rate: param + learning_rate * grad, "likely mistake: sign"),
    ("gradient-descent-step", lambda param, grad, learning_rate: param - grad,
     "likely mistake: the learning rate is missing"),
    ("gradient-descent-step", lambda param, grad, lr: param - lr * grad, "keep the stub's argument names"),
    ("numerical-gradient", numerical_gradient_drifting_restore, RIGHT),
    ("numerical-gradient", numerical_gradient_flat, RIGHT),
    ("numerical-gradient", lambda param, cost, eps: numerical_gradient_flat(cost, param, eps), RIGHT),
    ("numerical-gradient", numerical_gradient_divides_by_eps, "twice the true gradient"),
    ("numerical-gradient", numerical_gradient_one_sided, "close but not central: off by up to"),
    ("numerical-gradient", lambda cost, param, eps: numerical_gradient_one_sided(cost, param, eps, backwards=True),
     "close but not central: off by up to"),
    ("numerical-gradient", lambda cost, param, eps: numerical_gradient_flat(cost, param, 1e-3),   # central, own step
     "close, but off by up to 1.2e-06 from the central difference with the eps you were given (0.0001)"),
    ("numerical-gradient", lambda cost, param, eps: np.full(param.shape, np.nan), "contains NaN or infinity"),
    ("numerical-gradient", numerical_gradient_four_point, "that is the four-point difference"),
    ("numerical-gradient", numerical_gradient_own_step, "test case 2 (param shape (4,), target shape (4,), eps="
                                                        "0.1):\nthat is the exact derivative, not the central "
                                                        "difference with the eps you were given (0.1)"),
    ("numerical-gradient", numerical_gradient_on_a_copy, "0 everywhere"),
    ("numerical-gradient", numerical_gradient_left_nudged, "the parameter array was left changed"),
    ("numerical-gradient", lambda cost, param, eps: -numerical_gradient_flat(cost, param, eps),
     "the negative of the true gradient"),
    # 04
    ("sigmoid", lambda z: 1 / 1 + np.exp(-z), "likely mistake: 1 / 1 + e^(-z) is 1 + e^(-z) (division comes first)"),
    ("sigmoid", lambda z: 0.5 * (1 + np.tanh(z)), "likely mistake: the tanh form needs z / 2"),
    ("sigmoid", lambda z: 0.5 * (1 + np.tanh(z / 2)), RIGHT),
    ("sigmoid-prime", lambda z: bp_sigmoid(z) * (1 - z), "likely mistake: (1 - z) where (1 - sigma(z)) belongs"),
    ("sigmoid-prime", lambda z: bp_sigmoid(z) * (1 + bp_sigmoid(z)), "likely mistake: sigma(z)(1 + sigma(z))"),
    ("sigmoid-prime", lambda z: np.exp(-z) / (1 + np.exp(-z)), "the derivative squares the denominator"),
    ("forward-pass", forward_pass_sigma_on_input, "likely mistake: sigma was applied to X: the input layer computes"),
    ("neuron-gradients", lambda x, w, b, y: neuron_gradients_reference(x, w, b, y)[::-1],
     "likely mistake: returned in the order (grad_b, grad_w)"),
    ("fold-bias", lambda w, b: np.column_stack([w, -b]), "likely mistake: the bias column is -b"),
    ("forward-pass", forward_pass_with(np.tanh, np.tanh), "likely mistake: tanh where the sigmoid belongs"),
    ("forward-pass", forward_pass_with(lambda z: np.maximum(z, 0.0), bp_sigmoid),
     "likely mistake: ReLU where the sigmoid belongs"),
    ("neuron-gradients", neuron_gradients_sigma_for_slope, "likely mistake: sigma(z) where sigma'(z)"),
    ("neuron-gradients", neuron_gradients_by_hand, RIGHT),
    ("neuron-gradients", lambda x, w, b, y: tuple(np.array(exercises.get("neuron-gradients").reference(x, w, b, y),
                                                           dtype=object)), RIGHT),
    ("neuron-gradients", lambda x, w, b, y: None, "your result is None: did you forget to return it?"),
    ("neuron-gradients", neuron_gradients_grad_b_as_array, "grad_b (dC/db) should be a single number"),
    ("neuron-gradients", lambda x, w, b, y: (bp_sigmoid(w @ x + b) - y) * x, "should be a tuple of 2 items"),
    ("neuron-gradients", lambda x, w, b, y: tuple(-g for g in exercises.get("neuron-gradients").reference(x, w, b, y)),
     "likely mistake: sign"),
    ("neuron-gradients", lambda x, w, b, y: ((bp_sigmoid(w @ x + b) - y) * x, bp_sigmoid(w @ x + b) - y),
     "likely mistake: missing sigma'(z)"),
    # 05
    ("output-error", lambda a_out, y, z_out: (a_out - y) * a_out * (1 - a_out), RIGHT),
    ("output-error", lambda a_out, y, z_out: np.multiply(a_out - y, bp_sigmoid_prime(z_out)), RIGHT),
    ("output-error", lambda a_out, y, z_out: a_out - y, "likely mistake: missing sigma'(z^L)"),
    ("output-error", lambda a_out, y, z_out: (y - a_out) * bp_sigmoid_prime(z_out), "likely mistake: sign"),
    ("output-error", lambda a_out, y, z_out: (a_out - y) * bp_sigmoid_prime(a_out),
     "likely mistake: sigma' was taken of a instead of z"),
    ("output-error", lambda a_out, y, z_out: (a_out - y) @ bp_sigmoid_prime(z_out).T,
     "likely mistake: BP1 multiplies entry by entry"),
    ("hidden-error", lambda delta_next, w_next, z: (w_next.T @ delta_next.T).T * bp_sigmoid_prime(z), RIGHT),
    ("hidden-error", lambda delta_next, w_next, z: np.einsum("nj,jk->nk", delta_next, w_next)
     * special.expit(z) * special.expit(-z), RIGHT),
    ("hidden-error", lambda delta_next, w_next, z: delta_next @ w_next, "likely mistake: missing sigma'(z^l)"),
    ("hidden-error", lambda delta_next, w_next, z: (delta_next @ w_next.T) * bp_sigmoid_prime(z),
     "likely mistake: w transposed: with samples as rows, BP2's (w^T delta)^T is delta @ w, without .T"),
    ("hidden-error", lambda delta_next, w_next, z: (delta_next @ w_next) * z, "likely mistake: multiplied by z^l"),
    ("hidden-error", lambda delta_next, w_next, z: (delta_next @ w_next) * special.expit(z),
     "likely mistake: sigma(z^l) is not sigma'(z^l)"),
    ("bias-gradient", lambda delta: np.sum(delta, axis=0) / delta.shape[0], RIGHT),
    ("bias-gradient", lambda delta: np.ones(len(delta)) @ delta / len(delta), RIGHT),
    ("bias-gradient", lambda delta: delta.sum(axis=0), "likely mistake: summed over the batch: missing 1/n"),
    ("bias-gradient", lambda delta: delta.mean(axis=1), "likely mistake: averaged each row (axis 1)"),
    ("bias-gradient", lambda delta: delta.mean(axis=0, keepdims=True), "likely mistake: shape (1, n_l)"),
    ("bias-gradient", lambda delta: list(delta.mean(axis=0)), "should be a numpy array"),
    # no named mistake: the entry message says what every entry shows
    ("bias-gradient", lambda delta: -delta.mean(axis=0), "every entry has the opposite sign, so a sign is flipped"),
    ("weight-gradient", lambda delta, a_prev: np.einsum("nj,nk->jk", delta, a_prev) / len(delta), RIGHT),
    ("weight-gradient", lambda delta, a_prev: np.mean([np.outer(d, a) for d, a in zip(delta, a_prev)], axis=0), RIGHT),
    ("weight-gradient", lambda delta, a_prev: delta.T @ a_prev, "likely mistake: summed over the batch"),
    ("weight-gradient", lambda delta, a_prev: a_prev.T @ delta / len(delta), "likely mistake: transposed"),
    ("weight-gradient", lambda delta, a_prev: delta.T @ a_prev / delta.shape[1], "likely mistake: divided by n_l"),
    ("weight-gradient", lambda delta, a_prev: (delta.T @ a_prev / len(delta)).astype(np.float32), "dtype float32"),
    ("weight-gradient", lambda delta, a_prev: -(delta.T @ a_prev) / len(delta), "every entry has the opposite sign"),
    ("weight-gradient", lambda delta, a_prev: delta.T @ a_prev / a_prev.shape[1],
     "every entry is 1.25 times the expected one, so a constant factor is missing or extra"),
    # 06
    ("backprop", backprop_loop, RIGHT),
    ("backprop", lambda weights, biases, X, Y: tuple(exercises.get("backprop").reference(weights, biases, X, Y)), RIGHT),
    ("backprop", backprop_bp4_transposed, "likely mistake: BP4 transposed"),
    ("backprop", backprop_misspelled_name, "raised NameError: name 'sigmoid_prim' is not defined\n"
                                           "in line 5 of backprop_misspelled_name: return sigmoid_prim(a)"),
    ("backprop", backprop_helper_fails, "in line 2 of _helper_with_a_typo: return X.shpe"),
    ("backprop", exercises.get("backprop").mistakes[5][1], "likely mistake: delta^L = a^L - y, without sigma'(z^L)"),
    ("backprop", exercises.get("backprop").mistakes[7][1], "likely mistake: BP2 with sigma'(z^(l+1))"),
    ("backprop", planted_bug("w_not_transposed"), "with samples as rows, delta^l comes from delta^{l+1} @ w^{l+1}, "
                                                  "without .T"),
    ("backprop", backprop_sigma_for_slope, "likely mistake: BP1 with sigma(z^L) where sigma'(z^L)"),
    ("backprop", backprop_sigma_for_slope_in_bp2, "likely mistake: BP2 with sigma(z^l) where sigma'(z^l)"),
    ("backprop", lambda weights, biases, X, Y: tuple(g[::-1] for g in backprop_loop(weights, biases, X, Y)),
     "likely mistake: the layers are in reverse order"),
    ("backprop", lambda weights, biases, X, Y: (backprop_loop(weights, biases, X, Y)[0],
                                                [2 * g for g in backprop_loop(weights, biases, X, Y)[1]]),
     "entry [0] of bias_grads[0] (dC/db^1)"),
    ("backprop", lambda weights, biases, X, Y: backprop_loop(weights, biases, X, Y)[::-1],
     "likely mistake: returned in the order (bias_grads, weight_grads)"),
    ("relative-error", relative_error_loop, RIGHT),
    ("relative-error", lambda analytic, numeric: float(np.max(np.abs(np.subtract(analytic, numeric)) / np.fmax(
        np.abs(analytic), np.abs(numeric)))), RIGHT),
    ("relative-error", relative_error_of_arrays_only, "raised AttributeError: 'float' object has no attribute 'ravel'"),
    ("relative-error", relative_error_np_max_of_two,
     "(np.max(a, b) takes b as an axis; for two arrays entry by entry, use np.maximum(a, b))"),
    ("relative-error", relative_error_builtin_max,
     "(Python's max(a, b) compares two arrays as wholes; entry by entry, use np.maximum(a, b))"),
    ("relative-error", lambda analytic, numeric: np.max(np.abs(analytic - numeric)
                                                        / np.max([np.abs(analytic), np.abs(numeric)], axis=0)), RIGHT),
    ("relative-error", lambda analytic, numeric: np.max(np.abs(analytic - numeric) / np.maximum(analytic, numeric)),
     "likely mistake: max(a, n) without abs"),
    ("relative-error", lambda analytic, numeric: np.max(np.abs(analytic - numeric) / np.abs(analytic)),
     "likely mistake: divided by |analytic| only"),
    ("relative-error", lambda analytic, numeric: np.max(np.abs(analytic - numeric)
                                                        / (np.abs(analytic) + np.abs(numeric))),
     "likely mistake: divided by |a| + |n|"),
    ("relative-error", lambda analytic, numeric: np.abs(analytic - numeric) / np.maximum(abs(analytic), abs(numeric)),
     "should be a single number"),
    # 07
    ("train-step", train_step_assigning, RIGHT),
    ("train-step", train_step_reordered, RIGHT),
    ("train-step", train_step_new_lists, RIGHT),
    ("train-step", train_step_rebinding, "net.weights and net.biases are exactly as they were"),
    ("train-step", train_step_returning, "net.weights and net.biases are exactly as they were"),
    ("train-step", exercises.get("train-step").mistakes[0][1], "likely mistake: sign"),
    ("train-step", exercises.get("train-step").mistakes[1][1], "likely mistake: the biases were not updated"),
    ("train-step", train_step_weights_first_then_gradients_again, "of net.weights[1] (w^2) is"),
    ("train-step", train_step_scaling_X, "X was changed in place: a training step changes only net.weights and "
                                         "net.biases"),
    ("train-step", train_step_summed, "likely mistake: the gradients were summed over the batch, not averaged"),
    ("train-step", train_step_averaged_twice, "likely mistake: divided by n once more: the step is n times too short"),
    # p -= g / learning_rate equalled the summed step at learning_rate 0.5 and n = 4, and was named so
    ("train-step", train_step_divided_by_the_rate, "likely mistake: divided by the learning rate"),
    # 08
    ("tanh-prime", lambda z: 1 / np.cosh(z) ** 2, RIGHT),
    ("tanh-prime", lambda z: (1 - np.tanh(z)) * (1 + np.tanh(z)), RIGHT),
    ("tanh-prime", lambda z: 1 - z ** 2, "likely mistake: you used 1 - z^2"),
    ("tanh-prime", lambda z: np.tanh(z) ** 2 - 1, "likely mistake: sign"),
    ("tanh-prime", lambda z: 1 / np.cosh(z), "likely mistake: sech(z) must be squared"),
    ("tanh-prime", lambda z: 1 - np.tanh(z), "likely mistake: tanh(z) must be squared"),
    ("tanh-prime", lambda z: bp_sigmoid_prime(z), "likely mistake: that is the sigmoid's derivative"),
    # 09
    ("softmax", lambda Z: special.softmax(Z, axis=1), RIGHT),
    ("softmax", softmax_logsumexp, RIGHT),
    ("softmax", lambda Z: special.softmax(Z, axis=0), "likely mistake: normalised over columns"),
    ("softmax", lambda Z: np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True), "likely mistake: overflow"),
    ("softmax", lambda Z: np.exp(Z - Z.max()) / np.exp(Z - Z.max()).sum(axis=1, keepdims=True),
     "likely mistake: shifted by the largest entry of all Z"),
    ("softmax", lambda Z: np.exp(Z - Z.max(axis=1, keepdims=True)), "likely mistake: not normalised"),
    ("softmax", lambda Z: (lambda e: e / e.sum(axis=0, keepdims=True))(np.exp(Z - Z.max(axis=1, keepdims=True))),
     "likely mistake: normalised over columns"),
    ("softmax", lambda Z: (lambda e: e / e.sum(axis=1, keepdims=True))(np.exp(Z - Z.max(axis=0, keepdims=True))),
     "likely mistake: shifted by each column's maximum"),
    ("softmax-delta", lambda Z, Y: special.softmax(Z, axis=1) - Y, RIGHT),
    ("softmax-delta", lambda Z, Y: bp_softmax(Z) + (-Y), RIGHT),
    ("softmax-delta", lambda Z, Y: Y - bp_softmax(Z), "likely mistake: sign"),
    ("softmax-delta", lambda Z, Y: np.exp(Z - special.logsumexp(Z, axis=1, keepdims=True)) - Y, RIGHT),
    ("softmax-delta", lambda Z, Y: Z - Y, "likely mistake: z - y"),
    ("softmax-delta", lambda Z, Y: -Y / bp_softmax(Z), "likely mistake: that is dC/da"),
    ("softmax-delta", lambda Z, Y: np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True) - Y, "likely mistake: overflow"),
    ("softmax-delta", lambda Z, Y: (bp_softmax(Z) - Y) / len(Z), "likely mistake: delta^L is per sample"),
    ("softmax-delta", lambda Z, Y: (bp_softmax(Z) - Y) * bp_softmax(Z) * (1 - bp_softmax(Z)),
     "likely mistake: with softmax + cross-entropy the sigma' factor cancels"),
    # 10
    ("scaled-init", lambda n_in, n_out, rng: rng.standard_normal((n_out, n_in)) / np.sqrt(n_in), RIGHT),
    ("scaled-init", scaled_init_transposed_draw, RIGHT),
    ("scaled-init", scaled_init_uniform, "do not look normally distributed"),
    ("scaled-init", scaled_init_global_random, "the generator rng was not used"),
    ("scaled-init", scaled_init_own_generator, "the generator rng was not used"),
    ("scaled-init", scaled_init_repeated_row, "draw every entry independently"),
    ("scaled-init", lambda n_in, n_out, rng: rng.normal(0, 1 / np.sqrt(n_in), size=(n_in, n_out)), "transposed"),
    ("scaled-init", lambda n_in, n_out, rng: rng.normal(0, 1 / np.sqrt(n_in + 1), size=(n_out, n_in)),
     "expected 1/sqrt(n_in) = 0.5774"),
    ("scaled-init", lambda n_in, n_out, rng: rng.normal(0, 1 / np.sqrt(n_in - 1), size=(n_out, n_in)),
     "expected 1/sqrt(n_in) = 0.5774"),
    ("scaled-init", lambda n_in, n_out, rng: rng.normal(0, 1 / np.sqrt(n_in), size=(n_out, n_in)).astype(np.float32),
     "has dtype float32: return float64, NumPy's default float"),
    ("scaled-init", lambda n_in, n_out, rng: rng.normal(0, 1 / np.sqrt(n_out), size=(n_out, n_in)),
     "expected 1/sqrt(n_in)"),
    ("step-decay", lambda initial_rate, epoch, drop, every: initial_rate * drop ** math.floor(epoch / every), RIGHT),
    ("step-decay", lambda initial_rate, epoch, drop, every: np.float64(initial_rate * np.power(drop, epoch // every)),
     RIGHT),
    ("step-decay", lambda initial_rate, epoch, drop, every: initial_rate * drop ** (epoch / every),
     "likely mistake: the rate should drop in steps"),
    ("step-decay", lambda initial_rate, epoch, drop, every: initial_rate * drop ** (epoch // every + 1),
     "likely mistake: one drop too many"),
    ("step-decay", lambda initial_rate, epoch, drop, every: initial_rate * drop ** epoch,
     "likely mistake: drop ** epoch drops every epoch"),
    # 11
    ("value-add", add_micrograd_style, RIGHT),
    ("value-add", add_sign_of_a_only, "dC/d((x + y) * y) is -1, expected 1 (the right size with the wrong sign"),
    ("value-add", add_to_b_only, "dC/d((x + y) * y) is 0, expected 1"),
    ("value-add", add_with_loop, RIGHT),
    ("value-add", add_returning_float, "should return a Value"),
    ("value-add", add_without_parents, "should have its inputs as parents"),
    ("value-add", add_updating_at_once, "the chain-rule updates belong inside the backward_rule"),
    ("value-add", exercises.get("value-add").mistakes[0][1], "likely mistake: the rule overwrites grad (=)"),
    ("value-add", exercises.get("value-add").mistakes[1][1], "likely mistake: forgot the incoming gradient"),
    ("value-add", add_without_rule, "no gradient reached the inputs of add: does the Value you return have a "
                                    "backward_rule that adds to its inputs' grad?"),
    ("value-mul", mul_updating_with_out_grad_at_once, "no gradient reached the inputs of mul"),
    ("value-mul", mul_reading_parents, RIGHT),
    ("value-mul", mul_with_lambda, RIGHT),
    ("value-mul", mul_wrong_value, "the value of x * y is -1, expected -0.75"),
    ("value-mul", exercises.get("value-mul").mistakes[0][1], "likely mistake: swapped"),
    ("value-mul", exercises.get("value-mul").mistakes[3][1], "likely mistake: sign"),
    ("value-mul", exercises.get("value-mul").mistakes[4][1], "likely mistake: out.data is the value"),
    ("value-mul", mul_to_a_only, "likely mistake: only a received its gradient"),
    ("value-tanh", tanh_by_exp, RIGHT),
    ("value-tanh", tanh_recomputed_in_rule, RIGHT),
    ("value-tanh", tanh_sigmoid_rule, "dC/d(x * y) is"),
    ("value-tanh", tanh_parents_not_a_tuple, "should have its inputs as parents, (x,),"),
    ("value-tanh", exercises.get("value-tanh").mistakes[0][1], "likely mistake: you used 1 - x^2"),
    ("value-tanh", exercises.get("value-tanh").mistakes[3][1], "likely mistake: sign"),
    ("value-backward", backward_iterative, RIGHT),
    ("value-backward", backward_kahn, RIGHT),
    ("value-backward", backward_sorted_by_depth, RIGHT),
    ("value-backward", backward_leaves_only_seeded, "likely mistake: forgot the seed"),
    ("value-backward", exercises.get("value-backward").mistakes[1][1], "likely mistake: the rules ran from the leaves"),
    ("value-backward", exercises.get("value-backward").mistakes[2][1], "likely mistake: a node that is reached twice"),
    ("value-backward", exercises.get("value-backward").mistakes[4][1], "likely mistake: breadth-first"),
    ("value-backward", lambda node: None, "likely mistake: forgot the seed"),
    ("value-backward", backward_root_only, "likely mistake: only the root's rule ran"),
    ("value-backward", backward_skipping_leaves, RIGHT),
    # 12
    ("layers-at-fault", layers_at_fault_by_rows, RIGHT),
    ("layers-at-fault", layers_at_fault_as_set, RIGHT),
    ("layers-at-fault", layers_at_fault_reordered, RIGHT),
    ("layers-at-fault", lambda backprop_fn, net, X, Y: 2 * gradient_check(net, X, Y, backprop=backprop_fn).failing(),
     "name each failing parameter once"),
    ("layers-at-fault", lambda backprop_fn, net, X, Y: "1w", "pairs, got a str"),
    ("layers-at-fault", lambda backprop_fn, net, X, Y: {1: "w", 2: "b"}, "pairs, got a dict"),
    ("layers-at-fault", lambda backprop_fn, net, X, Y: gradient_check(net, X, Y, backprop=backprop_fn).rows,
     "should be a list of (layer, 'w' or 'b') pairs, but one item is (1, 'w', "),
    ("layers-at-fault", lambda backprop_fn, net, X, Y: [(name, layer) for layer, name in
                                                        gradient_check(net, X, Y, backprop=backprop_fn).failing()],
     "but one item is ('w', 1)"),
    ("layers-at-fault", lambda backprop_fn, net, X, Y: [(layer + 1, name) for layer, name in
                                                        gradient_check(net, X, Y, backprop=backprop_fn).failing()],
     "you reported [(2, 'b'), (2, 'w'), (3, 'b'), (3, 'w')]: as many as fail, but not the same ones (the layers "
     "are numbered 1 to 3, as in w^l)"),
    ("layers-at-fault", lambda backprop_fn, net, X, Y: [(layer + 2, name) for layer, name in
                                                        gradient_check(net, X, Y, backprop=backprop_fn).failing()],
     "there is no layer 4: this net's layers are numbered 1 to 3"),
    ("layers-at-fault", lambda backprop_fn, net, X, Y: [(layer, name.upper()) for layer, name in
                                                        gradient_check(net, X, Y, backprop=backprop_fn).failing()],
     "'B' is not a parameter's name: the names are 'w' and 'b', in lower case"),
    ("layers-at-fault", lambda backprop_fn, net, X, Y: [(1, "w"), (1, "b"), (3, "w"), (3, "b")],
     "you reported [(1, 'b'), (1, 'w'), (3, 'b'), (3, 'w')]: as many as fail, but not the same ones"),
    ("layers-at-fault", layers_at_fault_object, "got the GradientCheck itself"),
    ("layers-at-fault", layers_at_fault_names, "should be a list of (layer, 'w' or 'b') pairs"),
    ("layers-at-fault", lambda backprop_fn, net, X, Y: 3,
     "test case 1 (backprop_fn: a backprop with a planted bug, net: Network [3, 3, 3, 3], X shape (4, 3)"),
    ("layers-at-fault", exercises.get("layers-at-fault").mistakes[0][1], "likely mistake: layers are numbered"),
    ("layers-at-fault", exercises.get("layers-at-fault").mistakes[1][1], "likely mistake: that checked net.backprop"),
    ("diagnosis", lambda: dict(RIGHT_DIAGNOSIS), RIGHT),
    ("diagnosis", lambda: {letter: RIGHT_DIAGNOSIS[letter] for letter in "EDCBA"}, RIGHT),
    ("diagnosis", diagnosis_with(A="sign", D="missing_mean"), "3 of 5 bugs matched correctly"),
    ("diagnosis", diagnosis_with(B="missing_sigma_prime", E="w_not_transposed"), "on the uneven network"),
    ("diagnosis", diagnosis_with(C="missing_mean", A="wrong_activation"), "Bug A is not 'wrong_activation'"),
    ("diagnosis", diagnosis_with(A="sign"), "given for A and D"),
    ("diagnosis", diagnosis_with(A="missing 1/n"), "is not one of the mistakes' names"),
    ("diagnosis", lambda: [("A", "missing_mean")], "should be a dict"),
    ("diagnosis", lambda: None, "did you forget to return it?"),
    ("diagnosis", lambda: {}, "the keys should be the letters A, B, C, D, E exactly, got {}"),
    ("layers-at-fault", lambda backprop_fn, net, X, Y: None, "did you forget to return it?"),
    ("backprop", lambda weights, biases, X, Y: None, "your result is None: did you forget to return it?"),
]


def _label(row):
    exercise_id, answer, want = row
    return f"{exercise_id}-{getattr(answer, '__name__', 'answer')}-{'right' if want is RIGHT else 'wrong'}"


@pytest.mark.parametrize("row", TABLE, ids=[f"{i}-{_label(row)}" for i, row in enumerate(TABLE)])
def test_answer(row):
    exercise_id, answer, want = row
    passed, message = evaluate(exercise_id, answer)
    if want is RIGHT:
        assert passed, message
    else:
        assert not passed, f"a wrong answer passed: {message}"
        assert want in message, message
        assert "item 0 of item" not in message      # parts are named in the course's notation
        assert "1/m" not in message


def test_every_exercise_has_three_wrong_and_two_right_answers():
    for exercise in exercises.EXERCISES:
        rows = [row for row in TABLE if row[0] == exercise.id]
        assert sum(row[2] is RIGHT for row in rows) >= 2, exercise.id
        assert sum(row[2] is not RIGHT for row in rows) >= 3, exercise.id


@pytest.mark.parametrize("exercise_id", sorted({row[0] for row in TABLE if row[2] is RIGHT}))
def test_right_answers_pass_the_hidden_cases_too(exercise_id):
    """The grader's hidden cases accept the same right answers (judged as the grader does)."""
    exercise = exercises.get(exercise_id)
    answers = [answer for row_id, answer, want in TABLE if row_id == exercise_id and want is RIGHT]
    for case in exercise.all_cases():
        expected = exercise.expected(case)   # once per case: a right answer never reaches the mistakes
        for answer in answers:
            output = exercise.run(answer, case)
            assert judge_output(exercise.judge, case, output, expected, [], exercise.rtol, exercise.atol,
                                names=exercise.names) is None, (exercise_id, answer)


def test_chinese_feedback_says_batch_as_the_course_does(monkeypatch):
    """The course text and glossary write 批量 for a batch; the feedback says it the same way."""
    monkeypatch.setenv("BPLIB_LANGUAGE", "zh")
    passed, message = evaluate("bias-gradient", lambda delta: delta.sum(axis=0))
    assert not passed and "批量" in message and "批次" not in message, message


def test_wrapping_in_an_array_is_advised_only_where_it_gives_the_expected_shape():
    passed, message = evaluate("forward-pass", forward_pass_all_activations)   # every a^l, not a^L
    assert not passed and "got a list of length 3" in message and "wrap it" not in message, message


NOTEBOOK_11 = "solutions/11_autograd.ipynb"


def test_value_backward_is_checked_on_the_notebooks_own_value_class():
    """In notebook 11, Value.backward() calls the learner's backward(): a backward that only calls
    root.backward() recurses forever there, and must not pass on bplib's working Value."""
    import pathlib

    import nbformat

    notebook = nbformat.read(pathlib.Path(__file__).parents[1] / NOTEBOOK_11, as_version=4)
    value_class = next(cell.source for cell in notebook.cells if cell.source.startswith("class Value"))
    namespace = {}
    exec("from bplib.activations import sigmoid as bp_sigmoid\n" + value_class
         + "\ndef backward(root):\n    root.backward()\n", namespace)
    passed, message = evaluate("value-backward", namespace["backward"])
    assert not passed and "backward never finished (RecursionError)" in message, message
    assert "If it calls .backward() on a Value, that calls your backward again" in message, message
    exec(backward_iterative_source(), namespace)   # a right answer passes on the notebook's class too
    passed, message = evaluate("value-backward", namespace["backward"])
    assert passed, message


def backward_iterative_source():
    import inspect

    return inspect.getsource(backward_iterative).replace("def backward_iterative(", "def backward(")


@pytest.mark.parametrize("answer", [add_sign_of_a_only, add_to_b_only])
def test_a_wrong_add_rule_is_not_blamed_on_adding_up(answer):
    """Both add to grad (+=); the first wrong gradient must not come with the hint about uses adding up."""
    passed, message = evaluate("value-add", answer)
    assert not passed and "used more than once" not in message, message


def test_adding_up_is_hinted_where_only_a_twice_used_node_is_wrong():
    case = exercises.get("value-add").all_cases()[1]   # C = tanh(x + y) * (x + x): x is used twice
    expected = exercises.get("value-add").expected(case)
    output = {key: value.copy() for key, value in expected.items()}
    output["grad"][0] += 1.0                          # only x's gradient is off
    message = judge_output("graph", case, output, expected, [])
    assert "x is used more than once" in message, message
    # C = (x + y) * y + z: y, used twice, is the first wrong gradient seen from C, but x, used once,
    # is off too: not a matter of adding up, so no hint
    case = exercises.get("value-add").all_cases()[0]
    expected = exercises.get("value-add").expected(case)
    output = {key: value.copy() for key, value in expected.items()}
    output["grad"][0] += 1.0
    output["grad"][1] += 1.0
    message = judge_output("graph", case, output, expected, [])
    assert message.startswith("dC/d(y) is") and "used more than once" not in message, message


def test_one_test_case_is_said_in_the_singular():
    assert evaluate("diagnosis", lambda: dict(RIGHT_DIAGNOSIS)) == (True, "Correct: diagnosis passes its test case.")
    assert evaluate("sigmoid", special.expit)[1] == "Correct: sigmoid passes all 3 test cases."


def test_value_backward_falls_back_to_bplibs_value_when_the_notebooks_is_not_a_node_class():
    namespace = {"Value": float}                    # the name Value rebound to something else
    exec(backward_iterative_source(), namespace)
    passed, message = evaluate("value-backward", namespace["backward"])
    assert passed, message


@pytest.mark.parametrize("exercise_id, answer", [
    ("bias-gradient", lambda delta: delta.mean(axis=0) + 1.0),
    ("weight-gradient", lambda delta, a_prev: np.outer(delta.mean(axis=0), a_prev.mean(axis=0))),
    ("softmax-delta", lambda Z, Y: bp_softmax(Z) - Y + 0.01 * Z),
], ids=["shifted", "outer product of the means", "a little of z added"])
def test_no_sign_or_factor_is_claimed_when_the_entries_are_not_one_multiple_of_the_expected(exercise_id, answer):
    passed, message = evaluate(exercise_id, answer)
    assert not passed and message.endswith("entries differ)"), message


def test_an_error_in_a_line_with_max_gets_no_hint_it_does_not_explain():
    def broadcast_slip(analytic, numeric):
        return float(np.max(np.abs(analytic - numeric) / np.maximum(abs(analytic), abs(numeric)).max(axis=1)))

    passed, message = evaluate("relative-error", broadcast_slip)
    assert not passed and "could not be broadcast" in message and "np.maximum(a, b))" not in message, message
