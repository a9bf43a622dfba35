"""Plots the course draws again and again. Each function takes an optional
matplotlib ``ax`` and returns it, so plots can be combined in one figure."""
import matplotlib.pyplot as plt
import numpy as np


def _axes(ax, figsize=(4.5, 4)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def decision_boundary(predict, X, y, ax=None, resolution=150, padding=0.5, title=None, X_test=None, y_test=None):
    """Heat map of a classifier's output over the plane, with the points on top.

    predict: function from ``(n, 2)`` points to ``(n,)`` or ``(n, 1)`` scores
    in [0, 1] (for example ``lambda P: net.forward(P)[:, 0]``), or a
    ``Network`` (its first output is used). X: ``(n_samples, 2)``; y: labels
    ``(n_samples,)`` or ``(n_samples, 1)`` in {0, 1}. Test points, if given,
    are drawn hollow.
    """
    if hasattr(predict, "forward"):
        net = predict
        predict = lambda P: net.forward(P)[:, -1]  # noqa: E731
    ax = _axes(ax)
    X = np.asarray(X, dtype=float)
    every = X if X_test is None else np.vstack([X, X_test])
    low, high = every.min(axis=0) - padding, every.max(axis=0) + padding
    xs, ys = np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution)
    grid_x, grid_y = np.meshgrid(xs, ys)
    scores = np.asarray(predict(np.c_[grid_x.ravel(), grid_y.ravel()])).reshape(grid_x.shape)
    ax.contourf(grid_x, grid_y, scores, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.6, vmin=0, vmax=1)
    ax.contour(grid_x, grid_y, scores, levels=[0.5], colors="k", linewidths=1)
    y = np.asarray(y).ravel()
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="RdBu_r", vmin=0, vmax=1, edgecolors="k", s=30)
    if X_test is not None:
        ax.scatter(X_test[:, 0], X_test[:, 1], c=np.asarray(y_test).ravel(), cmap="RdBu_r", vmin=0, vmax=1,
                   edgecolors="k", s=30, marker="s", alpha=0.7)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title)
    return ax


def regression_fit(predict, X, Y, ax=None, grid=None, title=None, target=None):
    """The fitted curve on a dense grid, with the training points.

    predict: function from ``(n, 1)`` inputs to ``(n, 1)`` outputs, or a
    ``Network``. X, Y: ``(n_samples, 1)``. ``target``, if given, is the true
    function (e.g. ``np.sin``) drawn dashed.
    """
    if hasattr(predict, "forward"):
        predict = predict.forward
    ax = _axes(ax, figsize=(6, 3.5))
    X = np.asarray(X, dtype=float).reshape(-1, 1)
    if grid is None:
        grid = np.linspace(X.min(), X.max(), 400).reshape(-1, 1)
    if target is not None:
        ax.plot(grid[:, 0], target(grid[:, 0]), "k--", lw=1, label="target")
    ax.plot(grid[:, 0], np.asarray(predict(grid)).reshape(len(grid), -1)[:, 0], lw=2, label="network")
    ax.plot(X[:, 0], np.asarray(Y).reshape(len(X), -1)[:, 0], "o", label="training points")
    ax.set_xlabel("x")
    ax.legend(loc="best")
    if title:
        ax.set_title(title)
    return ax


def loss_curve(history, ax=None, label=None, log=True, title=None):
    """Loss per epoch. ``history``: a list of floats (``Network.fit`` returns one)."""
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
    images = np.asarray(images).reshape(-1, 8, 8)
    n = len(images)
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
