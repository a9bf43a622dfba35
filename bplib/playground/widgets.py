"""The playground's ipywidgets: controls, replay, neuron choice, and the top box."""
import numpy as np

try:
    import ipywidgets as w
    import traitlets
except ImportError:  # pragma: no cover - ipywidgets is a dependency of bplib
    w = traitlets = None

from .features import FEATURES, ONE_INPUT_FEATURES

_STYLE = {"description_width": "100px"}


def to_widget(name, value):
    """A control's value as its widget holds it (a Dropdown's None means "nothing selected")."""
    if name == "batch_size" and value is None:
        return 0
    if name == "time_budget" and value is None:
        return 0.0
    return value


def from_widget(name, value):
    if name == "batch_size" and value == 0:
        return None
    if name == "time_budget" and value == 0:
        return None
    if name == "features":
        return tuple(value)
    return value


def batch_options(current, choices):
    """Dropdown options; "full batch" is 0 in the widget."""
    values = sorted({v for v in tuple(choices) + (current,) if v is not None})
    return [("full batch", 0)] + [(str(v), v) for v in values]


if w is not None:
    class FeatureToggles(w.HBox):
        """One toggle button per input feature; ``value`` is the tuple of those on.

        Like any other control it has a ``value`` to observe and set, so the
        playground treats it as one control.
        """
        value = traitlets.Tuple()

        def __init__(self, value, **kwargs):
            self.buttons = {name: w.ToggleButton(value=name in value, description=name,
                                                 layout=w.Layout(width="58px", padding="0px"),
                                                 tooltip=f"use {name} as an input")
                            for name in FEATURES}
            super().__init__(list(self.buttons.values()), **kwargs)
            self._pushing = False
            self.value = tuple(value)
            for button in self.buttons.values():
                button.observe(self._on_button, names="value")

        def _on_button(self, change):
            if not self._pushing:
                self.value = tuple(name for name, button in self.buttons.items() if button.value)

        def set_inputs(self, n_inputs):
            """Grey out the features that do not apply to data with ``n_inputs`` columns (the x2
            ones, for the sin set's single input): they stay as chosen, for when x2 is back."""
            for name, button in self.buttons.items():
                button.disabled = n_inputs == 1 and name not in ONE_INPUT_FEATURES
                button.tooltip = (f"{name} needs a second input: the sin data set has one, x" if button.disabled
                                  else f"use {name} as an input")

        @traitlets.observe("value")
        def _push(self, change):
            self._pushing = True
            try:
                for name, button in self.buttons.items():
                    button.value = name in change["new"]
            finally:
                self._pushing = False

    class PlaygroundWidget(w.VBox):
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


# What each control does, shown when the pointer rests on it. Without one, ipywidgets 8 sets the
# description label's title to null, and the browser shows the word "null" there.
TOOLTIPS = {
    "dataset": "the data to learn: 2-D points in two classes, or the sin curve",
    "noise": "how far the points scatter around the pattern",
    "n_samples": "the number of points, training and test together",
    "test_fraction": "the share of the points held out to measure the test loss",
    "activation": "the hidden layers' activation function sigma",
    "hidden_layers": "the number of hidden layers",
    "hidden_units": "the number of neurons in each hidden layer",
    "learning_rate": "the step size eta of gradient descent",
    "epochs": "the number of passes over the training points",
    "batch_size": "the points per gradient step; full = the whole training set",
    "seed": "the starting weights and the shuffles: the same seed gives the same run",
    "time_budget": "seconds of training per change; 0 for no limit",
}


def build_controls(params, ranges):
    """The control widgets, by control name (each has ``value``)."""
    r = ranges
    c = {
        "dataset": w.Dropdown(options=list(r["dataset"]), value=params["dataset"], description="data set"),
        "noise": w.FloatSlider(value=params["noise"], min=r["noise"][0], max=r["noise"][1], step=0.01,
                               description="noise", readout_format=".2f"),
        "n_samples": w.BoundedIntText(value=params["n_samples"], min=r["n_samples"][0], max=r["n_samples"][1],
                                      step=10, description="samples"),
        "test_fraction": w.FloatSlider(value=params["test_fraction"], min=r["test_fraction"][0],
                                       max=r["test_fraction"][1], step=0.05, description="test fraction",
                                       readout_format=".2f"),
        "activation": w.Dropdown(options=list(r["activation"]), value=params["activation"],
                                 description="activation"),
        "hidden_layers": w.IntSlider(value=params["hidden_layers"], min=r["hidden_layers"][0],
                                     max=r["hidden_layers"][1], description="hidden layers"),
        "hidden_units": w.IntSlider(value=params["hidden_units"], min=r["hidden_units"][0],
                                    max=r["hidden_units"][1], description="hidden units"),
        "learning_rate": w.FloatLogSlider(value=params["learning_rate"], base=10,
                                          min=np.log10(r["learning_rate"][0]), max=np.log10(r["learning_rate"][1]),
                                          step=0.1, description="learning rate", readout_format=".3g"),
        "epochs": w.BoundedIntText(value=params["epochs"], min=r["epochs"][0], max=r["epochs"][1], step=50,
                                   description="epochs"),
        "batch_size": w.Dropdown(options=batch_options(params["batch_size"], r["batch_choices"]),
                                 value=to_widget("batch_size", params["batch_size"]), description="batch size"),
        "seed": w.BoundedIntText(value=params["seed"], min=r["seed"][0], max=r["seed"][1], description="seed"),
        "time_budget": w.BoundedFloatText(value=to_widget("time_budget", params["time_budget"]), min=0.0,
                                          max=r["time_budget"][1], step=0.5, description="budget (s)"),
        "features": FeatureToggles(params["features"]),
    }
    for name, control in c.items():
        if name != "features":
            control.tooltip = TOOLTIPS[name]
            control.style = _STYLE
            short = name in ("epochs", "batch_size", "seed", "n_samples", "time_budget")
            control.layout = w.Layout(width="250px" if short else "330px")
        if hasattr(control, "continuous_update"):
            control.continuous_update = False  # retrain on release, not on every pixel of a drag
    return c


def control_rows(c):
    features = w.HBox([w.Label("features", layout=w.Layout(width="104px")), c["features"]])
    columns = w.HBox([
        w.VBox([c["dataset"], c["noise"], c["test_fraction"], c["n_samples"]]),
        w.VBox([c["activation"], c["hidden_layers"], c["hidden_units"], c["learning_rate"]]),
        w.VBox([c["epochs"], c["batch_size"], c["seed"], c["time_budget"]]),
    ])
    return [columns, features]


def image(width, height):
    return w.Image(format="png", layout=w.Layout(width=f"{width}px", height=f"{height}px"))
