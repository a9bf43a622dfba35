"""The four fundamental equations of backpropagation, for a batch.

Notation (the course's, see notebook 01): layer l has weights ``w[l]`` of
shape ``(n_l, n_{l-1})`` (entry ``[j, k]`` connects neuron k of layer l-1 to
neuron j of layer l), biases ``b[l]`` of shape ``(n_l,)``, weighted input
z^l = w^l a^{l-1} + b^l, activation a^l = sigma(z^l), and error
delta^l = dC/dz^l.

For one sample the vectors are columns. A batch stacks samples as rows, so
the batch ``Z`` has shape ``(n_samples, n_l)`` and the column formula
z = w a + b becomes Z = A_prev @ w.T + b. Each function below gives the
per-sample formula and the batch formula it implements. The cost is the
mean over the batch, C = (1/n) sum_x C_x, so the row ``delta[x]`` holds
dC_x/dz for sample x, and BP3/BP4 average over the rows.
"""


def output_error(cost_gradient, activation_derivative):
    """BP1: delta^L = grad_a C (*) sigma'(z^L)   (elementwise product).

    cost_gradient: dC_x/da^L for each sample, ``(n_samples, n_L)``.
    activation_derivative: sigma'(z^L), ``(n_samples, n_L)``.
    Returns delta^L, ``(n_samples, n_L)``.
    """
    return cost_gradient * activation_derivative


def hidden_error(next_delta, next_weights, activation_derivative):
    """BP2: delta^l = ((w^{l+1})^T delta^{l+1}) (*) sigma'(z^l).

    next_delta: delta^{l+1}, ``(n_samples, n_{l+1})``.
    next_weights: w^{l+1}, ``(n_{l+1}, n_l)``.
    activation_derivative: sigma'(z^l), ``(n_samples, n_l)``.
    Returns delta^l, ``(n_samples, n_l)``. With samples as rows the
    transpose moves: (w^T delta)^T = delta_rows @ w.
    """
    delta = next_delta @ next_weights
    delta *= activation_derivative  # in place: the product above is a fresh array
    return delta


def bias_gradient(delta):
    """BP3: dC/db^l_j = delta^l_j, averaged over the batch.

    delta: ``(n_samples, n_l)``. Returns ``(n_l,)``.
    """
    grad = delta.sum(axis=0)
    grad /= delta.shape[0]  # sum then divide: the same mean, without np.mean's overhead
    return grad


def weight_gradient(delta, previous_activation):
    """BP4: dC/dw^l_{jk} = a^{l-1}_k delta^l_j, averaged over the batch.

    Per sample this is the outer product delta^l (a^{l-1})^T. Summing the
    outer products of all rows is one matrix product, delta.T @ A_prev.
    delta: ``(n_samples, n_l)``; previous_activation: ``(n_samples, n_{l-1})``.
    Returns ``(n_l, n_{l-1})``, the shape of w^l.
    """
    grad = delta.T @ previous_activation
    grad /= delta.shape[0]  # in place: no second (n_l, n_{l-1}) array
    return grad
