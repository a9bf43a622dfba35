"""Gradient checking: compare backprop with central finite differences."""
import numpy as np

from . import _validate


def relative_error(analytic, numeric, floor=1e-5):
    """CS231n's |a - n| / max(|a|, |n|), elementwise; ``analytic`` and ``numeric`` of one shape.

    The denominator never drops below ``floor``: finite differences carry a
    rounding error near 1e-13, so for a gradient entry below 1e-5 (a dead
    ReLU's exact 0, say) the ratio would measure rounding, not a bug; such
    entries are held to an absolute difference of ``floor`` times the
    tolerance instead.
    """
    analytic = _validate.real_array(analytic, "analytic").astype(float)
    numeric = _validate.real_array(numeric, "numeric").astype(float)
    if analytic.shape != numeric.shape:
        raise ValueError(f"analytic has shape {analytic.shape} but numeric has {numeric.shape}: "
                         "expected two gradients of the same parameter")
    _validate.all_finite(analytic, "analytic")
    _validate.all_finite(numeric, "numeric")
    floor = _validate.positive_number(floor, "floor")
    scale = np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), floor)
    return np.abs(analytic / scale - numeric / scale)  # scaled first: a - n itself can overflow


def numerical_gradient(f, param, eps=1e-3):
    """Central differences of a scalar ``f()`` with respect to each entry of
    the float64 array ``param``, which is nudged in place and restored.

    Uses the fourth-order central stencil
    (-f(p+2e) + 8 f(p+e) - 8 f(p-e) + f(p-2e)) / (12 e): its truncation error
    is O(e^4) instead of O(e^2), so a step as large as 1e-3 is still
    accurate and the rounding error (about 1e-16 / e) stays near 1e-13.
    A ReLU unit whose z lies within 2 e of 0 crosses its kink during the
    nudge, and there the difference is not the derivative: check such nets
    at a point away from the kinks. Returns an array shaped like ``param``; costs
    4 * param.size calls of ``f``.
    """
    if not callable(f):
        raise ValueError(f"f must be a function of no arguments returning the cost, got {type(f).__name__}")
    if not isinstance(param, np.ndarray) or param.dtype.kind != "f" or param.dtype.itemsize < 8 \
            or not param.flags.writeable:
        what = type(param).__name__ + (f" of dtype {param.dtype}" if isinstance(param, np.ndarray) else "")
        raise ValueError("param must be a writable NumPy array of floats, float64 (it is nudged in place, by "
                         f"steps that float16 and float32 would round), got {what}")
    eps = _validate.positive_number(eps, "eps")
    _validate.all_finite(param, "param")
    steps = (2 * eps, eps, -eps, -2 * eps)
    with np.errstate(over="ignore", invalid="ignore"):  # how far each nudged entry lands from param + step
        rounding = max(np.abs(param + step - param - step).max(initial=0.0) for step in steps)
    if not rounding <= 1e-8 * eps:  # also catches an overflow (inf or NaN)
        raise ValueError(f"eps={eps!r} does not fit the parameters (up to {np.abs(param).max():.3g} in size): "
                         "float64 rounds param + eps by more than 1e-8 of eps, or overflows, and the differences "
                         "would be wrong; use eps around 1e-3 for parameters of order 1")
    with np.errstate(over="ignore", invalid="ignore"):  # how much of param survives a nudge there and back
        lost = max(np.abs(param + step - step - param).max(initial=0.0) for step in steps)
    if not lost <= 1e-8 * np.abs(param).max(initial=0.0):
        # The differences then see a parameter rounded to a multiple of eps's precision, the network
        # driven far past where its gradient says anything; they come out near 0 at eps and eps / 2.
        raise ValueError(f"eps={eps!r} is far too large for the parameters (up to {np.abs(param).max():.3g} in size): "
                         "float64 rounds away their digits under a step that size (param + eps - eps is not "
                         "param); use eps around 1e-3 for parameters of order 1")
    grad = np.zeros(param.shape)
    for index in np.ndindex(param.shape):
        original = param[index]
        values = []
        try:
            for step in steps:
                param[index] = original + step
                values.append(_scalar(f()))
        finally:
            param[index] = original
        grad[index] = (-values[0] + 8 * values[1] - 8 * values[2] + values[3]) / (12 * eps)
    if not np.isfinite(grad).all():
        raise ValueError(f"the finite differences overflowed float64 with eps={eps!r}: the cost is too large or "
                         "eps too small for it")
    return grad


def _scalar(value):
    """``f()``'s value as a finite float, or a ValueError."""
    if isinstance(value, np.ndarray) and value.size == 1:  # np.sum(...) and friends, or a (1, 1) cost
        value = value.reshape(())[()]
    if isinstance(value, np.floating) and value.dtype.itemsize < 8:
        # Its rounding (1e-7 of the cost for float32) divided by eps would swamp the differences.
        raise ValueError(f"f() returned a {value.dtype} cost: central differences need it in float64 (its "
                         f"rounding divided by eps is the gradient's error); compute the cost in float64")
    number = _validate._as_float(value)  # not float(value): it reads the string "1.5" and True as numbers
    if number is None:
        raise ValueError(f"f() must return a number (the cost), got {type(value).__name__} {_validate.brief(value)}")
    if not np.isfinite(number):
        raise ValueError(f"f() returned {number} for a nudged parameter: the cost must stay finite")
    return number


class GradientCheck:
    """The result of ``gradient_check``.

    ``max_relative_error`` is the largest elementwise relative error over
    all parameters; ``rows`` lists ``(layer, "w" or "b", max relative
    error)`` for layers l = 1..L, and ``worst`` names the row that disagrees
    most. ``passed`` is True when every error is below ``tolerance``;
    ``float(result)`` is ``max_relative_error``. ``unsettled_eps`` is
    gradient_check's eps when a failing layer's finite differences moved by
    more than the tolerance as eps was halved (then they, not backprop, may
    be wrong, and the report says so), else None.
    """

    def __init__(self, rows, tolerance):
        self.rows = _checked_rows(rows)
        self.tolerance = _validate.positive_number(tolerance, "tolerance")
        self.unsettled_eps = None  # gradient_check's eps if halving it moved a failing layer's differences
        self.max_relative_error = max(error for _, _, error in self.rows)
        self.worst = max(self.rows, key=lambda row: row[2])

    def __float__(self):
        return float(self.max_relative_error)

    @property
    def passed(self):
        return self.max_relative_error < self.tolerance

    def failing(self):
        """The ``(layer, name)`` pairs whose relative error is above the tolerance."""
        return [(layer, name) for layer, name, error in self.rows if error >= self.tolerance]

    def __str__(self):
        lines = [f"{'parameter':<10} {'max rel. error':>14}  verdict"]
        for layer, name, error in self.rows:
            verdict = "ok" if error < self.tolerance else "DISAGREES"
            lines.append(f"{name}[{layer}]{'':<{max(0, 7 - len(str(layer)))}} {error:>14.2e}  {verdict}")
        lines.append(f"largest relative error {self.max_relative_error:.2e} "
                     f"({'passed' if self.passed else 'FAILED'}, tolerance {self.tolerance:.0e})")
        if self.unsettled_eps is not None:
            lines.append(f"but the finite differences themselves change by more than the tolerance when "
                         f"eps={self.unsettled_eps:g} is halved: they may be what is wrong; check again with "
                         "an eps that leaves them steady (1e-3 suits parameters and costs of order 1), or, "
                         "with ReLU units, at parameters that keep every z away from the kink at 0 (a z within "
                         "2 eps of it crosses the kink for any eps; zero weights and biases put every z there)")
        return "\n".join(lines)

    def __repr__(self):
        return str(self)


def _checked_rows(rows):
    """``rows`` as a list of (layer, name, error) with a finite error >= 0, or a ValueError."""
    given = rows
    try:
        rows = [tuple(row) for row in rows]
    except TypeError:
        rows = None
    if not rows:
        raise ValueError("rows must be a list of (layer, name, error), at least one, got "
                         f"{type(given).__name__} {given!r:.60}")
    for i, row in enumerate(rows):
        if len(row) != 3:
            raise ValueError(f"each row must be (layer, name, error), got {row!r} at row {i}")
        rows[i] = (row[0], row[1], _validate.non_negative_number(row[2], f"the error of row {i}"))  # a float
    return rows


def gradient_check(net, X, Y, eps=1e-3, tolerance=1e-6, backprop=None):
    """Check ``net.backprop`` (or another ``backprop(X, Y)``) against central differences.

    X: ``(n_samples, sizes[0])``; Y: ``(n_samples, sizes[-1])``. Each
    weight and bias is nudged by +-eps and +-2 eps in turn, so this costs four
    forward passes per parameter: fine for the small nets it is meant for.
    ``backprop`` lets a learner check their own function with the same
    signature and return value as ``Network.backprop``. Returns a
    ``GradientCheck`` whose report names each layer's weight and bias error.
    When it fails, each failing parameter's differences are taken again
    with eps / 2, to tell a coarse (or too fine) eps from a wrong backprop.
    """
    from .network import Network

    if not isinstance(net, Network):
        raise ValueError(f"net must be a bplib.Network, got {type(net).__name__}")
    if backprop is not None and not callable(backprop):
        raise ValueError(f"backprop must be None or a function backprop(X, Y), got {type(backprop).__name__}")
    eps = _validate.positive_number(eps, "eps")
    tolerance = _validate.positive_number(tolerance, "tolerance")
    X, Y = net._checked_for_updates(X, Y)
    compute = net.backprop if backprop is None else backprop
    given = [(kind, i, param, param.copy()) for kind in ("weights", "biases") for i, param in enumerate(getattr(net, kind))]
    returned = compute(X, Y)
    _left_alone(net, given)
    weight_grads, bias_grads = _checked_gradients(net, returned)
    cost = lambda: net._loss_of_checked(X, Y)  # noqa: E731  (reads the parameters as nudged)
    rows, numeric = [], {}
    for i, (w, b) in enumerate(zip(net.weights, net.biases)):
        for name, param, analytic in (("w", w, weight_grads[i]), ("b", b, bias_grads[i])):
            numeric[i + 1, name] = param, numerical_gradient(cost, param, eps)
            rows.append((i + 1, name, float(relative_error(analytic, numeric[i + 1, name][1]).max())))
    result = GradientCheck(rows, tolerance)
    # A disagreement may be the differences' fault (eps too large for the cost's curvature, or too
    # small for float64): then halving eps moves them by more than the tolerance.
    for layer, name in result.failing():
        param, at_eps = numeric[layer, name]
        try:
            settled = relative_error(at_eps, numerical_gradient(cost, param, eps / 2)).max() < tolerance
        except ValueError:  # eps / 2 is too small for these parameters: eps was at float64's limit
            settled = False
        if not settled:
            result.unsettled_eps = eps
            break
    return result


def _left_alone(net, given):
    """A ValueError if backprop replaced or changed a parameter: its gradients are then of other
    parameters than the differences are taken at (a learner's backprop that also steps, say)."""
    for kind, i, param, value in given:
        now = getattr(net, kind, None)
        whole = not (isinstance(now, (list, tuple)) and len(now) == len(net.sizes) - 1)
        if whole or now[i] is not param or not np.array_equal(param, value):
            changed = f"net.{kind}" if whole else f"net.{kind}[{i}] ({kind[0]}^{i + 1})"
            raise ValueError(f"backprop changed {changed}: it must leave the parameters as they are (no update step, "
                             "no new arrays), since gradient_check compares its gradients with differences taken at "
                             "the parameters it was given")


def _checked_gradients(net, returned):
    """``backprop``'s return value as two lists of finite float arrays shaped like the parameters."""
    try:
        weight_grads, bias_grads = returned
        weight_grads, bias_grads = list(weight_grads), list(bias_grads)
    except (TypeError, ValueError):
        raise ValueError("backprop must return (weight_grads, bias_grads), two lists with one array per layer, "
                         f"got {type(returned).__name__}") from None
    checked = []
    for kind, grads, params in (("weight", weight_grads, net.weights), ("bias", bias_grads, net.biases)):
        if len(grads) != len(params):
            raise ValueError(f"backprop returned {len(grads)} {kind} gradients, expected {len(params)} (one per layer)")
        arrays = []
        for i, (g, p) in enumerate(zip(grads, params)):
            name = f"the {kind} gradient of layer {i + 1}"
            g = _validate.real_array(g, name).astype(float)
            if g.shape != p.shape:
                raise ValueError(f"{name} has shape {g.shape}, expected {p.shape} "
                                 f"(the shape of the {'biases' if kind == 'bias' else 'weights'} it belongs to)")
            _validate.all_finite(g, name)
            arrays.append(g)
        checked.append(arrays)
    return checked
