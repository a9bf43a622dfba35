"""Random settings thrown at the public API (hypothesis): every call gives a finite result, a reported
divergence or a ValueError, never another exception, a NumPy warning or a silent NaN.

Derandomized with a modest number of examples, so that CI runs the same cases every time, quickly.
"""
import warnings

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from bplib import Network, TrainingDiverged, activations, equations, gradient_check, losses
from bplib.gradcheck import GradientCheck

FUZZ = settings(max_examples=80, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])
# The lists repeat their valid entries, so that most draws get past the argument checks to the
# arithmetic, while every invalid entry still comes up.
HIDDEN = ["sigmoid", "tanh", "relu", "identity"] * 3 + ["softmax", "sigmiod"]
PAIRS = [("sigmoid", "quadratic"), ("tanh", "quadratic"), ("relu", "quadratic"), ("identity", "quadratic"),
         ("sigmoid", "cross_entropy"), ("softmax", "cross_entropy")]
OUTPUT_LOSS = PAIRS * 2 + [("tanh", "cross_entropy"), ("softmax", "quadratic"), ("identity", "mse")]
SCALES = [0.0, 1e-300, 1e-8, 1.0, 1e3, 1e150, 1e300]
LEARNING_RATES = [1e-3, 0.1, 1.0, 50.0, 1e10, 1e30, 1e300, 0.0, -1.0, np.nan, np.inf, "0.1", True, 1e-3, 0.1, 1.0,
                  50.0, 1e10, 1e30, 1e300]
DTYPES = [np.float64, np.float32, np.int64, np.bool_, np.float16, np.longdouble]


def finite(value):
    """True unless value holds a NaN or an infinity (objects such as a Network count as finite)."""
    if isinstance(value, GradientCheck):
        return finite(float(value))
    if isinstance(value, (list, tuple)):
        return all(finite(item) for item in value)
    if isinstance(value, (np.ndarray, np.number, float, int)):
        return bool(np.all(np.isfinite(value)))
    return True


def outcome(call):
    """'ok' with a finite result, 'refused' for a ValueError, 'diverged' for TrainingDiverged."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a NumPy RuntimeWarning would fail the test too
        try:
            result = call()
        except TrainingDiverged:
            return "diverged", None
        except ValueError:
            return "refused", None
    assert finite(result), f"non-finite result {result!r}"
    return "ok", result


@st.composite
def network_cases(draw):
    sizes = draw(st.lists(st.integers(1, 5), min_size=2, max_size=4))
    output_activation, loss = draw(st.sampled_from(OUTPUT_LOSS))
    net_args = dict(activation=draw(st.sampled_from(HIDDEN)), output_activation=output_activation, loss=loss,
                    seed=draw(st.integers(0, 2 ** 32)))
    n = draw(st.integers(1, 12))
    dtype = draw(st.sampled_from(DTYPES))
    x_scale, y_scale, w_scale = (draw(st.sampled_from(SCALES)) for _ in range(3))
    rng = np.random.default_rng(draw(st.integers(0, 1000)))
    X = rng.normal(size=(n, sizes[0])) * x_scale
    if dtype is np.bool_:
        X = X > 0
    elif dtype is np.int64:
        X = np.round(np.clip(X, -1e6, 1e6)).astype(np.int64)
    else:
        with np.errstate(over="ignore"):
            X = X.astype(dtype)  # float32 overflows to inf beyond 3e38: refused as such
    targets = draw(st.sampled_from(["probabilities", "labels", "one-hot", "any"] * 2 + ["wrong shape"]))
    Y = rng.uniform(size=(n, sizes[-1]))  # probabilities: valid for every loss
    if targets == "labels":
        Y = (Y > 0.5).astype(float)
    elif targets == "one-hot":
        Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], size=n)]
    elif targets == "any":
        Y = rng.normal(size=(n, sizes[-1])) * y_scale
    elif targets == "wrong shape":
        Y = Y[:, :1] if sizes[-1] > 1 else np.vstack([Y, Y])
    fit_args = dict(epochs=draw(st.integers(1, 4)), learning_rate=draw(st.sampled_from(LEARNING_RATES)),
                    batch_size=draw(st.sampled_from([None, 1, 3, 100, 0, 2.5, 1, 3, 100, None])),
                    dtype=draw(st.sampled_from([np.float64, np.float32])),
                    on_divergence=draw(st.sampled_from(["raise", "stop", "raise"])))
    return sizes, net_args, X, Y, w_scale, fit_args


@FUZZ
@given(network_cases())
def test_network_calls_end_in_a_finite_result_a_divergence_or_a_value_error(case):
    sizes, net_args, X, Y, w_scale, fit_args = case
    status, net = outcome(lambda: Network(sizes, **net_args))
    if status == "refused":
        return
    for w in net.weights:
        w *= w_scale
    for call in (lambda: net.forward(X), lambda: net.loss(X, Y), lambda: net.backprop(X, Y),
                 lambda: net.predict(X)):
        outcome(call)
    status, history = outcome(lambda: net.fit(X, Y, **fit_args))
    assert all(finite(p) for p in net.weights + net.biases), "fit left non-finite parameters"
    if status == "diverged" or (status == "ok" and net.diverged_at is not None):
        assert net.diverged_at is not None and fit_args["learning_rate"] not in (0.0, -1.0)
    if sum(w.size for w in net.weights) <= 40:
        outcome(lambda: gradient_check(net, X, Y))


def arrays():
    values = st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=64), st.integers(-10, 10),
                       st.sampled_from([0.0, 1.0, 0.5, -1e300, 1e300]))
    return hnp.arrays(dtype=np.float64, shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=4),
                      elements=values)


@FUZZ
@given(st.sampled_from(["output_error", "hidden_error", "bias_gradient", "weight_gradient",
                        "quadratic", "binary_cross_entropy", "binary_cross_entropy_from_z",
                        "categorical_cross_entropy_from_z"]),
       st.lists(arrays(), min_size=3, max_size=3), st.booleans())
def test_equations_and_losses_end_in_a_finite_result_or_a_value_error(name, arrays_drawn, same_shapes):
    function = getattr(equations, name, None) or getattr(losses, name)
    n_args = {"hidden_error": 3, "bias_gradient": 1}.get(name, 2)
    args = arrays_drawn[:n_args]
    if same_shapes:  # mostly valid shapes, so that the formulas themselves get exercised
        first = np.atleast_2d(args[0])
        args = [first] + [np.resize(a, first.shape) if a.size else first for a in args[1:]]
        if name == "hidden_error":
            args[1] = np.resize(args[1], (first.shape[1], first.shape[1]))
    outcome(lambda: function(*args))


@FUZZ
@given(arrays(), st.sampled_from(["sigmoid", "sigmoid_prime", "tanh", "tanh_prime", "relu", "relu_prime",
                                  "identity", "identity_prime", "softmax", "log_softmax"]))
def test_activations_keep_finite_input_finite(z, name):
    z = np.nan_to_num(z, nan=0.0, posinf=1e308, neginf=-1e308)
    status, result = outcome(lambda: getattr(activations, name)(z))
    assert status == "ok" or name in ("softmax", "log_softmax")
    if status == "ok":
        assert result.shape == z.shape


@settings(FUZZ, max_examples=40)  # each example fits an estimator: fewer of them
@given(st.sampled_from(["classifier", "regressor"]),
       st.sampled_from([(), (3,), (2, 2), 4, (0,), "3", (3.5,), None]),
       st.sampled_from(["sigmoid", "tanh", "relu", "identity", "softmax"]),
       st.sampled_from([0.01, 0.5, 1e3, 1e300, 0.0, -1.0, np.nan, "0.1"]),
       st.sampled_from([1, 2, 0, 2.0]), st.sampled_from([None, 1, 7, 0, True]),
       st.sampled_from([0, 7, None, -1, "a"]), st.sampled_from(SCALES), st.sampled_from(SCALES))
def test_estimators_end_in_a_fitted_model_or_a_value_error(kind, hidden, activation, learning_rate, epochs,
                                                          batch_size, random_state, x_scale, y_scale):
    from bplib import BPClassifier, BPRegressor

    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 3)) * x_scale
    Estimator = BPClassifier if kind == "classifier" else BPRegressor
    y = np.array(["a", "b", "c"] * 4) if kind == "classifier" else rng.normal(size=12) * y_scale
    model = Estimator(hidden_layer_sizes=hidden, activation=activation, learning_rate=learning_rate,
                      epochs=epochs, batch_size=batch_size, random_state=random_state)
    status, fitted = outcome(lambda: model.fit(X, y) and model)
    assert status != "diverged", "TrainingDiverged must reach the user as a ValueError"
    if status == "ok":
        prediction = fitted.predict(X)
        assert len(prediction) == len(X)
        if kind == "regressor":
            assert finite(prediction)
