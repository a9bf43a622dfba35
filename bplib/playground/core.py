"""The Playground: controls, one training run per change, and its replay."""
import html
import time

import numpy as np

from .. import datasets
from .._validate import batch_size, choose, int_in_range, number_in_range, suggestion
from ..network import Network
from . import diagram, features, panels, widgets
from .results import GradientNorms, History, PlaygroundResult, rate_verdict
from .training import Model, train

DATASETS = tuple(datasets.CLASSIFICATION_SETS) + ("sin",)
ACTIVATION_CHOICES = ("tanh", "sigmoid", "relu", "identity")
BATCH_CHOICES = (None, 1, 8, 16, 32, 64)
LEARNING_RATE_RANGE = (1e-3, 10.0)
HIDDEN_UNITS_RANGE = (1, 32)
HIDDEN_LAYERS_RANGE = (1, 4)
EPOCHS_RANGE = (1, 5000)
NOISE_RANGE = (0.0, 1.0)
TEST_FRACTION_RANGE = (0.0, 0.9)
N_SAMPLES_RANGE = (20, 2000)
SEED_RANGE = (0, 2**31 - 1)
TIME_BUDGET_RANGE = (0.01, 60.0)
DEFAULT_TIME_BUDGET = 1.0
MAX_SNAPSHOTS = 100  # replay frames per run, plus the last epoch
REPLAY_SETTLE = 0.5  # seconds after a change stops the replay during which replay reports are stale
# What a new playground's time budget reads, in seconds: the CPU time of the
# thread that trains, not the wall clock, so that other programs busy on the
# machine do not cut runs short (nor make the printed results of notebooks
# depend on what else runs). On an idle machine the two are the same. A
# module attribute so that tests can put a clock of their own in its place.
default_clock = time.thread_time

_GRID = 64  # heatmap resolution: points per side of the plane
_RED = "#b00020"
_AMBER = "#8a5a00"

# Panel sizes in pixels.
_DATA_SIZE = (300, 280)
_CURVE_SIZE = (235, 185)


def _time_budget(value):
    if value is None:
        return None
    return number_in_range(value, "time_budget", *TIME_BUDGET_RANGE, hint=" (seconds of training per change; None, or 0 in the budget box, for no limit)")


_VALIDATORS = {
    "dataset": lambda v: choose("data set", v, DATASETS),
    "hidden_units": lambda v: int_in_range(v, "hidden_units", *HIDDEN_UNITS_RANGE),
    "hidden_layers": lambda v: int_in_range(v, "hidden_layers", *HIDDEN_LAYERS_RANGE),
    "activation": lambda v: choose("activation", v, ACTIVATION_CHOICES),
    "learning_rate": lambda v: number_in_range(v, "learning_rate", *LEARNING_RATE_RANGE,
                                               hint=" (the slider's range)"),
    "epochs": lambda v: int_in_range(v, "epochs", *EPOCHS_RANGE),
    "batch_size": batch_size,
    "noise": lambda v: number_in_range(v, "noise", *NOISE_RANGE),
    "test_fraction": lambda v: number_in_range(v, "test_fraction", *TEST_FRACTION_RANGE),
    "n_samples": lambda v: int_in_range(v, "n_samples", *N_SAMPLES_RANGE),
    "seed": lambda v: int_in_range(v, "seed", *SEED_RANGE),
    "features": features.validated,
    "time_budget": _time_budget,
}
CONTROLS = tuple(_VALIDATORS)
_RANGES = {"dataset": DATASETS, "activation": ACTIVATION_CHOICES, "hidden_units": HIDDEN_UNITS_RANGE,
           "hidden_layers": HIDDEN_LAYERS_RANGE, "learning_rate": LEARNING_RATE_RANGE, "epochs": EPOCHS_RANGE,
           "noise": NOISE_RANGE, "test_fraction": TEST_FRACTION_RANGE, "n_samples": N_SAMPLES_RANGE,
           "seed": SEED_RANGE, "time_budget": TIME_BUDGET_RANGE, "batch_choices": BATCH_CHOICES}


def _control_property(name):
    def getter(self):
        return self._params[name]

    def setter(self, value):
        self.set(**{name: value})

    return property(getter, setter, doc=f"The {name.replace('_', ' ')} control; setting it retrains and redraws.")


class Playground:
    """A network trained on a small 2-D data set (or sin(x)), with controls.

    Parameters are the controls; each is also a property that retrains when
    set. Ranges: hidden_units 1-32, hidden_layers 1-4, learning_rate 1e-3 to
    10, epochs 1-5000, noise 0-1, test_fraction 0-0.9, n_samples 20-2000,
    time_budget 0.01-60 s or None (no limit). ``dataset`` is one of "xor",
    "moons", "circles", "spiral", "blobs" (classification: sigmoid output,
    cross-entropy) or "sin" (regression: linear output, quadratic loss).
    ``batch_size=None`` is full-batch gradient descent. ``features`` names
    the network's inputs, any of x1, x2, x1^2, x2^2, x1*x2, sin x1, sin x2
    (the sin set has one input x = x1, so only x1, x1^2 and sin x1 apply to
    it). ``seed`` fixes the data, the train/test split, the initial weights
    and the batch order, so a change of any other control retrains from the
    same start.

    ``time_budget`` bounds the seconds of training per change (the first
    epoch always runs); past it training stops after a whole epoch and the
    status says how far it got. ``clock``, a function returning seconds,
    is what the budget reads: by default the training thread's CPU time
    (``time.thread_time``), which other busy programs do not stretch.
    For results that never depend on the machine, use ``time_budget=None``.

    After each change: ``result`` (a ``PlaygroundResult``), ``network`` (the
    trained ``bplib.Network``, whose inputs are the chosen features),
    ``status`` (the line the widget shows), ``images`` (each panel as PNG),
    ``png`` and ``figure`` (the whole view). ``replay_epoch`` picks the
    epoch the pictures show, ``neuron`` the neuron whose delta the neuron
    view follows; neither retrains. ``busy`` is True while a run trains.
    ``widget`` and ``show()`` give the ipywidgets view; ``controls`` its
    control widgets by name.
    """

    def __init__(self, dataset="xor", hidden_units=4, hidden_layers=1, activation="tanh", learning_rate=0.3,
                 epochs=300, batch_size=None, noise=0.1, test_fraction=0.3, n_samples=200, seed=0,
                 features=features.DEFAULT_FEATURES, time_budget=DEFAULT_TIME_BUDGET):
        given = dict(dataset=dataset, hidden_units=hidden_units, hidden_layers=hidden_layers,
                     activation=activation, learning_rate=learning_rate, epochs=epochs, batch_size=batch_size,
                     noise=noise, test_fraction=test_fraction, n_samples=n_samples, seed=seed,
                     features=features, time_budget=time_budget)
        self._params = self._validated(given, {})
        self.clock = default_clock
        self._data_cache = {}
        self._syncing = False
        self.busy = False
        self.result = None
        self.network = None
        self.n_runs = 0
        self._run = None
        self._frame = 0
        self._replay_settles = 0.0   # until then (time.monotonic()), replay reports are stale plays
        self._neuron = (1, 1)
        self._images = {}
        self._build_panels()
        self._build_widgets()
        self._retrain()

    # -- public API -------------------------------------------------------
    def set(self, **controls):
        """Change several controls at once, then retrain and redraw once. Returns None, as
        Python's methods that change their object in place do (a notebook cell ending with it
        shows nothing more).

        Raises ValueError (and changes nothing) if any value is invalid.
        """
        unknown = [name for name in controls if name not in _VALIDATORS]
        if unknown:
            raise TypeError(f"unknown control {unknown[0]!r}; the controls are {list(CONTROLS)}."
                            f"{suggestion(unknown[0], CONTROLS)}")
        new = self._validated(controls, self._params)
        if new == self._params:
            return
        old = self._params
        self._params = new
        try:
            self._retrain()
        except BaseException as error:
            self._params = old  # a failed run (or an interrupt) leaves the last good one in place
            self._sync_widgets()
            if self._run is not None:
                self._finish_status()
                if isinstance(error, KeyboardInterrupt):   # say so: the controls moved back by themselves
                    self._status.value = (f'<b style="color:{_AMBER}">Interrupted: the run was stopped and the '
                                          f"controls put back; the last finished run is shown.</b> "
                                          f"{self._status_html()}")
            raise

    @property
    def settings(self):
        """The current controls as a dict."""
        return dict(self._params)

    @property
    def replay_epoch(self):
        """The epoch the pictures show (after that many epochs of training).

        Setting it (from 0 to ``result.epochs_run``) moves to the nearest
        snapshot, at most ``MAX_SNAPSHOTS`` evenly spaced ones and the last
        epoch, and redraws without retraining.
        """
        return self._run["snapshots"][self._frame].epoch

    @replay_epoch.setter
    def replay_epoch(self, epoch):
        last = self.result.epochs_run
        epoch = int_in_range(epoch, "replay_epoch", 0, last)
        epochs = np.array([s.epoch for s in self._run["snapshots"]])
        self._show_frame(int(np.argmin(np.abs(epochs - epoch))))

    @property
    def replay_epochs(self):
        """The epochs that can be replayed (those with a snapshot), a list of ints."""
        return [s.epoch for s in self._run["snapshots"]]

    @property
    def neuron(self):
        """The neuron whose delta the neuron view shows: ``(layer, neuron)``, both counted
        from 1 (layer 1 is the first hidden layer, the last layer is the output). When a change
        removes it, the view follows the nearest one (an output neuron stays the output's)."""
        return self._neuron

    @neuron.setter
    def neuron(self, value):
        sizes = self.network.sizes
        try:
            layer, unit = value
        except (TypeError, ValueError):
            raise ValueError(f"neuron must be a pair (layer, neuron), e.g. (1, 2); got {value!r}") from None
        layer = int_in_range(layer, "the neuron's layer", 1, len(sizes) - 1)
        unit = int_in_range(unit, f"the neuron's number in layer {layer}", 1, sizes[layer])
        self._neuron = (layer, unit)
        self._sync_neuron_widget()
        self._draw_neuron_parts()

    @property
    def figure(self):
        """A matplotlib Figure of the current view: every panel at the replayed epoch.

        It is made without pyplot, so it never pops up on its own; as a cell's
        last value it shows once the inline backend is active. ``pg.png``
        holds the same picture as PNG bytes; ``pg.images`` each panel's own.
        (The panels themselves are drawn with Pillow, for speed: see panels.py.)
        """
        from matplotlib.figure import Figure

        picture = np.asarray(self._composite())
        fig = Figure(figsize=(picture.shape[1] / 72, picture.shape[0] / 72), dpi=72)
        fig.figimage(picture, 0, 0, origin="upper")
        return fig

    @property
    def png(self):
        """The current view (all panels in one picture) as PNG bytes."""
        return panels.encode_png(np.asarray(self._composite()))

    @property
    def images(self):
        """Each panel as the widget shows it: a dict of PNG bytes, keyed "data",
        "network", "loss", "delta", "weight", "neuron"."""
        return dict(self._images)

    @property
    def status(self):
        """The text line under the controls: "training..." during a run, then its summary."""
        if self.busy:
            return self._busy_text()
        return self.result.summary()

    @property
    def widget(self):
        """The top-level ipywidgets box: controls, status line, pictures and replay."""
        return self._widget

    def show(self):
        """Display the playground in the notebook and return its top widget.

        As a cell's last line (``pg.show()``) it is shown once, not twice.
        """
        try:
            from IPython import get_ipython
            from IPython.display import display
        except ImportError:  # pragma: no cover - IPython comes with ipywidgets
            return self._widget
        shell = get_ipython()
        if shell is None:
            return self._widget
        self._widget._skip_repr = False
        display(self._widget)
        self._widget._hide_next_repr(shell)
        return self._widget

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self._params.items())
        return f"Playground({args})"

    # -- validation ---------------------------------------------------------
    @staticmethod
    def _validated(changes, current):
        params = dict(current)
        for name, value in changes.items():
            params[name] = _VALIDATORS[name](value)
        n_test = int(round(params["test_fraction"] * params["n_samples"]))
        if params["n_samples"] - n_test < 2:
            raise ValueError(f"test_fraction={params['test_fraction']:g} of n_samples={params['n_samples']} "
                             f"leaves fewer than 2 training points")
        features.used(params["features"], 1 if params["dataset"] == "sin" else 2)
        return params

    # -- data ---------------------------------------------------------------
    def _data(self):
        p = self._params
        key = (p["dataset"], p["n_samples"], p["noise"], p["test_fraction"], p["seed"])
        if key not in self._data_cache:
            if len(self._data_cache) > 16:
                self._data_cache.clear()
            self._data_cache[key] = self._make_data(*key)
        return self._data_cache[key]

    @staticmethod
    def _make_data(name, n_samples, noise, test_fraction, seed):
        rng = np.random.default_rng([seed, 1])  # the split's own stream, apart from the data's
        if name == "sin":
            X, Y = datasets.sin(n_samples)
            Y = Y + np.random.default_rng(seed).normal(0.0, noise, size=Y.shape) if noise > 0 else Y
        else:
            X, y = datasets.classification(name, n_samples=n_samples, noise=noise, seed=seed)
            Y = y.reshape(-1, 1).astype(float)
        order = rng.permutation(len(X))
        n_test = int(round(test_fraction * len(X)))
        test, train_rows = order[:n_test], order[n_test:]
        data = {"X_train": X[train_rows], "Y_train": Y[train_rows],
                "X_test": X[test] if n_test else None, "Y_test": Y[test] if n_test else None,
                "regression": name == "sin", "n_inputs": X.shape[1]}
        if name == "sin":
            low, high = _outward(X.min() - 0.5), _outward(X.max() + 0.5, up=True)
            data["grid"] = np.linspace(low, high, 300).reshape(-1, 1)
            data["extent"] = (low, high)
            data["grid_shape"] = None
        else:
            # Bounds on a 0.5 grid: a change of noise or seed mostly keeps the
            # same axes, whose picture is then cached (see panels.Panel).
            low, high = _outward(X.min(axis=0) - 0.3), _outward(X.max(axis=0) + 0.3, up=True)
            xs = np.linspace(low[0], high[0], _GRID)
            ys = np.linspace(low[1], high[1], _GRID)
            gx, gy = np.meshgrid(xs, ys)
            data["grid"] = np.c_[gx.ravel(), gy.ravel()]
            data["grid_xy"] = (xs, ys)
            data["extent"] = (low[0], high[0], low[1], high[1])
            data["grid_shape"] = (_GRID, _GRID)
        return data

    # -- training -------------------------------------------------------------
    def _retrain(self):
        started = time.monotonic()
        self._set_busy(True)
        try:
            with _one_blas_thread():
                run = self._train()
                previous = (self._run, self.network, self.result, self.n_runs, self._frame, self._neuron)
                try:
                    self._commit(run)
                except BaseException:
                    self._restore(previous)
                    raise
        finally:
            self._set_busy(False)
            if self._replay_settles > started:   # this change stopped a replay: the stale frames come
                # after the drawing, once the kernel is free again; on a loaded machine drawing alone
                # can outlast the window, so it starts now
                self._replay_settles = time.monotonic() + REPLAY_SETTLE
        self._finish_status()

    def _restore(self, previous):
        """Back to the previous run, after a failure half-way through showing a new one."""
        self._run, self.network, self.result, self.n_runs, self._frame, self._neuron = previous
        if self._run is not None:
            self._sync_widgets()
            self._draw_run()
            self._draw_frame()

    def _train(self):
        """One training run for the current controls; returns everything the views need."""
        p = self._params
        data = self._data()
        used = features.used(p["features"], data["n_inputs"])
        inputs = {part: None if data[f"X_{part}"] is None else features.transform(data[f"X_{part}"], used)
                  for part in ("train", "test")}
        sizes = [len(used)] + [p["hidden_units"]] * p["hidden_layers"] + [1]
        if data["regression"]:
            net = Network(sizes, p["activation"], "identity", "quadratic", seed=p["seed"])
        else:
            net = Network(sizes, p["activation"], "sigmoid", "cross_entropy", seed=p["seed"])
        model = Model(p["activation"], data["regression"])
        record = train(net, model, inputs["train"], data["Y_train"], inputs["test"], data["Y_test"],
                       epochs=p["epochs"], learning_rate=p["learning_rate"], batch_size=p["batch_size"],
                       seed=p["seed"], time_budget=p["time_budget"], clock=self.clock,
                       max_snapshots=MAX_SNAPSHOTS)
        finite = all(np.isfinite(w).all() and np.isfinite(b).all() for w, b in zip(net.weights, net.biases))
        accuracy = {}
        for part in ("train", "test"):
            if inputs[part] is None or data["regression"] or not finite:
                accuracy[part] = None
            else:
                accuracy[part] = float((net.predict(inputs[part]) == data[f"Y_{part}"]).mean())
        unstable = None
        if record.diverged_at is None:
            unstable = rate_verdict(record.train_loss, record.final_train_loss)
        result = PlaygroundResult(
            train_loss=record.final_train_loss, test_loss=record.final_test_loss,
            train_accuracy=accuracy["train"], test_accuracy=accuracy["test"], diverged_at=record.diverged_at,
            history=History(train=[float(v) for v in record.train_loss], test=[float(v) for v in record.test_loss]),
            gradient_norms=GradientNorms(delta=record.delta_rms, weight=record.weight_rms,
                                         weight_per_sample=record.weight_rms_per_sample,
                                         neuron_delta=record.neuron_delta_rms),
            settings=dict(p), unstable=unstable, stopped_early=record.stopped_by_budget, seconds=record.seconds)
        grid_inputs = features.transform(data["grid"], used)
        return {"data": data, "features": used, "network": net, "model": model, "result": result,
                "snapshots": record.snapshots, "grid_inputs": grid_inputs}

    def _commit(self, run):
        """Make ``run`` the one every view shows: result, pictures, replay range, neuron choice."""
        before = None if self.network is None else self.network.sizes
        self._run = run
        self.network = run["network"]
        self.result = run["result"]
        self.n_runs += 1
        self._neuron = _nearest_neuron(self._neuron, before, self.network.sizes)
        self._frame = len(run["snapshots"]) - 1
        self._sync_widgets()
        self._draw_run()
        self._draw_frame()

    # -- drawing --------------------------------------------------------------
    def _build_panels(self):
        curve = _CURVE_SIZE
        layer_styles = [dict(colour=c, width=1.5) for c in panels.LAYER_COLOURS]
        self._panels = {
            "data": panels.DataPanel(*_DATA_SIZE),
            "loss": panels.CurvePanel(*curve, [dict(colour=panels.BLUE, width=1.5),
                                               dict(colour=panels.ORANGE, width=1.5, dashed=True)]),
            "delta": panels.CurvePanel(*curve, layer_styles),
            "weight": panels.CurvePanel(*curve, layer_styles),
            "neuron": panels.CurvePanel(*curve, [dict(colour=(255, 150, 0), width=1.8),
                                                 dict(colour=panels.GREY, width=1, dashed=True)]),
        }

    def _draw_run(self):
        """Set every panel for a new run (layouts, curves); no frame yet."""
        run, result, p = self._run, self.result, self._params
        data = run["data"]
        self._panels["data"].show_data(data, self._data_title())
        n = result.epochs_run
        train = list(result.history.train) + [result.train_loss]
        loss_curves = [(np.arange(len(train)), train)]
        if result.history.test:
            test = list(result.history.test) + [result.test_loss]
            loss_curves.append((np.arange(len(test)), test))
        if result.diverged_at is not None:
            title, colour = f"loss: diverged at epoch {result.diverged_at}", panels.RED
        elif result.unstable is not None:
            title, colour = "loss: learning rate too large", panels.RED
        else:
            title = "loss C: train (solid), test (dashed)" if result.history.test else "loss C (training set)"
            colour = (0, 0, 0)
        span = p["epochs"]  # the planned epochs: a run cut short shows where it stopped
        self._panels["loss"].show(loss_curves, span, title, title_colour=colour,
                                  marked_epoch=result.diverged_at)
        norms = result.gradient_norms
        n_layers = norms.delta.shape[0]
        mid_epoch = np.arange(n) + 0.5  # measured during epoch e, between e - 1 and e epochs trained
        names = [f"{l}" if l < n_layers else f"{l} (out)" for l in range(1, n_layers + 1)]
        legend = [f"layer {names[0]}"] + names[1:]
        self._panels["delta"].show([(mid_epoch, norms.delta[l]) for l in range(n_layers)], span,
                                   "δˡ = ∂Cₓ/∂zˡ per sample (RMS)", legend)
        self._panels["weight"].show([(mid_epoch, norms.weight_per_sample[l]) for l in range(n_layers)], span,
                                    "∂Cₓ/∂wˡ per sample (RMS)", legend)
        self._draw_neuron_curves()

    def _draw_neuron_curves(self):
        result = self.result
        layer, unit = self._neuron
        n = result.epochs_run
        mid_epoch = np.arange(n) + 0.5
        norms = result.gradient_norms
        out = " (output)" if layer == len(self.network.sizes) - 1 else ""
        self._panels["neuron"].show(
            [(mid_epoch, norms.neuron_delta[layer - 1][:, unit - 1]), (mid_epoch, norms.delta[layer - 1])],
            self._params["epochs"], f"δ of neuron {unit}, layer {layer}{out}", ("this neuron", "its layer"))

    def _data_title(self):
        p = self._params
        if p["dataset"] == "sin":
            return f"sin(x){' + noise' if p['noise'] > 0 else ''}: the network's curve"
        has_test = self._run["data"]["X_test"] is not None
        return f"{p['dataset']}: network output ({'train ●, test ■' if has_test else 'train ●'})"

    def _grid_outputs(self, snapshot):
        """The output of every layer over the grid for a snapshot's parameters."""
        run = self._run
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            layer_outputs, _ = run["model"].forward(snapshot.weights, snapshot.biases, run["grid_inputs"])
        return layer_outputs

    def _draw_frame(self):
        """Draw the pictures of the replayed epoch (no retraining)."""
        run = self._run
        snapshot = run["snapshots"][self._frame]
        epoch = snapshot.epoch
        layer_outputs = self._grid_outputs(snapshot)
        self._layer_outputs = layer_outputs
        caption = f"after {epoch} epoch{'s' if epoch != 1 else ''}"
        images = {"data": self._panels["data"].render(layer_outputs[-1][:, 0], caption)}
        for name in ("loss", "delta", "weight", "neuron"):
            images[name] = self._panels[name].render(epoch)
        images["network"] = self._draw_diagram(snapshot)
        self._set_images(images)
        self._sync_replay_label()

    def _draw_diagram(self, snapshot):
        run = self._run
        kinds = ["input"] + [self._params["activation"]] * (len(snapshot.weights) - 1)
        kinds.append("identity" if run["data"]["regression"] else "sigmoid")
        names = [features.label(name, run["data"]["n_inputs"]) for name in run["features"]]
        epoch = snapshot.epoch
        return diagram.draw(self._layer_outputs, kinds, snapshot.weights, names, run["data"]["grid_shape"],
                            selected=self._neuron, caption=f"after {epoch} epoch{'s' if epoch != 1 else ''}")

    def _draw_neuron_parts(self):
        """A new neuron choice: its curve and the diagram's outline."""
        self._draw_neuron_curves()
        snapshot = self._run["snapshots"][self._frame]
        self._set_images({"neuron": self._panels["neuron"].render(snapshot.epoch),
                          "network": self._draw_diagram(snapshot)})

    def _show_frame(self, frame):
        """Show snapshot ``frame``, with the replay slider and play button on it."""
        self._syncing = True
        try:
            self._replay_slider.value = frame
            self._play.value = frame
        finally:
            self._syncing = False
        if frame != self._frame:
            self._frame = frame
            self._draw_frame()

    def _set_images(self, images):
        self._images.update(images)
        for name, png in images.items():
            self._image_widgets[name].value = png

    def _composite(self):
        """All panels in one picture (PIL), in the widget's arrangement."""
        import io

        from PIL import Image

        pictures = {name: Image.open(io.BytesIO(png)).convert("RGB") for name, png in self._images.items()}
        top = [pictures["data"], pictures["network"]]
        bottom = [pictures[name] for name in ("loss", "delta", "weight", "neuron")]
        width = max(sum(p.width for p in top), sum(p.width for p in bottom))
        height = max(p.height for p in top) + max(p.height for p in bottom)
        canvas = Image.new("RGB", (width, height), "white")
        x = 0
        for picture in top:
            canvas.paste(picture, (x, 0))
            x += picture.width
        x, y = 0, max(p.height for p in top)
        for picture in bottom:
            canvas.paste(picture, (x, y))
            x += picture.width
        return canvas

    # -- status ---------------------------------------------------------------
    def _busy_text(self):
        p = self._params
        budget = "no time limit" if p["time_budget"] is None else f"time budget {p['time_budget']:g} s"
        return f"training... (up to {p['epochs']} epochs, {budget})"

    def _set_busy(self, busy):
        self.busy = busy
        if busy:
            self._widget.add_class("bplib-busy")  # first: the status line's change then finds it set
            self._status.value = f'<b style="color:#555">&#8987; {html.escape(self._busy_text())}</b>'
        else:
            self._widget.remove_class("bplib-busy")

    def _finish_status(self):
        self._status.value = self._status_html()

    def _status_html(self):
        result = self.result
        text = html.escape(result.summary())
        text = text[0].upper() + text[1:]
        if result.bad_rate:
            return f'<b style="color:{_RED}">{text}</b>'
        if result.stopped_early:
            return f'<b style="color:{_AMBER}">{text}</b>'
        return f"<b>{text}</b>"

    # -- widgets --------------------------------------------------------------
    def _build_widgets(self):
        w = widgets.w
        self.controls = widgets.build_controls(self._params, _RANGES)
        for name, control in self.controls.items():
            control.observe(self._on_widget_change(name), names="value")
        self._status = w.HTML(value="")
        self._image_widgets = {
            "data": widgets.image(*_DATA_SIZE),
            "network": widgets.image(diagram.WIDTH, diagram.HEIGHT),
            **{name: widgets.image(*_CURVE_SIZE) for name in ("loss", "delta", "weight", "neuron")},
        }
        self._play = w.Play(value=0, min=0, max=1, step=1, interval=150, description="play",
                            tooltip="replay the training")
        self._replay_slider = w.IntSlider(value=0, min=0, max=1, readout=False, description="replay",
                                          tooltip="the epoch the pictures show", continuous_update=True,
                                          style={"description_width": "50px"},
                                          layout=w.Layout(width="320px"))
        # The browser moves the slider with the play button by itself (jslink), and
        # only the slider reports here: the play button's own reports, on another
        # channel, could arrive after a scrub that followed them and undo it.
        w.jslink((self._play, "value"), (self._replay_slider, "value"))
        self._replay_slider.observe(self._on_replay, names="value")
        self._replay_label = w.HTML(value="")
        self._neuron_choice = w.Dropdown(options=[("layer 1, neuron 1", (1, 1))], value=(1, 1),
                                         description="neuron", style={"description_width": "50px"},
                                         tooltip="the neuron whose error delta the neuron picture follows",
                                         layout=w.Layout(width="230px"))
        self._neuron_choice.observe(self._on_neuron, names="value")
        replay = w.HBox([self._play, self._replay_slider, self._replay_label, self._neuron_choice])
        images = self._image_widgets
        # Class names: handles for browser tests and custom CSS.
        for name, image in images.items():
            image.add_class(f"bplib-image-{name}")
        for widget, name in ((self._status, "status"), (self._play, "play"), (self._replay_slider, "replay"),
                             (self._replay_label, "replay-label"), (self._neuron_choice, "neuron")):
            widget.add_class(f"bplib-{name}")
        note = w.HTML(value=(
            '<span style="font-size:85%;color:#444">The &delta; and &part;C/&part;w panels show per-sample '
            "sizes: each sample's own gradient before the batch mean. The step uses the mean, in which samples "
            "can cancel (<code>result.gradient_norms.weight</code>). Pick a neuron to follow its &delta;; "
            "scrub or play to replay the run.</span>"))
        # While a run trains, the pictures fade: they show the previous run.
        busy_style = w.HTML("<style>.bplib-busy .widget-image {opacity: 0.45; transition: opacity 0.2s}</style>",
                            layout=w.Layout(height="0px", margin="0px"))
        children = [busy_style] + widgets.control_rows(self.controls) + [
            self._status,
            w.HBox([images["data"], images["network"]]),
            replay,
            w.HBox([images[name] for name in ("loss", "delta", "weight", "neuron")]),
            note,
        ]
        self._widget = widgets.PlaygroundWidget(children, playground=self)
        self._widget.add_class("bplib-playground")

    def _on_widget_change(self, name):
        def callback(change):
            if self._syncing:
                return
            try:
                self.set(**{name: widgets.from_widget(name, change["new"])})
            except Exception as error:  # noqa: BLE001 - nothing may escape into the notebook
                # Refused (a ValueError, e.g. no feature left on) or failed:
                # say so in red and put the control back.
                self._sync_widgets()
                message = str(error) if isinstance(error, ValueError) else \
                    f"unexpected error, the last run is kept: {type(error).__name__}: {error}"
                self._status.value = f'<b style="color:{_RED}">{html.escape(message)}</b>'
        return callback

    def _on_replay(self, change):
        if self._syncing:
            return
        if time.monotonic() < self._replay_settles:   # a frame played before the last change: not this run's
            self._show_frame(self._frame)
            return
        try:
            self._show_frame(min(max(int(change["new"]), 0), len(self._run["snapshots"]) - 1))
        except Exception as error:  # noqa: BLE001 - nothing may escape into the notebook
            self._status.value = f'<b style="color:{_RED}">replay failed: {html.escape(str(error))}</b>'

    def _on_neuron(self, change):
        if self._syncing or change["new"] is None:
            return
        try:
            self.neuron = change["new"]
        except Exception as error:  # noqa: BLE001 - nothing may escape into the notebook
            self._sync_neuron_widget()
            self._status.value = f'<b style="color:{_RED}">{html.escape(str(error))}</b>'

    def _sync_widgets(self):
        """Every widget to the current controls and run (without retraining)."""
        self._syncing = True
        try:
            for name, control in self.controls.items():
                value = widgets.to_widget(name, self._params[name])
                if name == "batch_size" and value not in [v for _, v in control.options]:
                    control.options = widgets.batch_options(self._params[name], BATCH_CHOICES)
                if control.value != value:
                    control.value = value
            if self._run is not None:
                last = len(self._run["snapshots"]) - 1
                if self._play.playing:
                    # Frames the browser played before it heard of the stop are still on their way:
                    # for a moment, reports of the replay slider are put back instead of shown.
                    self._replay_settles = time.monotonic() + REPLAY_SETTLE
                self._play.playing = False
                # Maxima up before values, values before maxima down: in the browser, jslink copies
                # each value to the other widget at once, which would clamp it to that widget's old
                # maximum and send the clamped value back (a new run shown at its epoch 3).
                pair = (self._replay_slider, self._play)
                for control in pair:
                    control.max = max(control.max, last)
                for control in pair:
                    control.value = self._frame
                for control in pair:
                    control.max = last
                self.controls["features"].set_inputs(self._run["data"]["n_inputs"])
                self._sync_neuron_widget()
        finally:
            self._syncing = False

    def _sync_neuron_widget(self):
        sizes = self.network.sizes
        options = []
        for layer in range(1, len(sizes)):
            where = "output" if layer == len(sizes) - 1 else f"layer {layer}"
            options += [(f"{where}, neuron {unit}", (layer, unit)) for unit in range(1, sizes[layer] + 1)]
        syncing, self._syncing = self._syncing, True
        try:
            if list(self._neuron_choice.options) != options:
                self._neuron_choice.options = options
            self._neuron_choice.value = self._neuron
        finally:
            self._syncing = syncing

    def _sync_replay_label(self):
        planned = f" (planned {self._params['epochs']})" if self.result.stopped_early else ""
        self._replay_label.value = f"epoch <b>{self.replay_epoch}</b> of {self.result.epochs_run}{planned}"


def _outward(value, up=False):
    """``value`` rounded away from the data to a multiple of 0.5."""
    return (np.ceil if up else np.floor)(np.asarray(value) * 2.0) / 2.0


_BLAS_CONTROLLER = []


def _one_blas_thread():
    """A context in which BLAS uses one thread.

    The matrices here are tiny (at most a few thousand rows by 32), so extra
    BLAS threads only spin, and on a busy 2-core machine they take the core
    the training needs: one thread is up to twice as fast per change.
    """
    try:
        if not _BLAS_CONTROLLER:
            from threadpoolctl import ThreadpoolController  # comes with scikit-learn

            _BLAS_CONTROLLER.append(ThreadpoolController())
        return _BLAS_CONTROLLER[0].limit(limits=1, user_api="blas")
    except Exception:  # noqa: BLE001 - threadpoolctl missing or unable: run as is
        import contextlib

        return contextlib.nullcontext()


# Each control is a property of Playground.
for _name in CONTROLS:
    setattr(Playground, _name, _control_property(_name))
del _name


def _nearest_neuron(neuron, sizes_before, sizes):
    """The neuron the view follows in a network of ``sizes``, from the one it followed in one of
    ``sizes_before``: the same one if it is still there, else the nearest. An output neuron stays an
    output neuron, a hidden one stays in its layer or the last hidden layer, and its number is cut
    to the layer's width."""
    layer, unit = neuron
    if sizes_before is not None and layer == len(sizes_before) - 1:
        layer = len(sizes) - 1
    else:
        layer = min(layer, len(sizes) - 2)   # a playground network has at least one hidden layer
    return layer, min(unit, sizes[layer])
