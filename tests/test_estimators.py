"""bplib.BPClassifier and bplib.BPRegressor: scikit-learn's conventions, the results the course shows,
and what happens on bad input or a diverging fit."""
import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import FitFailedWarning, NotFittedError
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import check_classifiers_train, check_estimator, check_regressors_train

from bplib import BPClassifier, BPRegressor, Network, TrainingDiverged, datasets, one_hot

# scikit-learn itself skips these when the environment lacks something; they
# are not skipped by us (check_estimator gets no expected_failed_checks).
ENVIRONMENT_SKIPS = {
    "check_array_api_input": "runs only with SCIPY_ARRAY_API=1 and array-API libraries; the "
                             "estimators compute with NumPy and do not claim array-API support",
    "check_classifier_data_not_an_array": "needs pandas, which the course does not depend on",
    "check_regressor_data_not_an_array": "needs pandas, which the course does not depend on",
}


@pytest.fixture(scope="module")
def digits():
    return datasets.digits()


def three_blobs(n_per_class=30, seed=0):
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 3.0], [3.0, 0.0], [-3.0, -3.0]])
    X = np.vstack([c + rng.normal(0, 0.7, size=(n_per_class, 2)) for c in centres])
    return X, np.repeat([0, 1, 2], n_per_class)


# -- scikit-learn's own estimator checks ---------------------------------------------
# check_estimator fits its estimator about 50 times to check conventions (clone, params, input
# validation, dtypes, pickling, ...), so it gets fewer epochs than the defaults (100 and 200): 5.1
# CPU s against 1.5. Its training checks still pass with 10x (classifier, from 2 epochs) and 3x
# (regressor, from 12) the epochs they need; the defaults pass them on their own below, and the
# digits and sin tests show what the defaults reach.
@pytest.mark.parametrize("estimator", [BPClassifier(epochs=20), BPRegressor(epochs=40)], ids=lambda e: type(e).__name__)
def test_check_estimator(estimator):
    results = check_estimator(estimator, on_skip=None)  # on_fail="raise": a failing check fails here
    skipped = {r["check_name"] for r in results if r["status"] == "skipped"}
    assert skipped <= set(ENVIRONMENT_SKIPS), skipped - set(ENVIRONMENT_SKIPS)
    assert sum(r["status"] == "passed" for r in results) >= 50


@pytest.mark.parametrize("check, estimator", [(check_classifiers_train, BPClassifier()),
                                              (check_regressors_train, BPRegressor())],
                         ids=["BPClassifier", "BPRegressor"])
def test_the_defaults_pass_scikit_learns_training_check(check, estimator):
    check(type(estimator).__name__, estimator)


# -- classifier ----------------------------------------------------------------------
@pytest.mark.parametrize("labels", [["cat", "dog", "eel"], [-1, 0, 7], [2.0, -1.0, 10.0]],
                         ids=["strings", "negative ints", "whole floats"])
def test_classifier_keeps_labels_of_any_kind(labels):
    X, y_index = three_blobs()
    y = np.array(labels, dtype=object if isinstance(labels[0], str) else None)[y_index]
    clf = BPClassifier(random_state=0).fit(X, y)
    assert list(clf.classes_) == sorted(labels)
    assert clf.network_.output_activation == "softmax" and clf.network_.sizes == [2, 32, 3]
    pred = clf.predict(X)
    assert pred.dtype == clf.classes_.dtype and set(pred) <= set(labels)
    assert np.mean(pred == y) == 1.0


def test_binary_string_labels_use_one_sigmoid_unit():
    X, y_index = three_blobs()
    keep = y_index < 2
    y = np.where(y_index[keep] == 1, "yes", "no")
    clf = BPClassifier(random_state=0).fit(X[keep], y)
    assert list(clf.classes_) == ["no", "yes"]
    net = clf.network_
    assert (net.sizes[-1], net.output_activation, net.loss_name) == (1, "sigmoid", "cross_entropy")
    proba = clf.predict_proba(X[keep])
    # column 1 is P(classes_[1]) = the sigmoid output itself
    np.testing.assert_allclose(proba[:, 1], net.forward(X[keep])[:, 0])
    assert np.all(clf.predict(X[keep]) == y)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_predict_proba_rows_sum_to_one_in_classes_order(n_classes):
    X, y = three_blobs()
    keep = y < n_classes
    X, y = X[keep], np.array(["c", "a", "b"])[y[keep]]  # labels not in sorted order
    clf = BPClassifier(random_state=0).fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(y), n_classes)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-12)
    assert np.all((proba >= 0) & (proba <= 1))
    assert np.all(clf.classes_[proba.argmax(axis=1)] == clf.predict(X))
    # the column of each sample's true class is its largest (the blobs are separable)
    column = np.searchsorted(clf.classes_, y)
    assert np.all(proba[np.arange(len(y)), column] > 0.5)
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), proba)


def test_classifier_reaches_95_percent_on_digits_with_defaults(digits):
    clf = BPClassifier(random_state=0).fit(digits.X_train, digits.y_train)
    assert clf.score(digits.X_test, digits.y_test) >= 0.95
    assert len(clf.loss_curve_) == clf.epochs == 100
    assert clf.loss_curve_[-1] < 0.1 * clf.loss_curve_[0]


def test_loss_curve_and_network_are_network_fit_itself(digits):
    X, y = digits.X_train[:300], digits.y_train[:300]
    clf = BPClassifier(hidden_layer_sizes=(16,), epochs=5, learning_rate=0.3, batch_size=20,
                       random_state=3).fit(X, y)
    net = Network([64, 16, 10], "sigmoid", "softmax", "cross_entropy", seed=3)
    history = net.fit(X, one_hot(y), epochs=5, learning_rate=0.3, batch_size=20)
    assert clf.loss_curve_ == history
    assert clf.network_.seed == 3
    for ours, theirs in zip(clf.network_.weights + clf.network_.biases, net.weights + net.biases):
        np.testing.assert_array_equal(ours, theirs)


def test_no_hidden_layer_is_logistic_regression():
    X, y = three_blobs()
    clf = BPClassifier(hidden_layer_sizes=(), random_state=0).fit(X, y)
    assert clf.network_.sizes == [2, 3]
    assert clf.score(X, y) == 1.0


def test_random_state_none_draws_a_new_network_each_fit():
    X, y = three_blobs()
    first = BPClassifier(epochs=1).fit(X, y).network_.weights[0]
    second = BPClassifier(epochs=1).fit(X, y).network_.weights[0]
    assert not np.array_equal(first, second)


# -- scikit-learn tools ------------------------------------------------------------
def test_cross_val_score_and_grid_search(digits):
    X, y = digits.X_train[:400], digits.y_train[:400]
    scores = cross_val_score(BPClassifier(epochs=30, random_state=0), X, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.8
    search = GridSearchCV(BPClassifier(epochs=20, random_state=0),
                          {"hidden_layer_sizes": [(8,), (32,)], "learning_rate": [0.05, 0.5]}, cv=3)
    search.fit(X, y)
    assert search.best_params_ == {"hidden_layer_sizes": (32,), "learning_rate": 0.5}
    assert search.best_estimator_.network_.sizes == [64, 32, 10]
    assert not np.isnan(search.cv_results_["mean_test_score"]).any()


def test_grid_search_candidate_that_diverges_scores_nan():
    X, Y = datasets.sin()
    search = GridSearchCV(BPRegressor(epochs=50, random_state=0), {"learning_rate": [0.01, 100.0]}, cv=2)
    with pytest.warns(UserWarning, match="test scores are non-finite"), \
            pytest.warns(FitFailedWarning, match="learning_rate=100 is too large"):
        search.fit(X, Y.ravel())
    scores = search.cv_results_["mean_test_score"]
    assert np.isfinite(scores[0]) and np.isnan(scores[1])
    assert search.best_params_ == {"learning_rate": 0.01}


@pytest.mark.parametrize("estimator", [
    BPClassifier(hidden_layer_sizes=(8, 4), activation="relu", learning_rate=0.2, epochs=7, batch_size=None,
                 random_state=4),
    BPRegressor(hidden_layer_sizes=(5,), activation="identity", random_state=np.random.RandomState(1)),
], ids=lambda e: type(e).__name__)
def test_clone_round_trips_parameters(estimator):
    copy = clone(estimator)
    assert copy is not estimator and type(copy) is type(estimator)
    params, copied = estimator.get_params(), copy.get_params()
    assert params.keys() == copied.keys()
    for name, value in params.items():
        if isinstance(value, np.random.RandomState):  # clone deep-copies it: same state, new object
            assert copied[name] is not value and copied[name].randint(1000) == value.randint(1000)
        else:
            assert copied[name] == value
    copy.fit(*three_blobs())
    assert not hasattr(estimator, "network_")  # fitting the clone leaves the original alone


def test_pipeline_with_standard_scaler(digits):
    raw = datasets.digits(scaled=False)  # pixels 0..16: the scaler makes them of order 1
    model = make_pipeline(StandardScaler(), BPClassifier(epochs=30, random_state=0))
    model.fit(raw.X_train, raw.y_train)
    assert model.score(raw.X_test, raw.y_test) >= 0.95
    assert model[-1].n_features_in_ == 64
    np.testing.assert_allclose(model.predict_proba(raw.X_test[:5]).sum(axis=1), 1.0)


def test_pickle_round_trip_keeps_predictions():
    X, y = three_blobs()
    clf = BPClassifier(random_state=0).fit(X, y)
    loaded = pickle.loads(pickle.dumps(clf))
    assert isinstance(loaded.network_, Network) and loaded.network_ is not clf.network_
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    assert loaded.loss_curve_ == clf.loss_curve_
    assert isinstance(clf.network_, Network)  # pickling did not touch the original


# -- regressor ---------------------------------------------------------------------
def test_regressor_fits_sin():
    X, Y = datasets.sin()
    reg = BPRegressor(learning_rate=0.05, epochs=2000, random_state=0).fit(X, Y.ravel())
    X_dense = np.linspace(-5, 5, 201).reshape(-1, 1)
    prediction = reg.predict(X_dense)
    assert prediction.shape == (201,)
    assert r2_score(np.sin(X_dense).ravel(), prediction) > 0.98
    assert np.abs(prediction - np.sin(X_dense).ravel()).max() < 0.2
    net = reg.network_
    assert (net.sizes, net.activation, net.output_activation, net.loss_name) == \
        ([1, 32, 1], "tanh", "identity", "quadratic")
    assert len(reg.loss_curve_) == 2000 and reg.loss_curve_[-1] < 0.01


@pytest.mark.parametrize("y_shape,prediction_shape", [((20,), (20,)), ((20, 1), (20, 1)), ((20, 2), (20, 2))])
def test_regressor_keeps_the_shape_of_y(y_shape, prediction_shape):
    X, Y = datasets.sin()
    y = np.hstack([Y, np.cos(X)])[:, :y_shape[1]] if len(y_shape) == 2 else Y.ravel()
    reg = BPRegressor(epochs=20, random_state=0).fit(X, y)
    assert reg.predict(X).shape == prediction_shape
    assert reg.n_outputs_ == (y_shape[1] if len(y_shape) == 2 else 1)


def test_regressor_standardises_nothing():
    X, Y = datasets.sin()
    reg = BPRegressor(epochs=1, random_state=0).fit(X, 1000 + Y.ravel())
    # one epoch cannot reach targets near 1000 from an output near 0: no hidden rescaling of y
    assert np.all(reg.predict(X) < 500)
    scaled = TransformedTargetRegressor(BPRegressor(learning_rate=0.05, epochs=2000, random_state=0),
                                        transformer=StandardScaler()).fit(X, 1000 + Y.ravel())
    assert np.abs(scaled.predict(X) - (1000 + Y.ravel())).max() < 0.2


# -- divergence and bad parameters ----------------------------------------------------
def test_divergence_raises_value_error_naming_the_learning_rate_and_unfits():
    X, Y = datasets.sin()
    reg = BPRegressor(random_state=0).fit(X, Y.ravel())
    reg.set_params(learning_rate=100.0)
    with pytest.raises(ValueError, match=r"diverged at epoch \d+.*learning_rate=100 is too large.*try a smaller "
                                         r"one such as 10") as caught:
        reg.fit(X, Y.ravel())
    assert isinstance(caught.value.__cause__, TrainingDiverged)
    with pytest.raises(NotFittedError):  # the earlier fit is forgotten, not silently kept
        reg.predict(X)


def test_classifier_divergence_is_reported_too():
    X, y = three_blobs()
    with pytest.raises(ValueError, match="BPClassifier diverged.*learning_rate=1e\\+06"):
        BPClassifier(activation="relu", hidden_layer_sizes=(64, 64), learning_rate=1e6, random_state=0).fit(
            X * 100, y)


@pytest.mark.parametrize("params,message", [
    ({"hidden_layer_sizes": (0,)}, "hidden_layer_sizes must be a tuple of positive integers"),
    ({"hidden_layer_sizes": (3.5,)}, "hidden_layer_sizes must be a tuple of positive integers"),
    ({"hidden_layer_sizes": "32"}, "hidden_layer_sizes must be a tuple of positive integers"),
    ({"activation": "sigmoidd"}, "unknown activation 'sigmoidd'.*Did you mean 'sigmoid'"),
    ({"activation": "softmax"}, "unknown activation 'softmax'"),
    ({"learning_rate": 0}, "learning_rate must be a positive finite number"),
    ({"learning_rate": np.inf}, "learning_rate must be a positive finite number"),
    ({"epochs": 0}, "epochs must be a positive integer"),
    ({"epochs": 2.0}, "epochs must be a positive integer"),
    ({"batch_size": 0}, r"batch_size must be None \(the whole set\) or a positive integer"),
    ({"random_state": -1}, "[Ss]eed"),
])
@pytest.mark.parametrize("Estimator", [BPClassifier, BPRegressor])
def test_bad_parameters_are_refused_in_fit_not_in_init(Estimator, params, message):
    estimator = Estimator(**params)  # no check here: scikit-learn's convention
    with pytest.raises(ValueError, match=message):
        estimator.fit(*three_blobs())


def test_single_int_hidden_layer_size_means_one_layer():
    clf = BPClassifier(hidden_layer_sizes=5, epochs=1, random_state=0).fit(*three_blobs())
    assert clf.network_.sizes == [2, 5, 3]


@pytest.mark.parametrize("Estimator", [BPClassifier, BPRegressor])
def test_bad_data_is_refused(Estimator):
    X, y = three_blobs()
    model = Estimator(epochs=2, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but .* is expecting 2"):
        model.predict(np.zeros((4, 3)))
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        Estimator().fit(bad, y)
    with pytest.raises(ValueError, match="0 sample"):
        Estimator().fit(X[:0], y[:0])


def test_one_class_is_refused():
    X, _ = three_blobs()
    with pytest.raises(ValueError, match="at least 2 classes, got only one class: 'a'"):
        BPClassifier().fit(X, ["a"] * len(X))


def test_continuous_targets_are_refused_by_the_classifier():
    X, _ = three_blobs()
    with pytest.raises(ValueError, match="Unknown label type"):
        BPClassifier().fit(X, np.linspace(0, 1, len(X)))


def test_fit_emits_no_warnings(digits):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        BPClassifier(epochs=2, random_state=0).fit(digits.X_train, digits.y_train)
        BPRegressor(epochs=2, random_state=0).fit(*datasets.sin())
