"""The edges of the core: every bad argument stops with a ValueError that names it, and the odd but
valid ones (integer arrays, empty label lists, float32, soft targets) give the right finite answer."""
import warnings

import numpy as np
import pytest

from bplib import (Network, TrainingDiverged, activations, datasets, equations, gradient_check, losses, one_hot,
                   plotting)
from bplib.gradcheck import GradientCheck, numerical_gradient, relative_error

X2 = np.array([[0.5, -1.0], [1.5, 0.25], [-0.3, 0.8]])
Y1 = np.array([[0.0], [1.0], [1.0]])


def net(*args, **kwargs):
    return Network([2, 3, 1], *args, **kwargs)


def with_weights(value, layer=0):
    def build():
        network = net("identity", "identity")
        network.weights[layer] = value
        return network
    return build


BAD_CALLS = {
    # construction
    "sizes an int": (lambda: Network(5), r"sizes must list at least two layers.*got 5"),
    "sizes None": (lambda: Network(None), r"sizes must list at least two layers.*got None"),
    "sizes a string": (lambda: Network("23"), r"sizes must list at least two layers"),
    "sizes a bool": (lambda: Network([2, True]), r"sizes\[1\] must be a positive integer"),
    "sizes too many parameters": (lambda: Network([100_000, 100_000]), r"parameters; bplib is meant for nets"),
    "seed a string": (lambda: net(seed="1"), r"seed must be an integer >= 0.*got '1'"),
    "seed a float": (lambda: net(seed=1.5), r"seed must be an integer >= 0.*got 1.5"),
    "seed negative": (lambda: net(seed=-1), r"seed must be an integer >= 0.*got -1"),
    "seed None": (lambda: net(seed=None), r"seed must be an integer >= 0"),
    "seed a bool": (lambda: net(seed=True), r"seed must be an integer >= 0"),
    "activation not a string": (lambda: net(activation=["sigmoid"]), r"unknown activation \['sigmoid'\]"),
    "softmax as a hidden activation": (lambda: net(activation="softmax"), r"unknown activation 'softmax'"),
    "softmax with one output": (lambda: Network([2, 1], output_activation="softmax", loss="cross_entropy"),
                                r"softmax.*needs at least 2 output units"),
    # data
    "X with a complex number": (lambda: net().forward(X2 + 1j), r"X must be real numbers.*complex"),
    "X of strings of numbers": (lambda: net().forward([["1", "2"]]), r"X must be real numbers"),
    "X ragged": (lambda: net().forward([[1.0, 2.0], [3.0]]), r"X must be real numbers"),
    "X with None": (lambda: net().forward([[1.0, None]]), r"X must be real numbers"),
    "X 3-D": (lambda: net().forward(np.ones((2, 2, 2))), r"X must be a 2-D array"),
    "1-D Y with several outputs": (lambda: Network([2, 2]).loss(X2, np.ones(3)), r"Y must be a 2-D array"),
    "Y with the wrong columns": (lambda: net().fit(X2, np.ones((3, 2))), r"Y has 2 columns but the network expects 1"),
    "cross-entropy target above 1": (lambda: net(loss="cross_entropy").loss(X2, [[0.0], [2.0], [1.0]]),
                                     r"Y must lie in \[0, 1\].*got 2 at row 1"),
    "cross-entropy target below 0": (lambda: net(loss="cross_entropy").fit(X2, [[0.0], [-0.5], [1.0]]),
                                     r"Y must lie in \[0, 1\]"),
    "softmax target below 0": (
        lambda: Network([2, 3], output_activation="softmax", loss="cross_entropy").backprop(X2, -np.eye(3)),
        r"Y must lie in \[0, 1\]"),
    "output that overflows": (lambda: with_weights(np.full((3, 2), 1e10))().forward(np.full((1, 2), 1e300)),
                              r"output overflowed float64.*scale X"),
    "quadratic loss that overflows": (lambda: net(output_activation="identity").loss(X2, np.full((3, 1), 1e300)),
                                      r"loss overflowed float64"),
    "gradients that overflow": (  # z^L of 1e300 is finite, delta^L @ w^L in BP2 is not
        lambda: (lambda n: (n.weights[1].fill(1e300), n.backprop(np.ones((4, 2)), np.zeros((4, 1)))))(
            net(output_activation="identity")),
        r"hidden_error: the result overflowed float64"),
    # parameters a learner replaced
    "weights NaN then predict": (lambda: with_weights(np.full((3, 2), np.nan))().predict(X2),
                                 r"net.weights\[0\] \(w\^1\) contains NaN or infinity"),
    "weights of the wrong shape": (lambda: with_weights(np.ones((2, 3)))().forward(X2),
                                   r"net.weights\[0\] \(w\^1\) has shape \(2, 3\), expected \(3, 2\)"),
    "weights of strings": (lambda: with_weights([["a", "b"]] * 3)().forward(X2), r"net.weights\[0\].*real numbers"),
    "a layer appended": (lambda: (lambda n: (n.weights.append(np.ones((1, 1))), n.forward(X2)))(net()),
                         r"net.weights must be a list of 2 arrays.*got 3 entries"),
    "weights not a list": (lambda: (lambda n: (setattr(n, "weights", np.ones(3)), n.forward(X2)))(net()),
                           r"net.weights must be a list of 2 arrays"),
    "bias NaN": (lambda: (lambda n: (n.biases[1].__setitem__(0, np.inf), n.loss(X2, Y1)))(net()),
                 r"net.biases\[1\] \(b\^2\) contains NaN or infinity"),
    # fit's settings
    "learning rate 0": (lambda: net().fit(X2, Y1, learning_rate=0), r"learning_rate must be a positive finite number"),
    "learning rate NaN": (lambda: net().fit(X2, Y1, learning_rate=np.nan), r"learning_rate must be a positive"),
    "learning rate inf": (lambda: net().fit(X2, Y1, learning_rate=np.inf), r"learning_rate must be a positive"),
    "learning rate a string": (lambda: net().fit(X2, Y1, learning_rate="0.1"), r"learning_rate must be a positive"),
    "learning rate a bool": (lambda: net().fit(X2, Y1, learning_rate=True), r"learning_rate must be a positive"),
    "epochs a float": (lambda: net().fit(X2, Y1, epochs=2.0), r"epochs must be a positive integer"),
    "batch size a bool": (lambda: net().fit(X2, Y1, batch_size=True), r"batch_size must be None"),
    "batch size 0": (lambda: net().fit(X2, Y1, batch_size=0), r"batch_size must be None"),
    "fit seed negative": (lambda: net().fit(X2, Y1, seed=-3), r"seed must be None or an integer >= 0"),
    "fit seed a string": (lambda: net().fit(X2, Y1, seed="a"), r"seed must be None or an integer >= 0"),
    "on_divergence unknown": (lambda: net().fit(X2, Y1, on_divergence="ignore"), r"unknown on_divergence 'ignore'"),
    "dtype float16": (lambda: net().fit(X2, Y1, dtype=np.float16), r"dtype must be np.float64 or np.float32"),
    "dtype int": (lambda: net().fit(X2, Y1, dtype=int), r"dtype must be np.float64 or np.float32"),
    "dtype nonsense": (lambda: net().fit(X2, Y1, dtype="fast"), r"dtype must be np.float64 or np.float32"),
    "X beyond float32": (lambda: net().fit(X2 * 1e39, Y1, dtype=np.float32), r"do not fit float32.*3.4e\+38"),
    # gradient check
    "eps 0": (lambda: gradient_check(net(), X2, Y1, eps=0), r"eps must be a positive finite number, got 0"),
    "eps too small to nudge": (lambda: gradient_check(net(), X2, Y1, eps=1e-300), r"eps=1e-300 does not fit"),
    "tolerance a string": (lambda: gradient_check(net(), X2, Y1, tolerance="a"), r"tolerance must be a positive"),
    "net not a Network": (lambda: gradient_check("net", X2, Y1), r"net must be a bplib.Network, got str"),
    "backprop not callable": (lambda: gradient_check(net(), X2, Y1, backprop=3), r"backprop must be None or a"),
    "backprop returns NaN": (
        lambda: gradient_check(net(), X2, Y1, backprop=lambda X, Y: (
            [np.full((3, 2), np.nan), np.zeros((1, 3))], [np.zeros(3), np.zeros(1)])),
        r"the weight gradient of layer 1 contains NaN or infinity"),
    "backprop returns one list": (lambda: gradient_check(net(), X2, Y1, backprop=lambda X, Y: [1, 2, 3]),
                                  r"backprop must return \(weight_grads, bias_grads\)"),
    "GradientCheck tolerance": (lambda: GradientCheck([(1, "w", 0.1)], "a"), r"tolerance must be a positive"),
    "numerical_gradient of an int array": (lambda: numerical_gradient(lambda: 0.0, np.arange(3)),
                                           r"param must be a writable NumPy array of floats"),
    "numerical_gradient of a non-number": (lambda: numerical_gradient(lambda: "x", np.zeros(2)),
                                           r"f\(\) must return a number"),
    "numerical_gradient of an infinite cost": (lambda: numerical_gradient(lambda: np.inf, np.zeros(2)),
                                               r"f\(\) returned inf"),
    "relative_error of two shapes": (lambda: relative_error(np.ones(2), np.ones(3)), r"analytic has shape \(2,\)"),
    "relative_error with NaN": (lambda: relative_error([np.nan], [1.0]), r"analytic contains NaN"),
    # the equations and losses
    "equations on zero rows": (lambda: equations.bias_gradient(np.zeros((0, 3))),
                               r"bias_gradient: the batch has no rows"),
    "BP4 on zero rows": (lambda: equations.weight_gradient(np.zeros((0, 3)), np.zeros((0, 2))), r"no rows"),
    "BP2 with mismatched weights": (
        lambda: equations.hidden_error(np.ones((4, 2)), np.ones((3, 5)), np.ones((4, 5))),
        r"hidden_error: next_weights has shape \(3, 5\), expected \(n_next, n_l\) with n_next = 2 as in next_delta"),
    "BP1 with mismatched shapes": (lambda: equations.output_error(np.ones((4, 2)), np.ones((4, 3))),
                                   r"output_error: activation_derivative has shape \(4, 3\)"),
    "BP4 with different batches": (lambda: equations.weight_gradient(np.ones((4, 2)), np.ones((5, 3))),
                                   r"previous_activation has shape \(5, 3\).*n = 4 as in delta"),
    "BP3 on a 1-D delta": (lambda: equations.bias_gradient(np.ones(3)),
                           r"delta must be a 2-D array of shape \(n, n_l\)"),
    "BP1 on NaN": (lambda: equations.output_error([[np.nan]], [[1.0]]), r"output_error: cost_gradient contains NaN"),
    "BP2 that overflows": (lambda: equations.hidden_error([[1e300]], [[1e300]], [[1.0]]),
                           r"hidden_error: the result overflowed float64"),
    # The mean of values that fit overflows in its sum: "the arguments are too large" was all it said.
    "BP3 whose sum overflows": (lambda: equations.bias_gradient(np.full((4, 1), 1e308)),
                                r"values up to 1e\+308 go beyond 1.8e308; scale the data \(X, Y\) or the weights"),
    "equation on strings": (lambda: equations.bias_gradient([["a"]]), r"delta must be real numbers"),
    "binary cross-entropy y above 1": (lambda: losses.binary_cross_entropy([[0.5]], [[2.0]]),
                                       r"binary_cross_entropy: Y must lie in \[0, 1\]"),
    "binary cross-entropy a above 1": (lambda: losses.binary_cross_entropy([[1.5]], [[1.0]]),
                                       r"binary_cross_entropy: A must lie in \[0, 1\]"),
    "binary cross-entropy from z, y below 0": (lambda: losses.binary_cross_entropy_from_z([[0.5]], [[-1.0]]),
                                               r"Y must lie in \[0, 1\]"),
    "categorical cross-entropy y above 1": (lambda: losses.categorical_cross_entropy_from_z([[0.5, 1]], [[3.0, 0]]),
                                            r"Y must lie in \[0, 1\]"),
    "quadratic of two shapes": (lambda: losses.quadratic(np.ones((2, 3)), np.ones((2, 2))), r"quadratic: Y has shape"),
    "quadratic that overflows": (lambda: losses.quadratic([[1e300]], [[-1e300]]), r"quadratic: the result overflowed"),
    "sigmoid of a string": (lambda: activations.sigmoid("a"), r"z must be real numbers"),
    "softmax of a number": (lambda: activations.softmax(3.0), r"softmax needs rows of at least one score"),
    "softmax of empty rows": (lambda: activations.softmax(np.zeros((2, 0))), r"softmax needs rows"),
    # data sets
    "one_hot n_classes a string": (lambda: one_hot([0, 1], "3"),
                                   r"n_classes must be an integer from 1 to 1000000, got '3'"),
    "one_hot n_classes 2.5": (lambda: one_hot([0, 1], 2.5), r"n_classes must be an integer from 1 to 1000000, got 2.5"),
    "one_hot of a huge label": (lambda: one_hot([2 ** 62]), r"label 4611686018427387904 would make"),
    "one_hot label too large": (lambda: one_hot([0, 3], 3), r"label 3 does not fit n_classes=3"),
    "one_hot of no labels without n_classes": (lambda: one_hot([]), r"labels is empty.*pass n_classes"),
    "one_hot of fractions": (lambda: one_hot([0.5, 1.0]), r"non-negative integers"),
    "one_hot of NaN": (lambda: one_hot([np.nan]), r"non-negative integers"),
    "one_hot of infinity": (lambda: one_hot([np.inf, 1.0]), r"non-negative integers"),
    "noise negative": (lambda: datasets.moons(noise=-0.1), r"noise must be a number from 0"),
    "noise NaN": (lambda: datasets.spiral(noise=np.nan), r"noise must be a number from 0"),
    "n_samples 0": (lambda: datasets.circles(n_samples=0), r"n_samples must be an integer from 1"),
    "n_samples negative": (lambda: datasets.blobs(n_samples=-5), r"n_samples must be an integer from 1"),
    "n_samples huge": (lambda: datasets.xor_points(n_samples=10 ** 12), r"n_samples must be an integer from 1"),
    "sin with n_samples 0": (lambda: datasets.sin(0), r"n_samples must be an integer from 1"),
    "sin with low above high": (lambda: datasets.sin(low=2, high=1), r"low must be below high"),
    "digits scaled a string": (lambda: datasets.digits(scaled="no"), r"scaled must be True or False, got 'no'"),
    "data set seed negative": (lambda: datasets.classification("moons", seed=-1), r"seed must be an integer >= 0"),
    "circles factor 1": (lambda: datasets.circles(factor=1.0), r"factor is the inner circle's radius"),
    # plots (checked before any figure is drawn)
    "decision_boundary resolution 1": (lambda: plotting.decision_boundary(net(), X2, [0, 1, 1], resolution=1),
                                       r"resolution must be an integer from 2 to 2000, got 1"),
    "decision_boundary X of 3 columns": (lambda: plotting.decision_boundary(net(), np.ones((3, 3)), [0, 1, 1]),
                                         r"X has 3 columns but the network expects 2"),
    "decision_boundary y too short": (lambda: plotting.decision_boundary(net(), X2, [0, 1]),
                                      r"y has 2 values but X has 3 rows"),
    "decision_boundary X_test alone": (lambda: plotting.decision_boundary(net(), X2, [0, 1, 1], X_test=X2),
                                       r"X_test and y_test go together"),
    "decision_boundary predict not a function": (lambda: plotting.decision_boundary(3, X2, [0, 1, 1]),
                                                 r"predict must be a function"),
    "regression_fit X with NaN": (lambda: plotting.regression_fit(net(), [[np.nan]], [[1.0]]), r"X contains NaN"),
    "loss_curve of a matrix": (lambda: plotting.loss_curve(np.ones((2, 2))), r"history must be a list of losses"),
    "loss_curve with NaN": (lambda: plotting.loss_curve([1.0, np.nan]), r"history contains NaN"),
    "digits_grid of 7 pixels": (lambda: plotting.digits_grid(np.ones((2, 7))), r"images must be 8x8 digits"),
    "digits_grid n_columns 0": (lambda: plotting.digits_grid(np.ones((2, 64)), n_columns=0),
                                r"n_columns must be a positive integer"),
    "digits_grid labels too short": (lambda: plotting.digits_grid(np.ones((2, 64)), labels=[1]),
                                     r"labels must have one entry per image \(2\)"),
}


def refused_without_a_warning(call, message, error=ValueError):
    """``call()`` raises ``error`` matching ``message``, with no RuntimeWarning from NumPy on the way."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(error, match=message):
            call()


@pytest.mark.parametrize("call,message", BAD_CALLS.values(), ids=BAD_CALLS.keys())
def test_bad_input_is_a_value_error_that_names_it(call, message):
    refused_without_a_warning(call, message)


def test_integer_arrays_work_where_floats_do():
    network = net()
    network.weights[0] = np.array([[1, -1], [2, 0], [0, 1]])  # a learner's integer weights
    network.biases[1] = [0]  # and a list
    history = network.fit(X2, Y1, epochs=3, learning_rate=0.5)
    assert np.isfinite(history).all() and network.weights[0].dtype == np.float64
    np.testing.assert_array_equal(equations.bias_gradient(np.array([[1, 2], [3, 4]])), [2.0, 3.0])
    np.testing.assert_allclose(equations.weight_gradient(np.array([[2], [4]]), np.array([[1, 1], [0, 1]])),
                               [[1.0, 3.0]])
    np.testing.assert_allclose(network.forward(np.array([[1, 0]])), network.forward([[1.0, 0.0]]))
    np.testing.assert_array_equal(activations.relu(np.array([-2, 3])), [0.0, 3.0])
    for name in ("sigmoid", "tanh", "relu", "relu_prime", "identity", "identity_prime"):
        assert getattr(activations, name)(np.array([-2, 3])).dtype == np.float64, name


def test_float32_and_bool_inputs_are_computed_in_float64():
    network = net()
    assert network.forward(X2.astype(np.float32)).dtype == np.float64
    assert network.loss(X2 > 0, Y1) == pytest.approx(network.loss((X2 > 0).astype(float), Y1))
    assert equations.output_error(np.ones((2, 2), np.float32), np.ones((2, 2), np.float32)).dtype == np.float64
    assert activations.sigmoid(np.zeros(2, np.float32)).dtype == np.float32  # the training path keeps float32


def test_sigmoid_is_scipys_expit_bit_for_bit_without_a_warning_at_any_input():
    from scipy.special import expit  # the reference only: bplib itself does not import scipy

    z = np.concatenate([np.linspace(-800.0, 800.0, 100_001), [-709.8, -745.2, -1e308, 1e308, -np.inf, np.inf, np.nan]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(activations.sigmoid(z), expit(z))
        assert activations.sigmoid(-1000.0) == 0.0 and activations.sigmoid(np.float32(-100.0)) == 0.0
    assert float(activations.sigmoid(0.5)) == float(expit(0.5))


def test_one_hot_of_no_labels_is_an_empty_matrix():
    assert one_hot([], 3).shape == (0, 3)
    np.testing.assert_array_equal(one_hot(np.array([2.0, 0.0])), [[0, 0, 1], [1, 0, 0]])


def test_fit_with_a_batch_larger_than_the_set_is_full_batch():
    a, b = net(), net()
    assert a.fit(X2, Y1, epochs=3, batch_size=1000) == b.fit(X2, Y1, epochs=3, batch_size=None)
    np.testing.assert_array_equal(a.weights[0], b.weights[0])


def test_a_net_without_hidden_layer_and_soft_binary_targets():
    network = Network([2, 1], output_activation="sigmoid", loss="cross_entropy")
    soft = np.array([[0.2], [0.9], [0.5]])
    assert gradient_check(network, X2, soft).passed
    history = network.fit(X2, soft, epochs=200, learning_rate=1.0, batch_size=None)
    # the best a sigmoid unit can do for a soft target t is a = t, the loss's minimum
    assert history[-1] < history[0]


def test_dead_relu_units_give_zero_gradients_not_nan():
    network = Network([2, 3, 1], "relu", "identity")
    network.biases[0][:] = -100.0  # every hidden unit is dead for these inputs
    weight_grads, bias_grads = network.backprop(X2, Y1)
    assert np.all(weight_grads[0] == 0) and np.all(bias_grads[0] == 0)
    history = network.fit(X2, Y1, epochs=5, learning_rate=0.1)
    assert np.isfinite(history).all()


def test_weights_replaced_by_a_list_or_a_tuple_of_lists_are_used():
    network = net()
    network.weights = (network.weights[0].tolist(), network.weights[1])
    expected = net().forward(X2)
    np.testing.assert_allclose(network.forward(X2), expected)
    assert isinstance(network.weights, list) and network.weights[0].dtype == np.float64


def test_architecture_is_read_only():
    network = net()
    with pytest.raises(AttributeError):
        network.sizes = [2, 5, 1]
    network.sizes.append(7)  # a copy: the network is not changed by it
    assert network.sizes == [2, 3, 1]


def test_huge_targets_for_quadratic_loss_stop_fit_with_the_reason():
    network = net(output_activation="identity")
    with pytest.raises(ValueError, match="before training"):
        network.fit(X2, np.full((3, 1), 1e200))
    assert network.diverged_at is None


def test_training_diverged_is_raised_for_a_huge_learning_rate_with_bounded_outputs():
    network = Network([2, 4, 3], "relu", "softmax", "cross_entropy")
    with pytest.raises(TrainingDiverged):
        network.fit(X2 * 100, one_hot([0, 1, 2]), epochs=50, learning_rate=1e300, batch_size=1)
    assert all(np.isfinite(p).all() for p in network.weights + network.biases)
