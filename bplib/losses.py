"""Per-sample losses C_x.

Shapes: the network output ``A`` (or its weighted input ``Z``) and the
targets ``Y`` are both ``(n_samples, n_outputs)``; each function returns one
loss per sample, shape ``(n_samples,)``. The cost the network minimises is the
mean of these over the batch, C = (1/n) sum_x C_x. Cross-entropy targets are
probabilities, in [0, 1].

The network computes cross-entropy from z (the ``_from_z`` functions), which
is exact where the probabilities a saturate to 0 or 1 in floating point.
"""
import numpy as np

from ._validate import batch_function
from .activations import _log_softmax


@batch_function({"A": "n, n_out", "Y": "n, n_out"})
def quadratic(A, Y):
    """C_x = 1/2 ||a - y||^2 for each row."""
    diff = A - Y
    return 0.5 * (diff * diff).sum(axis=1)


@batch_function({"A": "n, n_out", "Y": "n, n_out"}, within_unit=("A", "Y"))
def binary_cross_entropy(A, Y):
    """C_x = -sum_j [y_j ln a_j + (1 - y_j) ln(1 - a_j)] for outputs a in [0, 1].

    ``a`` is clipped away from 0 and 1 by float64's epsilon, so a saturated
    unit costs a large, finite number (about 36) instead of log(0) = -inf.
    ``binary_cross_entropy_from_z`` needs no clipping.
    """
    eps = np.finfo(float).eps
    A = np.clip(A, eps, 1 - eps)
    return -np.sum(Y * np.log(A) + (1 - Y) * np.log1p(-A), axis=1)


@batch_function({"Z": "n, n_out", "Y": "n, n_out"}, within_unit=("Y",))
def binary_cross_entropy_from_z(Z, Y):
    """Binary cross-entropy of a = sigmoid(z), from z: exact and overflow-free.

    With ln sigma(z) = -ln(1 + e^-z) and ln(1 - sigma(z)) = -ln(1 + e^z),
    the loss simplifies to sum_j [ln(1 + e^z_j) - y_j z_j], and
    ``np.logaddexp(0, z)`` evaluates ln(1 + e^z) without overflow.
    """
    return (np.logaddexp(0, Z) - Y * Z).sum(axis=1)


@batch_function({"Z": "n, n_out", "Y": "n, n_out"}, within_unit=("Y",))
def categorical_cross_entropy_from_z(Z, Y):
    """C_x = -sum_j y_j ln a_j of a = softmax(z), from z via log-softmax.

    A row of y is normally one-hot or another probability row (summing to 1);
    the formula and the network's gradient hold for any y in [0, 1].
    """
    if Z.shape[1] == 0:  # softmax of no scores is not defined (the log of a sum of nothing)
        raise ValueError(f"categorical_cross_entropy_from_z needs rows of at least one score: Z of shape "
                         f"(n_samples, n_classes) with n_classes >= 1, got shape {Z.shape}")
    return -(Y * _log_softmax(Z)).sum(axis=1)  # its NaN or infinity is reported by batch_function


LOSSES = ("quadratic", "cross_entropy")
