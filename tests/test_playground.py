"""The playground without a browser: every control set from code (and through
its widget) retrains, the replay redraws without retraining, and every view
describes the same run."""
import html
import io
import re
import time
import warnings

import ipywidgets
import numpy as np
import pytest
from PIL import Image

import bplib
from bplib import Network, activations
from bplib.playground import GradientNorms, History, Playground, PlaygroundResult
from bplib.playground import core
from bplib.playground import features as feature_module
from bplib.playground.panels import encode_png
from bplib.playground.results import count_reversals, rate_verdict
from bplib.playground.training import DERIVATIVES_FROM_ACTIVATION

PANELS = ("data", "network", "loss", "delta", "weight", "neuron")


class FakeClock:
    """A clock that moves ``step`` seconds per reading, and can watch the playground while it trains."""

    def __init__(self, step, watch=None):
        self.now, self.step, self.watch, self.seen = 0.0, step, watch, []

    def __call__(self):
        if self.watch is not None:
            self.seen.append(self.watch())
        self.now += self.step
        return self.now


@pytest.fixture(scope="module", autouse=True)
def stopped_clock():
    """Time stands still for the budget, so that no run depends on the machine's speed or load.
    Tests of the budget give a playground a clock of their own."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(core, "default_clock", FakeClock(step=0.0))
        yield


@pytest.fixture(scope="module")
def xor_pg():
    return Playground(dataset="xor", hidden_units=2, learning_rate=1.0, epochs=300)


def _curves(panel):
    """The curves (x, y) a plot panel shows."""
    return panel.curves


def _pixels(png):
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def _status_text(pg):
    return html.unescape(re.sub("<[^>]+>", "", pg._status.value))


def assert_consistent(pg):
    """Every view describes the run in ``pg.result``."""
    r = pg.result
    assert r.settings == pg.settings
    n = r.epochs_run
    assert len(r.history.train) == n and r.gradient_norms.delta.shape[1] == n
    assert r.gradient_norms.weight_per_sample.shape == r.gradient_norms.delta.shape
    assert [a.shape[0] for a in r.gradient_norms.neuron_delta] == [n] * (len(pg.network.sizes) - 1)
    used = feature_module.used(pg.features, 1 if pg.dataset == "sin" else 2)
    assert pg.network.sizes == [len(used)] + [pg.hidden_units] * pg.hidden_layers + [1]
    assert not pg.busy and "bplib-busy" not in pg.widget._dom_classes
    epochs = pg.replay_epochs
    assert epochs[0] == 0 and epochs[-1] == n and len(epochs) <= 101 + 1
    assert pg._replay_slider.max == pg._play.max == len(epochs) - 1
    assert pg._replay_slider.value == pg._play.value
    assert epochs[pg._replay_slider.value] == pg.replay_epoch
    assert f"of {n}" in pg._replay_label.value
    assert f"epoch <b>{pg.replay_epoch}</b>" in pg._replay_label.value
    layer, unit = pg.neuron
    assert 1 <= layer < len(pg.network.sizes) and 1 <= unit <= pg.network.sizes[layer]
    expected = [(la, u) for la in range(1, len(pg.network.sizes)) for u in range(1, pg.network.sizes[la] + 1)]
    assert [v for _, v in pg._neuron_choice.options] == expected and pg._neuron_choice.value == pg.neuron
    assert set(pg.images) == set(PANELS)
    for name in PANELS:
        assert pg._image_widgets[name].value == pg.images[name]
    for name, control in pg.controls.items():
        value = pg.settings[name]
        if name == "batch_size" and value is None or name == "time_budget" and value is None:
            value = 0
        assert control.value == value, name


# -- the public API and the results -------------------------------------------------
def test_defaults_and_public_api():
    pg = Playground()
    assert bplib.Playground is Playground
    assert pg.settings == dict(dataset="xor", hidden_units=4, hidden_layers=1, activation="tanh",
                               learning_rate=0.3, epochs=300, batch_size=None, noise=0.1, test_fraction=0.3,
                               n_samples=200, seed=0, features=("x1", "x2"), time_budget=1.0)
    r = pg.result
    assert isinstance(r, PlaygroundResult) and isinstance(r.history, History)
    assert isinstance(r.gradient_norms, GradientNorms)
    assert r.diverged_at is None and r.unstable is None and not r.stopped_early
    assert len(r.history.train) == len(r.history.test) == 300 == r.epochs_run
    assert r.history.train[-1] < r.history.train[0]
    assert 0.0 < r.train_loss < r.history.train[-1] and 0.0 < r.test_loss < 0.3
    assert r.train_accuracy == pytest.approx(1.0) and r.test_accuracy > 0.95
    for sizes in (r.gradient_norms.delta, r.gradient_norms.weight, r.gradient_norms.weight_per_sample):
        assert sizes.shape == (2, 300)
    assert [a.shape for a in r.gradient_norms.neuron_delta] == [(300, 4), (300, 1)]
    assert pg.png.startswith(b"\x89PNG") and all(png.startswith(b"\x89PNG") for png in pg.images.values())
    assert pg.figure.get_figwidth() > 5  # a picture of the whole view
    assert isinstance(pg.widget, ipywidgets.VBox)
    assert pg.show() is pg.widget  # outside IPython it only returns the widget
    assert pg.status == r.summary() and "train loss" in pg.status and "test accuracy" in pg.status
    assert _status_text(pg) == pg.status[0].upper() + pg.status[1:]
    assert pg.replay_epoch == 300 and pg.replay_epochs == list(range(0, 301, 3))
    assert pg.neuron == (1, 1)
    assert_consistent(pg)


def test_encode_png_round_trips():
    rgba = np.random.default_rng(0).integers(0, 256, size=(7, 5, 4), dtype=np.uint8)
    np.testing.assert_array_equal(_pixels(encode_png(rgba)), rgba[..., :3])


def test_derivatives_from_the_activation_equal_the_public_primes():
    z = np.linspace(-4, 4, 41).reshape(-1, 1)
    for name, function, prime in [("sigmoid", activations.sigmoid, activations.sigmoid_prime),
                                  ("tanh", activations.tanh, activations.tanh_prime),
                                  ("relu", activations.relu, activations.relu_prime),
                                  ("identity", activations.identity, activations.identity_prime)]:
        np.testing.assert_allclose(DERIVATIVES_FROM_ACTIVATION[name](function(z)), prime(z), atol=1e-15)


def _fit_reference(pg, batch_size):
    data = pg._data()
    X = feature_module.transform(data["X_train"], pg.features)
    net = Network(pg.network.sizes, pg.activation, "sigmoid", "cross_entropy", seed=pg.seed)
    history = net.fit(X, data["Y_train"], epochs=pg.epochs, learning_rate=pg.learning_rate,
                      batch_size=batch_size, seed=pg.seed)
    return net, history, X, data


def test_training_is_network_fit_step_for_step_and_records_backprop():
    """The playground's own loop (on bplib.equations) gives Network.fit's weights (to rounding:
    fit folds the learning rate and 1/n into delta^L), and the gradient sizes it records are
    those of Network.backprop."""
    pg = Playground(dataset="moons", hidden_units=5, hidden_layers=2, epochs=40, learning_rate=0.5,
                    features=("x1", "x2", "x1*x2"))
    net, history, X, data = _fit_reference(pg, None)
    np.testing.assert_allclose(pg.result.history.train, history, rtol=1e-12)
    for w_pg, w_fit in zip(pg.network.weights + pg.network.biases, net.weights + net.biases):
        np.testing.assert_allclose(w_pg, w_fit, rtol=1e-12, atol=1e-14)
    # epoch 1 is one full-batch step from the initial network
    start = Network(pg.network.sizes, "tanh", "sigmoid", "cross_entropy", seed=0)
    weight_grads, _ = start.backprop(X, data["Y_train"])
    norms = pg.result.gradient_norms
    for layer, grad in enumerate(weight_grads):
        assert norms.weight[layer, 0] == pytest.approx(np.sqrt(np.mean(grad ** 2)), rel=1e-10)
    # per sample: each sample's own gradient, before the batch mean
    per_sample = [np.zeros(len(weight_grads)) for _ in range(1)][0]
    for x, y in zip(X, data["Y_train"]):
        grads, _ = start.backprop(x[None, :], y[None, :])
        per_sample += [np.sum(g ** 2) for g in grads]
    sizes = np.array([g.size for g in weight_grads])
    np.testing.assert_allclose(norms.weight_per_sample[:, 0], np.sqrt(per_sample / (len(X) * sizes)), rtol=1e-10)
    np.testing.assert_allclose(norms.delta[:, 0] ** 2,
                               [np.mean(n[0] ** 2) for n in norms.neuron_delta], rtol=1e-12)

    pg.batch_size = 16  # mini-batches: the same shuffles and steps as fit's
    net, _, _, _ = _fit_reference(pg, 16)
    for w_pg, w_fit in zip(pg.network.weights, net.weights):
        np.testing.assert_allclose(w_pg, w_fit, rtol=1e-12, atol=1e-14)


def test_training_and_test_loss_are_measured_on_the_same_network(xor_pg):
    """Entry i of both histories is the loss after i epochs (issue 12: test was one step ahead)."""
    data = xor_pg._data()
    for snapshot in xor_pg._run["snapshots"][:-1:25]:
        net = Network(xor_pg.network.sizes, "tanh", "sigmoid", "cross_entropy")
        net.weights, net.biases = snapshot.weights, snapshot.biases
        i = snapshot.epoch
        assert xor_pg.result.history.train[i] == pytest.approx(net.loss(data["X_train"], data["Y_train"]), rel=1e-12)
        assert xor_pg.result.history.test[i] == pytest.approx(net.loss(data["X_test"], data["Y_test"]), rel=1e-12)
    (train_x, train_y), (test_x, _) = _curves(xor_pg._panels["loss"])
    np.testing.assert_array_equal(train_x, test_x)  # plotted at the same epochs
    assert train_y[-1] == pytest.approx(xor_pg.result.train_loss)


# -- controls -------------------------------------------------------------------
def test_learning_rate_attribute_retrains_and_moves_the_slider(xor_pg):
    runs, images, loss = xor_pg.n_runs, xor_pg.images, xor_pg.result.train_loss
    xor_pg.learning_rate = 3.0
    assert xor_pg.learning_rate == 3.0
    assert xor_pg.controls["learning_rate"].value == pytest.approx(3.0)
    assert xor_pg.n_runs == runs + 1
    assert xor_pg.result.train_loss < loss  # a larger (still stable) step learns XOR faster
    assert xor_pg.images["loss"] != images["loss"] and xor_pg.images["data"] != images["data"]
    assert_consistent(xor_pg)
    xor_pg.learning_rate = 1.0  # back: the same seed gives the same run and pictures
    assert xor_pg.result.train_loss == loss
    assert xor_pg.images == images


def test_set_changes_several_controls_with_one_retrain(xor_pg):
    runs = xor_pg.n_runs
    xor_pg.set(hidden_units=8, learning_rate=0.1)
    assert xor_pg.n_runs == runs + 1
    assert (xor_pg.hidden_units, xor_pg.learning_rate) == (8, 0.1)
    assert xor_pg.network.sizes == [2, 8, 1]
    xor_pg.set(hidden_units=8)  # nothing changed: no retrain
    assert xor_pg.n_runs == runs + 1
    assert_consistent(xor_pg)
    xor_pg.set(hidden_units=2, learning_rate=1.0)


def test_moving_a_widget_retrains():
    pg = Playground(dataset="xor", hidden_units=2, learning_rate=1.0, epochs=30)
    runs, loss = pg.n_runs, pg.result.train_loss
    pg.controls["hidden_units"].value = 6
    assert pg.hidden_units == 6 and pg.network.sizes == [2, 6, 1]
    assert pg.n_runs == runs + 1 and pg.result.train_loss != loss
    pg.controls["activation"].value = "relu"
    assert pg.activation == "relu"
    pg.controls["batch_size"].value = 16
    assert pg.batch_size == 16
    pg.controls["batch_size"].value = 0  # the dropdown's "full batch"
    assert pg.batch_size is None
    pg.batch_size = 20  # a size the dropdown does not list is added to it
    assert pg.controls["batch_size"].value == 20
    pg.controls["time_budget"].value = 0  # 0 in the widget: no limit
    assert pg.time_budget is None
    pg.controls["features"].buttons["x1*x2"].value = True
    assert pg.features == ("x1", "x2", "x1*x2") and pg.network.sizes == [3, 6, 1]
    assert_consistent(pg)
    pg.set(hidden_units=2, activation="tanh", batch_size=None, time_budget=1.0, features=("x1", "x2"))
    assert pg.controls["batch_size"].value == 0
    assert not pg.controls["features"].buttons["x1*x2"].value
    assert pg.result.train_loss == loss


def test_a_refused_widget_value_is_shown_in_red_and_put_back(xor_pg):
    runs, settings = xor_pg.n_runs, xor_pg.settings
    buttons = xor_pg.controls["features"].buttons
    buttons["x1"].value = False  # x2 is left: fine
    assert xor_pg.features == ("x2",)
    buttons["x2"].value = False  # nothing left: refused
    assert "features must name at least one input" in xor_pg._status.value and "color" in xor_pg._status.value
    assert buttons["x2"].value and xor_pg.features == ("x2",)
    xor_pg.controls["dataset"].value = "sin"  # sin has no x2
    assert "the sin data set has one input" in xor_pg._status.value
    assert xor_pg.controls["dataset"].value == "xor" and xor_pg.dataset == "xor"
    xor_pg.features = ("x1", "x2")
    assert xor_pg.settings == settings and xor_pg.n_runs == runs + 2
    assert_consistent(xor_pg)


@pytest.mark.parametrize("controls, message", [
    (dict(dataset="xr"), "Did you mean 'xor'"),
    (dict(dataset="mnist"), "expected one of"),
    (dict(hidden_units=33), "hidden_units must be an integer from 1 to 32, got 33"),
    (dict(hidden_units=2.5), "hidden_units must be an integer"),
    (dict(hidden_layers=5), "hidden_layers must be an integer from 1 to 4"),
    (dict(activation="softmax"), "unknown activation 'softmax'"),
    (dict(learning_rate=20), "learning_rate must be a number from 0.001 to 10"),
    (dict(learning_rate=float("nan")), "learning_rate must be a number"),
    (dict(epochs=0), "epochs must be an integer"),
    (dict(epochs=True), "epochs must be an integer"),
    (dict(batch_size=0), "batch_size must be None"),
    (dict(noise=-0.1), "noise must be a number from 0 to 1"),
    (dict(test_fraction=0.95), "test_fraction must be a number from 0 to 0.9"),
    (dict(n_samples=5), "n_samples must be an integer from 20"),
    (dict(seed=-1), "seed must be an integer"),
    (dict(features=()), "features must name at least one input"),
    (dict(features=("x1", "x3")), "unknown feature 'x3'"),
    (dict(features=("x1", "sin(x1)")), "Did you mean 'sin x1'"),
    (dict(features=3), "features must be a tuple of names"),
    (dict(dataset="sin", features=("x2", "x2^2")), "choose at least one of ['x1', 'x1^2', 'sin x1']"),
    (dict(time_budget=0), "time_budget must be a number from 0.01 to 60"),
    (dict(time_budget="1s"), "time_budget must be a number"),
    (dict(hidden_units=8, learning_rate=100), "learning_rate"),  # set() is all or nothing
])
def test_invalid_values_raise_and_change_nothing(xor_pg, controls, message):
    before, runs, images = xor_pg.settings, xor_pg.n_runs, xor_pg.images
    with pytest.raises(ValueError, match=re.escape(message)):
        if len(controls) == 1:
            setattr(xor_pg, *next(iter(controls.items())))
        else:
            xor_pg.set(**controls)
    assert xor_pg.settings == before and xor_pg.n_runs == runs and xor_pg.images == images
    assert xor_pg.controls["hidden_units"].value == before["hidden_units"]


def test_invalid_constructor_arguments_and_unknown_controls(xor_pg):
    with pytest.raises(ValueError, match="Did you mean 'spiral'"):
        Playground(dataset="spiarl")
    with pytest.raises(TypeError, match="Did you mean 'hidden_units'"):
        xor_pg.set(hiden_units=3)
    with pytest.raises(ValueError, match=r"replay_epoch must be an integer from 0 to 300, got 301"):
        xor_pg.replay_epoch = 301
    with pytest.raises(ValueError, match=r"the neuron's number in layer 1 must be an integer from 1 to 2, got 3"):
        xor_pg.neuron = (1, 3)
    with pytest.raises(ValueError, match=r"neuron must be a pair \(layer, neuron\)"):
        xor_pg.neuron = 2


# -- replay and the neuron view ---------------------------------------------------
def test_replay_redraws_the_chosen_epoch_without_retraining(xor_pg):
    runs, result, final = xor_pg.n_runs, xor_pg.result, xor_pg.images
    xor_pg.replay_epoch = 0
    assert xor_pg.n_runs == runs and xor_pg.result is result
    early = xor_pg.images
    for name in PANELS:
        assert early[name] != final[name], name  # every picture marks the replayed epoch
    assert xor_pg._replay_slider.value == 0 and "epoch <b>0</b>" in xor_pg._replay_label.value
    # at epoch 0 the data panel shows the untrained network: check its output on the grid
    start = Network(xor_pg.network.sizes, "tanh", "sigmoid", "cross_entropy", seed=0)
    np.testing.assert_allclose(xor_pg._layer_outputs[-1][:, 0], start.forward(xor_pg._data()["grid"])[:, 0])
    xor_pg.replay_epoch = 151  # between snapshots: the nearest one
    assert xor_pg.replay_epoch == 150
    assert xor_pg._panels["loss"].cursor == xor_pg._panels["neuron"].cursor == 150
    xor_pg._replay_slider.value = 10  # the slider does the same
    assert xor_pg.replay_epoch == 30 and "epoch <b>30</b>" in xor_pg._replay_label.value
    assert xor_pg._play.value == 10  # the play button starts from there
    xor_pg._play.value = 20  # in the browser, jslink moves the slider with it: only the slider's report redraws
    assert xor_pg.replay_epoch == 30
    xor_pg._replay_slider.value = 20
    assert xor_pg.replay_epoch == 60 and xor_pg._play.value == 20
    assert_consistent(xor_pg)
    xor_pg.replay_epoch = 300
    assert xor_pg.images == final  # the same frame, the same pictures


def test_a_time_budget_out_of_range_says_the_range_the_unit_and_how_to_lift_it():
    with pytest.raises(ValueError) as refused:
        Playground(epochs=1).set(time_budget=0.001)
    assert str(refused.value) == ("time_budget must be a number from 0.01 to 60, got 0.001 (seconds of training per "
                                  "change; None, or 0 in the budget box, for no limit)")


def test_features_that_need_x2_are_greyed_out_for_the_sin_set_and_back_for_2_d_sets():
    pg = Playground(dataset="sin", epochs=2, features=("x1", "x2", "x1^2", "sin x2"))
    buttons = pg.controls["features"].buttons
    assert [name for name, button in buttons.items() if button.disabled] == ["x2", "x2^2", "x1*x2", "sin x2"]
    assert "the sin data set has one" in buttons["x2"].tooltip and buttons["x2"].value   # still chosen
    pg.dataset = "xor"
    assert not any(button.disabled for button in buttons.values()) and pg.network.sizes[0] == 4


def test_an_interrupted_run_says_so_and_keeps_the_last_finished_one(monkeypatch):
    pg = Playground(epochs=5)
    result = pg.result

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pg, "_train", interrupted)
    with pytest.raises(KeyboardInterrupt):
        pg.controls["learning_rate"].value = 3.0
    assert pg.result is result and pg.learning_rate == 0.3 and pg.controls["learning_rate"].value == 0.3
    assert "Interrupted: the run was stopped and the controls put back" in pg._status.value


def test_the_summary_counts_one_epoch_in_the_singular():
    assert Playground(epochs=1).result.summary().startswith("after 1 epoch: ")
    assert Playground(epochs=2).result.summary().startswith("after 2 epochs: ")


def test_a_longer_run_raises_both_replay_maxima_before_any_value():
    """In the browser, jslink copies a replay value to the other widget at once, clamped to that
    widget's maximum: every value the kernel sends must fit both widgets' maxima as they are then
    (else a new run of 300 epochs was shown at epoch 3)."""
    pg = Playground(epochs=1)
    pair = (pg._replay_slider, pg._play)
    events = []
    for control in pair:
        control.observe(lambda change: events.append((change["name"], change["new"],
                                                      [c.max for c in pair])), names=["value", "max"])
    pg.epochs = 300
    pg.epochs = 1   # and back: values come down before the maxima
    values = [(new, maxima) for name, new, maxima in events if name == "value"]
    assert values and all(new <= min(maxima) for new, maxima in values), events
    assert pg.replay_epoch == 1 and pg._replay_slider.max == pg._play.max == 1


def test_frames_played_before_a_change_do_not_move_the_new_run(xor_pg):
    xor_pg._play.playing = True
    xor_pg.learning_rate = 0.5   # a change while the replay plays: the new run, at its end
    assert not xor_pg._play.playing and xor_pg.replay_epoch == 300
    xor_pg._replay_slider.value = 17   # a frame the browser played before it heard of the stop
    assert xor_pg.replay_epoch == 300 and xor_pg._replay_slider.value == xor_pg._play.value == 100
    xor_pg._replay_settles = 0.0   # a moment later, scrubbing is the learner's again
    xor_pg._replay_slider.value = 17
    assert xor_pg.replay_epoch == 51
    xor_pg.learning_rate = 1.0


def test_a_change_replays_from_the_end_and_stops_play(xor_pg):
    xor_pg.replay_epoch = 60
    xor_pg._play.playing = True
    xor_pg.epochs = 50  # fewer epochs: one snapshot per epoch
    assert not xor_pg._play.playing
    assert xor_pg.replay_epochs == list(range(51)) and xor_pg.replay_epoch == 50
    assert_consistent(xor_pg)
    xor_pg.epochs = 300


def test_neuron_view_follows_the_chosen_neuron(xor_pg):
    xor_pg.hidden_units = 3
    before = xor_pg.images
    xor_pg._neuron_choice.value = (1, 2)  # the dropdown
    assert xor_pg.neuron == (1, 2)
    assert xor_pg.images["neuron"] != before["neuron"] and xor_pg.images["network"] != before["network"]
    assert xor_pg.images["data"] == before["data"]  # nothing else is redrawn
    _, neuron_delta = _curves(xor_pg._panels["neuron"])[0]
    np.testing.assert_allclose(neuron_delta, xor_pg.result.gradient_norms.neuron_delta[0][:, 1])
    xor_pg.neuron = (2, 1)  # the output neuron
    assert "output" in xor_pg._panels["neuron"].title
    xor_pg.neuron = (1, 3)
    xor_pg.hidden_units = 2  # neuron 3 is gone: the nearest one, not the first
    assert xor_pg.neuron == (1, 2) and xor_pg._neuron_choice.value == (1, 2)
    assert_consistent(xor_pg)


def test_the_network_diagram_shows_weights_and_neurons():
    from bplib.playground import diagram

    pg = Playground(dataset="circles", hidden_units=2, features=("x1^2", "x2^2"), epochs=150, learning_rate=1.0)
    picture = _pixels(pg.images["network"])
    tile, centres = diagram.layout(pg.network.sizes)
    for layer, w in enumerate(pg.network.weights):  # each connection's colour at its middle: its weight's sign
        for j in range(w.shape[0]):
            for k in range(w.shape[1]):
                (x0, y0), (x1, y1) = centres[layer][k], centres[layer + 1][j]
                x, y = int(round((x0 + x1) / 2)), int(round((y0 + y1) / 2))
                r, _, b = picture[y - 1:y + 2, x - 1:x + 2].reshape(-1, 3).astype(int).mean(axis=0)
                assert (r > b) == (w[j, k] > 0), (layer, j, k, w[j, k], r, b)
    x, y = centres[1][0]  # the chosen neuron (layer 1, neuron 1) is outlined in orange
    outline = picture[int(y - tile / 2 - 3), int(x)]
    assert outline[0] > 200 and 100 < outline[1] < 200 and outline[2] < 80
    pg.replay_epoch = 0
    assert pg.images["network"] != pg.images["data"] and _pixels(pg.images["network"]).shape == picture.shape


# -- what the learner is told ------------------------------------------------------
def test_input_features_let_one_unit_draw_a_circle():
    pg = Playground(dataset="circles", hidden_units=1, learning_rate=1.0, epochs=150)
    assert pg.result.test_accuracy < 0.8  # one tanh unit of x1, x2: a straight boundary
    pg.features = ("x1^2", "x2^2")
    assert pg.network.sizes == [2, 1, 1]
    assert pg.result.test_accuracy > 0.95
    assert_consistent(pg)


def test_too_large_learning_rate_diverges_and_says_so(capsys):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # sin regression: linear output and quadratic loss, so the loss really goes to infinity
        pg = Playground(dataset="sin", activation="sigmoid", learning_rate=10.0, epochs=100)
        r = pg.result
        assert isinstance(r.diverged_at, int) and r.diverged_at <= 10
        assert pg.status.startswith(f"diverged at epoch {r.diverged_at} (learning rate too large)")
        assert "Diverged at epoch" in pg._status.value and "#b00020" in pg._status.value
        assert f"diverged at epoch {r.diverged_at}" in pg._panels["loss"].title
        assert pg._panels["loss"].marked_epoch == r.diverged_at
        assert_consistent(pg)
        pg.set(dataset="xor", activation="tanh", learning_rate=0.5)
        assert pg.result.diverged_at is None and pg._panels["loss"].marked_epoch is None
    assert caught == []  # no warning flood (numpy or matplotlib)
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize("activation", ["relu", "identity", "tanh"])
def test_a_step_that_overflows_in_mid_epoch_is_a_divergence_not_an_error(activation):
    # Small batches and a huge rate: the loss overflows between two batches of the first epochs. It
    # used to escape as "output_error: cost_gradient contains NaN or infinity" from set() and the
    # constructor (relu, identity).
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pg = Playground(dataset="sin", activation=activation, learning_rate=10.0, batch_size=4, epochs=50)
    assert isinstance(pg.result.diverged_at, int) and pg.result.diverged_at <= 2
    assert pg.status.startswith(f"diverged at epoch {pg.result.diverged_at} (learning rate too large)")
    assert_consistent(pg)
    assert caught == []


def test_an_oscillating_loss_says_the_learning_rate_is_too_large(xor_pg):
    xor_pg.learning_rate = 10.0  # issue 12's case: XOR, 2 units, rate 10
    r = xor_pg.result
    assert r.diverged_at is None
    assert r.unstable.startswith("the training loss oscillates between")
    assert xor_pg.status.startswith("learning rate too large: the training loss oscillates")
    assert "#b00020" in xor_pg._status.value  # the red of a divergence
    assert "learning rate too large" in xor_pg._panels["loss"].title
    xor_pg.learning_rate = 1.0
    assert xor_pg.result.unstable is None and "#b00020" not in xor_pg._status.value


def test_sgd_noise_is_not_an_oscillation():
    """Small batches make the loss noisy, but its swings are small next to where it started."""
    # 60 epochs: the verdict judges the last 30 (it needs 10), where the loss turns 7 times.
    pg = Playground(dataset="moons", noise=0.3, batch_size=8, learning_rate=1.0, epochs=60)
    losses = np.array(pg.result.history.train)
    assert count_reversals(losses[len(losses) // 2:], 0.02 * losses[0]) >= 3  # it is noisy, in the half judged
    assert pg.result.unstable is None and "too large" not in pg.status


def test_rate_verdict_rules():
    assert rate_verdict([0.7, 0.5, 0.3], 0.2) is None
    assert rate_verdict([0.7, 0.9, 1.0], 1.2).startswith("the training loss ended above where it started")
    zigzag = [1.0] + [0.5, 0.9] * 10
    assert "oscillates between 0.5 and 0.9" in rate_verdict(zigzag, 0.5)
    small_zigzag = [1.0] + [0.5, 0.6] * 10  # swings of 0.1, under 20% of the start
    assert rate_verdict(small_zigzag, 0.5) is None
    assert rate_verdict([1.0] + [0.5, 0.9] * 3, 0.5) is None  # too short to judge
    assert count_reversals([0, 1, 0, 1, 0], 0.5) == 3 and count_reversals([1, 2, 3, 2.4, 3.5], 0.5) == 2


def test_time_budget_stops_training_and_says_how_far_it_got():
    clock = FakeClock(step=0.01)  # every reading 10 ms later: the budget of 1 s ends after about 100 epochs
    pg = Playground(epochs=300, time_budget=None)
    pg.clock = clock
    pg.time_budget = 1.0
    r = pg.result
    assert r.stopped_early and 50 < r.epochs_run < 300
    assert pg.status.startswith(f"stopped after {r.epochs_run} of 300 epochs (time budget 1 s used up): train loss")
    assert "#8a5a00" in pg._status.value
    assert len(r.history.train) == r.epochs_run and pg.replay_epochs[-1] == r.epochs_run
    assert_consistent(pg)
    # mini-batches: stopped in the middle of an epoch, that epoch is undone
    pg.set(batch_size=8)
    r = pg.result
    assert r.stopped_early
    data = pg._data()
    net = Network(pg.network.sizes, "tanh", "sigmoid", "cross_entropy")
    net.fit(data["X_train"], data["Y_train"], epochs=r.epochs_run, learning_rate=0.3, batch_size=8, seed=0)
    for w_pg, w_fit in zip(pg.network.weights, net.weights):
        np.testing.assert_allclose(w_pg, w_fit, rtol=1e-12, atol=1e-14)
    assert_consistent(pg)
    pg.set(time_budget=None, batch_size=None)  # no limit: the whole run
    assert pg.result.epochs_run == 300 and not pg.result.stopped_early
    assert "stopped" not in pg.status


def test_a_tiny_real_time_budget_stops_a_long_run():
    pg = Playground(epochs=5, hidden_units=2)
    pg.clock = time.perf_counter
    pg.set(epochs=5000, time_budget=0.01)  # 5,000 epochs take far more than 10 ms
    r = pg.result
    assert r.stopped_early and r.epochs_run < 5000
    assert re.match(r"stopped after \d+ of 5000 epochs \(time budget 0.01 s used up\)", pg.status)


def test_busy_while_training_and_not_after():
    pg = Playground(epochs=20)
    seen = []
    pg.clock = FakeClock(0.0, watch=lambda: (pg.busy, pg.status, pg._status.value,
                                             "bplib-busy" in pg.widget._dom_classes))
    pg.learning_rate = 1.0
    seen = pg.clock.seen
    assert len(seen) > 10
    assert all(busy and status.startswith("training... (up to 20 epochs, time budget 1 s)") and
               "training..." in html_value and busy_class for busy, status, html_value, busy_class in seen)
    assert not pg.busy and pg.status == pg.result.summary()
    assert_consistent(pg)


# -- backprop panels ----------------------------------------------------------------
def test_deep_sigmoid_gradients_vanish_in_early_layers():
    pg = Playground(dataset="moons", activation="sigmoid", hidden_layers=4, hidden_units=8, epochs=60)
    norms = pg.result.gradient_norms
    delta = norms.delta.mean(axis=1)
    per_sample = norms.weight_per_sample.mean(axis=1)
    assert np.all(np.diff(delta) > 0), delta  # each layer back is smaller
    assert delta[0] < delta[-1] / 100
    assert per_sample[0] < per_sample[-1] / 100  # the panel shows what delta shows
    # ...while the batch-mean gradient cancels and is flat across the hidden layers
    assert norms.weight[:-1].mean(axis=1).max() < 10 * norms.weight[:-1].mean(axis=1).min()
    delta_panel, weight_panel = pg._panels["delta"], pg._panels["weight"]
    assert len(_curves(delta_panel)) == len(_curves(weight_panel)) == 5
    np.testing.assert_allclose(_curves(weight_panel)[0][1], norms.weight_per_sample[0])
    assert "per sample" in weight_panel.title
    pg.hidden_layers = 1
    assert len(_curves(delta_panel)) == 2
    assert delta_panel.legend == ("layer 1", "2 (out)")


def test_regression_and_back():
    pg = Playground(dataset="sin", learning_rate=0.03, epochs=200, features=("x1", "x2", "sin x1"))
    r = pg.result
    assert r.train_accuracy is None and r.test_accuracy is None
    assert r.diverged_at is None and r.train_loss < r.history.train[0]
    assert "accuracy" not in pg.status
    assert pg.network.sizes == [2, 4, 1]  # x and sin x: the sin set has no x2
    data_panel = pg._panels["data"]
    assert data_panel.regression and data_panel.output.shape == (300,)  # the fitted curve
    fitted = _pixels(pg.images["data"])
    assert ((fitted[..., 1] > 140) & (fitted[..., 0] < 80)).sum() > 100  # the network's green curve
    pg.set(dataset="circles", learning_rate=1.0)
    assert not data_panel.regression and data_panel.output.shape == (64 * 64,)  # the heatmap
    assert pg.network.sizes == [3, 4, 1] and pg.result.train_accuracy > 0.9
    assert_consistent(pg)


def test_same_settings_same_pictures():
    a = Playground(dataset="blobs", epochs=30)
    b = Playground(dataset="blobs", epochs=30)
    assert a.result.history.train == b.result.history.train
    assert a.images == b.images
    assert repr(a).startswith("Playground(dataset='blobs', hidden_units=4")


def test_a_sequence_of_moves_keeps_every_view_consistent():
    """Held-out-style moves through the API and the widgets, with the time budget hit by a fake clock."""
    pg = Playground(epochs=100)
    pg.clock = FakeClock(0.02)  # 1 s of budget = 50 readings
    moves = [
        lambda: setattr(pg, "replay_epoch", 40),
        lambda: setattr(pg._play, "playing", True),
        lambda: setattr(pg._replay_slider, "value", 7),  # a scrub while playing
        lambda: pg.controls["learning_rate"].set_trait("value", 3.0),
        lambda: pg.controls["dataset"].set_trait("value", "sin"),
        lambda: setattr(pg, "neuron", (1, 3)),
        lambda: pg.controls["dataset"].set_trait("value", "moons"),
        lambda: pg.set(hidden_layers=4, hidden_units=32, n_samples=2000),  # diverges at learning rate 3.0
        lambda: setattr(pg, "replay_epoch", 1),
        # the budget stops it mid-epoch (its second: the first always runs whole): 300 samples
        # keep that first epoch of single-sample steps short, and the 50 readings within the second
        lambda: pg.set(batch_size=1, hidden_layers=1, hidden_units=4, n_samples=300),
        lambda: pg.controls["features"].set_trait("value", ()),  # refused, put back
        lambda: pg.controls["epochs"].set_trait("value", 0),  # below the widget's range: it holds 1
        lambda: pg.set(batch_size=None, n_samples=200, learning_rate=10.0, dataset="xor", hidden_units=2),
    ]
    # How the run shown after each move ended (moves that do not retrain keep the last run).
    ends = ["all epochs"] * 3 + ["budget", "diverged", "diverged", "budget", "diverged", "diverged", "budget",
                                 "budget", "all epochs", "all epochs"]
    for move, end in zip(moves, ends, strict=True):
        move()
        assert_consistent(pg)
        r = pg.result
        assert ("budget" if r.stopped_early else "diverged" if r.diverged_at else "all epochs") == end
        assert (r.epochs_run < pg.epochs) == (end != "all epochs")
    assert pg.result.unstable is not None


def test_show_displays_the_widget_once_per_cell():
    """`pg.show()` as a cell's last line must not show a second copy through the displayhook."""
    import contextlib

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


def test_every_described_control_says_what_it_does(xor_pg):
    """Without a tooltip, ipywidgets 8 puts "null" in the title of a control's label: the browser showed
    the word when the pointer rested on "hidden units" (tests/test_jupyterlab.py checks the page)."""
    xor_pg.widget   # builds the view
    described = [c for name, c in xor_pg.controls.items() if name != "features"]
    described += [xor_pg._replay_slider, xor_pg._neuron_choice, xor_pg._play]
    assert all(isinstance(c.tooltip, str) and len(c.tooltip) > 10 for c in described), \
        {c.description: c.tooltip for c in described}



def test_the_neuron_followed_stays_the_nearest_one_when_the_layers_change():
    """The view used to jump back to layer 1, neuron 1 whenever the chosen neuron was gone."""
    pg = Playground(dataset="xor", hidden_units=3, hidden_layers=2, learning_rate=1.0, epochs=20)
    pg.neuron = (3, 1)          # the output neuron
    pg.hidden_layers = 1
    assert pg.neuron == (2, 1) and "output" in pg._panels["neuron"].title
    pg.hidden_layers = 3
    assert pg.neuron == (4, 1)  # still the output
    pg.neuron = (3, 3)          # the last hidden layer's third neuron
    pg.set(hidden_layers=2, hidden_units=2)
    assert pg.neuron == (2, 2)  # the last hidden layer now, cut to its width
    assert_consistent(pg)


def test_the_sin_picture_says_noise_only_when_there_is_some():
    pg = Playground(dataset="sin", epochs=5, noise=0.0)
    assert pg._panels["data"].title == "sin(x): the network's curve"
    pg.noise = 0.1
    assert pg._panels["data"].title == "sin(x) + noise: the network's curve"


def test_a_stopped_replay_settles_from_the_end_of_a_slow_drawing(xor_pg, monkeypatch):
    # The window for stale frames began before the pictures were drawn: on a loaded machine the
    # drawing outlasted it, and a frame played before the change moved the new run (a flaky test).
    monkeypatch.setattr(core, "REPLAY_SETTLE", 0.05)
    draw = xor_pg._draw_run
    monkeypatch.setattr(xor_pg, "_draw_run", lambda: (time.sleep(0.1), draw())[1])
    xor_pg._play.playing = True
    xor_pg.learning_rate = 0.5
    xor_pg._replay_slider.value = 17   # a frame the browser played before it heard of the stop
    assert xor_pg.replay_epoch == 300
    monkeypatch.undo()
    xor_pg.learning_rate = 1.0
