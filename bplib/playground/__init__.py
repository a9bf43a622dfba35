"""An interactive playground, like TensorFlow Playground, that shows backpropagation itself.

    from bplib.playground import Playground
    pg = Playground(dataset="xor", hidden_units=4, learning_rate=0.3)
    pg.show()

Every control is an attribute: ``pg.learning_rate = 3.0`` (or moving the
slider) retrains from the same seed and redraws; ``pg.set(a=..., b=...)``
changes several controls with one retrain. ``pg.result`` holds the last
run's numbers. The view shows, at the replayed epoch:

* the data with the network's output over the plane (classification), or
  the fitted curve (the ``"sin"`` regression set);
* inside the network: every input feature and neuron as a small picture of
  its value over the plane, every connection coloured by its weight's sign
  and drawn thicker the larger the weight;
* the training and test loss per epoch;
* for every layer l, the size (root mean square over samples) of its error
  delta^l = dC_x/dz^l, as backpropagation computes it with BP1 and BP2, and
  of each sample's weight gradient dC_x/dw^l (BP4);
* the delta of one chosen neuron over training.

A play button and a slider replay the run from snapshots taken during
training (``pg.replay_epoch``); scrubbing never retrains. Deep sigmoid
networks show vanishing gradients (the early layers' curves lie far below
the later ones). A too-large learning rate shows in red: a loss that
shoots up ("diverged at epoch N"), oscillates, or ends above where it
started. Training stops at a time budget (``time_budget``, 1 s of CPU time
by default, ``None`` for none) and says how far it got.

Training is the playground's own loop on ``bplib.equations`` (see
``training.py``); it does what ``Network.fit`` does, step for step. The
pictures are PNG images in ipywidgets, which works with the plain inline
matplotlib backend (no ipympl) and prints nothing into the notebook.
"""
from .core import Playground
from .results import GradientNorms, History, PlaygroundResult
from .training import EXPLOSION_FACTOR

__all__ = ["Playground", "PlaygroundResult", "History", "GradientNorms", "EXPLOSION_FACTOR"]
