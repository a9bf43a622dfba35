"""Each of BP1-BP4 in bplib.equations against finite differences of the quantity it claims."""
import numpy as np
import pytest

from bplib import Network, equations
from bplib.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS, log_softmax, sigmoid, sigmoid_prime, softmax
from bplib.gradcheck import numerical_gradient, relative_error

RNG_SEED = 7


def small_batch():
    rng = np.random.default_rng(RNG_SEED)
    net = Network([3, 4, 2], "sigmoid", "sigmoid", "quadratic", seed=RNG_SEED)
    return net, rng.normal(size=(5, 3)), rng.uniform(size=(5, 2))


def forward(net, X):
    """activations a^0..a^2 and weighted inputs z^1, z^2 of the two-layer sigmoid net."""
    z1 = X @ net.weights[0].T + net.biases[0]
    z2 = sigmoid(z1) @ net.weights[1].T + net.biases[1]
    return [X, sigmoid(z1), sigmoid(z2)], [z1, z2]


def cost_from_output_z(z_out, Y):
    """C as a function of z^L alone (sigmoid output, quadratic loss)."""
    return float(np.mean(0.5 * np.sum((sigmoid(z_out) - Y) ** 2, axis=1)))


def test_bp1_output_error_is_dC_dz_of_the_output_layer():
    net, X, Y = small_batch()
    activations, weighted_inputs = forward(net, X)
    z_out = weighted_inputs[-1].copy()
    delta = equations.output_error(activations[-1] - Y, sigmoid_prime(z_out))
    # delta rows are per-sample dC_x/dz; the mean cost's derivative is delta / n.
    numeric = numerical_gradient(lambda: cost_from_output_z(z_out, Y), z_out)
    assert relative_error(delta / len(X), numeric).max() < 1e-8


def test_bp2_hidden_error_is_dC_dz_of_the_hidden_layer():
    net, X, Y = small_batch()
    activations, weighted_inputs = forward(net, X)
    z_hidden = weighted_inputs[0].copy()
    w2, b2 = net.weights[1], net.biases[1]
    delta_out = equations.output_error(activations[-1] - Y, sigmoid_prime(weighted_inputs[-1]))
    delta_hidden = equations.hidden_error(delta_out, w2, sigmoid_prime(z_hidden))
    numeric = numerical_gradient(lambda: cost_from_output_z(sigmoid(z_hidden) @ w2.T + b2, Y), z_hidden)
    assert delta_hidden.shape == z_hidden.shape
    assert relative_error(delta_hidden / len(X), numeric).max() < 1e-8


def test_bp3_and_bp4_are_the_parameter_gradients():
    net, X, Y = small_batch()
    activations, weighted_inputs = forward(net, X)
    delta_out = equations.output_error(activations[-1] - Y, sigmoid_prime(weighted_inputs[-1]))
    grad_w = equations.weight_gradient(delta_out, activations[1])
    grad_b = equations.bias_gradient(delta_out)
    cost = lambda: net.loss(X, Y)  # noqa: E731
    assert grad_w.shape == net.weights[1].shape and grad_b.shape == net.biases[1].shape
    assert relative_error(grad_w, numerical_gradient(cost, net.weights[1])).max() < 1e-8
    assert relative_error(grad_b, numerical_gradient(cost, net.biases[1])).max() < 1e-8


def test_bp4_is_the_mean_of_per_sample_outer_products():
    rng = np.random.default_rng(1)
    delta, a_prev = rng.normal(size=(4, 3)), rng.normal(size=(4, 5))
    outer = np.mean([np.outer(delta[i], a_prev[i]) for i in range(4)], axis=0)
    np.testing.assert_allclose(equations.weight_gradient(delta, a_prev), outer, rtol=1e-12)


@pytest.mark.parametrize("name", HIDDEN_ACTIVATIONS)
def test_activation_derivatives_match_central_differences(name):
    sigma, sigma_prime = ACTIVATIONS[name].function, ACTIVATIONS[name].derivative
    z = np.linspace(-3, 3, 13) + 0.05  # off the ReLU kink
    numeric = (sigma(z + 1e-6) - sigma(z - 1e-6)) / 2e-6
    np.testing.assert_allclose(sigma_prime(z), numeric, atol=1e-8)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", HIDDEN_ACTIVATIONS)
def test_the_training_steps_in_place_forms_give_the_same_bits(name, dtype):
    """function_over(z) is sigma(z) and times_derivative_from_output(delta, a) is delta * sigma'(z)."""
    entry = ACTIVATIONS[name]
    z = (np.linspace(-40, 40, 161) + 0.05).astype(dtype)  # off the ReLU kink, into saturation
    z[:3] = [-1e30, 1e30, 0.0]
    with np.errstate(over="ignore"):  # as in fit; exp(1e30) is inf and sigma 0, as sigmoid gives
        a = entry.function_over(z.copy())
    np.testing.assert_array_equal(a, entry.function(z))
    assert a.dtype == dtype
    delta = np.random.default_rng(0).normal(size=z.shape).astype(dtype)
    scaled = delta.copy()
    entry.times_derivative_from_output(scaled, a)
    np.testing.assert_array_equal(scaled, delta * entry.derivative(z))


def test_sigmoid_is_exact_and_finite_at_extremes():
    z = np.array([-1e300, -1000.0, -30.0, 0.0, 30.0, 1000.0, 1e300])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = sigmoid(z)
    assert s[0] == 0.0 and s[-1] == 1.0 and s[3] == 0.5
    np.testing.assert_allclose(sigmoid(np.array([-2.0, 0.5])), 1 / (1 + np.exp([2.0, -0.5])), rtol=1e-15)
    assert sigmoid(0.0) == 0.5


def test_softmax_rows_sum_to_one_without_overflow():
    z = np.array([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        p = softmax(z)
        log_p = log_softmax(z)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert np.all(np.isfinite(log_p))
    np.testing.assert_allclose(np.exp(log_p), p, atol=1e-300)
