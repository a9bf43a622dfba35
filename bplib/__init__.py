"""bplib: backpropagation from the four equations, small enough to read in one sitting."""
from . import activations, datasets, equations, losses
from .gradcheck import gradient_check
from .network import Network, TrainingDiverged

__all__ = ["Network", "TrainingDiverged", "gradient_check", "activations", "datasets",
           "equations", "losses"]
__version__ = "0.1.0"
