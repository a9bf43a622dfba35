"""Plots the course draws again and again. Each function takes an optional
matplotlib ``ax`` and returns it (``digits_grid`` returns its figure), so
plots can be combined in one figure."""
import matplotlib.pyplot as plt
import numpy as np

from . import _validate


def _axes(ax, figsize=(4.5, 4)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return _one_axes(ax)


def _one_axes(ax):
    """A TypeError unless ``ax`` is one matplotlib Axes (not a figure, nor the array subplots returns)."""
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be one matplotlib Axes (fig, ax = plt.subplots(), or one of its axes[i]), "
                        f"got {type(ax).__name__}")
    return ax


def decision_boundary(predict, X, y, ax=None, resolution=150, padding=0.5, title=None, X_test=None, y_test=None):
    """Heat map of a classifier's output over the plane, with the points on top.

    predict: function from ``(n, 2)`` points to ``(n,)`` or ``(n, 1)`` scores
    in [0, 1] (for example ``lambda P: net.forward(P)[:, 0]``), or a
    ``Network`` of 2 inputs (its last output is used: the single output, or
    class 1's probability of a two-unit softmax). X: ``(n_samples, 2)``; y:
    labels ``(n_samples,)`` or ``(n_samples, 1)`` in {0, 1}. Test points, if
    given, are drawn hollow.
    """
    drawing = "decision_boundary draws 2-D points"
    who = _expects(predict, 2, drawing)
    X, y = _points(X, y, "X", "y", 2, who, labels=True)
    if (X_test is None) != (y_test is None):
        raise ValueError("X_test and y_test go together: give both or neither")
    if X_test is not None:
        X_test, y_test = _points(X_test, y_test, "X_test", "y_test", 2, who, labels=True)
    function = _function_of(predict, 2, drawing)
    if hasattr(predict, "forward"):
        outputs = predict.sizes[-1]
        if outputs > 2:
            raise ValueError(f"decision_boundary draws one probability, class 1's of a two-class network; this "
                             f"network has {outputs} outputs: pass lambda P: net.forward(P)[:, k] for class k")
        predict = lambda P: function(P)[:, -1]  # noqa: E731
    resolution = _validate.int_in_range(resolution, "resolution", 2, 2000)
    padding = _validate.non_negative_number(padding, "padding")
    every = X if X_test is None else np.vstack([X, X_test])
    low, high = every.min(axis=0) - padding, every.max(axis=0) + padding
    _grid_span(low, high, "X" if X_test is None else "X and X_test", f" with padding {padding:g}",
               "scale X or lower padding", "give a larger padding")
    ax = _axes(ax)
    xs, ys = np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution)
    grid_x, grid_y = np.meshgrid(xs, ys)
    scores = _one_per_point(predict, np.c_[grid_x.ravel(), grid_y.ravel()], "predict").reshape(grid_x.shape)
    if not (scores.min() >= 0.0 and scores.max() <= 1.0):   # outside the colour levels: drawn blank
        raise ValueError(f"decision_boundary draws probabilities in [0, 1]; predict gave scores from "
                         f"{scores.min():.3g} to {scores.max():.3g} over the plane: give the probability of "
                         "class 1 (a sigmoid or two-unit softmax output), not a score or a regression output")
    ax.contourf(grid_x, grid_y, scores, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.6, vmin=0, vmax=1)
    ax.contour(grid_x, grid_y, scores, levels=[0.5], colors="k", linewidths=1)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="RdBu_r", vmin=0, vmax=1, edgecolors="k", s=30)
    if X_test is not None:
        ax.scatter(X_test[:, 0], X_test[:, 1], c=y_test, cmap="RdBu_r", vmin=0, vmax=1,
                   edgecolors="k", s=30, marker="s", alpha=0.7)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title)
    return ax


def regression_fit(predict, X, Y, ax=None, grid=None, title=None, target=None):
    """The fitted curve on a dense grid, with the training points.

    predict: function from ``(n, 1)`` inputs to ``(n, 1)`` outputs, or a
    ``Network`` of 1 input. X: ``(n_samples, 1)``; Y: ``(n_samples,)`` or
    ``(n_samples, k)``, whose first column is drawn. grid: ``(n, 1)`` inputs to
    draw the curve at (400 from X's smallest to its largest by default).
    ``target``, if given, is the true function of an array of x values
    ``(n,)`` (e.g. ``np.sin``), drawn dashed.
    """
    drawing = "regression_fit draws curves of one input"
    who = _expects(predict, 1, drawing)
    X, Y = _points(X, Y, "X", "Y", 1, who)
    predict = _function_of(predict, 1, drawing)
    if target is not None:
        _callable(target, "target")
    if grid is None:
        _grid_span(X.min(), X.max(), "X", "", "scale X or pass grid=",
                   "all of X is one value; pass grid= with the inputs to draw the curve at")
        grid = np.linspace(X.min(), X.max(), 400).reshape(-1, 1)
    grid = _validate.as_matrix(grid, "grid", 1, who)
    _drawable(grid, "grid", "draw the curve over smaller inputs")
    grid = grid[np.argsort(grid[:, 0], kind="stable")]  # the curve joins its points in this order
    ax = _axes(ax, figsize=(6, 3.5))
    if target is not None:
        ax.plot(grid[:, 0], _one_per_point(target, grid[:, 0], "target"), "k--", lw=1, label="target")
    ax.plot(grid[:, 0], _one_per_point(predict, grid, "predict", first_column=True), lw=2, label="network")
    ax.plot(X[:, 0], Y, "o", label="training points")
    ax.set_xlabel("x")
    # Below the axes: inside, even at loc="best", it covered training points in every plot of notebook 08.
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3, frameon=False)
    if title:
        ax.set_title(title)
    return ax


def loss_curve(history, ax=None, label=None, log=True, title=None):
    """Loss per epoch. ``history``: a list of floats (``Network.fit`` returns one). ``log``: a log
    scale, where every loss is positive and they span at most 200 powers of ten."""
    history = _validate.real_array(history, "history")
    if history.ndim != 1:
        raise ValueError(f"history must be a list of losses, one per epoch, got shape {history.shape}")
    _validate.all_finite(history, "history")
    _drawable(history, "history", "a diverged run? plot the losses before it")
    ax = _axes(ax, figsize=(5, 3.5))
    epochs = np.arange(1, len(history) + 1)
    ax.plot(epochs, history, label=label)
    if log and len(history) and min(history) > 0 and np.log10(max(history)) - np.log10(min(history)) <= LOG_DECADES:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    if label:
        ax.legend()
    if title:
        ax.set_title(title)
    return ax


def digits_grid(images, labels=None, predicted=None, n_columns=10, ax=None):
    """Draw 8x8 digits in a grid and return its figure. images: ``(n, 64)`` or
    ``(n, 8, 8)``, or one digit ``(64,)`` or ``(8, 8)``; labels and predicted:
    ``(n,)`` (one digit may have a single label). A title "7 (pred 1)" marks a
    mistake in red. Given ``ax``, the grid is drawn inside it. No digits at all
    (``(0, 64)``: a network's mistakes when it made none) draw "no digits to show"."""
    images = _validate.real_array(images, "images")
    if images.shape in ((64,), (8, 8)):
        images = images.reshape(1, 8, 8)
    # Only these shapes: any other size divisible by 64, a transposed batch (64, n) say, would
    # reshape without complaint into digits that are not the ones given.
    elif (images.ndim == 2 and images.shape[1] == 64) or (images.ndim == 3 and images.shape[1:] == (8, 8)):
        images = images.reshape(-1, 8, 8)
    else:
        raise ValueError(f"images must be 8x8 digits, shape (n, 64) or (n, 8, 8), or one digit of shape (64,) "
                         f"or (8, 8); got shape {images.shape}")
    _validate.all_finite(images, "images")   # imshow leaves a NaN or infinite pixel blank, without a word
    n = len(images)
    labels, predicted = (_per_image(values, name, n) for name, values in (("labels", labels), ("predicted", predicted)))
    if predicted is not None and labels is None:
        raise ValueError("predicted needs labels to compare with")
    if n == 0:
        # No digits, the mistakes of a network that got every test digit right say: an empty grid
        # that says so (n_columns=len(wrong) is then 0 too).
        if not (_validate.is_int(n_columns) and n_columns == 0):
            _validate.positive_int(n_columns, "n_columns")
        fig = plt.figure(figsize=(3, 1)) if ax is None else _one_axes(ax).figure
        where = fig.add_subplot() if ax is None else ax
        where.axis("off")
        where.text(0.5, 0.5, "no digits to show", ha="center", va="center", transform=where.transAxes)
        return fig
    if predicted is not None and (labels.dtype.kind in "biuf") != (predicted.dtype.kind in "biuf"):
        # "7" != 7, so every digit would be marked a mistake
        raise ValueError(f"labels and predicted must both be numbers or both be text to compare them, got "
                         f"labels of dtype {labels.dtype} and predicted of dtype {predicted.dtype}; "
                         "convert one, e.g. predicted.astype(int)")
    # More columns than digits would only add empty axes: 1000 of them take 20 seconds to make.
    n_columns = min(_validate.positive_int(n_columns, "n_columns"), n)
    n_rows = -(-n // n_columns)
    if ax is None:
        fig, cells = plt.subplots(n_rows, n_columns, figsize=(n_columns * 0.9, n_rows * 1.1))
        cells = np.atleast_1d(cells).ravel()
    else:
        # One cell per digit inside the given axes, the top fifth of each row left for its titles.
        fig = _one_axes(ax).figure
        ax.axis("off")
        cells = [ax.inset_axes([column / n_columns, 1 - (row + 1) / n_rows, 1 / n_columns, 0.8 / n_rows])
                 for row in range(n_rows) for column in range(n_columns)]
    for i, cell in enumerate(cells):
        cell.axis("off")
        if i >= n:
            continue
        cell.imshow(images[i], cmap="gray_r")
        if labels is not None:
            text, colour = f"{labels[i]}", "k"
            if predicted is not None and predicted[i] != labels[i]:
                text, colour = f"{labels[i]} (pred {predicted[i]})", "r"
            cell.set_title(text, fontsize=8, color=colour)
    if ax is None:  # a figure of our own; a given one may hold other plots, and is laid out by its owner
        fig.tight_layout()
    return fig


def _per_image(values, name, n):
    """``values`` as an array of n entries, one per image (a single value for a single image), or None."""
    if values is None:
        return None
    if n == 1 and np.ndim(values) == 0:
        values = [values]
    try:
        array = np.asarray(values)
    except ValueError:  # NumPy's "inhomogeneous shape": rows of different lengths
        raise ValueError(f"{name} must have one entry per image ({n}), got {type(values).__name__} "
                         "whose entries are sequences of different lengths") from None
    if array.ndim != 1 or len(array) != n:
        raise ValueError(f"{name} must have one entry per image ({n}), got "
                         f"{type(values).__name__} of shape {array.shape}")
    return array


def _callable(function, name):
    if not callable(function):
        raise ValueError(f"{name} must be a function (or a Network), got {type(function).__name__}")


def _expects(predict, n_inputs, drawing):
    """Who needs X to have ``n_inputs`` columns, for a message: the network if it takes that many,
    else ``drawing``, what the plot draws."""
    if list(getattr(predict, "sizes", [None]))[0] == n_inputs:
        return f"the network expects {n_inputs}"
    return drawing


def _function_of(predict, n_inputs, drawing):
    """``predict`` as a function of points: a Network's forward, if the network takes ``n_inputs``."""
    if not hasattr(predict, "forward"):
        _callable(predict, "predict")
        return predict
    sizes = list(getattr(predict, "sizes", [n_inputs]))
    if sizes[0] != n_inputs:
        raise ValueError(f"{drawing}, so the network must have sizes[0] == {n_inputs}; this one has sizes {sizes}")
    return predict.forward


def _grid_span(low, high, name, padded, hint, zero_hint):
    """A ValueError if a grid from ``low`` to ``high`` is wider than float64 holds (np.linspace
    would fill it with infinities and NaN, and the error would come later, naming the grid), or
    has no width (``zero_hint`` says what to do then)."""
    with np.errstate(over="ignore", invalid="ignore"):
        span = np.subtract(high, low)  # infinite, or NaN, if low or high is
    if not np.isfinite(span).all():
        low, high = np.asarray(low).tolist(), np.asarray(high).tolist()
        raise ValueError(f"{name} spans more than float64 can grid ({low} to {high}{padded}): {hint}")
    if not (span > 0).all():  # every grid point the same: an empty plot, without a word
        low, high = np.asarray(low).tolist(), np.asarray(high).tolist()
        raise ValueError(f"{name} spans no width to draw over ({low} to {high}{padded}): {zero_hint}")


def _one_per_point(function, points, name, first_column=False):
    """What ``function(points)`` returned as n finite values, one per point (the first column of
    ``(n, k)`` with ``first_column``), or a ValueError that says what it returned."""
    n = len(points)
    try:
        returned = function(points)
    except TypeError as error:
        # math.sin and friends take one number; what TypeError they raise does not say so
        raise TypeError(f"{name} is called with an array of shape {points.shape}, all the points at once, "
                        f"and raised TypeError: {error}. It must work on arrays (np.sin does, math.sin does not)"
                        ) from error
    values = _validate.real_array(returned, f"what {name} returned")
    if values.ndim == 2 and values.shape[0] == n and (values.shape[1] == 1 or first_column):
        values = values[:, 0]
    if values.shape != (n,):
        expected = "(n,) or (n, k)" if first_column else "(n,) or (n, 1)"
        raise ValueError(f"{name} must return one value per point, shape {expected} for n = {n}; "
                         f"given points of shape {points.shape} it returned shape {values.shape}")
    _validate.all_finite(values, f"what {name} returned")
    _drawable(values, f"what {name} returned", "scale the data it was trained on")
    return values


# Beyond this, matplotlib's axes overflow as they add their margins and place their ticks (a
# warning, or "arange: cannot compute length", when the figure is drawn, after the call returned).
DRAWABLE = 1e300
# A log axis spanning more decades than this overflows in matplotlib's tick locator.
LOG_DECADES = 200


def _drawable(values, name, hint):
    """A ValueError if any of the (finite) ``values`` is beyond ``DRAWABLE`` in size."""
    largest = float(np.abs(values).max(initial=0.0))
    if largest > DRAWABLE:
        raise ValueError(f"{name} holds values up to {largest:.3g} in size, beyond the {DRAWABLE:.0e} that "
                         f"matplotlib's axes can scale to: {hint}")


def _points(X, y, x_name, y_name, n_columns, who, labels=False):
    """X as a finite ``(n, n_columns)`` matrix and y as n finite values: y ``(n,)`` or ``(n, 1)``, or
    ``(n, k)`` whose first column is taken unless ``labels``; with ``labels`` each value is 0 or 1."""
    X = _validate.as_matrix(X, x_name, n_columns, who)
    y = _validate.real_array(y, y_name)
    if y.ndim == 2 and (y.shape[1] == 1 or not labels):
        y = y[:, 0]
    if y.ndim != 1:
        expected = "(n_samples,) or (n_samples, 1)" if labels else "(n_samples,) or (n_samples, k)"
        hint = f"; for one-hot rows pass {y_name}.argmax(axis=1)" if labels and y.ndim == 2 else ""
        raise ValueError(f"{y_name} must have shape {expected}, one value per row of {x_name}, "
                         f"got shape {y.shape}{hint}")
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"{y_name} has {y.shape[0]} values but {x_name} has {X.shape[0]} rows: expected one per point")
    _validate.all_finite(y, y_name)
    for values, name in ((X, x_name), (y, y_name)):
        _drawable(values, name, f"scale {name}")
    outside = labels and ~np.isin(y, (0, 1))
    if np.any(outside):
        # the colours run from 0 to 1: a label 2 would be drawn as a 1, -1 as a 0
        bad = np.flatnonzero(outside)[0]
        raise ValueError(f"{y_name} must hold class labels 0 and 1, got {y[bad]:g} at index {bad}; "
                         "map other labels onto 0 and 1 first")
    return X, y
