"""Activation functions sigma(z) and their derivatives sigma'(z).

Every function here is elementwise on an array of weighted inputs ``z`` of any
shape, except softmax, which normalises each row of a batch ``(n_samples,
n_units)``. All of them stay finite (no overflow warning) for |z| up to at
least 1e300.
"""
import numpy as np


def sigmoid(z):
    """sigma(z) = 1 / (1 + exp(-z)), same shape as ``z``.

    Written as (1 + tanh(z/2)) / 2, which is the same function but never
    evaluates exp of a large positive number, so it cannot overflow.
    """
    s = np.multiply(z, 0.5)
    if not isinstance(s, np.ndarray):  # a scalar z
        return 0.5 * (1.0 + np.tanh(s))
    np.tanh(s, out=s)  # in place: training calls this on every batch
    s += 1.0
    s *= 0.5
    return s


def sigmoid_prime(z):
    """sigma'(z) = sigma(z) * (1 - sigma(z)), same shape as ``z``."""
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z):
    """tanh(z), same shape as ``z``."""
    return np.tanh(z)


def tanh_prime(z):
    """tanh'(z) = 1 - tanh(z)^2, same shape as ``z``."""
    t = np.tanh(z)
    return 1.0 - t * t


def relu(z):
    """max(0, z), same shape as ``z``."""
    return np.maximum(z, 0.0)


def relu_prime(z):
    """1 where z > 0, else 0 (we take 0 at the kink z = 0)."""
    return (z > 0).astype(float)


def identity(z):
    """z itself (a linear output unit, used for regression)."""
    return z


def identity_prime(z):
    """1 everywhere, same shape as ``z``."""
    return np.ones_like(z)


def softmax(z):
    """Row-wise softmax of ``z`` with shape ``(n_samples, n_classes)``.

    Subtracting each row's maximum first changes nothing mathematically
    (it cancels between numerator and denominator) but keeps exp() <= 1.
    """
    e = z - z.max(axis=-1, keepdims=True)
    np.exp(e, out=e)  # in place: training calls this on every batch
    e /= e.sum(axis=-1, keepdims=True)
    return e


def log_softmax(z):
    """log(softmax(z)) computed without taking log of a rounded-to-0 value."""
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


# sigma'(z) written in terms of the activation a = sigma(z). The forward pass
# already holds a, so backprop gets sigma'(z^l) for two cheap operations
# instead of evaluating sigma again; the values are the same.
def _sigmoid_prime_from_a(a):
    return a * (1.0 - a)


def _tanh_prime_from_a(a):
    return 1.0 - a * a


def _relu_prime_from_a(a):
    return (a > 0).astype(float)


# Named functions, not lambdas, so that a Network holding them can be pickled.
DERIVATIVES_FROM_OUTPUT = {
    "sigmoid": _sigmoid_prime_from_a,
    "tanh": _tanh_prime_from_a,
    "relu": _relu_prime_from_a,
    "identity": np.ones_like,
}

# name -> (sigma, sigma'). softmax has no elementwise derivative: its
# Jacobian couples the units of a row, so it is only allowed as an output
# paired with cross-entropy, where delta^L = a - y needs no sigma'.
ACTIVATIONS = {
    "sigmoid": (sigmoid, sigmoid_prime),
    "tanh": (tanh, tanh_prime),
    "relu": (relu, relu_prime),
    "identity": (identity, identity_prime),
}
OUTPUT_ACTIVATIONS = dict(ACTIVATIONS, softmax=(softmax, None))
