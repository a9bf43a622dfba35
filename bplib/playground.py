"""An interactive playground, like TensorFlow Playground, that shows backpropagation itself.

    from bplib.playground import Playground
    pg = Playground(dataset="xor", hidden_units=4, learning_rate=0.3)
    pg.show()

Every control is an attribute: ``pg.learning_rate = 3.0`` (or moving the
slider) retrains from the same seed and redraws; ``pg.set(a=..., b=...)``
changes several controls with one retrain. ``pg.result`` holds the last
run's numbers and ``pg.figure`` its matplotlib figure, which has four panels:

* the data with the network's output over the plane (classification), or the
  fitted curve (the ``"sin"`` regression set);
* the training and test loss per epoch;
* for every layer l, the size (root mean square) of its error
  delta^l = dC_x/dz^l over training, as backpropagation computes it with BP1
  and BP2;
* for every layer l, the size of its weight gradient dC/dw^l (BP4).

Deep sigmoid networks show vanishing gradients (the early layers' curves lie
far below the later ones); a too-large learning rate shows as a loss that
shoots up, and training stops with "diverged at epoch N".

The figure is rendered to PNG and shown in an ``ipywidgets.Image``, which
works with the plain inline matplotlib backend (no ipympl) and prints
nothing into the notebook.
"""
import html
import io
import warnings
from dataclasses import dataclass, field

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import LogLocator, MaxNLocator, NullLocator

from . import datasets
from ._validate import batch_size, choose, int_in_range, number_in_range, suggestion
from .network import Network

__all__ = ["Playground", "PlaygroundResult", "History", "GradientNorms"]

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

# A run counts as diverged when its training loss is NaN or infinite (as in
# Network.fit) or when it grows above this many times its first-epoch value.
# With a sigmoid output and cross-entropy the loss cannot become infinite,
# but a learning rate that is too large still throws the net far off.
EXPLOSION_FACTOR = 10.0

_HEATMAP_RESOLUTION = 80
_MAX_LAYERS = HIDDEN_LAYERS_RANGE[1] + 1
_LAYER_COLOURS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#444444")
_PNG_DPI = 72


# -- results ------------------------------------------------------------------
@dataclass
class History:
    """Loss per epoch: ``train`` and ``test`` are lists of floats (``test`` is
    empty without a test set). Epoch e's loss is taken just before its step,
    like ``Network.fit``'s history."""
    train: list
    test: list


@dataclass
class GradientNorms:
    """Sizes of the backpropagated quantities, per layer and per epoch.

    ``delta[l][e]`` is the root mean square of delta^{l+1} = dC_x/dz over
    the samples and units of layer l+1 during epoch e+1 (averaged over the
    epoch's batches); ``weight[l][e]`` the root mean square of the entries of
    dC/dw^{l+1}. Both are arrays of shape ``(n_layers, epochs_run)``; layer
    ``n_layers`` is the output layer.
    """
    delta: np.ndarray
    weight: np.ndarray


@dataclass
class PlaygroundResult:
    """What one training run produced.

    train_loss, test_loss: the cost of the final network on each set (NaN if
    it diverged to infinity; test_loss is None without a test set).
    train_accuracy, test_accuracy: fractions in [0, 1], None for regression
    (and None when the weights are no longer finite).
    diverged_at: None, or the 1-based epoch whose training loss was NaN,
    infinite or more than ``EXPLOSION_FACTOR`` times the first epoch's.
    history: ``History`` of per-epoch losses; gradient_norms: ``GradientNorms``.
    """
    train_loss: float
    test_loss: float
    train_accuracy: float
    test_accuracy: float
    diverged_at: int
    history: History
    gradient_norms: GradientNorms
    settings: dict = field(default_factory=dict)

    @property
    def epochs_run(self):
        return len(self.history.train)

    def summary(self):
        """One line of plain text: final losses and accuracies, or the divergence."""
        if self.diverged_at is not None:
            first = self.history.train[0] if self.history.train else float("nan")
            last = self.history.train[-1] if self.history.train else float("nan")
            if len(self.history.train) >= self.diverged_at and np.isfinite(last):
                how = f"the training loss grew from {first:.3g} to {last:.3g}"
            else:
                how = "the training loss became NaN or infinite"
            return (f"diverged at epoch {self.diverged_at} (learning rate too large): {how}; "
                    f"try a smaller learning rate")
        parts = [f"after {self.epochs_run} epochs: train loss {self.train_loss:.4f}"]
        if self.test_loss is not None:
            parts.append(f"test loss {self.test_loss:.4f}")
        if self.train_accuracy is not None:
            parts.append(f"train accuracy {100 * self.train_accuracy:.1f}%")
        if self.test_accuracy is not None:
            parts.append(f"test accuracy {100 * self.test_accuracy:.1f}%")
        return ", ".join(parts)


# -- training with a record of backprop ----------------------------------------
def _train(net, X_train, Y_train, X_test, Y_test, epochs, learning_rate, batch_size, seed):
    """``Network.fit`` that also records, every epoch, the test loss and the
    size of delta^l and dC/dw^l for each layer (through fit's hooks).

    Returns ``(History, GradientNorms, diverged_at)``. Besides fit's own
    NaN/infinity rule, a run whose loss grows past ``EXPLOSION_FACTOR`` times
    its first epoch's is stopped and counted as diverged.
    """
    n_layers = len(net.weights)
    n_rows = X_train.shape[0]
    units = np.array(net.sizes[1:], dtype=float)
    delta_sq, weight_sq = np.zeros(n_layers), np.zeros(n_layers)
    batches = [0]
    delta_rows, weight_rows, test_hist, first_loss, exploded_at = [], [], [], [], []

    def on_backprop(layer, delta, weight_grad):
        delta_sq[layer - 1] += np.vdot(delta, delta)
        weight_sq[layer - 1] += np.vdot(weight_grad, weight_grad) / weight_grad.size
        batches[0] += layer == 1  # layer 1 comes last in each batch

    def on_epoch(epoch, loss):
        delta_rows.append(np.sqrt(delta_sq / (n_rows * units)))
        weight_rows.append(np.sqrt(weight_sq / batches[0]))
        delta_sq[:], weight_sq[:], batches[0] = 0.0, 0.0, 0
        if X_test is not None:
            activations, weighted = net._forward(X_test)
            test_hist.append(net._cost(weighted[-1], activations[-1], Y_test))
        first_loss.append(loss)
        if loss > EXPLOSION_FACTOR * first_loss[0]:
            exploded_at.append(epoch)
            return True
        return False

    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        train_hist = net.fit(X_train, Y_train, epochs=epochs, learning_rate=learning_rate,
                             batch_size=batch_size, seed=seed, on_divergence="stop",
                             on_epoch=on_epoch, on_backprop=on_backprop)
    diverged_at = net.diverged_at if net.diverged_at is not None else (exploded_at[0] if exploded_at else None)
    history = History(train=[float(v) for v in train_hist], test=[float(v) for v in test_hist])
    shape = (n_layers, len(delta_rows))
    norms = GradientNorms(delta=np.array(delta_rows).T.reshape(shape), weight=np.array(weight_rows).T.reshape(shape))
    return history, norms, diverged_at


# -- validation ---------------------------------------------------------------
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
}
CONTROLS = tuple(_VALIDATORS)


def _control_property(name):
    def getter(self):
        return self._params[name]

    def setter(self, value):
        self.set(**{name: value})

    return property(getter, setter, doc=f"The {name.replace('_', ' ')} control; setting it retrains and redraws.")


# -- the playground -------------------------------------------------------------
class Playground:
    """A network trained on a small 2-D data set (or sin(x)), with controls.

    Parameters are the controls; each is also a property that retrains when
    set. Ranges: hidden_units 1-32, hidden_layers 1-4, learning_rate 1e-3 to
    10, epochs 1-5000, noise 0-1, test_fraction 0-0.9, n_samples 20-2000.
    ``dataset`` is one of "xor", "moons", "circles", "spiral", "blobs"
    (classification: sigmoid output, cross-entropy) or "sin" (regression:
    linear output, quadratic loss). ``batch_size=None`` is full-batch
    gradient descent. ``seed`` fixes the data, the train/test split, the
    initial weights and the batch order, so a change of any other control
    retrains from the same start.
    """

    def __init__(self, dataset="xor", hidden_units=4, hidden_layers=1, activation="tanh", learning_rate=0.3,
                 epochs=300, batch_size=None, noise=0.1, test_fraction=0.3, n_samples=200, seed=0):
        given = dict(dataset=dataset, hidden_units=hidden_units, hidden_layers=hidden_layers,
                     activation=activation, learning_rate=learning_rate, epochs=epochs, batch_size=batch_size,
                     noise=noise, test_fraction=test_fraction, n_samples=n_samples, seed=seed)
        self._params = self._validated(given, {})
        self._data_cache = {}
        self._syncing = False
        self.result = None
        self.network = None
        self.n_runs = 0
        self._build_figure()
        self._build_widgets()
        self._retrain()

    # -- public API -------------------------------------------------------
    def set(self, **controls):
        """Change several controls at once, then retrain and redraw once.

        Raises ValueError (and changes nothing) if any value is invalid.
        """
        unknown = [name for name in controls if name not in _VALIDATORS]
        if unknown:
            raise TypeError(f"unknown control {unknown[0]!r}; the controls are {list(CONTROLS)}."
                            f"{suggestion(unknown[0], CONTROLS)}")
        new = self._validated(controls, self._params)
        changed = {k: v for k, v in new.items() if self._params[k] != v}
        if not changed:
            return self
        self._params.update(changed)
        self._sync_widgets()
        self._retrain()
        return self

    @property
    def settings(self):
        """The current controls as a dict."""
        return dict(self._params)

    @property
    def figure(self):
        """The matplotlib Figure of the last run (redrawn in place on every change).

        It is made without pyplot, so it never pops up on its own; as a cell's
        last value it shows once the inline backend is active (after any
        pyplot plot or ``%matplotlib inline``). ``pg.png`` holds it as PNG.
        """
        return self._fig

    @property
    def png(self):
        """The last run's figure as PNG bytes (what the widget shows)."""
        return self._png

    @property
    def status(self):
        """The text line under the controls: final losses, or the divergence message."""
        return self.result.summary()

    @property
    def widget(self):
        """The top-level ipywidgets box: controls, status line and plot."""
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
        test, train = order[:n_test], order[n_test:]
        data = {"X_train": X[train], "Y_train": Y[train],
                "X_test": X[test] if n_test else None, "Y_test": Y[test] if n_test else None,
                "regression": name == "sin"}
        if name == "sin":
            low, high = X.min() - 0.5, X.max() + 0.5
            data["grid"] = np.linspace(low, high, 300).reshape(-1, 1)
            data["extent"] = (low, high)
        else:
            low, high = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
            xs = np.linspace(low[0], high[0], _HEATMAP_RESOLUTION)
            ys = np.linspace(low[1], high[1], _HEATMAP_RESOLUTION)
            gx, gy = np.meshgrid(xs, ys)
            data["grid"] = np.c_[gx.ravel(), gy.ravel()]
            data["grid_xy"] = (xs, ys)
            data["extent"] = (low[0], high[0], low[1], high[1])
        return data

    # -- training -------------------------------------------------------------
    def _retrain(self):
        with _one_blas_thread():
            self._train_and_evaluate()
            self._redraw()

    def _train_and_evaluate(self):
        p = self._params
        data = self._data()
        n_in = data["X_train"].shape[1]
        sizes = [n_in] + [p["hidden_units"]] * p["hidden_layers"] + [1]
        if data["regression"]:
            net = Network(sizes, p["activation"], "identity", "quadratic", seed=p["seed"])
        else:
            net = Network(sizes, p["activation"], "sigmoid", "cross_entropy", seed=p["seed"])
        history, norms, diverged_at = _train(net, data["X_train"], data["Y_train"], data["X_test"],
                                             data["Y_test"], p["epochs"], p["learning_rate"],
                                             p["batch_size"], p["seed"])
        net.diverged_at = diverged_at
        finite = all(np.isfinite(w).all() and np.isfinite(b).all() for w, b in zip(net.weights, net.biases))
        train_loss, train_acc = self._evaluate(net, data["X_train"], data["Y_train"], data["regression"], finite)
        if data["X_test"] is not None:
            test_loss, test_acc = self._evaluate(net, data["X_test"], data["Y_test"], data["regression"], finite)
        else:
            test_loss, test_acc = None, None
        self.network = net
        self.result = PlaygroundResult(train_loss, test_loss, train_acc, test_acc, diverged_at, history, norms,
                                       settings=dict(p))
        self.n_runs += 1

    @staticmethod
    def _evaluate(net, X, Y, regression, finite):
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            activations, weighted = net._forward(X)
            loss = net._cost(weighted[-1], activations[-1], Y)
        loss = float(loss) if np.isfinite(loss) else float("nan")
        if regression or not finite:
            return loss, None
        return loss, float(((activations[-1] >= 0.5) == (Y >= 0.5)).mean())

    # -- drawing --------------------------------------------------------------
    def _build_figure(self):
        # Drawn for speed as well as looks (the whole figure is redrawn after
        # every change): titles at a fixed height (no automatic title
        # placement), log axes snapped to whole decades without minor ticks,
        # one figure legend for the layers instead of a "best" legend per panel.
        fig = Figure(figsize=(10, 6.8), dpi=_PNG_DPI)
        FigureCanvasAgg(fig)
        axes = fig.subplots(2, 2)
        self._fig, self._axes = fig, axes
        ax_data, ax_loss = axes[0]
        ax_delta, ax_weight = axes[1]
        # data panel: both kinds of artist exist; each run shows the ones it needs
        self._heat = ax_data.imshow(np.zeros((2, 2)), origin="lower", extent=(0, 1, 0, 1), cmap="RdBu_r",
                                    vmin=0, vmax=1, alpha=0.75, interpolation="bilinear", aspect="auto")
        self._contour = None
        scatter = dict(c=[0.0], edgecolors="k", linewidths=0.6)
        self._train_pts = ax_data.scatter([0.0], [0.0], s=22, marker="o", **scatter)
        self._test_pts = ax_data.scatter([0.0], [0.0], s=26, marker="s", **scatter)
        for points in (self._train_pts, self._test_pts):
            points.set_cmap("RdBu_r")
            points.set_clim(0, 1)
        self._target_line, = ax_data.plot([], [], "k--", lw=1, label="sin(x)")
        self._fit_line, = ax_data.plot([], [], color="C2", lw=2, label="network")
        self._reg_train, = ax_data.plot([], [], "o", color="C0", ms=4, label="train")
        self._reg_test, = ax_data.plot([], [], "s", color="C1", ms=4, mfc="none", label="test")
        self._train_loss_line, = ax_loss.plot([], [], color="C0", lw=1.5)
        self._test_loss_line, = ax_loss.plot([], [], color="C1", lw=1.5, ls="--")
        self._diverged_line = ax_loss.axvline(1, color="r", lw=1, ls=":", visible=False)
        self._delta_lines, self._weight_lines = [], []
        for ax, lines in ((ax_delta, self._delta_lines), (ax_weight, self._weight_lines)):
            for layer in range(_MAX_LAYERS):
                line, = ax.plot([], [], color=_LAYER_COLOURS[layer], lw=1.5)
                lines.append(line)
        for ax in (ax_loss, ax_delta, ax_weight):
            ax.set_yscale("log")
            ax.yaxis.set_major_locator(LogLocator(base=10, numticks=6))
            ax.yaxis.set_minor_locator(NullLocator())
            ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True, steps=[1, 2, 5, 10]))
            ax.set_xlabel("epoch", labelpad=1)
        for axis in (ax_data.xaxis, ax_data.yaxis):
            axis.set_major_locator(MaxNLocator(nbins=4, steps=[1, 2, 5, 10]))
        _title(ax_delta, r"backprop: size of $\delta^l = \partial C_x/\partial z^l$ (RMS)")
        _title(ax_weight, r"size of $\partial C/\partial w^l$ (RMS)")
        self._layer_legend = None
        fig.subplots_adjust(left=0.07, right=0.98, top=0.92, bottom=0.13, hspace=0.32, wspace=0.2)

    def _redraw(self):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
                self._draw_data_panel()
                self._draw_curves()
            buffer = io.BytesIO()
            self._fig.savefig(buffer, format="png", dpi=_PNG_DPI, pil_kwargs={"compress_level": 1})
        self._png = buffer.getvalue()
        self._image.value = self._png
        self._status.value = self._status_html()

    def _draw_data_panel(self):
        ax = self._axes[0][0]
        data, net, p = self._data(), self.network, self._params
        regression = data["regression"]
        for artist in (self._heat, self._train_pts, self._test_pts):
            artist.set_visible(not regression)
        for artist in (self._target_line, self._fit_line, self._reg_train, self._reg_test):
            artist.set_visible(regression)
        if self._contour is not None:
            self._contour.remove()
            self._contour = None
        finite = all(np.isfinite(w).all() for w in net.weights)
        if regression:
            grid = data["grid"]
            self._target_line.set_data(grid[:, 0], np.sin(grid[:, 0]))
            fitted = net._forward(grid)[0][-1][:, 0] if finite else np.full(len(grid), np.nan)
            self._fit_line.set_data(grid[:, 0], np.clip(fitted, -1e3, 1e3))
            self._reg_train.set_data(data["X_train"][:, 0], data["Y_train"][:, 0])
            if data["X_test"] is not None:
                self._reg_test.set_data(data["X_test"][:, 0], data["Y_test"][:, 0])
            else:
                self._reg_test.set_data([], [])
            ax.set_xlim(*data["extent"])
            ax.set_ylim(-2.0, 2.0)
            ax.set_xlabel("x")
            ax.set_ylabel("y")
            handles = [self._target_line, self._fit_line, self._reg_train]
            ax.legend(handles=handles + [self._reg_test] * (data["X_test"] is not None),
                      loc="upper right", fontsize=8, ncol=2)
            _title(ax, "sin(x) + noise: the network's curve")
            return
        legend = ax.get_legend()
        if legend is not None:
            legend.remove()
        xs, ys = data["grid_xy"]
        if finite:
            scores = net._forward(data["grid"])[0][-1][:, 0].reshape(len(ys), len(xs))
        else:
            scores = np.full((len(ys), len(xs)), 0.5)
        scores = np.nan_to_num(scores, nan=0.5)
        self._heat.set_data(scores)
        self._heat.set_extent(data["extent"])
        if finite and scores.min() < 0.5 < scores.max():
            self._contour = ax.contour(xs, ys, scores, levels=[0.5], colors="k", linewidths=1)
        self._train_pts.set_offsets(data["X_train"])
        self._train_pts.set_array(data["Y_train"][:, 0])
        if data["X_test"] is not None:
            self._test_pts.set_offsets(data["X_test"])
            self._test_pts.set_array(data["Y_test"][:, 0])
        else:
            self._test_pts.set_offsets(np.empty((0, 2)))
        ax.set_xlim(*data["extent"][:2])
        ax.set_ylim(*data["extent"][2:])
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        points = "train ●, test ■" if data["X_test"] is not None else "train ●"
        _title(ax, f"{p['dataset']}: network output ({points})")

    def _draw_curves(self):
        result = self.result
        ax_loss, ax_delta, ax_weight = self._axes[0][1], self._axes[1][0], self._axes[1][1]
        train = _positive(result.history.train)
        self._train_loss_line.set_data(np.arange(1, len(train) + 1), train)
        test = _positive(result.history.test)
        self._test_loss_line.set_data(np.arange(1, len(test) + 1), test)
        self._test_loss_line.set_visible(len(test) > 0)
        n_epochs = max(len(train), 1)
        if result.diverged_at is not None:
            self._diverged_line.set_xdata([result.diverged_at, result.diverged_at])
            self._diverged_line.set_visible(True)
            n_epochs = max(n_epochs, result.diverged_at)
            _title(ax_loss, f"loss: diverged at epoch {result.diverged_at}", color="#b00020")
        else:
            self._diverged_line.set_visible(False)
            _title(ax_loss, "loss C per epoch: train (solid), test (dashed)" if len(test) else
                   "loss C per epoch (training set)")
        _autoscale_log(ax_loss, [train, test], n_epochs)
        n_layers = result.gradient_norms.delta.shape[0]
        for norms, lines, ax in ((result.gradient_norms.delta, self._delta_lines, ax_delta),
                                 (result.gradient_norms.weight, self._weight_lines, ax_weight)):
            for layer, line in enumerate(lines):
                if layer < n_layers:
                    values = _positive(norms[layer])
                    line.set_data(np.arange(1, len(values) + 1), values)
                    line.set_label(f"layer {layer + 1}" + (" (output)" if layer == n_layers - 1 else ""))
                else:
                    line.set_data([], [])
                line.set_visible(layer < n_layers)
            _autoscale_log(ax, [line.get_ydata() for line in lines[:n_layers]], n_epochs)
        if self._layer_legend is not None:
            self._layer_legend.remove()
        self._layer_legend = self._fig.legend(handles=self._delta_lines[:n_layers], loc="lower center",
                                              ncol=n_layers, fontsize=9, frameon=False,
                                              bbox_to_anchor=(0.5, 0.0))
        self._fig.suptitle(self._headline(), fontsize=10, y=0.995)

    def _headline(self):
        p = self._params
        sizes = "-".join(str(s) for s in self.network.sizes)
        batch = "full batch" if p["batch_size"] is None else f"batch {p['batch_size']}"
        return (f"{p['dataset']}  |  net {sizes}, {p['activation']}  |  learning rate {p['learning_rate']:.3g}, "
                f"{p['epochs']} epochs, {batch}")

    def _status_html(self):
        text = html.escape(self.result.summary())
        if self.result.diverged_at is not None:
            return f'<b style="color:#b00020">{text[0].upper() + text[1:]}</b>'
        return f"<b>{text[0].upper() + text[1:]}</b>"

    # -- widgets --------------------------------------------------------------
    def _build_widgets(self):
        import ipywidgets as w

        p = self._params
        style = {"description_width": "100px"}
        wide = w.Layout(width="330px")
        narrow = w.Layout(width="250px")
        c = {
            "dataset": w.Dropdown(options=list(DATASETS), value=p["dataset"], description="data set"),
            "noise": w.FloatSlider(value=p["noise"], min=NOISE_RANGE[0], max=NOISE_RANGE[1], step=0.01,
                                   description="noise", readout_format=".2f"),
            "n_samples": w.BoundedIntText(value=p["n_samples"], min=N_SAMPLES_RANGE[0], max=N_SAMPLES_RANGE[1],
                                          step=10, description="samples"),
            "test_fraction": w.FloatSlider(value=p["test_fraction"], min=TEST_FRACTION_RANGE[0],
                                           max=TEST_FRACTION_RANGE[1], step=0.05, description="test fraction",
                                           readout_format=".2f"),
            "activation": w.Dropdown(options=list(ACTIVATION_CHOICES), value=p["activation"],
                                     description="activation"),
            "hidden_layers": w.IntSlider(value=p["hidden_layers"], min=HIDDEN_LAYERS_RANGE[0],
                                         max=HIDDEN_LAYERS_RANGE[1], description="hidden layers"),
            "hidden_units": w.IntSlider(value=p["hidden_units"], min=HIDDEN_UNITS_RANGE[0],
                                        max=HIDDEN_UNITS_RANGE[1], description="hidden units"),
            "learning_rate": w.FloatLogSlider(value=p["learning_rate"], base=10,
                                              min=np.log10(LEARNING_RATE_RANGE[0]),
                                              max=np.log10(LEARNING_RATE_RANGE[1]), step=0.1,
                                              description="learning rate", readout_format=".3g"),
            "epochs": w.BoundedIntText(value=p["epochs"], min=EPOCHS_RANGE[0], max=EPOCHS_RANGE[1], step=50,
                                       description="epochs"),
            "batch_size": w.Dropdown(options=self._batch_options(p["batch_size"]),
                                     value=_to_widget("batch_size", p["batch_size"]), description="batch size"),
            "seed": w.BoundedIntText(value=p["seed"], min=SEED_RANGE[0], max=SEED_RANGE[1], description="seed"),
        }
        for name, control in c.items():
            control.style = style
            control.layout = narrow if name in ("epochs", "batch_size", "seed", "n_samples") else wide
            if hasattr(control, "continuous_update"):
                control.continuous_update = False  # retrain on release, not on every pixel of a drag
            control.observe(self._on_widget_change(name), names="value")
        self.controls = c
        self._status = w.HTML(value="")
        self._image = w.Image(format="png", layout=w.Layout(max_width="100%", height="auto"))
        columns = w.HBox([
            w.VBox([c["dataset"], c["noise"], c["test_fraction"], c["n_samples"]]),
            w.VBox([c["activation"], c["hidden_layers"], c["hidden_units"], c["learning_rate"]]),
            w.VBox([c["epochs"], c["batch_size"], c["seed"]]),
        ])
        self._widget = PlaygroundWidget([columns, self._status, self._image], playground=self)
        self._widget.add_class("bplib-playground")  # a handle for browser tests and custom CSS

    @staticmethod
    def _batch_options(current):
        """Dropdown options; the widget says 0 for full batch (a Dropdown's None means "nothing selected")."""
        values = sorted({v for v in BATCH_CHOICES + (current,) if v is not None})
        return [("full batch", 0)] + [(str(v), v) for v in values]

    def _on_widget_change(self, name):
        def callback(change):
            if self._syncing:
                return
            try:
                self.set(**{name: _from_widget(name, change["new"])})
            except ValueError as error:
                # A widget-only failure (e.g. a test fraction leaving too few
                # training points): say so and put the control back.
                self._syncing = True
                try:
                    self.controls[name].value = _to_widget(name, self._params[name])
                finally:
                    self._syncing = False
                self._status.value = f'<b style="color:#b00020">{html.escape(str(error))}</b>'
        return callback

    def _sync_widgets(self):
        self._syncing = True
        try:
            for name, control in self.controls.items():
                value = _to_widget(name, self._params[name])
                if name == "batch_size" and value not in [v for _, v in control.options]:
                    control.options = self._batch_options(self._params[name])
                if control.value != value:
                    control.value = value
        finally:
            self._syncing = False


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


def _to_widget(name, value):
    return 0 if name == "batch_size" and value is None else value


def _from_widget(name, value):
    return None if name == "batch_size" and value == 0 else value


def _positive(values):
    """Values as a float array with non-positive or non-finite entries as NaN (log axes skip them)."""
    array = np.array(values, dtype=float)
    array[~(array > 0) | ~np.isfinite(array)] = np.nan
    return array


def _autoscale_log(ax, series, n_epochs):
    """Whole decades around the finite values (so that there are always labelled ticks)."""
    finite = [np.asarray(s)[np.isfinite(s)] for s in series if len(s)]
    finite = [s for s in finite if s.size]
    if finite:
        low = np.floor(np.log10(min(s.min() for s in finite)))
        high = np.ceil(np.log10(max(s.max() for s in finite)))
        low = max(low, high - 60)  # a diverged run's tiny values would squash the rest
        ax.set_ylim(10.0 ** low, 10.0 ** max(high, low + 1))
    ax.set_xlim(0, n_epochs + 1)


def _title(ax, text, color="k"):
    # An explicit y turns off matplotlib's automatic title placement, which
    # measures every tick label on each draw.
    ax.set_title(text, fontsize=10, color=color, y=1.0, pad=5)


try:
    from ipywidgets import VBox as _VBox
except ImportError:  # pragma: no cover
    _VBox = object


class PlaygroundWidget(_VBox):
    """The playground's top-level box. Its text form names the settings, and
    ``Playground.show()`` as a cell's last line displays it only once."""

    def __init__(self, children, playground):
        super().__init__(children)
        self._playground = playground
        self._skip_repr = False

    def __repr__(self):
        return f"<{self._playground!r} widget>"

    def _hide_next_repr(self, shell):
        """After ``show()`` displayed the box, skip the display of its return
        value by the cell's displayhook; the flag lapses when the cell ends."""
        self._skip_repr = True

        def lapse(*args):
            self._skip_repr = False
            try:
                shell.events.unregister("post_run_cell", lapse)
            except ValueError:
                pass

        shell.events.register("post_run_cell", lapse)

    def _ipython_display_(self):
        if self._skip_repr and _called_by_displayhook():
            self._skip_repr = False
            return
        from IPython.display import display
        display(self._repr_mimebundle_(), raw=True)


def _called_by_displayhook():
    """True inside IPython's displayhook (a cell's last value), False inside display()."""
    import sys

    from IPython.core.displayhook import DisplayHook

    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == "__call__" and isinstance(frame.f_locals.get("self"), DisplayHook):
            return True
        frame = frame.f_back
    return False


# Each control is a property of Playground.
for _name in CONTROLS:
    setattr(Playground, _name, _control_property(_name))
del _name
