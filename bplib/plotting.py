"""Plots the course draws again and again. Each function takes an optional
matplotlib ``ax`` and returns it, so plots can be combined in one figure."""
import matplotlib.pyplot as plt
import numpy as np

from . import _validate


def _axes(ax, figsize=(4.5, 4)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def decision_boundary(predict, X, y, ax=None, resolution=150, padding=0.5, title=None, X_test=None, y_test=None):
    """Heat map of a classifier's output over the plane, with the points on top.

    predict: function from ``(n, 2)`` points to ``(n,)`` or ``(n, 1)`` scores
    in [0, 1] (for example ``lambda P: net.forward(P)[:, 0]``), or a
    ``Network`` (its last output is used: the single output, or class 1's
    probability of a two-unit softmax). X: ``(n_samples, 2)``; y: labels
    ``(n_samples,)`` or ``(n_samples, 1)`` in {0, 1}. Test points, if given,
    are drawn hollow.
    """
    if hasattr(predict, "forward"):
        net = predict
        predict = lambda P: net.forward(P)[:, -1]  # noqa: E731
    _callable(predict, "predict")
    X, y = _points(X, y, "X", "y", n_columns=2)
    if (X_test is None) != (y_test is None):
        raise ValueError("X_test and y_test go together: give both or neither")
    if X_test is not None:
        X_test, y_test = _points(X_test, y_test, "X_test", "y_test", n_columns=2)
    resolution = _validate.int_in_range(resolution, "resolution", 2, 2000)
    padding = _validate.non_negative_number(padding, "padding")
    ax = _axes(ax)
    every = X if X_test is None else np.vstack([X, X_test])
    low, high = every.min(axis=0) - padding, every.max(axis=0) + padding
    xs, ys = np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution)
    grid_x, grid_y = np.meshgrid(xs, ys)
    scores = _one_per_point(predict, np.c_[grid_x.ravel(), grid_y.ravel()], "predict").reshape(grid_x.shape)
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
    ``Network``. X: ``(n_samples, 1)``; Y: ``(n_samples,)`` or
    ``(n_samples, k)``, whose first column is drawn. ``target``, if given, is
    the true function (e.g. ``np.sin``) drawn dashed.
    """
    if hasattr(predict, "forward"):
        predict = predict.forward
    _callable(predict, "predict")
    X, Y = _points(X, Y, "X", "Y", n_columns=1)
    if target is not None:
        _callable(target, "target")
    if grid is None:
        grid = np.linspace(X.min(), X.max(), 400).reshape(-1, 1)
    grid = _validate.as_matrix(grid, "grid", 1)
    ax = _axes(ax, figsize=(6, 3.5))
    if target is not None:
        ax.plot(grid[:, 0], _one_per_point(target, grid[:, 0], "target"), "k--", lw=1, label="target")
    ax.plot(grid[:, 0], _one_per_point(predict, grid, "predict", first_column=True), lw=2, label="network")
    ax.plot(X[:, 0], Y, "o", label="training points")
    ax.set_xlabel("x")
    ax.legend(loc="best")
    if title:
        ax.set_title(title)
    return ax


def loss_curve(history, ax=None, label=None, log=True, title=None):
    """Loss per epoch. ``history``: a list of floats (``Network.fit`` returns one)."""
    history = _validate.real_array(history, "history")
    if history.ndim != 1:
        raise ValueError(f"history must be a list of losses, one per epoch, got shape {history.shape}")
    _validate.all_finite(history, "history")
    ax = _axes(ax, figsize=(5, 3.5))
    epochs = np.arange(1, len(history) + 1)
    ax.plot(epochs, history, label=label)
    if log and len(history) and min(history) > 0:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    if label:
        ax.legend()
    if title:
        ax.set_title(title)
    return ax


def digits_grid(images, labels=None, predicted=None, n_columns=10, ax=None):
    """Draw 8x8 digits in a grid. images: ``(n, 64)`` or ``(n, 8, 8)``;
    labels and predicted: ``(n,)``. A title "7 (pred 1)" marks a mistake in red."""
    images = _validate.real_array(images, "images")
    if images.size == 0 or images.size % 64:
        raise ValueError(f"images must be 8x8 digits, shape (n, 64) or (n, 8, 8), got shape {images.shape}")
    images = images.reshape(-1, 8, 8)
    n = len(images)
    n_columns = _validate.positive_int(n_columns, "n_columns")
    for name, values in (("labels", labels), ("predicted", predicted)):
        if values is not None and (np.ndim(values) != 1 or len(values) != n):
            raise ValueError(f"{name} must have one entry per image ({n}), got "
                             f"{type(values).__name__} of shape {np.shape(values)}")
    if predicted is not None and labels is None:
        raise ValueError("predicted needs labels to compare with")
    n_rows = max(1, int(np.ceil(n / n_columns)))
    fig, axes = plt.subplots(n_rows, n_columns, figsize=(n_columns * 0.9, n_rows * 1.1))
    axes = np.atleast_1d(axes).ravel()
    for i, cell in enumerate(axes):
        cell.axis("off")
        if i >= n:
            continue
        cell.imshow(images[i], cmap="gray_r")
        if labels is not None:
            text, colour = f"{labels[i]}", "k"
            if predicted is not None and predicted[i] != labels[i]:
                text, colour = f"{labels[i]} (pred {predicted[i]})", "r"
            cell.set_title(text, fontsize=8, color=colour)
    fig.tight_layout()
    return fig


def _callable(function, name):
    if not callable(function):
        raise ValueError(f"{name} must be a function (or a Network), got {type(function).__name__}")


def _one_per_point(function, points, name, first_column=False):
    """What ``function(points)`` returned as n finite values, one per point (the first column of
    ``(n, k)`` with ``first_column``), or a ValueError that says what it returned."""
    n = len(points)
    values = _validate.real_array(function(points), f"what {name} returned")
    if values.ndim == 2 and values.shape[0] == n and (values.shape[1] == 1 or first_column):
        values = values[:, 0]
    if values.shape != (n,):
        expected = "(n,) or (n, k)" if first_column else "(n,) or (n, 1)"
        raise ValueError(f"{name} must return one value per point, shape {expected} for n = {n}; "
                         f"given points of shape {points.shape} it returned shape {values.shape}")
    _validate.all_finite(values, f"what {name} returned")
    return values


def _points(X, y, x_name, y_name, n_columns):
    """X as a finite ``(n, n_columns)`` matrix and y as n finite values (the first column of a 2-D y)."""
    X = _validate.as_matrix(X, x_name, n_columns)
    y = _validate.real_array(y, y_name)
    y = (y[:, 0] if y.ndim == 2 and y.shape[0] == X.shape[0] else y).ravel()
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"{y_name} has {y.shape[0]} values but {x_name} has {X.shape[0]} rows: expected one per point")
    _validate.all_finite(y, y_name)
    return X, y
