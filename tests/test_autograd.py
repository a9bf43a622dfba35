"""bplib.autograd: the tiny autograd of notebook 11 gives the true derivatives."""
import math

import numpy as np
import pytest

from bplib.autograd import Value, graph_order


def central_difference(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


@pytest.mark.parametrize("x", [-2.5, -0.3, 0.0, 0.7, 3.0])
def test_every_operation_gives_the_true_derivative(x):
    def on_numbers(v):
        return (v * v + math.tanh(v)) * (1 / (1 + math.exp(-v))) - 3.0 * v + v / 4 - (2 - v)

    leaf = Value(x)
    C = (leaf * leaf + leaf.tanh()) * leaf.sigmoid() - 3.0 * leaf + leaf / 4 - (2 - leaf)
    C.backward()
    assert C.data == pytest.approx(on_numbers(x), rel=1e-12, abs=1e-12)
    assert leaf.grad == pytest.approx(central_difference(on_numbers, x), rel=1e-7, abs=1e-8)


def test_sigmoid_of_large_inputs_does_not_overflow():
    assert Value(-800.0).sigmoid().data == 0.0
    assert Value(800.0).sigmoid().data == 1.0


def test_order_lists_each_node_once_after_its_parents():
    x = Value(0.5)
    u = x * x
    C = u + u.tanh().tanh()
    order = graph_order(C)
    assert len(order) == len({id(node) for node in order}) == 5
    position = {id(node): i for i, node in enumerate(order)}
    assert all(position[id(parent)] < position[id(node)] for node in order for parent in node.parents)


def test_a_long_chain_needs_no_recursion():
    x = Value(1.0)
    total = x
    for _ in range(2000):
        total = total + x
    total.backward()
    assert x.grad == 2001.0


def test_leaves_add_up_over_calls_and_computed_values_start_again():
    w = Value(0.8)
    C = w * w + w
    C.backward()
    assert w.grad == pytest.approx(2.6)
    C.backward()
    assert w.grad == pytest.approx(5.2)                  # like PyTorch's .grad: zero it between steps
    assert C.grad == 1.0 and C.parents[0].grad == 1.0   # computed values hold this call's gradient only


def test_repr_shows_data_and_grad():
    v = Value(np.float64(2.0))
    assert repr(v) == "Value(data=2.0000, grad=0.0000)"
    assert v.op == "leaf" and v.parents == ()
