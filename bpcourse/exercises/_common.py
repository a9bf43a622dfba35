"""Helpers the exercise modules share: seeded generators and random networks."""
import numpy as np


def rng(seed):
    return np.random.default_rng(seed)


def net_params(sizes, generator):
    """Weights ``(n_out, n_in)`` and biases ``(n_out,)`` for layer sizes ``sizes``, drawn from N(0, 1)."""
    weights = [generator.normal(0, 1, size=(n_out, n_in)) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    biases = [generator.normal(0, 1, size=n_out) for n_out in sizes[1:]]
    return weights, biases
