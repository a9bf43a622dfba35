"""A tiny reverse-mode autograd on numbers, as notebook 11 builds it.

A ``Value`` holds a number (``data``), the gradient dC/d(value) (``grad``),
the values it was computed from (``parents``) and a ``backward_rule`` that
passes its ``grad`` on to them by the chain rule. ``backward()`` orders the
graph topologically and runs the rules from C back to the leaves. Notebook
11 has the learner write ``add``, ``mul``, ``tanh`` and ``backward``; this
module is the same thing written out, so the rest of that notebook runs
before the exercises are done (and it is what the exercises' check builds
its test graphs with).

Leaves keep adding up over calls of ``backward()`` (as PyTorch's ``.grad``
does, hence ``grad.zero_()``); every value computed from others starts again
from 0 on each call.
"""
import math


class Value:
    """A number that remembers how it was computed, so that ``backward()`` can send gradients back."""

    def __init__(self, data, parents=(), op="leaf"):
        self.data = float(data)
        self.grad = 0.0                     # dC/d(this value); filled in by backward()
        self.parents = tuple(parents)       # the Values this one was computed from
        self.op = op                        # "+", "*", "tanh", "sigmoid" or "leaf"
        self.backward_rule = _nothing       # a leaf has nobody to pass its gradient to

    def __repr__(self):
        return f"Value(data={self.data:.4f}, grad={self.grad:.4f})"

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def rule():
            self.grad += out.grad                      # d(a + b)/da = 1
            other.grad += out.grad                     # d(a + b)/db = 1
        out.backward_rule = rule
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def rule():
            self.grad += out.grad * other.data         # d(ab)/da = b
            other.grad += out.grad * self.data         # d(ab)/db = a
        out.backward_rule = rule
        return out

    def tanh(self):
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def rule():
            self.grad += out.grad * (1.0 - t * t)      # tanh'(x) = 1 - tanh(x)^2
        out.backward_rule = rule
        return out

    def sigmoid(self):
        # the two forms keep exp from overflowing for large |x|
        s = 1.0 / (1.0 + math.exp(-self.data)) if self.data >= 0 else math.exp(self.data) / (1.0 + math.exp(self.data))
        out = Value(s, (self,), "sigmoid")

        def rule():
            self.grad += out.grad * s * (1.0 - s)      # sigma'(x) = sigma(x) (1 - sigma(x))
        out.backward_rule = rule
        return out

    # everything else is spelled with + and *
    __radd__ = __add__
    __rmul__ = __mul__

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return (-self) + other

    def __truediv__(self, number):
        return self * (1.0 / number)

    def backward(self):
        """Fill in dC/dv for every Value v this one (C) was computed from."""
        order = graph_order(self)
        for node in order:
            if node.parents:                 # computed values start from 0 on every call;
                node.grad = 0.0              # leaves keep adding up (see grad.zero_())
        self.grad = 1.0                      # dC/dC = 1
        for node in reversed(order):         # from C back towards the leaves
            node.backward_rule()


def _nothing():
    pass


def graph_order(root):
    """Every Value that ``root`` depends on, each listed after all the Values it was computed from."""
    order, seen = [], set()
    # An explicit stack instead of recursion: a long chain (a loop of 10,000 additions)
    # would exceed Python's recursion limit.
    stack = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        for parent in reversed(node.parents):
            if id(parent) not in seen:
                stack.append((parent, False))
    return order
