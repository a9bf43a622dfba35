"""scikit-learn estimators built on ``bplib.Network``: ``BPClassifier`` and ``BPRegressor``.

They wrap the network of the course so that scikit-learn's tools work on it:
``cross_val_score``, ``GridSearchCV``, ``Pipeline``, ``clone``. The training is
exactly ``Network.fit`` (mini-batch stochastic gradient descent with a fixed
number of epochs, no momentum, no early stopping), so the numbers a learner
sees here are the ones the notebooks derive by hand.

Both estimators follow scikit-learn's conventions: ``__init__`` only stores
its arguments, ``fit`` checks them and the data and returns ``self``, and
everything learned ends with an underscore (``network_``, ``loss_curve_``,
``n_features_in_``, and ``classes_`` for the classifier). Nothing is rescaled
behind your back: put a ``StandardScaler`` in a pipeline when the features are
not of order 1.

If training diverges (the loss becomes NaN, infinite or 10^6 times its start, see
``bplib.TrainingDiverged``), ``fit`` raises a ``ValueError`` that names the
learning rate, chained to the ``TrainingDiverged`` (``error.__cause__``), and
the estimator is left unfitted. Under ``GridSearchCV`` such a candidate scores
NaN with a ``FitFailedWarning``, as any failing fit does.
"""
import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ._validate import batch_size, choose, layer_widths, positive_int, positive_number, real_array, unmasked
from .activations import HIDDEN_ACTIVATIONS, log_softmax
from .datasets import one_hot
from .network import Network, TrainingDiverged

__all__ = ["BPClassifier", "BPRegressor"]

# What a fitted estimator stores besides its parameters; a fit starts by
# forgetting them so that a failed fit never leaves an older model behind.
_FITTED = ("network_", "loss_curve_", "classes_", "n_outputs_", "_y_is_1d",
           "n_features_in_", "feature_names_in_")

class _BPEstimator(BaseEstimator):
    """What both estimators share: parameter checks and training."""

    def _check_params(self):
        """The checked parameters, before any data is looked at."""
        hidden = layer_widths(self.hidden_layer_sizes, "hidden_layer_sizes")
        activation = choose("activation", self.activation, HIDDEN_ACTIVATIONS)
        positive_number(self.learning_rate, "learning_rate")
        positive_int(self.epochs, "epochs")
        batch_size(self.batch_size)
        return hidden, activation, self._seed()

    def _seed(self):
        """The Network's integer seed: random_state itself when it is an int.

        None or a RandomState draws the seed from it (scikit-learn's usual
        meaning: None gives a different network on every fit).
        """
        state = self.random_state
        is_int = isinstance(state, numbers.Integral) and not isinstance(state, (bool, np.bool_))
        if not (state is None or isinstance(state, np.random.RandomState) or (is_int and 0 <= state < 2 ** 32)):
            raise ValueError("random_state must be None, an integer from 0 to 2**32 - 1 (the seed) or a "
                             f"np.random.RandomState, got {state!r}")
        if is_int:
            return int(state)
        return int(check_random_state(state).randint(np.iinfo(np.int32).max))

    def _forget_fit(self):
        for name in _FITTED:
            self.__dict__.pop(name, None)

    def _train(self, X, Y, output_activation, loss, params):
        """Build and train the Network; set network_ and loss_curve_."""
        hidden, activation, seed = params
        network = Network([X.shape[1], *hidden, Y.shape[1]], activation, output_activation, loss, seed=seed)
        try:
            history = network.fit(X, Y, epochs=self.epochs, learning_rate=self.learning_rate,
                                  batch_size=self.batch_size)
        except TrainingDiverged as error:
            self._forget_fit()
            hint = (" Large targets make it likelier: consider scaling y, e.g. with "
                    "TransformedTargetRegressor(..., transformer=StandardScaler())."
                    if loss == "quadratic" else "")
            raise ValueError(
                f"{type(self).__name__} diverged at epoch {error.epoch}: the training loss became NaN, "
                f"infinite or 10^6 times its start, so learning_rate={error.learning_rate:g} is too large "
                f"for this data; "
                f"try a smaller one such as {error.learning_rate / 10:g}.{hint}"
            ) from error
        self.network_ = network
        self.loss_curve_ = history

    def _forward(self, X):
        return self._output_layer(X)[0]

    def _output_layer(self, X):
        """(a^L, z^L) of the trained network for X."""
        check_is_fitted(self)
        X = _validated(self, X, reset=False)
        a, z = self.network_._feedforward(self.network_._checked(X))
        return a[-1], z[-1]


def _validated(estimator, X, *y, **options):
    """scikit-learn's ``validate_data`` of X (as float64) and, in fit, y, after the checks it does not
    make: masked entries (it would use the values under the mask, where Network refuses them) and a
    sparse y. y=None goes on to validate_data, which says that fit needs y."""
    unmasked(X, "X")
    if isinstance(X, (list, tuple)):  # rows given one by one: np.asarray would drop their masks too
        for row in X:
            unmasked(row, "X")
        # Ragged rows, None (taken for NaN) or strings get Network's words, not NumPy's or "X contains NaN".
        # Arrays go to validate_data as they are: scikit-learn's estimator checks expect its messages there.
        real_array(X, "X")
    for target in y:
        unmasked(target, "y")
        if hasattr(target, "toarray"):  # a scipy.sparse matrix or array
            raise ValueError(f"y is a sparse {type(target).__name__}; expected a dense array: pass y.toarray()")
    try:
        with np.errstate(all="ignore"):  # sklearn's finiteness test sums X: huge values of both signs overflow
            return validate_data(estimator, X, *y, dtype=np.float64, **options)
    except OverflowError:  # a Python int beyond float64, which NumPy will not convert: say where
        for values, name in ((X, "X"), *((target, "y") for target in y)):
            real_array(values, name)
        raise


def _python_objects(values):
    """True for a list or tuple, or an object array: values NumPy has not typed (strings, None, a mix)."""
    return isinstance(values, (list, tuple)) or (isinstance(values, np.ndarray) and values.dtype.kind == "O")


def _one_kind_of_label(y):
    """A ValueError for labels that mix strings with other kinds: NumPy would make every label a string
    ([0, "a"] -> ["0", "a"]; NaN -> "nan"), and predict would return labels y never held."""
    if _python_objects(y):
        try:
            labels = np.asarray(y, dtype=object).ravel()
        except ValueError:  # ragged: validate_data says so
            return
        kinds = {isinstance(label, (str, np.str_)) for label in labels}
        if len(kinds) > 1:
            names = ", ".join(sorted({type(label).__name__ for label in labels}))
            raise ValueError("y's labels must be of one kind that can be sorted (all strings or all numbers), "
                             f"got labels of types {names}")


def _discrete(y):
    """scikit-learn's check that y holds class labels, without the warning its test for whole numbers
    gives beyond int64 (it casts them), and saying why such labels are refused."""
    try:
        with np.errstate(invalid="ignore"):
            check_classification_targets(y)
    except ValueError:
        if y.dtype.kind in "fiu" and np.isfinite(y).all() and (np.floor(y) == y).all():
            raise ValueError("y's labels are whole numbers, but some lie beyond int64 (about 9.2e18 in size), "
                             "where scikit-learn takes them for continuous values: use smaller numbers, or "
                             "strings, as labels") from None
        raise


class BPClassifier(ClassifierMixin, _BPEstimator):
    """A feed-forward network classifier trained by backpropagation (``bplib.Network``).

    Two classes use one sigmoid output unit, a = P(y = classes_[1] | x), with
    binary cross-entropy; three or more use a softmax output with one unit per
    class and categorical cross-entropy. With either pair the output error is
    simply delta^L = a - y. Labels may be of any kind scikit-learn accepts
    (strings, integers including negative ones, ...).

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(32,)
        Units of each hidden layer, input side first; ``()`` leaves none
        (logistic / softmax regression). A single int means one layer.
    activation : {"sigmoid", "tanh", "relu", "identity"}, default="sigmoid"
        sigma of the hidden layers. Sigmoid is the default because it is the
        activation the course derives backpropagation with; tanh or relu
        often learn faster.
    learning_rate : float, default=0.5
        Step size eta of stochastic gradient descent. It can be this large
        because with cross-entropy the output error a - y never exceeds 1 in
        size, so the steps stay bounded.
    epochs : int, default=100
        Passes over the training set; there is no early stopping. With the
        defaults the digits training set (1437 images) reaches about 97%
        test accuracy in a fraction of a second.
    batch_size : int or None, default=32
        Rows per gradient step; None uses the whole set (full-batch descent).
    random_state : int, RandomState instance or None, default=None
        An int is passed on as the ``seed`` of ``bplib.Network`` (initial
        weights and shuffling), so ``random_state=0`` gives the same network
        as ``Network(..., seed=0)``. None draws a fresh seed at every fit.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels, sorted; ``predict_proba`` has its columns in this order.
    network_ : bplib.Network
        The trained network; its ``sizes`` are
        ``[n_features_in_, *hidden_layer_sizes, 1 or n_classes]``.
    loss_curve_ : list of float
        The loss of each epoch, as returned by ``Network.fit`` (like
        ``MLPClassifier.loss_curve_``).
    n_features_in_ : int
        Features seen during fit.
    feature_names_in_ : ndarray of str
        Column names seen during fit, when X had string column names.

    Raises ``ValueError`` from ``fit`` if the training diverges (see the
    module docstring).
    """

    def __init__(self, hidden_layer_sizes=(32,), activation="sigmoid", learning_rate=0.5, epochs=100,
                 batch_size=32, random_state=None):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.random_state = random_state

    def fit(self, X, y):
        """Train on X ``(n_samples, n_features)`` and labels y ``(n_samples,)``; returns self."""
        self._forget_fit()
        params = self._check_params()
        _one_kind_of_label(y)
        X, y = _validated(self, X, y)
        try:
            _discrete(y)
            classes, y_index = np.unique(y, return_inverse=True)
        except TypeError:  # both sort the labels, which fails for None among strings, say
            kinds = ", ".join(sorted({type(label).__name__ for label in y}))
            raise ValueError("y's labels must be of one kind that can be sorted (all strings or all numbers), "
                             f"got labels of types {kinds}") from None
        if len(classes) < 2:
            raise ValueError(f"{type(self).__name__} needs samples of at least 2 classes, "
                             f"got only one class: {classes.tolist()[0]!r}")
        if len(classes) == 2:
            Y = y_index.reshape(-1, 1).astype(float)
            self._train(X, Y, "sigmoid", "cross_entropy", params)
        else:
            self._train(X, one_hot(y_index.ravel(), len(classes)), "softmax", "cross_entropy", params)
        self.classes_ = classes
        return self

    def predict_proba(self, X):
        """Class probabilities ``(n_samples, n_classes)``, columns in ``classes_`` order; rows sum to 1."""
        A = self._forward(X)
        if A.shape[1] == 1:
            return np.hstack([1.0 - A, A])
        return A

    def predict_log_proba(self, X):
        """The log of ``predict_proba(X)``, from the output layer's z: finite also where a probability
        rounds to 0 (np.log of it would be -inf). ln sigma(z) = -ln(1 + e^-z), and log-softmax."""
        _, z = self._output_layer(X)
        if z.shape[1] == 1:
            return -np.logaddexp(0.0, np.hstack([z, -z]))  # ln(1 - sigma(z)), ln sigma(z)
        return log_softmax(z)

    def predict(self, X):
        """The most probable label of each row, shape ``(n_samples,)``: the network's own decision
        (``Network.predict``; with two classes, class 1 from a probability of 0.5 up)."""
        check_is_fitted(self)
        return self.classes_[self.network_.predict(_validated(self, X, reset=False)).ravel()]


class BPRegressor(RegressorMixin, _BPEstimator):
    """A feed-forward network regressor trained by backpropagation (``bplib.Network``).

    The output layer is linear (identity) with one unit per target and the
    loss is quadratic, C_x = 1/2 ||a - y||^2. A 1-D y gives 1-D predictions,
    a 2-D y (even with one column) 2-D predictions.

    Nothing is standardised: X and y are fitted as given. The output error
    a - y grows with the targets, so targets of large size give large steps
    and can make training diverge. Scale the features with a
    ``StandardScaler`` in a pipeline and, when y is far from order 1, the
    targets with ``TransformedTargetRegressor(regressor,
    transformer=StandardScaler())``.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(32,)
        Units of each hidden layer, input side first; ``()`` leaves none
        (linear regression). A single int means one layer.
    activation : {"sigmoid", "tanh", "relu", "identity"}, default="tanh"
        sigma of the hidden layers. Tanh is the default because it is centred
        on 0 like the targets of a typical (centred) regression problem,
        and the output is a weighted sum of the hidden units; it fits
        ``bplib.datasets.sin`` several times faster than sigmoid.
    learning_rate : float, default=0.01
        Step size eta of stochastic gradient descent. Smaller than the
        classifier's because the quadratic loss's output error is not bounded.
    epochs : int, default=200
        Passes over the training set; there is no early stopping.
    batch_size : int or None, default=32
        Rows per gradient step; None uses the whole set (full-batch descent).
    random_state : int, RandomState instance or None, default=None
        An int is passed on as the ``seed`` of ``bplib.Network``; None draws
        a fresh seed at every fit.

    Attributes
    ----------
    network_ : bplib.Network
        The trained network, ``sizes`` ``[n_features_in_, *hidden_layer_sizes, n_outputs_]``.
    loss_curve_ : list of float
        The loss of each epoch, as returned by ``Network.fit``.
    n_outputs_ : int
        Number of targets.
    n_features_in_ : int
        Features seen during fit.
    feature_names_in_ : ndarray of str
        Column names seen during fit, when X had string column names.

    Raises ``ValueError`` from ``fit`` if the training diverges (see the
    module docstring).
    """

    def __init__(self, hidden_layer_sizes=(32,), activation="tanh", learning_rate=0.01, epochs=200,
                 batch_size=32, random_state=None):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.random_state = random_state

    def fit(self, X, y):
        """Train on X ``(n_samples, n_features)`` and y ``(n_samples,)`` or ``(n_samples, n_outputs)``."""
        self._forget_fit()
        params = self._check_params()
        if _python_objects(y):
            real_array(y, "y")  # None among them: validate_data would take it for NaN and say "contains NaN"
        X, y = _validated(self, X, y, multi_output=True, y_numeric=True)
        Y = real_array(y, "y").astype(float)  # a long double y beyond float64 is refused, not cast to inf
        Y = Y.reshape(-1, 1) if Y.ndim == 1 else Y
        self._train(X, Y, "identity", "quadratic", params)
        self.n_outputs_ = Y.shape[1]
        self._y_is_1d = np.ndim(y) == 1
        return self

    def predict(self, X):
        """Predictions, ``(n_samples,)`` if y was 1-D in fit, else ``(n_samples, n_outputs_)``."""
        A = self._forward(X)
        return A.ravel() if self._y_is_1d else A

    def score(self, X, y, sample_weight=None):
        """R^2 of ``predict(X)`` against y (scikit-learn's ``r2_score``). Where y or the predictions
        reach about 1e154, their squares overflow float64: a ValueError says so (R^2 would be NaN
        or -inf, with NumPy's warnings)."""
        with np.errstate(all="ignore"):
            result = super().score(X, y, sample_weight=sample_weight)
        if not np.isfinite(result):
            raise ValueError(f"R^2 overflowed float64 (it came out {result}): y or the predictions reach beyond "
                             "about 1e154, where their squares overflow; scale y (and X)")
        return result

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

