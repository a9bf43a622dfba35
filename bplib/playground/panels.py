"""The playground's plots, each a small matplotlib figure rendered to PNG.

They are drawn for speed, since every slider move redraws them and every
replay frame redraws their markers. Each panel keeps its artists and only
updates their data; what changes from frame to frame (curves, markers, the
heatmap) is "animated" and drawn onto a cached picture of the rest (axes,
ticks, titles, legend), one picture per distinct layout. So a frame costs
a few draw calls and a PNG encoding, not a full matplotlib draw.
"""
import struct
import zlib
from collections import OrderedDict

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullLocator

DPI = 72
LAYER_COLOURS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#444444")
HEAT_CMAP = "RdBu_r"
_CACHED_LAYOUTS = 24


def encode_png(rgba):
    """PNG bytes of an RGBA or RGB array ``(height, width, 3 or 4)``, alpha dropped.

    Written out here rather than with Pillow: rows unfiltered and zlib at
    level 1 encode a panel about three times faster, and flat-coloured
    plots compress about as well either way.
    """
    height, width = rgba.shape[:2]
    raw = np.empty((height, 3 * width + 1), np.uint8)
    raw[:, 0] = 0  # filter type "none" for every row
    raw[:, 1:].reshape(height, width, 3)[...] = rgba[..., :3]
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(raw.tobytes(), 1)) + _chunk(b"IEND", b""))


def _chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


class Panel:
    """A figure of one axes whose static parts are cached per layout."""

    def __init__(self, width, height, margins=(0.16, 0.97, 0.18, 0.87)):
        self.fig = Figure(figsize=(width / DPI, height / DPI), dpi=DPI)
        self.canvas = FigureCanvasAgg(self.fig)
        self.ax = self.fig.add_subplot()
        left, right, bottom, top = margins
        self.fig.subplots_adjust(left=left, right=right, bottom=bottom, top=top)
        self._backgrounds = OrderedDict()
        self._layout = None
        self._background = None
        self.dynamic = []  # artists drawn on every frame, in order

    def animated(self, artist):
        artist.set_animated(True)
        self.dynamic.append(artist)
        return artist

    def use_layout(self, key, limits, decorate):
        """Make ``key`` the current layout. ``limits()`` sets the axes limits and
        is called on every change of layout, since the dynamic artists'
        positions depend on them; ``decorate()`` sets what only the cached
        picture shows (titles, legend) and is called only to draw a new one."""
        if key == self._layout:
            return
        limits()
        background = self._backgrounds.get(key)
        if background is None:
            decorate()
            self.canvas.draw()  # animated artists are left out of this picture
            background = self.canvas.copy_from_bbox(self.fig.bbox)
            self._backgrounds[key] = background
            if len(self._backgrounds) > _CACHED_LAYOUTS:
                self._backgrounds.popitem(last=False)
        else:
            self._backgrounds.move_to_end(key)
        self._layout, self._background = key, background

    def render(self):
        """The panel as PNG bytes: the cached background plus the dynamic artists."""
        self.canvas.restore_region(self._background)
        for artist in self.dynamic:
            if artist.get_visible():
                self.ax.draw_artist(artist)
        return encode_png(np.asarray(self.canvas.buffer_rgba()))


def decades(series, floor_span=60, snap=2):
    """(low, high) around the finite positive values of ``series``: powers of
    ten whose exponents are multiples of ``snap``, so that most runs share a
    few layouts (and their cached pictures)."""
    finite = [s[np.isfinite(s) & (s > 0)] for s in map(np.asarray, series) if len(s)]
    finite = [s for s in finite if s.size]
    if not finite:
        return 1e-2, 1.0
    low = snap * np.floor(np.log10(min(s.min() for s in finite)) / snap)
    high = snap * np.ceil(np.log10(max(s.max() for s in finite)) / snap)
    low = max(low, high - floor_span)  # a diverged run's tiny values would squash the rest
    return 10.0 ** low, 10.0 ** max(high, low + snap)


def positive(values):
    """Values as a float array with non-positive or non-finite entries as NaN (log axes skip them)."""
    array = np.array(values, dtype=float)
    array[~(array > 0) | ~np.isfinite(array)] = np.nan
    return array


class CurvePanel(Panel):
    """Curves against the epoch on a log scale, with a cursor at the replayed epoch.

    ``show(curves, n_epochs, title, legend)`` sets the curves: a list of
    ``(x, y)`` with a style from ``styles``; ``render(epoch)`` draws the
    cursor and a dot where each curve crosses it.
    """

    def __init__(self, width, height, styles, xlabel="epochs trained"):
        super().__init__(width, height)
        ax = self.ax
        self.styles = styles
        self.lines = [self.animated(ax.plot([], [], **style)[0]) for style in styles]
        self.cursor = self.animated(ax.axvline(0.0, color="0.3", lw=1, ls=":"))
        self.dots = self.animated(ax.plot([], [], "o", color="k", ms=4, mfc="w", zorder=5)[0])
        self.extra = self.animated(ax.axvline(0.0, color="r", lw=1, ls="--", visible=False))
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(LogLocator(base=10, numticks=5))
        ax.yaxis.set_minor_locator(NullLocator())
        # Plain labels ("0.01", "1e-05"): matplotlib's default 10^k labels are
        # typeset with mathtext, which is most of the time of a full draw.
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4, integer=True, steps=[1, 2, 5, 10]))
        ax.set_xlabel(xlabel, labelpad=1, fontsize=9)
        ax.tick_params(labelsize=8)
        self._curves = []
        self._legend = None

    def show(self, curves, n_epochs, title, legend=(), marked_epoch=None, title_colour="k"):
        """Set the curves (a list of (x, y), one per style used) and the layout."""
        self._curves = [(np.asarray(x, dtype=float), positive(y)) for x, y in curves]
        for i, line in enumerate(self.lines):
            if i < len(self._curves):
                line.set_data(*self._curves[i])
                line.set_visible(True)
            else:
                line.set_data([], [])
                line.set_visible(False)
        if marked_epoch is None:
            self.extra.set_visible(False)
        else:
            self.extra.set_xdata([marked_epoch, marked_epoch])
            self.extra.set_visible(True)
        ylim = decades([y for _, y in self._curves])
        xlim = (0.0, max(float(n_epochs), 1.0))
        legend = tuple(legend)

        def limits():  # and the title, cheap to set, so that the axes tell the truth
            self.ax.set_xlim(*xlim)
            self.ax.set_ylim(*ylim)
            self.ax.set_title(title, fontsize=9, color=title_colour, y=1.0, pad=4)

        def decorate():
            if self._legend is not None:
                self._legend.remove()
                self._legend = None
            if legend:
                handles = [self._proxy(i) for i in range(len(legend))]
                self._legend = self.ax.legend(handles, legend, fontsize=7, loc="lower left", frameon=False,
                                              ncol=min(len(legend), 3), handlelength=1.2, columnspacing=0.8)

        self.use_layout((title, title_colour, xlim, ylim, legend), limits, decorate)

    def _proxy(self, i):
        from matplotlib.lines import Line2D

        return Line2D([], [], **self.styles[i])

    def render(self, epoch):
        self.cursor.set_xdata([epoch, epoch])
        xs, ys = [], []
        for x, y in self._curves:
            if len(x) and x[0] <= epoch <= x[-1]:
                value = np.interp(epoch, x, y)
                if np.isfinite(value):
                    xs.append(epoch)
                    ys.append(value)
        self.dots.set_data(xs, ys)
        return super().render()


class DataPanel(Panel):
    """The data with the network's output: a heatmap over the plane and the
    0.5 boundary (classification), or the fitted curve (the 1-D sin set)."""

    def __init__(self, width, height):
        super().__init__(width, height, margins=(0.14, 0.97, 0.13, 0.91))
        ax = self.ax
        ax.tick_params(labelsize=8)
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_locator(MaxNLocator(nbins=4, steps=[1, 2, 5, 10]))
        self.heat = self.animated(ax.imshow(np.zeros((2, 2)), origin="lower", extent=(0, 1, 0, 1), cmap=HEAT_CMAP,
                                            vmin=0, vmax=1, alpha=0.8, interpolation="bilinear", aspect="auto"))
        self.boundary = self.animated(LineCollection([], colors="k", linewidths=1))
        ax.add_collection(self.boundary)
        scatter = dict(edgecolors="k", linewidths=0.6, cmap=HEAT_CMAP, vmin=0, vmax=1)
        self.train_points = self.animated(ax.scatter([0.0], [0.0], c=[0.0], s=20, marker="o", **scatter))
        self.test_points = self.animated(ax.scatter([0.0], [0.0], c=[0.0], s=24, marker="s", **scatter))
        # The sin set: the data and sin(x) are static, the network's curve moves.
        self.target_line, = ax.plot([], [], "k--", lw=1, label="sin(x)")
        self.train_dots = self.animated(ax.plot([], [], "o", color="C0", ms=3.5, label="train")[0])
        self.test_dots = self.animated(ax.plot([], [], "s", color="C1", ms=3.5, mfc="none", label="test")[0])
        self.fit_line = self.animated(ax.plot([], [], color="C2", lw=2, label="network")[0])
        self.caption = self.animated(ax.text(0.02, 0.97, "", transform=ax.transAxes, fontsize=8, va="top",
                                             bbox=dict(facecolor="w", alpha=0.7, lw=0, pad=1.5)))
        self._legend = None
        self._grid = None

    def show_data(self, data, title):
        """Set the data set (``data`` as the playground builds it)."""
        regression = data["regression"]
        self.regression = regression
        for artist in (self.heat, self.boundary, self.train_points, self.test_points):
            artist.set_visible(not regression)
        for artist in (self.target_line, self.train_dots, self.test_dots, self.fit_line):
            artist.set_visible(regression)
        has_test = data["X_test"] is not None
        if regression:
            grid = data["grid"][:, 0]
            self._grid = grid
            self.target_line.set_data(grid, np.sin(grid))
            self.train_dots.set_data(data["X_train"][:, 0], data["Y_train"][:, 0])
            self.test_dots.set_data(*(data["X_test"][:, 0], data["Y_test"][:, 0]) if has_test else ([], []))
        else:
            self._grid = data["grid_xy"]
            self.heat.set_extent(data["extent"])
            self.train_points.set_offsets(data["X_train"])
            self.train_points.set_array(data["Y_train"][:, 0])
            if has_test:
                self.test_points.set_offsets(data["X_test"])
                self.test_points.set_array(data["Y_test"][:, 0])
            else:
                self.test_points.set_offsets(np.empty((0, 2)))
                self.test_points.set_array(np.empty(0))

        def limits():
            if regression:
                self.ax.set_xlim(*data["extent"])
                self.ax.set_ylim(-2.0, 2.0)
            else:
                self.ax.set_xlim(*data["extent"][:2])
                self.ax.set_ylim(*data["extent"][2:])

        def decorate():
            ax = self.ax
            if self._legend is not None:
                self._legend.remove()
                self._legend = None
            if regression:
                ax.set_xlabel("x", fontsize=9, labelpad=1)
                ax.set_ylabel("y", fontsize=9, labelpad=1)
                handles = [self.target_line, self.fit_line, self.train_dots] + [self.test_dots] * has_test
                self._legend = ax.legend(handles=handles, loc="lower left", fontsize=7, ncol=2, frameon=False)
            else:
                ax.set_xlabel("x₁", fontsize=9, labelpad=1)
                ax.set_ylabel("x₂", fontsize=9, labelpad=1)
            ax.set_title(title, fontsize=9, y=1.0, pad=4)

        self.use_layout((regression, tuple(data["extent"]), has_test, title), limits, decorate)

    def render(self, output, caption):
        """``output``: the network's output on the data's grid, ``(n_grid,)``."""
        with np.errstate(invalid="ignore", over="ignore"):
            if self.regression:
                self.fit_line.set_data(self._grid, np.clip(np.nan_to_num(output, nan=0.0), -1e3, 1e3))
            else:
                xs, ys = self._grid
                scores = np.nan_to_num(output.reshape(len(ys), len(xs)), nan=0.5)
                self.heat.set_data(scores)
                self.boundary.set_segments(_boundary(xs, ys, scores))
        self.caption.set_text(caption)
        return super().render()


def _boundary(xs, ys, scores):
    """Line segments where ``scores`` crosses 0.5 (contourpy: what matplotlib's contour uses)."""
    if not scores.min() < 0.5 < scores.max():
        return []
    import contourpy

    lines = contourpy.contour_generator(xs, ys, scores, line_type=contourpy.LineType.Separate).lines(0.5)
    return [line for line in lines if len(line) > 1]
