"""The playground's plots, drawn with Pillow straight into arrays and sent as PNG.

Every slider move redraws all of them and every replay frame redraws their
markers, on a machine where one full matplotlib draw of a small plot takes
about 45 ms (text layout, tick labels). So each panel draws its static part
once per run (axes, ticks, title, legend and, for the curve plots, the
curves), at twice the size and then halved for smooth lines and text; a
replay frame copies that picture and draws only what moves (the cursor and
its dots, or the heatmap and boundary of the data panel). A frame costs a
millisecond or two of drawing and one PNG encoding.
"""
import os
import struct
import zlib

import numpy as np
from matplotlib import colormaps, get_data_path
from matplotlib.ticker import MaxNLocator
from PIL import Image, ImageDraw, ImageFont

SCALE = 2  # static parts are drawn this many times larger, then shrunk (anti-aliasing)
HEAT_CMAP = "RdBu_r"
LAYER_COLOURS = ((27, 158, 119), (217, 95, 2), (117, 112, 179), (231, 41, 138), (68, 68, 68))
BLUE, ORANGE, GREY, RED = (31, 119, 180), (255, 127, 14), (128, 128, 128), (176, 0, 32)
_CACHED_LAYOUTS = 16
_LUT = (colormaps[HEAT_CMAP](np.linspace(0.0, 1.0, 256))[:, :3] * 255).astype(np.uint8)
_FONTS = {}


def font(size):
    """DejaVu Sans (shipped with matplotlib, so always there) at ``size`` pixels."""
    if size not in _FONTS:
        path = os.path.join(get_data_path(), "fonts", "ttf", "DejaVuSans.ttf")
        _FONTS[size] = ImageFont.truetype(path, size)
    return _FONTS[size]


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


def heat_colours(values):
    """RGB ``values.shape + (3,)`` of values in [0, 1] (NaN shows as the middle, white)."""
    index = np.nan_to_num(np.clip(values, 0.0, 1.0) * 255.0, nan=127.5).astype(np.uint8)
    return _LUT[index]


def decades(series, floor_span=60, snap=1):
    """(low, high): powers of ten around the finite positive values of ``series``."""
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


class _Frame:
    """An axes box in a picture of ``width`` x ``height`` pixels, with the
    maps from data to pixels; ``scale`` multiplies every length (the static
    parts are drawn at ``SCALE``, the moving ones at 1)."""

    def __init__(self, width, height, margins, xlim, ylim, log_y):
        self.width, self.height = width, height
        self.left, self.right, self.top, self.bottom = margins
        self.xlim, self.ylim, self.log_y = xlim, ylim, log_y

    def box(self, scale=1):
        return (self.left * scale, self.top * scale, (self.width - self.right) * scale,
                (self.height - self.bottom) * scale)

    def px(self, x, scale=1):
        x0, _, x1, _ = self.box(scale)
        low, high = self.xlim
        return x0 + (np.asarray(x, dtype=float) - low) / (high - low) * (x1 - x0)

    def py(self, y, scale=1):
        _, y0, _, y1 = self.box(scale)
        low, high = self.ylim
        y = np.asarray(y, dtype=float)
        if self.log_y:
            with np.errstate(divide="ignore", invalid="ignore"):
                y, low, high = np.log10(y), np.log10(low), np.log10(high)
        return y1 - (y - low) / (high - low) * (y1 - y0)


def _tick_label(value):
    return f"{value:g}"


def _draw_axes(pen, frame, title, xlabel, ylabel, title_colour, x_ticks, y_ticks, s):
    """Box, ticks with labels, axis labels and title, at scale ``s``."""
    x0, y0, x1, y1 = frame.box(s)
    small, medium = font(8 * s), font(9 * s)
    pen.rectangle([x0, y0, x1, y1], outline=(0, 0, 0), width=s)
    for value in x_ticks:
        x = float(frame.px(value, s))
        pen.line([(x, y1), (x, y1 + 3 * s)], fill=(0, 0, 0), width=s)
        pen.text((x, y1 + 4 * s), _tick_label(value), fill=(0, 0, 0), font=small, anchor="mt")
    for value in y_ticks:
        y = float(frame.py(value, s))
        pen.line([(x0 - 3 * s, y), (x0, y)], fill=(0, 0, 0), width=s)
        pen.text((x0 - 4 * s, y), _tick_label(value), fill=(0, 0, 0), font=small, anchor="rm")
    if xlabel:
        pen.text(((x0 + x1) / 2, frame.height * s - 2 * s), xlabel, fill=(0, 0, 0), font=medium, anchor="md")
    if ylabel:
        pen.text((2 * s, (y0 + y1) / 2), ylabel, fill=(0, 0, 0), font=medium, anchor="lm")
    pen.text(((x0 + x1) / 2, y0 - 3 * s), title, fill=title_colour, font=medium, anchor="md")


def _dashed(pen, points, colour, width, dash):
    """A polyline drawn in dashes ``dash`` pixels long (Pillow draws only solid lines)."""
    points = np.asarray(points, dtype=float)
    steps = np.hypot(*np.diff(points, axis=0).T)
    position = np.concatenate([[0.0], np.cumsum(steps)])
    on = (position // dash) % 2 == 0
    start = None
    for i in range(len(points)):
        if on[i] and start is None:
            start = i
        if (not on[i] or i == len(points) - 1) and start is not None:
            if i > start:
                pen.line([tuple(p) for p in points[start:i + 1]], fill=colour, width=width)
            start = None


def _polyline(pen, xs, ys, colour, width, dashed=False):
    """Draw the finite runs of (xs, ys) (NaN breaks the line)."""
    good = np.isfinite(xs) & np.isfinite(ys)
    if not good.any():
        return
    breaks = np.flatnonzero(np.diff(good.astype(int)) != 0) + 1
    for part in np.split(np.arange(len(xs)), breaks):
        if good[part[0]] and len(part) > 1:
            points = np.column_stack([xs[part], ys[part]])
            if dashed:
                _dashed(pen, points, colour, width, 6 * SCALE)
            else:
                pen.line([tuple(p) for p in points], fill=colour, width=width, joint="curve")
        elif good[part[0]]:
            x, y = xs[part[0]], ys[part[0]]
            pen.ellipse([x - width, y - width, x + width, y + width], fill=colour)


class CurvePanel:
    """Curves against the epoch on a log scale, with a cursor at the replayed epoch.

    ``show(curves, n_epochs, title, legend)`` sets the curves, a list of
    ``(x, y)`` each drawn with the style of the same index in ``styles``
    (dicts with ``colour``, ``width``, ``dashed``); ``render(epoch)`` draws
    the cursor and a dot where each curve crosses it. The last ``show``'s
    ``title``, ``legend``, ``curves``, ``ylim`` and ``marked_epoch`` are
    attributes, and ``cursor`` is the epoch of the last frame.
    """

    margins = (44, 14, 18, 30)

    def __init__(self, width, height, styles, xlabel="epochs trained"):
        self.width, self.height, self.styles, self.xlabel = width, height, styles, xlabel
        self.curves, self.title, self.legend, self.marked_epoch, self.cursor = [], "", (), None, None
        self.title_colour = (0, 0, 0)
        self._background = None
        self._axes_cache = {}

    def show(self, curves, n_epochs, title, legend=(), marked_epoch=None, title_colour=(0, 0, 0)):
        self.curves = [(np.asarray(x, dtype=float), positive(y)) for x, y in curves]
        self.title, self.legend, self.marked_epoch, self.title_colour = title, tuple(legend), marked_epoch, title_colour
        self.ylim = decades([y for _, y in self.curves])
        self.frame = _Frame(self.width, self.height, self.margins, (0.0, max(float(n_epochs), 1.0)), self.ylim,
                            log_y=True)
        self._background = self._draw_static()

    def _draw_static(self):
        s, frame = SCALE, self.frame
        image = self._axes_picture().copy()
        pen = ImageDraw.Draw(image)
        x0, y0, x1, y1 = frame.box(s)
        if self.marked_epoch is not None:
            x = float(frame.px(self.marked_epoch, s))
            _dashed(pen, [(x, y0), (x, y1)], RED, s, 4 * s)
        for (xs, ys), style in zip(self.curves, self.styles):
            px, py = frame.px(xs, s), np.clip(frame.py(ys, s), y0, y1)
            _polyline(pen, px, py, style["colour"], int(round(style.get("width", 1.5) * s)), style.get("dashed"))
        return np.asarray(image.reduce(s))

    def _axes_picture(self):
        """The box, ticks, labels, title and legend, at ``SCALE``; cached per layout
        (text is half the cost of a panel, and most runs share a layout)."""
        key = (self.title, self.title_colour, self.frame.xlim, self.ylim, self.legend)
        picture = self._axes_cache.get(key)
        if picture is None:
            s, frame = SCALE, self.frame
            picture = Image.new("RGB", (self.width * s, self.height * s), "white")
            pen = ImageDraw.Draw(picture)
            low, high = np.log10(self.ylim)
            step = max(1, int(np.ceil((high - low) / 5)))
            y_ticks = [10.0 ** e for e in np.arange(low, high + 0.5, step)]
            x_ticks = [t for t in MaxNLocator(nbins=4, integer=True, steps=[1, 2, 5, 10]).tick_values(*frame.xlim)
                       if frame.xlim[0] <= t <= frame.xlim[1]]
            _draw_axes(pen, frame, self.title, self.xlabel, "", self.title_colour, x_ticks, y_ticks, s)
            x0, _, _, y1 = frame.box(s)
            self._draw_legend(pen, x0 + 4 * s, y1 - 4 * s, s)
            if len(self._axes_cache) >= _CACHED_LAYOUTS:
                self._axes_cache.pop(next(iter(self._axes_cache)))
            self._axes_cache[key] = picture
        return picture

    def _draw_legend(self, pen, x, y, s):
        small = font(7 * s)
        for label, style in zip(self.legend, self.styles):
            pen.line([(x, y - 4 * s), (x + 12 * s, y - 4 * s)], fill=style["colour"], width=2 * s)
            pen.text((x + 15 * s, y - 4 * s), label, fill=(0, 0, 0), font=small, anchor="lm")
            x += 15 * s + small.getlength(label) + 8 * s

    def render(self, epoch):
        """The panel as PNG bytes, with the cursor at ``epoch``."""
        self.cursor = epoch
        picture = self._background.copy()
        frame = self.frame
        x0, y0, x1, y1 = (int(round(v)) for v in frame.box())
        x = int(round(float(frame.px(epoch))))
        if x0 <= x <= x1:
            picture[y0 + 1:y1, x] = (90, 90, 90)
        image = Image.fromarray(picture)
        pen = ImageDraw.Draw(image)
        for xs, ys in self.curves:
            if len(xs) and xs[0] <= epoch <= xs[-1]:
                value = np.interp(epoch, xs, ys)
                if np.isfinite(value):
                    y = float(np.clip(frame.py(value), y0, y1))
                    pen.ellipse([x - 3, y - 3, x + 3, y + 3], fill="white", outline="black")
        return encode_png(np.asarray(image))


class DataPanel:
    """The data with the network's output: a heatmap over the plane with the
    0.5 boundary (classification), or the fitted curve (the 1-D sin set).

    Attributes after ``show_data``: ``regression``, ``title``; after
    ``render``: ``output`` (what the heatmap or curve shows).
    """

    margins = (38, 10, 18, 26)

    def __init__(self, width, height):
        self.width, self.height = width, height
        self.regression, self.title, self.output = False, "", None
        self._layout = None

    def show_data(self, data, title):
        self.data, self.title, self.regression = data, title, data["regression"]
        extent = data["extent"]
        if self.regression:
            xlim, ylim = tuple(extent), (-2.0, 2.0)
        else:
            xlim, ylim = tuple(extent[:2]), tuple(extent[2:])
        self.frame = _Frame(self.width, self.height, self.margins, xlim, ylim, log_y=False)
        x0, y0, x1, y1 = (int(round(v)) for v in self.frame.box())
        self._plot_box = (x0 + 1, y0 + 1, x1, y1)  # inside the frame's line
        key = (self.regression, xlim, ylim, title)
        if key == self._layout:
            return
        self._layout = key
        s = SCALE
        image = Image.new("RGB", (self.width * s, self.height * s), "white")
        pen = ImageDraw.Draw(image)
        ticks = MaxNLocator(nbins=4, steps=[1, 2, 5, 10])
        x_ticks = [t for t in ticks.tick_values(*xlim) if xlim[0] <= t <= xlim[1]]
        y_ticks = [t for t in ticks.tick_values(*ylim) if ylim[0] <= t <= ylim[1]]
        labels = ("x", "y") if self.regression else ("x₁", "x₂")
        _draw_axes(pen, self.frame, title, labels[0], labels[1], (0, 0, 0), x_ticks, y_ticks, s)
        self._background = np.asarray(image.reduce(s))

    def render(self, output, caption):
        """``output``: the network's output on the data's grid, ``(n_grid,)``; PNG bytes."""
        self.output = output
        x0, y0, x1, y1 = self._plot_box
        width, height = x1 - x0, y1 - y0
        s = SCALE
        if self.regression:
            area = self._curve_area(output, width, height, s)
        else:
            area = self._heat_area(output, width, height, s)
        pen = ImageDraw.Draw(area)
        left, top, right, bottom = pen.textbbox((4 * s, 3 * s), caption, font=font(8 * s))
        pen.rectangle([left - 2 * s, top - 2 * s, right + 2 * s, bottom + 2 * s], fill=(255, 255, 255))
        pen.text((4 * s, 3 * s), caption, fill=(40, 40, 40), font=font(8 * s))
        picture = self._background.copy()
        picture[y0:y1, x0:x1] = np.asarray(area.reduce(s))
        return encode_png(picture)

    def _to_area(self, xs, ys, s):
        """Data coordinates to pixels of the plot area (drawn at scale ``s``)."""
        x0, y0, _, _ = self._plot_box
        return self.frame.px(xs, s) - x0 * s, self.frame.py(ys, s) - y0 * s

    def _heat_area(self, output, width, height, s):
        data = self.data
        rows, cols = data["grid_shape"]
        scores = np.nan_to_num(output.reshape(rows, cols), nan=0.5)
        # The grid's first row is the bottom of the plane: flip for the picture.
        faded = 255 - (255 - heat_colours(scores[::-1]).astype(np.int16)) * 4 // 5  # 80% colour, as a light map
        area = Image.fromarray(faded.astype(np.uint8)).resize((width * s, height * s), Image.BILINEAR)
        pen = ImageDraw.Draw(area)
        for line in boundary(*data["grid_xy"], scores):
            px, py = self._to_area(line[:, 0], line[:, 1], s)
            pen.line(list(zip(px.tolist(), py.tolist())), fill=(0, 0, 0), width=s)
        radius = 2.5 * s
        for part, square in (("train", False), ("test", True)):
            X, Y = data[f"X_{part}"], data[f"Y_{part}"]
            if X is None:
                continue
            px, py = self._to_area(X[:, 0], X[:, 1], s)
            colours = heat_colours(Y[:, 0])
            shape = pen.rectangle if square else pen.ellipse
            for x, y, colour in zip(px.tolist(), py.tolist(), colours.tolist()):
                shape([x - radius, y - radius, x + radius, y + radius], fill=tuple(colour), outline=(0, 0, 0))
        return area

    def _curve_area(self, output, width, height, s):
        data = self.data
        area = Image.new("RGB", (width * s, height * s), "white")
        pen = ImageDraw.Draw(area)
        grid = data["grid"][:, 0]
        px, py = self._to_area(grid, np.sin(grid), s)
        _dashed(pen, np.column_stack([px, py]), (0, 0, 0), s, 5 * s)
        radius = 2 * s
        for part, colour, filled in (("train", BLUE, True), ("test", ORANGE, False)):
            X, Y = data[f"X_{part}"], data[f"Y_{part}"]
            if X is None:
                continue
            px, py = self._to_area(X[:, 0], Y[:, 0], s)
            for x, y in zip(px.tolist(), py.tolist()):
                pen.ellipse([x - radius, y - radius, x + radius, y + radius], fill=colour if filled else None,
                            outline=colour, width=s)
        fitted = np.clip(np.nan_to_num(output, nan=0.0), -1e3, 1e3)
        px, py = self._to_area(grid, fitted, s)
        py = np.clip(py, -10 * s, (height + 10) * s)
        _polyline(pen, px, py, (44, 160, 44), 2 * s)
        small = font(7 * s)
        y = (height - 8) * s
        x = 4 * s
        for label, colour in (("sin(x)", (0, 0, 0)), ("network", (44, 160, 44)), ("train", BLUE), ("test", ORANGE)):
            pen.line([(x, y), (x + 10 * s, y)], fill=colour, width=2 * s)
            pen.text((x + 12 * s, y), label, fill=(0, 0, 0), font=small, anchor="lm")
            x += 12 * s + small.getlength(label) + 6 * s
        return area


def boundary(xs, ys, scores):
    """Lines ``(n_points, 2)`` where ``scores`` crosses 0.5 (contourpy: what matplotlib's contour uses)."""
    if not scores.min() < 0.5 < scores.max():
        return []
    import contourpy

    lines = contourpy.contour_generator(xs, ys, scores, line_type=contourpy.LineType.Separate).lines(0.5)
    return [line for line in lines if len(line) > 1]
