"""bplib: backpropagation from the four equations, small enough to read in one sitting."""
from . import activations, datasets, equations, losses
from .datasets import one_hot
from .gradcheck import gradient_check
from .network import Network, TrainingDiverged

__all__ = ["Network", "TrainingDiverged", "gradient_check", "one_hot", "activations", "datasets",
           "equations", "losses", "BPClassifier", "BPRegressor", "Playground"]
__version__ = "0.1.0"

# These pull in scikit-learn or ipywidgets; import them only when asked for.
_LAZY = {"BPClassifier": "estimators", "BPRegressor": "estimators", "Playground": "playground"}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'bplib' has no attribute {name!r}")
