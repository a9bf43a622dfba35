"""Helpers the exercise modules share: seeded generators, random networks, and the marker of
learner-facing text."""
import numpy as np


def N_(message):
    """Mark ``message`` (the name of a known mistake, a phrase of the diagnosis' evidence) for the
    feedback's catalogue: ``python -m bpcourse messages`` extracts it into bplib/locale/bplib.pot.
    The exercise data keeps the English text; ``bplib.checks`` translates it when it prints it."""
    return message


def rng(seed):
    return np.random.default_rng(seed)


def net_params(sizes, generator):
    """Weights ``(n_out, n_in)`` and biases ``(n_out,)`` for layer sizes ``sizes``, drawn from N(0, 1)."""
    weights = [generator.normal(0, 1, size=(n_out, n_in)) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    biases = [generator.normal(0, 1, size=n_out) for n_out in sizes[1:]]
    return weights, biases
