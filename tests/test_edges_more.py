"""More edges of the core, found by trying what users pass: numbers and arrays of unusual kinds
(Python ints beyond float64, long doubles, fractions, masked arrays, np.matrix), parameters that share
memory, unordered sizes, non-finite scores, low-precision finite differences, odd labels and Values.

Each bad call must stop with a ValueError that says what was wrong (TypeError where Python itself
would raise one), with no NumPy warning on the way; each odd but valid call gives the right answer.
"""
import decimal
import fractions
import warnings

import numpy as np
import pytest
from scipy import sparse

from bplib import (BPClassifier, BPRegressor, Network, TrainingDiverged, activations, bughunt, datasets, equations,
                   gradient_check, losses, one_hot)
from bplib.autograd import Value, graph_order
from bplib.gradcheck import GradientCheck, numerical_gradient
from test_edges import X2, Y1, net, refused_without_a_warning

BEYOND = np.longdouble("1e400")  # finite as a long double, infinite as a float64


def with_weights(value, layer=0, network=None):
    network = network or Network([2, 3, 1])
    network.weights[layer] = value
    return network


def masked(values, mask):
    return np.ma.array(values, mask=mask)


def sharing(kind, second, call):
    """A [2, 2, 2] net whose layer-2 weights or biases are ``second(layer-1 array)``, then ``call(net)``."""
    network = Network([2, 2, 2], "identity", "identity")
    params = getattr(network, kind)
    params[1] = second(params[0])
    return call(network)


Y2 = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]])


BAD_CALLS = {
    # numbers that are not plain floats
    "learning rate a Python int beyond float64": (lambda: net().fit(X2, Y1, learning_rate=10 ** 400),
                                                  r"learning_rate must be a positive finite number, got 1000"),
    "learning rate a signalling-NaN Decimal": (lambda: net().fit(X2, Y1, learning_rate=decimal.Decimal("sNaN")),
                                               r"learning_rate must be a positive finite number, got Decimal\('sNaN'\)"),
    "a Value of a Decimal beyond float64": (lambda: Value(decimal.Decimal("1e400")),
                                            r"data must be a finite number, got Decimal\('1E\+400'\) \(beyond float64"),
    "learning rate a long double beyond float64": (lambda: net().fit(X2, Y1, learning_rate=BEYOND),
                                                   r"learning_rate must be a positive finite number"),
    "tolerance a Python int beyond float64": (lambda: gradient_check(net(), X2, Y1, tolerance=10 ** 400),
                                              r"tolerance must be a positive finite number"),
    "sin low a Python int beyond float64": (lambda: datasets.sin(low=-10 ** 400), r"low must be a finite number"),
    "noise a Python int beyond float64": (lambda: datasets.moons(noise=10 ** 400), r"noise must be a number from 0"),
    # arrays that are not plain float arrays
    "X with a Python int beyond float64": (lambda: net().forward([[10 ** 400, 0]]),
                                           r"X has entries beyond float64's range"),
    "X of long doubles beyond float64": (lambda: net().forward(np.full((2, 2), BEYOND)),
                                         r"X has entries beyond float64's range"),
    "weights with a Python int beyond float64": (lambda: with_weights([[10 ** 400, 0]] * 3).forward(X2),
                                                 r"net.weights\[0\] \(w\^1\) has entries beyond float64's range"),
    "weights of long doubles beyond float64": (lambda: with_weights(np.full((3, 2), BEYOND)).forward(X2),
                                               r"net.weights\[0\] \(w\^1\) has entries beyond float64's range"),
    "BP1 of a long double beyond float64": (lambda: equations.output_error(np.array([[BEYOND]]), [[1.0]]),
                                            r"cost_gradient has entries beyond float64's range"),
    "relu of a long double beyond float64": (lambda: activations.relu(BEYOND),
                                             r"z has entries beyond float64's range"),
    "X masked": (lambda: net().forward(masked(X2, [[1, 0], [0, 0], [0, 0]])), r"X has masked entries"),
    "Y masked": (lambda: net().fit(X2, masked(Y1, [[0], [1], [0]])), r"Y has masked entries"),
    "weights all masked": (lambda: with_weights(masked(np.ones((3, 2)), True)).forward(X2),
                           r"net.weights\[0\] \(w\^1\) has masked entries"),
    "BP3 of a masked delta": (lambda: equations.bias_gradient(masked([[1.0, 2.0]], [[1, 0]])),
                              r"delta has masked entries"),
    "sigmoid of a masked array": (lambda: activations.sigmoid(masked([1.0, 2.0], [1, 0])),
                                  r"z has masked entries"),
    # softmax of scores that are not finite: IEEE arithmetic gives NaN (with a warning), not the limit
    "softmax of infinity": (lambda: activations.softmax([[np.inf, 0.0]]),
                            r"z contains NaN or infinity \(first at row 0, column 0\)"),
    "softmax of NaN": (lambda: activations.softmax([1.0, np.nan]), r"z contains NaN or infinity"),
    "log_softmax of minus infinity": (lambda: activations.log_softmax([[0.0, -np.inf]]), r"z contains NaN"),
    "log_softmax beyond float64": (lambda: activations.log_softmax([[1.7e308, -1.7e308]]),
                                   r"log_softmax.*below -1.8e\+308.*scores of a row span more than"),
    "categorical cross-entropy of infinity": (
        lambda: losses.categorical_cross_entropy_from_z([[np.inf, 0.0]], [[1.0, 0.0]]),
        r"categorical_cross_entropy_from_z: Z contains NaN or infinity"),
    "softmax output that overflows": (
        lambda: with_weights(np.full((3, 2), 100.0), network=Network([2, 3], output_activation="softmax",
                                                                       loss="cross_entropy")).forward([[1e307, 1e307]]),
        r"the network's output overflowed float64"),
    # finite differences whose nudges are rounded: float16 gave 13.67 for the derivative 6 of x^2 at 3
    "numerical_gradient of a float16 array": (lambda: numerical_gradient(lambda: 0.0, np.full(2, 3.0, np.float16)),
                                              r"array of floats, float64.*got ndarray of dtype float16"),
    "numerical_gradient of a float32 array": (lambda: numerical_gradient(lambda: 0.0, np.zeros(2, np.float32)),
                                              r"param must be a writable NumPy array of floats, float64"),
    "numerical_gradient of a read-only view": (
        lambda: numerical_gradient(lambda: 0.0, np.broadcast_to(np.zeros(1), (2,))), r"param must be a writable"),
    "numerical_gradient with nudges float64 rounds": (
        lambda: numerical_gradient(lambda: 0.0, np.array([1e12, 0.0])), r"eps=0.001 does not fit the parameters"),
    # gradient check reports built by hand
    "GradientCheck of a row of two": (lambda: GradientCheck([(1, "w")], 1e-6),
                                      r"each row must be \(layer, name, error\).*got \(1, 'w'\)"),
    "GradientCheck of a NaN error": (lambda: GradientCheck([(1, "b", 0.1), (1, "w", np.nan)], 1.0),
                                     r"the error of row 1 must be a finite number >= 0, got nan"),
    "GradientCheck of a negative error": (lambda: GradientCheck([(1, "w", -1.0)], 1e-6),
                                          r"the error of row 0 must be a finite number >= 0, got -1.0"),
    "GradientCheck of an error string": (lambda: GradientCheck([(1, "w", "1e-9")], 1e-6),
                                         r"the error of row 0 must be a finite number >= 0, got '1e-9'"),
    "GradientCheck of rows None": (lambda: GradientCheck(None, 1e-6), r"rows must be a list of \(layer, name, error\)"),
    # data sets
    "one_hot of a label beyond n_classes and int64": (lambda: one_hot([1e300], 3),
                                                      r"label 1e\+300 does not fit n_classes=3"),
    "one_hot of masked labels": (lambda: one_hot(masked([0, 1, 2], [0, 1, 0])), r"labels has masked entries"),
    "spiral of 1e308 turns": (lambda: datasets.spiral(turns=1e308), r"turns must be a positive number up to 1e\+06"),
    "spiral of 1e300 turns": (lambda: datasets.spiral(turns=1e300), r"turns must be a positive number up to"),
    # sizes without an order: a set iterates in the order of its hashes, so {5, 2, 1} built [1, 2, 5]
    "sizes a set": (lambda: Network({5, 2, 1}), r"sizes must list at least two layers.*got \{1, 2, 5\}"),
    "sizes a frozenset": (lambda: Network(frozenset({5, 2, 1})), r"sizes must list at least two layers"),
    # parameters that share memory: a step or a nudge of one would change the other
    "fit with one array as two layers' weights": (
        lambda: sharing("weights", lambda w: w, lambda n: n.fit(X2, Y2)),
        r"net.weights\[1\] \(w\^2\) shares its memory with net.weights\[0\] \(w\^1\)"),
    "fit with a layer's weights a view of another's": (
        lambda: sharing("weights", lambda w: w.T, lambda n: n.fit(X2, Y2, dtype=np.float32)),
        r"net.weights\[1\] \(w\^2\) shares its memory with net.weights\[0\]"),
    "gradient_check with one array as two layers' biases": (
        lambda: sharing("biases", lambda b: b, lambda n: gradient_check(n, X2, Y2)),
        r"net.biases\[1\] \(b\^2\) shares its memory with net.biases\[0\] \(b\^1\)"),
}


@pytest.mark.parametrize("call,message", BAD_CALLS.values(), ids=BAD_CALLS.keys())
def test_bad_input_is_a_value_error_that_names_it(call, message):
    refused_without_a_warning(call, message)


def test_numbers_of_other_real_types_are_taken_at_their_value():
    """A Fraction, a Decimal, a Python int above 2**64 or a NumPy scalar is a number like any other."""
    a, b, c = net(), net(), net()
    assert a.fit(X2, Y1, epochs=2, learning_rate=fractions.Fraction(1, 10)) == \
        b.fit(X2, Y1, epochs=2, learning_rate=0.1) == c.fit(X2, Y1, epochs=2, learning_rate=decimal.Decimal("0.1"))
    sum_ = decimal.Decimal("0.5") + Value(decimal.Decimal("1.5")) - decimal.Decimal(1)
    assert sum_.data == 1.0 and (Value(3.0) / decimal.Decimal("1.5")).data == 2.0
    assert gradient_check(net(), X2, Y1, eps=fractions.Fraction(1, 1000), tolerance=2 ** 70).passed
    network = net("identity", "identity")
    network.fit(X2, Y1, learning_rate=2 ** 70, on_divergence="stop")
    assert network.diverged_at is not None  # a huge but finite learning rate diverges: no TypeError
    assert datasets.sin(3, low=-2 ** 70, high=2 ** 70)[0].shape == (3, 1)


def test_a_masked_array_without_masked_entries_is_its_data():
    np.testing.assert_array_equal(net().forward(masked(X2, False)), net().forward(X2))


def test_weights_replaced_by_an_np_matrix_train_as_an_array():
    """np.matrix's * is a matrix product: kept as it is, it broke the training step's elementwise products."""
    expected = net().fit(X2, Y1, epochs=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)  # np.matrix's own, on creating one
        network = with_weights(np.matrix(net().weights[1]), layer=1)
    assert network.fit(X2, Y1, epochs=2) == expected
    assert type(network.weights[1]) is np.ndarray


def test_forward_and_backprop_with_shared_parameters_are_still_computed():
    """Only fit and gradient_check change the parameters; the others read them, which is well defined."""
    shared = sharing("weights", lambda w: w, lambda n: n)
    separate = Network([2, 2, 2], "identity", "identity")
    separate.weights[1] = separate.weights[0].copy()
    np.testing.assert_array_equal(shared.forward(X2), separate.forward(X2))
    np.testing.assert_array_equal(shared.backprop(X2, Y2)[0][1], separate.backprop(X2, Y2)[0][1])


def test_data_that_is_a_parameter_array_is_copied_before_the_parameters_change():
    """X = net.weights[0] itself: fit's steps and gradient_check's nudges changed X as they went."""
    network = Network([2, 2], "identity", "identity")
    expected = Network([2, 2], "identity", "identity").fit(network.weights[0].copy(), np.eye(2), epochs=3,
                                                            batch_size=None)
    assert network.fit(network.weights[0], np.eye(2), epochs=3, batch_size=None) == expected
    network = Network([2, 2], "identity", "identity")
    assert gradient_check(network, network.weights[0], np.eye(2)).passed


def test_large_finite_weights_are_not_taken_for_a_divergence():
    """fit tested the parameters with sum(w . w), which overflows for weights of 1e200 that are finite:
    it reported a divergence (blaming the learning rate) where none happened."""
    network = Network([2, 2, 1], "tanh", "identity")
    network.weights[0][:] = 1e200  # saturates the tanh units: finite outputs, a finite loss
    history = network.fit(X2, Y1, epochs=3, learning_rate=0.01)
    assert network.diverged_at is None and len(history) == 3 and np.isfinite(history).all()


@pytest.mark.parametrize("seed", range(4))
def test_a_batch_of_outliers_is_not_taken_for_a_divergence(seed):
    """One mistyped target of 2e4 in sin's data: the batch holding it has a loss 10^6 times the first
    batch's, with a learning rate of 1e-300 that moves nothing. fit reported a divergence (for three
    seeds of four) and BPRegressor told the learner to try 1e-301."""
    X, Y = datasets.sin(n_samples=100)
    Y[50] = 2e4
    network = Network([1, 8, 1], "tanh", "identity", seed=seed)
    start = [w.copy() for w in network.weights]
    history = network.fit(X, Y, epochs=3, learning_rate=1e-300)
    assert network.diverged_at is None and len(history) == 3
    assert all(np.array_equal(w, w0) for w, w0 in zip(network.weights, start))
    assert len(BPRegressor(random_state=seed, learning_rate=1e-300, epochs=3).fit(X, Y.ravel()).loss_curve_) == 3


def test_a_loss_that_climbs_slowly_is_a_divergence_once_it_is_10_6_times_its_start():
    """Full-batch descent on C = (w + b)^2 / 2 at learning rate 1.5 multiplies the loss by 4 per epoch:
    no epoch grows it 10^6-fold, but the twelfth's, 0.5 * 4^11, passes 10^6 times (1 + 0.5), where
    the call started, and its batch is the same batch, so this is no batch of outliers. That loss is
    of the parameters the eleventh epoch left: the eleventh diverged, and the tenth's are kept."""
    network = Network([1, 1], "identity", "identity", seed=0)
    network.weights[0][:], network.biases[0][:] = 1.0, 0.0
    history = network.fit([[1.0]], [[0.0]], epochs=40, learning_rate=1.5, on_divergence="stop")
    np.testing.assert_allclose(history, 0.5 * 4.0 ** np.arange(len(history)))
    assert network.diverged_at == 11 and len(history) == 10
    assert network.weights[0][0, 0] + network.biases[0][0] == pytest.approx((-2.0) ** 10)


def test_training_diverged_names_a_learning_rate_that_is_not_a_number():
    assert "learning_rate=None is too large" in str(TrainingDiverged(1, [], None))
    assert "learning_rate='x' is too large" in str(TrainingDiverged(1, [], "x"))


@pytest.mark.parametrize("hidden", [{3, 2}, frozenset({4, 1}), {3: "a"}])
def test_estimators_refuse_hidden_layer_sizes_without_an_order(hidden):
    with pytest.raises(ValueError, match="hidden_layer_sizes must be a tuple of positive integers"):
        BPClassifier(hidden_layer_sizes=hidden, epochs=1).fit(X2, [0, 1, 1])


@pytest.mark.parametrize("dtype,big", [(np.float64, 1.7e308), (np.float32, 3e38)])
def test_softmax_of_scores_spanning_more_than_the_float_range_is_exact_without_a_warning(dtype, big):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = activations.softmax(np.array([[big, -big], [-big, big]], dtype=dtype))
    np.testing.assert_array_equal(result, [[1.0, 0.0], [0.0, 1.0]])
    assert result.dtype == dtype


def test_numerical_gradient_of_a_long_double_array_is_exact_enough():
    param = np.full(2, 3.0, np.longdouble)
    grad = numerical_gradient(lambda: float((param.astype(float) ** 2).sum()), param)
    np.testing.assert_allclose(grad, [6.0, 6.0], rtol=1e-10)


def test_one_hot_of_float16_labels_compares_them_in_float64():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # comparing with 10**6 in float16 overflowed
        encoded = one_hot(np.array([0.0, 2.0], dtype=np.float16))
    np.testing.assert_array_equal(encoded, [[1, 0, 0], [0, 0, 1]])


def classifier_fit(**params):
    return lambda X=X2, y=(0, 1, 1): BPClassifier(epochs=1, **params).fit(X, list(y))


ESTIMATOR_CALLS = {
    "random_state a bool": (classifier_fit(random_state=True), r"random_state must be None, an integer from 0 "
                                                                r"to 2\*\*32 - 1 \(the seed\).*got True"),
    "random_state beyond 2**32": (classifier_fit(random_state=2 ** 40),
                                  r"random_state must be None.*got 1099511627776"),
    "random_state a Generator": (classifier_fit(random_state=np.random.default_rng(0)), r"random_state must be None"),
    "random_state a float": (classifier_fit(random_state=1.5), r"random_state must be None.*got 1.5"),
    "labels None among strings": (lambda: classifier_fit()(y=["a", None, "b"]),
                                  r"y's labels must be of one kind that can be sorted.*NoneType, str"),
    "labels None and one string": (lambda: classifier_fit()(y=["a", None, "a"]), r"y's labels must be of one kind"),
    "a Fraction learning rate that diverges": (
        lambda: BPRegressor(learning_rate=fractions.Fraction(10 ** 6), epochs=5, random_state=0).fit(
            X2, [1e3, -1e3, 2e3]),
        r"BPRegressor diverged at epoch \d: .*learning_rate=1e\+06 is too large.*such as 100000"),
    "regression targets beyond float64": (
        lambda: BPRegressor(epochs=1).fit(X2, np.full(3, BEYOND)),
        r"y has entries beyond float64's range"),
}


@pytest.mark.parametrize("call,message", ESTIMATOR_CALLS.values(), ids=ESTIMATOR_CALLS.keys())
def test_estimators_refuse_bad_input_with_a_value_error_that_names_it(call, message):
    refused_without_a_warning(call, message)


def test_estimators_take_numpy_integer_seeds_and_random_states():
    assert classifier_fit(random_state=np.uint32(2 ** 32 - 1))().network_.seed == 2 ** 32 - 1
    assert isinstance(classifier_fit(random_state=np.random.RandomState(0))().network_.seed, int)


# -- bplib.autograd ---------------------------------------------------------------------------------
VALUE_ERRORS = {
    "a NaN leaf": (lambda V: V(float("nan")), ValueError, r"data must be a finite number, got nan"),
    "an infinite leaf": (lambda V: V(float("inf")), ValueError, r"data must be a finite number, got inf"),
    "a leaf of a Python int beyond float64": (lambda V: V(10 ** 400), ValueError, r"data must be a finite number"),
    "a leaf of a string": (lambda V: V("1.5"), ValueError, r"data must be a finite number, got '1.5'"),
    "a leaf of an array": (lambda V: V(np.array([1.0, 2.0])), ValueError, r"data must be a finite number"),
    "a leaf of None": (lambda V: V(None), ValueError, r"data must be a finite number, got None"),
    "a product that overflows": (lambda V: V(1e200) * 1e200, ValueError,
                                 r"the result of \* is inf: it overflowed float64"),
    "a sum that overflows": (lambda V: V(1.7e308) + V(1.7e308), ValueError, r"the result of \+ is inf"),
    "parents that are not Values": (lambda V: V(1.0, parents=[1, 2], op="+"), ValueError,
                                    r"parents must be Values, got int"),
    "graph_order of a number": (lambda V: graph_order(3), ValueError,
                                r"graph_order needs a Value, got int"),
    "division by zero": (lambda V: V(1.0) / 0, ZeroDivisionError, r"cannot divide Value\(data=1.0000.*by zero"),
    "division by a NumPy zero": (lambda V: V(1.0) / np.float64(0.0), ZeroDivisionError, r"by zero"),
    # what Python itself raises for an operand it has no rule for
    "division by a Value": (lambda V: V(1.0) / V(2.0), TypeError,
                            r"unsupported operand type\(s\) for /: 'Value' and 'Value'"),
    "a Value plus a string": (lambda V: V(1.0) + "a", TypeError, r"unsupported operand type\(s\) for \+"),
    "a Value times None": (lambda V: V(1.0) * None, TypeError, r"unsupported operand type\(s\) for \*"),
    "a Value plus a complex number": (lambda V: V(1.0) + 1j, TypeError, r"unsupported operand"),
}


@pytest.mark.parametrize("call,error,message", VALUE_ERRORS.values(), ids=VALUE_ERRORS.keys())
def test_values_refuse_what_is_not_a_finite_real_number(call, error, message):
    refused_without_a_warning(lambda: call(Value), message, error)


def test_a_gradient_that_overflows_is_reported_by_backward():
    x = Value(1e-300)
    C = x * 1e300 * 1e300 * 1e-300 * 1e20  # C = 1e20: finite, but dC/dx = 1e320
    with pytest.raises(ValueError, match=r"backward: a gradient overflowed float64"):
        C.backward()


def test_values_work_with_numpy_on_either_side():
    x = Value(2.0)
    assert (np.float64(3.0) * x).data == 6.0 and (x * np.float64(3.0)).data == 6.0
    assert (x / np.int64(4)).data == 0.5 and (np.float32(1.0) - x).data == -1.0
    products = x * np.array([1.0, 2.0])  # NumPy applies Value.__rmul__ to each entry, as for the reverse
    assert [v.data for v in products] == [2.0, 4.0]
    assert [v.data for v in np.array([1.0, 2.0]) * x] == [2.0, 4.0]
    products[1].backward()
    assert x.grad == 2.0


@pytest.mark.parametrize("labels", [[0, 1, 1], [0, 1, 2]])
def test_predict_log_proba_is_finite_where_a_probability_rounds_to_0(labels):
    """np.log(predict_proba) gave -inf (a silently wrong number) for points far from the boundary."""
    clf = BPClassifier(hidden_layer_sizes=(), epochs=20, learning_rate=0.5, random_state=0).fit(X2, labels)
    far = X2 * 1e4
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        log_proba = clf.predict_log_proba(far)
    assert np.isfinite(log_proba).all() and log_proba.min() < -800  # below log of the smallest float
    np.testing.assert_allclose(np.exp(log_proba), clf.predict_proba(far), atol=1e-300)
    np.testing.assert_allclose(clf.predict_log_proba(X2), np.log(clf.predict_proba(X2)), rtol=1e-12)


def test_training_diverged_survives_pickle_and_copy():
    """Raised in a worker process (joblib, multiprocessing) it is pickled; it could not be rebuilt."""
    import copy
    import pickle

    error = TrainingDiverged(3, [1.0, 2.0], 0.5)
    for again in (pickle.loads(pickle.dumps(error)), copy.copy(error)):
        assert (again.epoch, again.history, str(again)) == (3, [1.0, 2.0], str(error))


def _plain_ones(n_points):
    return np.zeros(3)   # three values, whatever the number of points


def _plotting():
    """bplib.plotting, imported when a test needs it: matplotlib stays out of the collection."""
    import matplotlib

    matplotlib.use("Agg")
    from bplib import plotting

    return plotting


# Found by an adversarial sweep of the public API: each was a NumPy, matplotlib or Python error from
# deep inside, a warning, or a message that hid what was wrong.
SWEEP_REFUSALS = {
    "cross-entropy from z of no classes": (
        lambda: losses.categorical_cross_entropy_from_z(np.zeros((2, 0)), np.zeros((2, 0))),
        r"needs rows of at least one score: .* got shape \(2, 0\)"),
    "one_hot of the largest uint64": (
        lambda: one_hot(np.array([2**64 - 1], dtype=np.uint64)), r"would make 18446744073709551616 classes"),
    "one_hot of a label beyond int64": (lambda: one_hot([2**70]), r"label 1180591620717411303424 is beyond"),
    "a target one ulp above 1": (
        lambda: Network([2, 3, 1], loss="cross_entropy").loss(X2, [[0], [1 + 2**-52], [1]]),
        r"must lie in \[0, 1\] .*got 1\.0000000000000002 at row 1"),
    "float32 training that overflows": (
        lambda: with_weights(np.full((1, 3), 1e20), 1, Network([2, 3, 1], output_activation="identity")).fit(
            X2, Y1, epochs=1, learning_rate=1e-60, dtype=np.float32),
        r"too large; scale X \(and, for regression, Y\), or train with dtype=np\.float64"),
    "GradientCheck rows of numbers": (
        lambda: GradientCheck([1, 2], 1e-6), r"rows must be a list of \(layer, name, error\).* got list \[1, 2\]"),
    "decision_boundary whose predict returns 3 values": (
        lambda: _plotting().decision_boundary(_plain_ones, X2, [0, 1, 1], resolution=5),
        r"predict must return one value per point, shape \(n,\) or \(n, 1\) for n = 25; .*returned shape \(3,\)"),
    "decision_boundary whose predict returns None": (
        lambda: _plotting().decision_boundary(lambda P: None, X2, [0, 1, 1], resolution=5),
        r"what predict returned must be real numbers .* got NoneType"),
    "regression_fit whose target returns text": (
        lambda: _plotting().regression_fit(lambda G: G, [[0.0], [1.0]], [0, 1], target=lambda x: "a"),
        r"what target returned must be real numbers"),
    "regression_fit whose predict returns 3 values": (
        lambda: _plotting().regression_fit(_plain_ones, [[0.0], [1.0]], [0, 1]),
        r"predict must return one value per point, shape \(n,\) or \(n, k\) for n = 400"),
    "digits_grid with one label for all": (
        lambda: _plotting().digits_grid(np.ones((2, 64)), labels=5), r"labels must have one entry per image \(2\)"),
}

_MASKED_X = np.ma.masked_array([[0.0], [1.0], [1e6], [2.0]], mask=[[0], [0], [1], [0]])
# A third sweep (autograd, estimators, bughunt): each of these ran on, or failed with another error, before.
THIRD_SWEEP_REFUSALS = {
    "BPRegressor fit on masked X (it trained on the value under the mask)": (
        lambda: BPRegressor(epochs=1).fit(_MASKED_X, [0.0, 1.0, 2.0, 3.0]), r"X has masked entries"),
    "BPRegressor fit on masked y": (
        lambda: BPRegressor(epochs=1).fit([[0.0], [1.0], [2.0], [3.0]],
                                          np.ma.masked_array([0.0, 1.0, 1e6, 3.0], mask=[0, 0, 1, 0])),
        r"y has masked entries"),
    "BPClassifier predict_proba of masked X": (
        lambda: BPClassifier(epochs=1, random_state=0).fit([[0.0], [1.0], [2.0], [3.0]], [0, 1, 0, 1]).predict_proba(
            np.ma.masked_array([[1e6]], mask=[[1]])), r"X has masked entries"),
    "BPRegressor fit on a sparse y": (
        lambda: BPRegressor(epochs=1).fit([[0.0], [1.0]], sparse.csr_matrix([[0.0], [1.0]])),
        r"y is a sparse csr_matrix; expected a dense array: pass y.toarray\(\)"),
    "Value divided into an overflow": (lambda: Value(1e-10) / 1e-310, r"1/1e-310 overflows float64"),
    "Value divided by an int beyond float64": (
        lambda: Value(2) / 10 ** 400,
        r"the divisor of .* must be a finite number, got 100000000000\.\.\. \(401 characters\)"),
    "Value divided by True": (lambda: Value(2) / True, r"the divisor of .* must be a finite number, got True"),
    "Value times True": (lambda: Value(2) * True,
                         r"the number on the other side of \* must be a finite number, got True"),
    "Value minus a string": (lambda: Value(2) - "a", r"unsupported operand type\(s\) for -: 'Value' and 'str'"),
    "a string minus a Value": (lambda: "a" - Value(2), r"unsupported operand type\(s\) for -: 'str' and 'Value'"),
    "planted_bug of a list": (lambda: bughunt.planted_bug(["sign"]), r"unknown bug \['sign'\]; expected one of"),
    # a last sweep of the day's changes
    "Value divided by a Fraction that rounds to 0": (
        lambda: Value(2.0) / fractions.Fraction(1, 10 ** 400), r"the divisor rounds to 0 in float64"),
    "Value plus an int beyond float64": (
        lambda: Value(2.0) + 10 ** 400, r"got 100000000000\.\.\. \(401 characters\) \(beyond float64's range\)"),
    "BPClassifier fit on rows that are masked arrays": (
        lambda: BPClassifier(epochs=1).fit([np.ma.array([1.0, 2.0], mask=[True, False]), np.array([0.0, 1.0])],
                                           [0, 1]), r"X has masked entries"),
}


@pytest.mark.parametrize("call,message,error", [
    (call, message, TypeError if "unsupported operand" in message else ValueError)
    for call, message in THIRD_SWEEP_REFUSALS.values()], ids=THIRD_SWEEP_REFUSALS.keys())
def test_what_the_third_sweep_found_is_refused_with_a_message_that_names_it(call, message, error):
    refused_without_a_warning(call, message, error)


def test_a_leaf_as_the_root_adds_up_over_backward_calls_as_every_leaf_does():
    leaf, below = Value(3.0), Value(3.0)
    root = below * 1.0
    for _ in range(2):
        leaf.backward()
        root.backward()
    assert leaf.grad == below.grad == 2.0


@pytest.mark.parametrize("call,message", SWEEP_REFUSALS.values(), ids=SWEEP_REFUSALS.keys())
def test_what_the_sweep_found_is_refused_with_a_message_that_names_it(call, message):
    refused_without_a_warning(call, message)


def test_a_bias_gradient_of_the_wrong_shape_names_the_biases():
    network = Network([2, 3, 1], seed=0)
    weight_grads, bias_grads = network.backprop(X2, Y1)
    network.backprop = lambda X, Y: (weight_grads, [b[:1] for b in bias_grads])
    refused_without_a_warning(lambda: gradient_check(network, X2, Y1), r"\(the shape of the biases it belongs to\)")


def test_decision_boundary_draws_a_networks_last_output_and_regression_fit_its_first():
    """A two-unit softmax network: its last output is class 1's probability, as the docstring says."""
    plotting = _plotting()
    network = Network([2, 4, 2], "tanh", "softmax", "cross_entropy", seed=0)
    drawn = plotting.decision_boundary(network, X2, [0, 1, 1], resolution=5)
    by_hand = plotting.decision_boundary(lambda P: network.forward(P)[:, 1], X2, [0, 1, 1], resolution=5)
    def bands(ax):   # the filled regions of each level band of the heat map
        return [[segment.tolist() for segment in level] for level in ax.collections[0].allsegs]

    assert bands(drawn) == bands(by_hand)
    curve = plotting.regression_fit(Network([1, 3, 2], seed=0), [[0.0], [1.0]], [0, 1]).lines[0].get_ydata()
    np.testing.assert_array_equal(curve, Network([1, 3, 2], seed=0).forward(np.linspace(0, 1, 400)[:, None])[:, 0])
    plotting.plt.close("all")


def test_bpclassifier_breaks_a_tie_at_one_half_as_its_network_does():
    classifier = BPClassifier(hidden_layer_sizes=(3,), epochs=1, random_state=0).fit(X2, ["no", "yes", "yes"])
    for w in classifier.network_.weights + classifier.network_.biases:
        w[...] = 0.0   # every output is sigmoid(0) = 0.5
    assert list(classifier.predict(X2)) == ["yes"] * 3
    assert list(classifier.classes_[classifier.network_.predict(X2).ravel()]) == ["yes"] * 3


# Found by a random fuzz of settings (16,000 cases): an infinite loss let through, and a network kept
# whose loss overflows.
@pytest.mark.parametrize("dtype,outlier", [(np.float64, 2e155), (np.float32, 1e20)])
def test_a_batch_whose_loss_overflows_at_the_start_is_refused_not_put_in_the_history(dtype, outlier):
    """Its square overflows: the history was [inf, inf], no divergence (the outlier test took inf <= inf),
    where batch_size=None refused the data. Now every batch size refuses it."""
    Y = np.array([[0.0], [1.0], [outlier], [3.0]])
    for batch_size in (1, None):
        network = Network([1, 3, 1], "tanh", "identity", seed=0)
        start = [w.copy() for w in network.weights]
        message = r"NaN or infinite before training .* scale X \(and, for regression, Y\)"
        refused_without_a_warning(lambda: network.fit(np.zeros((4, 1)), Y, epochs=2, learning_rate=1e-300,
                                                      batch_size=batch_size, seed=1, dtype=dtype),
                                  message + (", or train with dtype=np.float64" if dtype == np.float32 else ""))
        assert all(np.array_equal(w, w0) for w, w0 in zip(network.weights, start))
    if dtype == np.float64:   # the estimators train in float64, where 1e20 squared is finite
        with pytest.raises(ValueError, match="before training"):
            BPRegressor(learning_rate=1e-300, batch_size=1, epochs=2, random_state=0).fit(np.zeros((4, 1)), Y.ravel())


def test_a_loss_that_climbs_to_infinity_from_near_the_float_limit_is_a_divergence():
    """The first loss, 5e303, made the limit 10^6 times it infinite, so the climb to inf passed. The ninth
    epoch's loss, computed before its step, is infinite: so the eighth epoch diverged, and the network
    keeps the parameters of the seventh, whose loss is finite."""
    network = Network([1, 1], "identity", "identity")
    network.weights[0][:], network.biases[0][:] = 1.0, 0.0
    history = network.fit([[1e152]], [[0.0]], epochs=12, learning_rate=3e-304, on_divergence="stop")
    assert network.diverged_at == 8 and len(history) == 7 and np.isfinite(history).all()
    assert network.loss([[1e152]], [[0.0]]) == pytest.approx(4 * history[-1])


def test_an_epoch_that_makes_a_deep_networks_loss_overflow_is_a_divergence():
    """Five identity layers, learning rate 1e60: after one full-batch step each parameter is finite and
    below 1e154, but their product overflows the loss. fit returned [0.986] and loss() then refused."""
    X, Y = np.array([[1.0], [2.0]]), np.array([[1.0], [-1.0]])
    network = Network([1, 1, 1, 1, 1, 1], "identity", "identity", seed=0)
    start = network.loss(X, Y)
    with pytest.raises(TrainingDiverged, match="at epoch 1"):
        network.fit(X, Y, epochs=1, learning_rate=1e60, batch_size=None)
    assert network.loss(X, Y) == start
    network.fit(X, Y, epochs=3, learning_rate=1e30, batch_size=None, on_divergence="stop")
    assert network.diverged_at == 1 and network.loss(X, Y) == start   # epoch 2's batch is epoch 1's result


def test_backprop_whose_output_error_overflows_says_so_without_a_warning():
    network = Network([1, 1], "identity", "identity")
    network.weights[0][:], network.biases[0][:] = 1e308, 0.0
    refused_without_a_warning(lambda: network.backprop([[1.0]], [[-1e308]]),
                              r"the output error a\^L - y overflowed float64 .* scale Y")


def test_the_estimators_take_huge_features_of_both_signs_without_a_warning():
    X = np.array([[1e308], [-1e308]] * 8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        regressor = BPRegressor(epochs=1, random_state=0).fit(X, np.zeros(16))
        assert np.isfinite(regressor.predict(X)).all()
        BPClassifier(epochs=1, random_state=0).fit(X, [0, 1] * 8).predict_proba(X)


def test_an_epoch_of_batch_losses_near_the_float_limit_has_a_finite_mean():
    """Each batch's loss, 7.2e307, is finite, but their sum overflowed: the history read [inf, inf]."""
    network = Network([1, 1], "identity", "identity", seed=0)
    network.weights[0][:], network.biases[0][:] = 0.0, 0.0
    history = network.fit(np.zeros((8, 1)), np.full((8, 1), 1.2e154), epochs=2, learning_rate=1e-300, batch_size=1)
    assert history == pytest.approx([0.5 * 1.2e154 ** 2] * 2, rel=1e-15) and network.diverged_at is None


@pytest.mark.parametrize("output", ["tanh", "sigmoid", "relu"])
def test_fit_refuses_an_output_that_overflows_as_forward_does(output):
    """z^L = 1e310 overflows, and tanh, sigmoid (or relu, from below) turned the infinity into a finite output:
    fit trained on it and reported a loss of 0, where forward and loss() refuse the same network and data."""
    network = Network([1, 1], "identity", output)
    network.weights[0][:] = 1e10 if output != "relu" else -1e10
    X, Y = [[1e300]], [[1.0 if output != "relu" else 0.0]]
    with pytest.raises(ValueError, match="output overflowed"):
        network.forward(X)
    refused_without_a_warning(lambda: network.fit(X, Y, epochs=2), r"NaN or infinite before training")


def test_the_network_kept_after_a_divergence_has_a_finite_loss():
    """x = 1e150: one step takes w from 0 to -1e5, each parameter finite and the norm only 10 times
    larger, but the output -1e155 overflows the loss, as the next epoch's first batch shows. That epoch
    diverged: the network kept its result, whose loss() then overflowed; it keeps the start now."""
    network = Network([1, 1], "identity", "identity")
    network.weights[0][:], network.biases[0][:] = 0.0, 1e4
    X, Y = [[1e150]], [[0.0]]
    history = network.fit(X, Y, epochs=3, learning_rate=1e-149, on_divergence="stop")
    assert network.diverged_at == 1 and history == []
    assert network.loss(X, Y) == 0.5 * 1e4 ** 2


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_network_kept_after_a_divergence_is_within_the_limit(dtype):
    """Full batch, so each epoch's loss is the loss of the epoch before's parameters: fit kept the
    parameters whose loss tripped the 10^6 limit (8.9e14 here, from 26.6), history [26.6, 5687]
    and diverged_at 3; epoch 2 diverged, and the parameters before it are kept."""
    X, Y = datasets.sin(50)
    network = Network([1, 8, 1], "relu", "identity")
    start = network.loss(X, 10 * Y)
    history = network.fit(X, 10 * Y, epochs=30, learning_rate=3.0, batch_size=None, on_divergence="stop",
                          dtype=dtype)
    assert network.diverged_at == len(history) + 1
    assert network.loss(X, 10 * Y) <= Network.DIVERGENCE_FACTOR * (1 + start)
    assert history == pytest.approx([start], rel=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_numerical_gradient_refuses_a_cost_rounded_below_float64(dtype):
    """A float32 cost gave [1.99997, ...] for the gradient 2 of sum(w^2), without a word."""
    w = np.ones(3)
    refused_without_a_warning(lambda: numerical_gradient(lambda: dtype((w ** 2).sum()), w),
                              f"returned a {np.dtype(dtype).name} cost")
    refused_without_a_warning(lambda: numerical_gradient(lambda: (w ** 2).astype(dtype).sum(keepdims=True), w),
                              "float64")


def test_a_regressors_score_that_overflows_is_refused_without_a_warning():
    """score(X, y * 1e300) was NaN, with three of NumPy's warnings from r2_score; huge X made it -inf."""
    X, y = datasets.moons(60)
    regressor = BPRegressor(epochs=5, random_state=0).fit(X, y)
    assert np.isfinite(regressor.score(X, y))
    refused_without_a_warning(lambda: regressor.score(X, y * 1e300), "R\\^2 overflowed float64")
    relu = BPRegressor(activation="relu", epochs=5, random_state=0).fit(X, y)
    refused_without_a_warning(lambda: relu.score([[1e300, -1e300]] * 3, [1, 2, 3]), "scale y")


@pytest.mark.parametrize("labels", [np.array([0.0, 1e20]), [0, 2 ** 63], np.array([0.0, 1e300])])
def test_whole_number_labels_beyond_int64_are_refused_without_a_warning(labels):
    """scikit-learn's label check cast them to int (NumPy's 'invalid value encountered in cast' leaked)
    and then called them continuous, which whole numbers are not."""
    X, _ = datasets.moons(60)
    y = np.tile(np.asarray(labels), 30)
    refused_without_a_warning(lambda: BPClassifier(epochs=1).fit(X, y), "whole numbers, but some lie beyond int64")


@pytest.mark.parametrize("given, meant", [("RELU", "relu"), ("linear", "identity"), ("logistic", "sigmoid"),
                                          (" tanh", "tanh")])
def test_an_option_in_another_case_or_another_librarys_name_is_suggested(given, meant):
    """"RELU" and "linear" got no "Did you mean" (the match was case-sensitive; "linear" is Keras' name)."""
    refused_without_a_warning(lambda: Network([2, 1], given), f"Did you mean '{meant}'")


def test_an_option_given_as_a_numpy_string_is_stored_as_a_str():
    assert repr(Network([2, 1], np.str_("relu"))).count("activation='relu'") == 1


def test_labels_given_to_a_softmax_network_get_one_hot_named():
    net3 = Network([2, 3, 3], "sigmoid", "softmax", "cross_entropy", seed=0)
    for call in (lambda: net3.loss(X2, [0, 2]), lambda: net3.fit(X2, np.array([0, 2]), epochs=1)):
        refused_without_a_warning(call, r"got a 1-D array of shape \(2,\): for class labels pass bplib.one_hot\(labels, 3\)")
    # ragged rows get Network's words, not NumPy's "inhomogeneous shape"
    refused_without_a_warning(lambda: net3.loss(X2[:2], [[1, 0, 0], [1]]), "Y must be real numbers .*equal-length rows")


def test_whole_number_labels_of_any_real_type_are_one_hot_encoded():
    """Floats in an object array, Fractions and Decimals were 'not integers' (object ints and float
    arrays were taken), against the docstring's 'whole-number floats count'."""
    expected = [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    for labels in (np.array([1.0, 2.0], dtype=object), [fractions.Fraction(1), decimal.Decimal(2)]):
        assert datasets.one_hot(labels, 3).tolist() == expected
    refused_without_a_warning(lambda: datasets.one_hot(np.array([1.5, 2.0], dtype=object), 3), "non-negative integers")


@pytest.mark.parametrize("parents", [None, 1.0, "ab"])
def test_a_value_whose_parents_are_not_a_tuple_is_refused_by_name(parents):
    # None gave "TypeError: 'NoneType' object is not iterable"; a string was taken letter by letter
    refused_without_a_warning(lambda: Value(1.0, parents=parents), "parents must be a tuple of Values")


def test_a_value_of_a_huge_number_prints_in_powers_of_ten():
    assert repr(Value(1e300)) == "Value(data=1.0000e+300, grad=0.0000)"   # 300 digits before
    assert repr(Value(-2.5)) == "Value(data=-2.5000, grad=0.0000)"


def test_fit_takes_float64_stored_the_other_way_round():
    net = Network([2, 1], seed=0)
    assert len(net.fit(X2, [[1.0]] * 3, epochs=1, dtype=np.dtype(">f8"))) == 1   # was "must be np.float64"


def test_the_last_epoch_on_extreme_data_is_checked_too():
    """As in the test above, but the step that makes the loss overflow is the last one: no next epoch
    shows it, and fit returned [5e7] with a network whose loss() refused. On data beyond 1e50 every
    epoch's result has its loss checked."""
    network = Network([1, 1], "identity", "identity")
    network.weights[0][:], network.biases[0][:] = 0.0, 1e4
    X, Y = [[1e150]], [[0.0]]
    assert network.fit(X, Y, epochs=1, learning_rate=1e-149, on_divergence="stop") == []
    assert network.diverged_at == 1 and network.loss(X, Y) == 0.5 * 1e4 ** 2


# A fourth sweep (array kinds, call sequences, the estimators' input): each of these ran on and
# returned something, or failed with another error or another library's words, before.
def _replacing_backprop(network, change):
    def backprop(X, Y):
        grads = network.backprop(X, Y)
        change(network, grads)
        return grads
    return backprop


def _gradient_check_with(change):
    network = net()
    return gradient_check(network, X2, Y1, backprop=_replacing_backprop(network, change))


def _fitted_classifier():
    return BPClassifier(epochs=1, random_state=0).fit([[0.0], [1.0]], [0, 1])


FOURTH_SWEEP_REFUSALS = {
    "an object array of numeric strings (float() read them as numbers)": (
        lambda: net().forward(np.array([["1", "2"]], dtype=object)),
        r"X must be real numbers .*got ndarray holding str '1'"),
    "an equation given an object array of a string": (
        lambda: equations.bias_gradient(np.array([["1e3"]], dtype=object)), r"delta must be real numbers"),
    "a cost that is a numeric string": (
        lambda: numerical_gradient(lambda: "1.5", np.zeros(2)), r"f\(\) must return a number \(the cost\), got str '1.5'"),
    "a cost that is a bool": (
        lambda: numerical_gradient(lambda: True, np.zeros(2)), r"f\(\) must return a number \(the cost\), got bool True"),
    "eps so large that the parameters round away (every difference came out 0: 'DISAGREES')": (
        lambda: gradient_check(net(), X2, Y1, eps=1e100), r"eps=1e\+100 is far too large for the parameters"),
    "a backprop that replaces a weight array": (
        lambda: _gradient_check_with(lambda network, grads: network.weights.__setitem__(0, [[1.0, 2.0]])),
        r"backprop changed net\.weights\[0\] \(w\^1\): it must leave the parameters as they are"),
    "a backprop that also takes a step": (
        lambda: _gradient_check_with(lambda network, grads: network.biases[-1].__isub__(0.1 * grads[1][-1])),
        r"backprop changed net\.biases\[1\] \(b\^2\)"),
    "a backprop that drops a layer": (
        lambda: _gradient_check_with(lambda network, grads: setattr(network, "weights", network.weights[:1])),
        r"backprop changed net\.weights: "),
    "classifier labels mixing numbers and strings (0 came back as '0')": (
        lambda: BPClassifier(epochs=1, random_state=0).fit(X2, [0, "a", 0]),
        r"y's labels must be of one kind .*got labels of types int, str"),
    "classifier labels mixing NaN and strings (a class called 'nan')": (
        lambda: BPClassifier(epochs=1, random_state=0).fit(X2, ["a", float("nan"), "a"]),
        r"y's labels must be of one kind .*got labels of types float, str"),
    "regression targets a Python int beyond float64 (OverflowError)": (
        lambda: BPRegressor(epochs=1).fit([[0.0], [1.0]], [10 ** 400, 1]), r"y has entries beyond float64's range"),
    "classifier features a Python int beyond float64 (OverflowError)": (
        lambda: BPClassifier(epochs=1).fit([[10 ** 400], [1]], [0, 1]), r"X has entries beyond float64's range"),
    "predict of a Python int beyond float64 (OverflowError)": (
        lambda: _fitted_classifier().predict([[10 ** 400]]), r"X has entries beyond float64's range"),
    "predict_proba of an object array beyond float64 (OverflowError)": (
        lambda: _fitted_classifier().predict_proba(np.array([[10 ** 400]], dtype=object)),
        r"X has entries beyond float64's range"),
    "ragged rows of X (NumPy's 'inhomogeneous shape')": (
        lambda: BPClassifier(epochs=1).fit([[1, 2], [3]], [0, 1]),
        r"X must be real numbers \(ints or floats, in equal-length rows\), got list$"),
    "strings in X ('could not convert string to float')": (
        lambda: BPClassifier(epochs=1).fit([["a", "b"], ["c", "d"]], [0, 1]), r"X must be real numbers .*got list of dtype"),
    "None in X ('Input X contains NaN')": (
        lambda: BPClassifier(epochs=1).fit([[None, 1.0], [1.0, 2.0]], [0, 1]), r"X must be real numbers .*holding None"),
    "None in regression targets ('Y contains NaN or infinity')": (
        lambda: BPRegressor(epochs=1).fit([[0.0], [1.0]], [None, 1.0]), r"y must be real numbers .*holding None"),
    "a long-double label beyond float64 (an overflow warning, then 'non-negative integers')": (
        lambda: datasets.one_hot(np.array([np.longdouble("1e400")]), 3), r"labels has entries beyond float64's range"),
    "a 400-digit label, shown in full": (
        lambda: datasets.one_hot(np.array([10 ** 400, 1], dtype=object)),
        r"label 100000000000\.\.\. \(401 characters\) is beyond what one_hot can encode"),
    "net.weights deleted (AttributeError)": (
        lambda: (lambda network: (delattr(network, "weights"), network.forward(X2)))(net()),
        r"net\.weights must be a list of 2 arrays, .*got none \(del net\.weights removed them\)"),
    "net.biases deleted, then fit (AttributeError)": (
        lambda: (lambda network: (delattr(network, "biases"), network.fit(X2, Y1)))(net()),
        r"net\.biases must be a list of 2 arrays"),
    "a 400-digit negative learning rate, shown in full": (
        lambda: net().fit(X2, Y1, learning_rate=-10 ** 400),
        r"learning_rate must be a positive finite number, got -10000000000\.\.\. \(402 characters\)$"),
}


@pytest.mark.parametrize("call,message", FOURTH_SWEEP_REFUSALS.values(), ids=FOURTH_SWEEP_REFUSALS.keys())
def test_what_the_fourth_sweep_found_is_refused_with_a_message_that_names_it(call, message):
    refused_without_a_warning(call, message)


def test_object_arrays_of_numbers_and_of_integer_labels_are_taken_at_their_value():
    mixed = np.array([[1, fractions.Fraction(1, 2)], [decimal.Decimal("0.25"), np.float32(2)]], dtype=object)
    np.testing.assert_array_equal(net().forward(mixed), net().forward([[1.0, 0.5], [0.25, 2.0]]))
    for labels in (np.array([0, 1, 2], dtype=object), np.array([np.int64(0), np.int64(1), np.int64(2)], dtype=object)):
        np.testing.assert_array_equal(datasets.one_hot(labels), np.eye(3))


def test_relu_prime_keeps_nan_as_relu_does():
    z = np.array([np.nan, -1.0, 0.0, 2.0])
    np.testing.assert_array_equal(activations.relu_prime(z), [np.nan, 0.0, 0.0, 1.0])
    assert activations.relu_prime(np.float32([1.0])).dtype == np.float32


def test_identity_prime_keeps_nan_as_every_derivative_does():
    """It gave 1.0 for NaN, where sigmoid', tanh' and ReLU' give NaN (fifth sweep)."""
    z = np.array([np.nan, -np.inf, 0.0, 2.0])
    np.testing.assert_array_equal(activations.identity_prime(z), [np.nan, 1.0, 1.0, 1.0])
    assert activations.identity_prime(np.float32([1.0])).dtype == np.float32
    assert activations.identity_prime(2.0) == 1.0


def test_a_gradient_check_report_prints_any_real_error_and_any_layer_label():
    assert "3.33e-01  DISAGREES" in str(GradientCheck([(1, "w", fractions.Fraction(1, 3))], 1e-6))
    assert "w[hidden12] " in repr(GradientCheck([("hidden12", "w", 0.1)], 1e-6))


def test_a_mixed_kind_label_check_leaves_one_kind_of_labels_alone():
    assert BPClassifier(epochs=1, random_state=0).fit(X2, np.array(["a", "b", "a"], dtype=object)).classes_.tolist() \
        == ["a", "b"]
    assert BPClassifier(epochs=1, random_state=0).fit(X2, [0, 2.0, 0]).classes_.tolist() == [0.0, 2.0]
