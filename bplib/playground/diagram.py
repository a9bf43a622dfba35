"""Inside the network: a diagram in which every neuron is a small picture of
what it computes, and every connection shows its weight.

Each input feature and each neuron is drawn as a heatmap of its value over
the plane (red high, blue low, white in the middle: 0 for tanh, relu and
identity units, 0.5 for sigmoid units), or for the 1-D sin set as its curve
over x. Each connection w[l][j, k] is red for a positive weight and blue for
a negative one, and thicker and darker the larger |w|.

Drawn with Pillow straight into an array, not with matplotlib: a 4 x 32 net
has over 3,000 connections, which matplotlib takes about 50 ms to draw and
Pillow about 15.
"""
import numpy as np
from matplotlib import colormaps
from PIL import Image, ImageDraw

from .panels import HEAT_CMAP, encode_png, font

WIDTH, HEIGHT = 400, 280
_TOP, _BOTTOM, _LEFT, _RIGHT = 34, 20, 58, 16
_MAX_TILE, _MIN_TILE = 34, 5
_TILE_SAMPLES = 20  # grid points per side of a neuron's picture
_LUT = (colormaps[HEAT_CMAP](np.linspace(0.0, 1.0, 256))[:, :3] * 255).astype(np.uint8)
_POSITIVE, _NEGATIVE, _FAINT = np.array([178, 24, 43]), np.array([33, 102, 172]), np.array([225, 225, 225])

def centred(values, kind):
    """Values mapped to [-1, 1] for the colour map: sigmoid outputs (0..1)
    centre on 0.5, the others on 0; inputs are scaled by their largest size."""
    if kind == "sigmoid":
        return np.clip(2.0 * values - 1.0, -1.0, 1.0)
    if kind == "input":
        scale = np.max(np.abs(values), axis=0, keepdims=True)
        return values / np.where(scale > 0, scale, 1.0)
    return np.clip(values, -1.0, 1.0)


def layout(widths):
    """Tile size and the (x, y) centre of every neuron, per column."""
    n_columns = len(widths)
    usable_height = HEIGHT - _TOP - _BOTTOM
    tile = int(max(_MIN_TILE, min(_MAX_TILE, 0.8 * usable_height / max(widths))))
    xs = np.linspace(_LEFT + tile / 2, WIDTH - _RIGHT - tile / 2, n_columns)
    centres = []
    for x, width in zip(xs, widths):
        step = usable_height / width
        ys = _TOP + step * (np.arange(width) + 0.5)
        centres.append([(float(x), float(y)) for y in ys])
    return tile, centres


def draw(columns, kinds, weights, names, grid_shape, selected=None, caption=""):
    """The diagram as PNG bytes.

    columns: per column (inputs, hidden layers, output) the values of its
    units over the data's grid, ``(n_grid, n_units)``; kinds: per column
    "input", or the activation name ("sigmoid" centres on 0.5);
    weights: w^1..w^L (``(n_l, n_{l-1})``); names: the input features'
    labels; grid_shape: ``(rows, cols)`` of a 2-D grid, or None for a 1-D
    grid (curves); selected: ``(layer, neuron)``, 1-based, to outline.
    """
    widths = [values.shape[1] for values in columns]
    tile, centres = layout(widths)
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    pen = ImageDraw.Draw(image)
    _draw_connections(pen, weights, centres, tile)
    for column, (values, kind) in enumerate(zip(columns, kinds)):
        scaled = centred(values, kind)
        for unit, (x, y) in enumerate(centres[column]):
            box = (int(round(x - tile / 2)), int(round(y - tile / 2)))
            if grid_shape is None:
                _paste_curve(pen, scaled[:, unit], box, tile)
            else:
                _paste_heatmap(image, scaled[:, unit].reshape(grid_shape), box, tile)
            pen.rectangle([box[0] - 1, box[1] - 1, box[0] + tile, box[1] + tile], outline=(120, 120, 120))
    font_11 = font(11)
    if selected is not None:
        layer, neuron = selected
        if 1 <= layer < len(centres) and 1 <= neuron <= len(centres[layer]):
            x, y = centres[layer][neuron - 1]
            half = tile / 2 + 3
            pen.rectangle([x - half, y - half, x + half, y + half], outline=(255, 150, 0), width=3)
    for name, (x, y) in zip(names, centres[0]):
        if tile >= 10 or len(names) <= 7:
            pen.text((x - tile / 2 - 4, y), name, fill="black", font=font_11, anchor="rm")
    titles = ["inputs"] + [f"layer {l}" for l in range(1, len(columns) - 1)] + ["output"]
    for title, column in zip(titles, centres):
        pen.text((column[0][0], _TOP - 14), title, fill="black", font=font_11, anchor="mm")
    if caption:
        pen.text((4, HEIGHT - 4), caption, fill=(60, 60, 60), font=font_11, anchor="ld")
    return encode_png(np.asarray(image))


def _draw_connections(pen, weights, centres, tile):
    for layer, w in enumerate(weights):
        magnitude = np.nan_to_num(np.abs(w), nan=0.0, posinf=10.0)
        strength = np.minimum(magnitude / 2.0, 1.0)  # |w| = 2 and above: full colour
        # Weak connections first, so that strong ones are drawn on top.
        order = np.argsort(strength, axis=None)
        sources, targets = centres[layer], centres[layer + 1]
        for flat in order:
            j, k = divmod(int(flat), w.shape[1])
            s = strength[j, k]
            colour = _POSITIVE if w[j, k] > 0 else _NEGATIVE
            rgb = tuple(int(c) for c in _FAINT + (colour - _FAINT) * (0.15 + 0.85 * s))
            (x0, y0), (x1, y1) = sources[k], targets[j]
            pen.line([(x0 + tile / 2, y0), (x1 - tile / 2, y1)], fill=rgb, width=int(1 + 4 * s))


def _paste_heatmap(image, values, box, tile):
    rows, cols = values.shape
    step_r, step_c = max(1, rows // _TILE_SAMPLES), max(1, cols // _TILE_SAMPLES)
    small = values[::step_r, ::step_c][::-1]  # the grid's first row is the bottom of the plane
    index = np.nan_to_num((small + 1.0) * 127.5, nan=127.5).astype(np.uint8)
    picture = Image.fromarray(_LUT[index]).resize((tile, tile), Image.BILINEAR)
    image.paste(picture, box)


def _paste_curve(pen, values, box, tile):
    x0, y0 = box
    pen.rectangle([x0, y0, x0 + tile - 1, y0 + tile - 1], fill=(245, 245, 245))
    pen.line([(x0, y0 + tile / 2), (x0 + tile - 1, y0 + tile / 2)], fill=(200, 200, 200))
    samples = np.nan_to_num(values[np.linspace(0, len(values) - 1, max(tile, 2)).astype(int)], nan=0.0)
    ys = y0 + (1.0 - (samples + 1.0) / 2.0) * (tile - 1)
    xs = x0 + np.arange(len(samples)) * (tile - 1) / max(len(samples) - 1, 1)
    pen.line(list(zip(xs.tolist(), ys.tolist())), fill=(0, 120, 60), width=1)
