"""Activation functions sigma(z) and their derivatives sigma'(z).

Every function here is elementwise on weighted inputs ``z`` of any shape,
except softmax, which normalises each row of a batch ``(n_samples, n_units)``.
They take numbers, lists or arrays of real numbers; float16 and float32 are
computed in float32, anything else in float64. Finite ``z`` always gives finite
results (no overflow for |z| up to 1e308); NaN and infinity follow IEEE
arithmetic, as NumPy's own functions do (sigmoid(inf) = 1, sigmoid(nan) = nan),
except in softmax and log_softmax, which refuse them: there IEEE arithmetic
gives softmax([inf, 0]) = [nan, nan], not the limit [1, 0].

``ACTIVATIONS`` is the one table the package takes them from.
"""
from collections import namedtuple

import numpy as np

from ._validate import all_finite, real_array


def sigmoid(z):
    """sigma(z) = 1 / (1 + exp(-z)), same shape as ``z``.

    The formula as it stands is safe: where z < -709, exp(-z) overflows to
    infinity and 1 / (1 + inf) = 0, less than 1e-308 from the true value, so
    the overflow warning is silenced. In float64 it gives the same bits as
    scipy's ``expit``, without the 0.3 s that importing scipy costs.
    """
    z = real_array(z, "z")
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-z))


def _sigmoid_over(z):
    """sigmoid written over ``z`` itself, without checks, for the training step.

    The same operations as ``sigmoid`` in the same order, so the same bits,
    but four passes over one array instead of four new arrays and a check:
    about a tenth of a training step on digits. The caller silences overflow.
    """
    np.negative(z, out=z)
    np.exp(z, out=z)
    z += 1.0
    return np.reciprocal(z, out=z)


def sigmoid_prime(z):
    """sigma'(z) = sigma(z) * (1 - sigma(z)), same shape as ``z``."""
    s = sigmoid(z)
    return s * (1 - s)


def tanh(z):
    """tanh(z), same shape as ``z``."""
    return np.tanh(real_array(z, "z"))


def tanh_prime(z):
    """tanh'(z) = 1 - tanh(z)^2, same shape as ``z``."""
    t = tanh(z)
    return 1 - t * t


def relu(z):
    """max(0, z), same shape as ``z``."""
    z = real_array(z, "z")
    return np.maximum(z, 0, dtype=z.dtype)


def relu_prime(z):
    """1 where z > 0, else 0 (we take 0 at the kink z = 0); NaN stays NaN, as in relu."""
    z = real_array(z, "z")
    return np.heaviside(z, np.zeros((), z.dtype))


def identity(z):
    """z itself (a linear output unit, used for regression)."""
    return real_array(z, "z")


def identity_prime(z):
    """1 everywhere, same shape as ``z``; NaN stays NaN, as in the other derivatives."""
    z = real_array(z, "z")
    return np.where(np.isnan(z), z, np.ones((), z.dtype))


def softmax(z):
    """Row-wise softmax of ``z`` with shape ``(n_samples, n_classes)``.

    Subtracting each row's maximum first changes nothing mathematically
    (it cancels between numerator and denominator) but keeps exp() <= 1.
    """
    z = _scores(z)
    with np.errstate(over="ignore"):  # z - max below -1.8e308 rounds to -inf, and exp(-inf) = 0 is right
        e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def log_softmax(z):
    """log(softmax(z)) row-wise, computed without taking the log of a probability rounded to 0."""
    with np.errstate(over="ignore"):
        result = _log_softmax(_scores(z))
    if not np.isfinite(result).all():
        raise ValueError("log_softmax: a log-probability is below -1.8e+308, beyond float64: the scores of a row "
                         "span more than float64's range; scale z")
    return result


def _log_softmax(z):
    """log_softmax without checks, for the callers that check its result (the loss, the training step)."""
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _scores(z):
    """``z`` as finite rows of scores for softmax, or a ValueError."""
    z = real_array(z, "z")
    if z.ndim == 0 or z.shape[-1] == 0:
        raise ValueError(f"softmax needs rows of at least one score: z of shape (n_samples, n_classes) "
                         f"or (n_classes,), got shape {z.shape}")
    all_finite(z, "z")
    return z


# For the training step, which owns its arrays: sigma(z) written over z, and
# delta multiplied by sigma'(z) computed from a = sigma(z) (the forward pass
# keeps a, so sigma is not evaluated again), written over a, which the step
# uses no more. The values are those of function(z) and delta * derivative(z).
def _times_sigmoid_prime(delta, a):
    delta *= np.multiply(a, 1.0 - a, out=a)


def _times_tanh_prime(delta, a):
    delta *= np.subtract(1.0, np.multiply(a, a, out=a), out=a)


def _times_relu_prime(delta, a):
    delta *= a > 0


def _times_identity_prime(delta, a):
    pass


Activation = namedtuple("Activation", "function derivative function_over times_derivative_from_output")

# name -> sigma, sigma'(z) and the training step's two forms of them above.
# softmax has no elementwise derivative: its Jacobian couples the units of a
# row, so it is only an output layer's activation, paired with cross-entropy,
# where delta^L needs no sigma' (see Network).
ACTIVATIONS = {
    "sigmoid": Activation(sigmoid, sigmoid_prime, _sigmoid_over, _times_sigmoid_prime),
    "tanh": Activation(tanh, tanh_prime, lambda z: np.tanh(z, out=z), _times_tanh_prime),
    "relu": Activation(relu, relu_prime, lambda z: np.maximum(z, 0, out=z), _times_relu_prime),
    "identity": Activation(identity, identity_prime, lambda z: z, _times_identity_prime),
    "softmax": Activation(softmax, None, None, None),
}
HIDDEN_ACTIVATIONS = tuple(name for name, entry in ACTIVATIONS.items() if entry.derivative is not None)
