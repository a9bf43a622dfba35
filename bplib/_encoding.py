"""Plain JSON for the values the exercises are tried on and the outputs they give.

The learner feedback (``bplib.checks``) reads its test cases, the expected
outputs and the outputs of known mistakes from JSON files that the course
build writes; the grader sends test cases to a kernel and reads outputs back
in the same form. JSON has no arrays, tuples, NaN or networks, so those are
written as one-key objects:

========================  =================================================
value                     JSON
========================  =================================================
float NaN, +-inf          ``{"float": "nan"}``, ``{"float": "inf"}``, ...
tuple                     ``{"tuple": [...]}``
numpy array               ``{"array": nested lists, "dtype": "float64"}``
dict                      ``{"dict": [[key, value], ...]}`` (keys in order)
``bplib.Network``         ``{"network": {"sizes": ..., "weights": ..., ...}}``
``np.random.Generator``   ``{"generator": bit generator state}``
========================  =================================================

Lists, strings, ints, finite floats, bools and None are themselves. Finite
floats are written with ``repr`` (by ``json``), so they read back bit for bit.
"""
import math

import numpy as np

_SPECIAL_FLOATS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def encode(value):
    """``value`` as JSON-ready data (see the module docstring); a TypeError for anything else."""
    from .network import Network

    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else {"float": repr(value)}
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            raise TypeError(f"cannot encode an array of dtype {value.dtype}")
        data = value.tolist()
        if value.dtype.kind == "f" and not np.isfinite(value).all():
            data = _encode_nested_floats(data)
        return {"array": data, "dtype": str(value.dtype), "shape": list(value.shape)}
    if isinstance(value, tuple):
        return {"tuple": [encode(item) for item in value]}
    if isinstance(value, list):
        return [encode(item) for item in value]
    if isinstance(value, dict):
        return {"dict": [[encode(key), encode(item)] for key, item in value.items()]}
    if isinstance(value, Network):
        return {"network": {"sizes": value.sizes, "activation": value.activation,
                            "output_activation": value.output_activation, "loss": value.loss_name,
                            "seed": value.seed, "weights": [encode(w) for w in value.weights],
                            "biases": [encode(b) for b in value.biases]}}
    if isinstance(value, np.random.Generator):
        return {"generator": value.bit_generator.state}
    raise TypeError(f"cannot encode a {type(value).__name__}")


def decode(data):
    """The value that ``encode`` turned into ``data``; a ValueError if ``data`` is not such."""
    from .network import Network

    if data is None or isinstance(data, (bool, str, int, float)):
        return data
    if isinstance(data, list):
        return [decode(item) for item in data]
    if not isinstance(data, dict) or len(data) not in (1, 3):
        raise ValueError(f"not an encoded value: {str(data)[:80]}")
    if "float" in data:
        return _SPECIAL_FLOATS[data["float"]]
    if "tuple" in data:
        return tuple(decode(item) for item in data["tuple"])
    if "array" in data:
        array = np.array(_decode_nested_floats(data["array"]), dtype=data["dtype"])
        return array.reshape(data["shape"])
    if "dict" in data:
        return {decode(key): decode(item) for key, item in data["dict"]}
    if "network" in data:
        spec = data["network"]
        net = Network(spec["sizes"], spec["activation"], spec["output_activation"], spec["loss"], seed=spec["seed"])
        net.weights = [decode(w) for w in spec["weights"]]
        net.biases = [decode(b) for b in spec["biases"]]
        return net
    if "generator" in data:
        state = data["generator"]
        generator = np.random.Generator(getattr(np.random, state["bit_generator"])())
        generator.bit_generator.state = state
        return generator
    raise ValueError(f"not an encoded value: {str(data)[:80]}")


def _encode_nested_floats(data):
    if isinstance(data, list):
        return [_encode_nested_floats(item) for item in data]
    return data if math.isfinite(data) else {"float": repr(data)}


def _decode_nested_floats(data):
    if isinstance(data, list):
        return [_decode_nested_floats(item) for item in data]
    if isinstance(data, dict):
        return _SPECIAL_FLOATS[data["float"]]
    return data
