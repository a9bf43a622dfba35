"""The four fundamental equations of backpropagation, for a batch.

Notation (the course's, see notebook 01): layer l has weights ``w[l]`` of
shape ``(n_l, n_{l-1})`` (entry ``[j, k]`` connects neuron k of layer l-1 to
neuron j of layer l), biases ``b[l]`` of shape ``(n_l,)``, weighted input
z^l = w^l a^{l-1} + b^l, activation a^l = sigma(z^l), and error
delta^l = dC/dz^l.

For one sample the vectors are columns. A batch stacks samples as rows, so
the batch ``Z`` has shape ``(n, n_l)`` and the column formula z = w a + b
becomes Z = A_prev @ w.T + b. Each function below gives the per-sample
formula and the batch formula it implements. The cost is the mean over the
batch, C = (1/n) sum_x C_x, so the row ``delta[x]`` holds dC_x/dz for sample
x, and BP3/BP4 average over the rows.

The line above each function states the shapes it expects; a wrong shape, an
empty batch or a result that overflows stops with a ValueError that says so.
"""
from ._validate import batch_function


@batch_function({"cost_gradient": "n, n_L", "activation_derivative": "n, n_L"})
def output_error(cost_gradient, activation_derivative):
    """BP1: delta^L = grad_a C (*) sigma'(z^L)   (elementwise product).

    cost_gradient: dC_x/da^L for each sample, ``(n, n_L)``.
    activation_derivative: sigma'(z^L), ``(n, n_L)``.
    Returns delta^L, ``(n, n_L)``.
    """
    return cost_gradient * activation_derivative


@batch_function({"next_delta": "n, n_next", "next_weights": "n_next, n_l", "activation_derivative": "n, n_l"})
def hidden_error(next_delta, next_weights, activation_derivative):
    """BP2: delta^l = ((w^{l+1})^T delta^{l+1}) (*) sigma'(z^l).

    next_delta: delta^{l+1}, ``(n, n_{l+1})``.
    next_weights: w^{l+1}, ``(n_{l+1}, n_l)``.
    activation_derivative: sigma'(z^l), ``(n, n_l)``.
    Returns delta^l, ``(n, n_l)``. With samples as rows the transpose
    moves: (w^T delta)^T = delta_rows @ w.
    """
    return (next_delta @ next_weights) * activation_derivative


@batch_function({"delta": "n, n_l"})
def bias_gradient(delta):
    """BP3: dC/db^l_j = delta^l_j, averaged over the batch.

    delta: ``(n, n_l)``. Returns ``(n_l,)``.
    """
    return delta.mean(axis=0)


@batch_function({"delta": "n, n_l", "previous_activation": "n, n_prev"})
def weight_gradient(delta, previous_activation):
    """BP4: dC/dw^l_{jk} = a^{l-1}_k delta^l_j, averaged over the batch.

    Per sample this is the outer product delta^l (a^{l-1})^T. Summing the
    outer products of all rows is one matrix product, delta.T @ A_prev.
    delta: ``(n, n_l)``; previous_activation: ``(n, n_{l-1})``.
    Returns ``(n_l, n_{l-1})``, the shape of w^l.
    """
    return delta.T @ previous_activation / delta.shape[0]
