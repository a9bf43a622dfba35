"""The playground without a browser: every control set from code (and through
its widget) retrains, and the results and the figure follow."""
import warnings

import ipywidgets
import matplotlib.figure
import numpy as np
import pytest

import bplib
from bplib import Network
from bplib.playground import Playground, PlaygroundResult


@pytest.fixture(scope="module")
def xor_pg():
    return Playground(dataset="xor", hidden_units=2, learning_rate=1.0, epochs=300)


def _visible_lines(ax):
    return [line for line in ax.get_lines() if line.get_visible() and len(line.get_xdata())]


def test_defaults_and_public_api():
    pg = Playground()
    assert bplib.Playground is Playground
    assert pg.settings == dict(dataset="xor", hidden_units=4, hidden_layers=1, activation="tanh",
                               learning_rate=0.3, epochs=300, batch_size=None, noise=0.1, test_fraction=0.3,
                               n_samples=200, seed=0)
    r = pg.result
    assert isinstance(r, PlaygroundResult)
    assert r.diverged_at is None
    assert len(r.history.train) == len(r.history.test) == 300
    assert r.history.train[-1] < r.history.train[0]
    assert 0.0 < r.train_loss < 0.3 and 0.0 < r.test_loss < 0.3
    assert r.train_accuracy == pytest.approx(1.0) and r.test_accuracy > 0.95
    assert r.gradient_norms.delta.shape == r.gradient_norms.weight.shape == (2, 300)
    assert isinstance(pg.figure, matplotlib.figure.Figure) and len(pg.figure.axes) == 4
    assert pg.png.startswith(b"\x89PNG")
    assert isinstance(pg.widget, ipywidgets.VBox)
    assert pg.show() is pg.widget  # outside IPython it only returns the widget
    assert "train loss" in pg.status and "test accuracy" in pg.status
    assert "train loss" in pg._status.value  # the HTML line shows the same summary
    assert pg._image.value == pg.png


def test_training_matches_network_fit():
    """The playground trains with Network.fit, and the gradient sizes it records are the real ones."""
    pg = Playground(dataset="moons", hidden_units=5, hidden_layers=2, epochs=40, learning_rate=0.5)
    data = pg._data()
    net = Network([2, 5, 5, 1], "tanh", "sigmoid", "cross_entropy", seed=0)
    first_grads = net.backprop(data["X_train"], data["Y_train"])[0]
    history = net.fit(data["X_train"], data["Y_train"], epochs=40, learning_rate=0.5, batch_size=None)
    np.testing.assert_allclose(pg.result.history.train, history, rtol=1e-10)
    for layer, grad in enumerate(first_grads):
        assert pg.result.gradient_norms.weight[layer, 0] == pytest.approx(np.sqrt(np.mean(grad ** 2)), rel=1e-10)
    for w_pg, w_fit in zip(pg.network.weights, net.weights):
        np.testing.assert_allclose(w_pg, w_fit, rtol=1e-10, atol=1e-12)

    pg.batch_size = 16  # mini-batches: the same shuffles as fit's
    net = Network([2, 5, 5, 1], "tanh", "sigmoid", "cross_entropy", seed=0)
    history = net.fit(data["X_train"], data["Y_train"], epochs=40, learning_rate=0.5, batch_size=16)
    np.testing.assert_allclose(pg.result.history.train, history, rtol=1e-10)


def test_learning_rate_attribute_retrains_and_moves_the_slider(xor_pg):
    runs, png, loss = xor_pg.n_runs, xor_pg.png, xor_pg.result.train_loss
    xor_pg.learning_rate = 3.0
    assert xor_pg.learning_rate == 3.0
    assert xor_pg.controls["learning_rate"].value == pytest.approx(3.0)
    assert xor_pg.n_runs == runs + 1
    assert xor_pg.result.train_loss < loss  # a larger (still stable) step learns XOR faster
    assert xor_pg.png != png and xor_pg._image.value == xor_pg.png
    assert "learning rate 3" in xor_pg.figure._suptitle.get_text()
    xor_pg.learning_rate = 1.0  # back: the same seed gives the same run
    assert xor_pg.result.train_loss == loss
    assert xor_pg.png == png


def test_set_changes_several_controls_with_one_retrain(xor_pg):
    runs = xor_pg.n_runs
    xor_pg.set(hidden_units=8, learning_rate=0.1)
    assert xor_pg.n_runs == runs + 1
    assert (xor_pg.hidden_units, xor_pg.learning_rate) == (8, 0.1)
    assert xor_pg.controls["hidden_units"].value == 8
    assert xor_pg.network.sizes == [2, 8, 1]
    xor_pg.set(hidden_units=8)  # nothing changed: no retrain
    assert xor_pg.n_runs == runs + 1
    xor_pg.set(hidden_units=2, learning_rate=1.0)


def test_moving_a_widget_retrains(xor_pg):
    runs, loss, png = xor_pg.n_runs, xor_pg.result.train_loss, xor_pg.png
    xor_pg.controls["hidden_units"].value = 6
    assert xor_pg.hidden_units == 6 and xor_pg.network.sizes == [2, 6, 1]
    assert xor_pg.n_runs == runs + 1
    assert xor_pg.result.train_loss != loss and xor_pg.png != png
    xor_pg.controls["activation"].value = "relu"
    assert xor_pg.activation == "relu" and xor_pg.network.activation == "relu"
    xor_pg.controls["batch_size"].value = 16
    assert xor_pg.batch_size == 16
    xor_pg.controls["batch_size"].value = 0  # the dropdown's "full batch"
    assert xor_pg.batch_size is None
    xor_pg.batch_size = 20  # a size the dropdown does not list is added to it
    assert xor_pg.controls["batch_size"].value == 20
    xor_pg.set(hidden_units=2, activation="tanh", batch_size=None)
    assert xor_pg.controls["batch_size"].value == 0
    assert xor_pg.result.train_loss == loss


def test_more_hidden_units_fit_the_spiral_better():
    pg = Playground(dataset="spiral", hidden_units=2, hidden_layers=2, activation="relu", learning_rate=1.0)
    small = pg.result
    pg.hidden_units = 16
    assert pg.result.train_loss < small.train_loss - 0.1
    assert pg.result.train_accuracy > small.train_accuracy + 0.1


def test_too_large_learning_rate_diverges_and_says_so(capsys):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # sin regression: linear output and quadratic loss, so the loss really goes to infinity
        pg = Playground(dataset="sin", activation="sigmoid", learning_rate=10.0)
        r = pg.result
        assert isinstance(r.diverged_at, int) and r.diverged_at <= 10
        assert len(r.history.train) <= r.diverged_at
        assert pg.status.startswith(f"diverged at epoch {r.diverged_at} (learning rate too large)")
        assert "Diverged at epoch" in pg._status.value and "color" in pg._status.value
        loss_ax = pg.figure.axes[1]
        assert f"diverged at epoch {r.diverged_at}" in loss_ax.get_title()
        assert pg._diverged_line.get_visible()
        # XOR with tanh: cross-entropy stays finite, but the loss shoots up
        pg.set(dataset="xor", activation="tanh")
        assert pg.result.diverged_at is not None
        assert max(pg.result.history.train) > 10 * pg.result.history.train[0]
        pg.learning_rate = 0.5
        assert pg.result.diverged_at is None and not pg._diverged_line.get_visible()
        assert "diverged" not in pg.status
    assert caught == []  # no warning flood (numpy or matplotlib)
    assert capsys.readouterr() == ("", "")


def test_deep_sigmoid_gradients_vanish_in_early_layers():
    pg = Playground(dataset="moons", activation="sigmoid", hidden_layers=4, hidden_units=8, epochs=60)
    delta = pg.result.gradient_norms.delta.mean(axis=1)
    weight = pg.result.gradient_norms.weight.mean(axis=1)
    assert delta.shape == (5,)
    assert np.all(np.diff(delta) > 0), delta  # each layer back is smaller
    assert delta[0] < delta[-1] / 100
    assert weight[0] < weight[-1] / 10
    # the backprop panels draw one curve per layer
    ax_delta, ax_weight = pg.figure.axes[2], pg.figure.axes[3]
    assert len(_visible_lines(ax_delta)) == len(_visible_lines(ax_weight)) == 5
    assert ax_delta.get_yscale() == "log"
    np.testing.assert_allclose(_visible_lines(ax_delta)[0].get_ydata(), pg.result.gradient_norms.delta[0])
    # tanh keeps the early layers' delta much larger
    pg.activation = "tanh"
    assert pg.result.gradient_norms.delta.mean(axis=1)[0] > 10 * delta[0]
    pg.hidden_layers = 1
    assert len(_visible_lines(ax_delta)) == 2
    assert [t.get_text() for t in pg.figure.legends[0].get_texts()] == ["layer 1", "layer 2 (output)"]
    assert len(pg.figure.legends) == 1


def test_regression_and_back():
    pg = Playground(dataset="sin", learning_rate=0.03, epochs=200)
    r = pg.result
    assert r.train_accuracy is None and r.test_accuracy is None
    assert r.diverged_at is None and r.train_loss < r.history.train[0]
    assert "accuracy" not in pg.status
    assert pg._fit_line.get_visible() and not pg._heat.get_visible()
    assert pg.network.sizes == [1, 4, 1] and pg.network.output_activation == "identity"
    pg.set(dataset="circles", learning_rate=1.0)
    assert pg._heat.get_visible() and not pg._fit_line.get_visible()
    assert pg.result.train_accuracy > 0.9
    assert pg.controls["dataset"].value == "circles"


def test_noise_seed_and_test_fraction_change_the_data():
    pg = Playground(dataset="moons", epochs=20)
    points = pg._train_pts.get_offsets().copy()
    pg.noise = 0.3
    assert pg.controls["noise"].value == 0.3
    assert not np.array_equal(pg._train_pts.get_offsets(), points)
    pg.seed = 1
    assert pg.controls["seed"].value == 1
    pg.test_fraction = 0.0
    assert pg.result.test_loss is None and pg.result.history.test == []
    assert "test loss" not in pg.status
    pg.n_samples = 50
    assert len(pg._train_pts.get_offsets()) == 50


@pytest.mark.parametrize("controls, message", [
    (dict(dataset="xr"), "Did you mean 'xor'"),
    (dict(dataset="mnist"), "expected one of"),
    (dict(hidden_units=33), "hidden_units must be an integer from 1 to 32, got 33"),
    (dict(hidden_units=0), "from 1 to 32"),
    (dict(hidden_units=2.5), "hidden_units must be an integer"),
    (dict(hidden_layers=5), "hidden_layers must be an integer from 1 to 4"),
    (dict(activation="softmax"), "unknown activation 'softmax'"),
    (dict(learning_rate=20), "learning_rate must be a number from 0.001 to 10"),
    (dict(learning_rate=0), "learning_rate must be a number"),
    (dict(learning_rate=float("nan")), "learning_rate must be a number"),
    (dict(epochs=0), "epochs must be an integer"),
    (dict(epochs=True), "epochs must be an integer"),
    (dict(batch_size=0), "batch_size must be None"),
    (dict(noise=-0.1), "noise must be a number from 0 to 1"),
    (dict(test_fraction=0.95), "test_fraction must be a number from 0 to 0.9"),
    (dict(n_samples=5), "n_samples must be an integer from 20"),
    (dict(seed=-1), "seed must be an integer"),
    (dict(hidden_units=8, learning_rate=100), "learning_rate"),  # set() is all or nothing
])
def test_invalid_values_raise_and_change_nothing(xor_pg, controls, message):
    before, runs = xor_pg.settings, xor_pg.n_runs
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        if len(controls) == 1:
            setattr(xor_pg, *next(iter(controls.items())))
        else:
            xor_pg.set(**controls)
    assert xor_pg.settings == before and xor_pg.n_runs == runs
    assert xor_pg.controls["hidden_units"].value == before["hidden_units"]


def test_invalid_constructor_arguments_and_unknown_controls(xor_pg):
    with pytest.raises(ValueError, match="Did you mean 'spiral'"):
        Playground(dataset="spiarl")
    with pytest.raises(TypeError, match="Did you mean 'hidden_units'"):
        xor_pg.set(hiden_units=3)


def test_same_settings_same_picture():
    a = Playground(dataset="blobs", epochs=30)
    b = Playground(dataset="blobs", epochs=30)
    assert a.result.history.train == b.result.history.train
    assert a.png == b.png
    assert repr(a).startswith("Playground(dataset='blobs', hidden_units=4")


def test_show_displays_the_widget_once_per_cell():
    """`pg.show()` as a cell's last line must not show a second copy through the displayhook."""
    import contextlib
    import io

    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        shell.user_ns["pg"] = Playground(epochs=5)
        shown = {}
        for cell in ["pg.show()", "pg.show(); pg.show()", "pg.widget", "w = pg.show()\nw"]:
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                assert shell.run_cell(cell).success
            shown[cell] = out.getvalue().count("<Playground(dataset='xor'")
        assert shown == {"pg.show()": 1, "pg.show(); pg.show()": 2, "pg.widget": 1, "w = pg.show()\nw": 1}
    finally:
        InteractiveShell.clear_instance()
