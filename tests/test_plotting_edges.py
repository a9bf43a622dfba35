"""The plots refuse input they would draw wrongly, with a message that names it."""
import math
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from bplib import Network, plotting  # noqa: E402

X2 = np.array([[-1.0, 0.0], [1.0, 0.0]])
X1 = np.linspace(-3, 3, 20).reshape(-1, 1)
DIGITS = np.arange(10 * 64, dtype=float).reshape(10, 64) % 17


def by_x(P):
    return (P[:, 0] > 0).astype(float)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def refused(call, message, error=ValueError):
    """``call()`` raises ``error`` matching ``message``, with no NumPy warning on the way."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(error, match=message):
            call()


def point_colours(ax):
    return ax.collections[-1].get_array().tolist()


# 1. decision_boundary colours points by labels 0 and 1, and only those

def test_decision_boundary_refuses_one_hot_rows_and_says_what_to_pass():
    one_hot = np.eye(2)[[0, 1]]
    refused(lambda: plotting.decision_boundary(by_x, X2, one_hot, resolution=5),
            r"y must have shape \(n_samples,\) or \(n_samples, 1\).*got shape \(2, 2\); "
            r"for one-hot rows pass y\.argmax\(axis=1\)")
    refused(lambda: plotting.decision_boundary(by_x, X2, [0, 1], resolution=5, X_test=X2, y_test=one_hot),
            r"y_test must have shape .*got shape \(2, 2\); for one-hot rows pass y_test\.argmax")


def test_decision_boundary_refuses_labels_other_than_0_and_1():
    refused(lambda: plotting.decision_boundary(by_x, X2, [1, 2], resolution=5),
            r"y must hold class labels 0 and 1, got 2 at index 1")
    refused(lambda: plotting.decision_boundary(by_x, X2, [0, 0.5], resolution=5), r"got 0\.5 at index 1")


def test_decision_boundary_still_takes_labels_as_a_row_or_a_column():
    for y in ([0, 1], [[0.0], [1.0]], np.array([False, True])):
        assert point_colours(plotting.decision_boundary(by_x, X2, y, resolution=5)) == [0.0, 1.0]


# 2. digits_grid

@pytest.mark.parametrize("shape", [(64, 10), (20, 32), (2, 8, 4, 8), (10, 8, 8, 1)])
def test_digits_grid_refuses_shapes_that_only_have_a_multiple_of_64_entries(shape):
    images = np.zeros(shape)
    refused(lambda: plotting.digits_grid(images), rf"images must be 8x8 digits.*got shape \({shape[0]}, ")


def test_digits_grid_draws_one_digit_with_its_single_label():
    for image in (DIGITS[3], DIGITS[3].reshape(8, 8)):
        fig = plotting.digits_grid(image, 7)
        assert len(fig.axes) == 1 and fig.axes[0].get_title() == "7"
        np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), DIGITS[3].reshape(8, 8))


def test_digits_grid_counts_labels_against_the_digits():
    refused(lambda: plotting.digits_grid(DIGITS.reshape(10, 8, 8), np.arange(9)),
            r"labels must have one entry per image \(10\)")


def test_digits_grid_draws_inside_a_given_ax():
    figures = plt.get_fignums()
    fig, (ax, other) = plt.subplots(1, 2)
    returned = plotting.digits_grid(DIGITS[:4], [1, 2, 3, 4], [1, 2, 0, 4], n_columns=2, ax=ax)
    assert returned is fig and len(plt.get_fignums()) == len(figures) + 1   # no figure of its own
    cells = ax.child_axes
    assert len(cells) == 4 and [cell.get_title() for cell in cells] == ["1", "2", "3 (pred 0)", "4"]
    np.testing.assert_array_equal(cells[2].images[0].get_array(), DIGITS[2].reshape(8, 8))
    assert not other.child_axes and not other.images


def test_digits_grid_refuses_text_predictions_of_number_labels():
    refused(lambda: plotting.digits_grid(DIGITS[:3], [4, 9, 6], ["4", "9", "6"]),
            r"labels and predicted must both be numbers or both be text.*int64.*<U1")
    fig = plotting.digits_grid(DIGITS[:3], ["4", "9", "6"], ["4", "9", "5"])
    assert [cell.title.get_color() for cell in fig.axes[:3]] == ["k", "k", "r"]


def test_digits_grid_makes_no_more_columns_than_digits():
    assert len(plotting.digits_grid(DIGITS[:1], n_columns=1000).axes) == 1
    assert len(plotting.digits_grid(DIGITS[:3], n_columns=2).axes) == 4


def test_digits_grid_of_no_digits_says_so_instead_of_failing():
    # Notebook 09 draws a network's mistakes with n_columns=len(wrong): a network that makes none
    # gets an empty grid that says so.
    wrong = np.array([], dtype=int)
    fig = plotting.digits_grid(DIGITS[wrong], np.arange(10)[wrong], np.arange(10)[wrong], n_columns=len(wrong))
    assert [text.get_text() for text in fig.axes[0].texts] == ["no digits to show"]
    fig, ax = plt.subplots()
    assert plotting.digits_grid(np.zeros((0, 8, 8)), ax=ax) is fig and ax.texts[0].get_text() == "no digits to show"
    refused(lambda: plotting.digits_grid(DIGITS[wrong], [3]), r"labels must have one entry per image \(0\)")
    refused(lambda: plotting.digits_grid(DIGITS[wrong], n_columns=-1), r"n_columns must be a positive integer")


def test_digits_grid_names_ragged_labels():
    refused(lambda: plotting.digits_grid(DIGITS[:2], [[1, 2], [3]]),
            r"labels must have one entry per image \(2\), got list whose entries are sequences of different")


@pytest.mark.parametrize("call", [
    lambda: plotting.decision_boundary(_never_called, [[1.0, 0.0], [1.0, 1.0]], [0, 1], padding=0),
    lambda: plotting.decision_boundary(_never_called, [[1.0, 1.0]], [0], padding=1e-300),
    lambda: plotting.regression_fit(_never_called, [[2.0], [2.0]], [0.0, 1.0]),
], ids=["a column of one value", "padding too small to widen", "regression_fit"])
def test_a_grid_of_no_width_is_refused_before_drawing(call):
    refused(call, r"spans no width to draw over .*: (give a larger padding|all of X is one value; pass grid=)")


# 3. a grid wider than float64

def _never_called(P):
    raise AssertionError("predict was called")


@pytest.mark.parametrize("call", [
    lambda: plotting.decision_boundary(_never_called, [[-1e308, 0.0], [1e308, 1.0]], [0, 1]),
    lambda: plotting.decision_boundary(_never_called, [[0.0, 0.0], [1.0, 1.0]], [0, 1], padding=1e308),
    lambda: plotting.decision_boundary(Network([2, 1]), [[-1e308, 0.0], [1e308, 1.0]], [0, 1]),
    lambda: plotting.decision_boundary(_never_called, [[-1e308, 0.0]], [0], X_test=[[1e308, 0.0]], y_test=[1]),
    lambda: plotting.regression_fit(_never_called, [[-1e308], [1e308]], [0.0, 1.0]),
], ids=["X", "padding", "network", "X_test", "regression_fit"])
def test_a_grid_wider_than_float64_is_refused_before_drawing(call):
    # Points this far out are beyond what matplotlib's axes scale to, and said so first; a padding
    # that makes the grid overflow is the grid's own refusal.
    refused(call, r"(spans more than float64 can grid|beyond the 1e\+300 that matplotlib's axes can scale to).*: scale X")


# 4. messages that name what the user gave

def test_decision_boundary_of_a_function_says_it_draws_2d_points():
    refused(lambda: plotting.decision_boundary(lambda P: P[:, 0], np.ones((3, 3)), [0, 1, 0]),
            r"X has 3 columns but decision_boundary draws 2-D points: expected shape \(n_samples, 2\)")
    refused(lambda: plotting.decision_boundary(Network([3, 1]), np.ones((3, 3)), [0, 1, 0]),
            r"X has 3 columns but decision_boundary draws 2-D points")
    refused(lambda: plotting.decision_boundary(Network([3, 1]), X2, [0, 1]),
            r"decision_boundary draws 2-D points, so the network must have sizes\[0\] == 2; "
            r"this one has sizes \[3, 1\]")


def test_regression_fit_names_the_network_not_its_own_grid():
    refused(lambda: plotting.regression_fit(Network([2, 1]), X1, np.sin(X1)),
            r"regression_fit draws curves of one input, so the network must have sizes\[0\] == 1; "
            r"this one has sizes \[2, 1\]")
    refused(lambda: plotting.regression_fit(lambda G: G, X1, np.sin(X1), grid=np.ones((5, 2))),
            r"grid has 2 columns but regression_fit draws curves of one input")


def test_regression_fit_says_target_gets_an_array():
    refused(lambda: plotting.regression_fit(lambda G: G, X1, np.sin(X1), target=math.sin),
            r"target is called with an array of shape \(400,\).*np\.sin does, math\.sin does not", TypeError)


def test_regression_fit_refuses_y_with_a_row_count_of_its_own():
    # (10, 2) has 20 entries, as many as X has rows, but is not one value per row
    refused(lambda: plotting.regression_fit(lambda G: G, X1, np.ones((10, 2))), r"Y has 10 values but X has 20 rows")


def test_ax_must_be_one_axes():
    for ax in (plt.figure(), plt.subplots(1, 2)[1], "left"):
        refused(lambda: plotting.digits_grid(DIGITS[:2], ax=ax), r"ax must be one matplotlib Axes", TypeError)
        refused(lambda: plotting.decision_boundary(by_x, X2, [0, 1], resolution=5, ax=ax),
                r"ax must be one matplotlib Axes", TypeError)


def test_regression_fit_draws_a_grid_given_out_of_order_from_left_to_right():
    grid = np.array([[1.0], [-1.0], [0.5], [-0.5]])
    ax = plotting.regression_fit(lambda G: G ** 2, X1, X1[:, 0] ** 2, grid=grid)
    assert ax.lines[0].get_xdata().tolist() == [-1.0, -0.5, 0.5, 1.0]


def test_decision_boundary_refuses_scores_it_would_leave_blank():
    """Its colours span [0, 1]: scores outside were drawn as white (86% of the plane for 2 x_1), and a
    three-class softmax net had its last class drawn as if it were the only one (fifth sweep)."""
    refused(lambda: plotting.decision_boundary(lambda P: P[:, 0] * 2, X2, [0, 1]),
            r"probabilities in \[0, 1\]; predict gave scores from -3 to 3")
    linear = Network([2, 3, 1], "relu", "identity", seed=0)
    refused(lambda: plotting.decision_boundary(linear, X2 * 100, [0, 1]), "not a score or a regression output")
    three = Network([2, 3, 3], "sigmoid", "softmax", "cross_entropy", seed=0)
    refused(lambda: plotting.decision_boundary(three, X2, [0, 1]), r"has 3 outputs: pass lambda P: net.forward")
    for net in (Network([2, 3, 1], seed=0), Network([2, 3, 2], "sigmoid", "softmax", "cross_entropy", seed=0)):
        plotting.decision_boundary(net, X2, [0, 1])   # a probability: drawn
    plotting.decision_boundary(by_x, X2, [0, 1])      # exactly 0 and 1 too


def test_values_beyond_what_matplotlibs_axes_scale_to_are_refused_when_called():
    """The call returned, and drawing the figure failed later, in a notebook's display: NumPy's
    overflow warnings, or matplotlib's "arange: cannot compute length" (fifth sweep)."""
    refused(lambda: plotting.loss_curve([1e308] * 3), "history holds values up to 1e\\+308 in size")
    net = Network([1, 2, 1], "tanh", "identity", seed=0)
    refused(lambda: plotting.regression_fit(net, X1, np.sin(X1) * 1e308), "Y holds values up to")
    refused(lambda: plotting.regression_fit(net, X1 * 1e306, np.sin(X1)), "X holds values up to")
    refused(lambda: plotting.regression_fit(lambda P: P * 1e305, X1, X1), "what predict returned holds values")
    refused(lambda: plotting.decision_boundary(by_x, X2 * 1e301, [0, 1]), "X holds values up to")


@pytest.mark.parametrize("history", [[1e-300, 1e300], [1e-300, 1e250], [1e300] * 3, [1e250, -1e250]])
def test_loss_curves_of_extreme_losses_draw_without_a_warning(history):
    """A log axis over [1e-300, 1e300] overflowed in matplotlib's tick locator when drawn: beyond 200
    powers of ten the axis stays linear."""
    import io

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax = plotting.loss_curve(history)
        ax.figure.savefig(io.BytesIO(), format="png")
    assert ax.get_yscale() == ("log" if min(history) > 0 and max(history) / min(history) < 1e200 else "linear")


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_digits_with_nan_or_infinite_pixels_are_refused(bad):
    images = DIGITS.copy()
    images[3, 10] = bad   # drawn as a blank pixel, without a word (fifth sweep)
    refused(lambda: plotting.digits_grid(images), "images contains")
