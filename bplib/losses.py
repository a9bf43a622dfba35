"""Per-sample losses C_x and their gradients dC_x/da.

Shapes: ``A`` (network output) and ``Y`` (targets) are both
``(n_samples, n_outputs)``; each function returns one loss per sample,
shape ``(n_samples,)``. The cost the network minimises is the mean of these
over the batch, C = (1/n) sum_x C_x.
"""
import numpy as np

from .activations import log_softmax


def quadratic(A, Y):
    """C_x = 1/2 ||a - y||^2 for each row."""
    diff = A - Y
    return 0.5 * np.einsum("ij,ij->i", diff, diff)


def quadratic_gradient(A, Y):
    """dC_x/da = a - y, shape ``(n_samples, n_outputs)``."""
    return A - Y


def binary_cross_entropy(A, Y):
    """C_x = -sum_j [y_j ln a_j + (1 - y_j) ln(1 - a_j)] for outputs a in (0, 1).

    ``a`` is clipped away from 0 and 1 so a saturated unit costs a large,
    finite number instead of log(0) = -inf. The network itself computes this
    loss from z instead (see ``binary_cross_entropy_from_z``), which needs no
    clipping.
    """
    tiny = np.finfo(float).eps
    A = np.clip(A, tiny, 1.0 - tiny)
    return -np.sum(Y * np.log(A) + (1.0 - Y) * np.log1p(-A), axis=1)


def binary_cross_entropy_from_z(Z, Y):
    """Binary cross-entropy of a = sigmoid(z), from z, exact and overflow-free.

    With ln sigma(z) = -ln(1 + e^-z) and ln(1 - sigma(z)) = -ln(1 + e^z),
    the loss simplifies to ln(1 + e^z) - y z, and ``np.logaddexp(0, z)``
    evaluates ln(1 + e^z) without overflow.
    """
    return np.sum(np.logaddexp(0.0, Z) - Y * Z, axis=1)


def categorical_cross_entropy(A, Y):
    """C_x = -sum_j y_j ln a_j for a probability row ``a`` (a softmax output)."""
    tiny = np.finfo(float).tiny
    return -np.sum(Y * np.log(np.maximum(A, tiny)), axis=1)


def categorical_cross_entropy_from_z(Z, Y):
    """Categorical cross-entropy of a = softmax(z), from z via log-softmax."""
    return -np.sum(Y * log_softmax(Z), axis=1)


LOSSES = ("quadratic", "cross_entropy")
