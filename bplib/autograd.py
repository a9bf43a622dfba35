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

A Value holds a finite real number: a leaf of NaN, infinity or a string, a
result that overflows and a gradient that overflows stop with a ValueError.
An operand that is neither a Value nor a real number makes Python raise its
usual TypeError (or lets NumPy apply the operation to each entry of an array).
"""
import math

from ._validate import REAL_TYPES, brief, finite_number


class Value:
    """A number that remembers how it was computed, so that ``backward()`` can send gradients back."""

    def __init__(self, data, parents=(), op="leaf"):
        self.data = _finite(data, op)
        self.grad = 0.0                     # dC/d(this value); filled in by backward()
        self.parents = _values(parents)     # the Values this one was computed from
        self.op = op                        # "+", "*", "tanh", "sigmoid" or "leaf"
        self.backward_rule = _nothing       # a leaf has nobody to pass its gradient to

    def __repr__(self):
        return f"Value(data={_shown(self.data)}, grad={_shown(self.grad)})"

    def __add__(self, other):
        other = _operand(other, "+")
        if other is None:
            return NotImplemented                      # Python then tries other's own +, or raises TypeError
        out = Value(self.data + other.data, (self, other), "+")

        def rule():
            self.grad += out.grad                      # d(a + b)/da = 1
            other.grad += out.grad                     # d(a + b)/db = 1
        out.backward_rule = rule
        return out

    def __mul__(self, other):
        other = _operand(other, "*")
        if other is None:
            return NotImplemented
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
        if _operand(other, "-") is None:
            return NotImplemented               # Python then names the - in its TypeError
        return self + (-other)                  # a number is negated as a number: one leaf, as before

    def __rsub__(self, other):
        if _operand(other, "-") is None:
            return NotImplemented
        return (-self) + other

    def __truediv__(self, number):
        if not isinstance(number, REAL_TYPES):
            return NotImplemented                      # dividing by a Value needs a rule for 1/x: not here
        divisor, number = number, finite_number(number, f"the divisor of {self!r}")
        if number == 0:
            if divisor != 0:  # a Fraction or Decimal too small for float64
                raise ValueError(f"{self!r} / {brief(divisor)}: the divisor rounds to 0 in float64; "
                                 "divide by a larger number")
            raise ZeroDivisionError(f"cannot divide {self!r} by zero")
        factor = 1.0 / number
        if not math.isfinite(factor):                  # a / c is a * (1/c): its rule multiplies by 1/c
            raise ValueError(f"{self!r} / {number!r}: 1/{number!r} overflows float64; divide by a larger number")
        return self * factor

    def backward(self):
        """Fill in dC/dv for every Value v this one (C) was computed from."""
        order = graph_order(self)
        for node in order:
            if node.parents:                 # computed values start from 0 on every call;
                node.grad = 0.0              # leaves keep adding up (see grad.zero_())
        # dC/dC = 1; a leaf as C adds it up too, as every leaf does
        self.grad = 1.0 if self.parents else self.grad + 1.0
        for node in reversed(order):         # from C back towards the leaves
            node.backward_rule()
        if not all(math.isfinite(node.grad) for node in order):
            raise ValueError("backward: a gradient overflowed float64 (it is infinite or NaN) although every "
                             "value is finite: the graph multiplies too many large numbers")


def _shown(number):
    """Four decimals, as the notebooks print; in powers of ten from a million on (not 300 digits)."""
    return f"{number:.4f}" if abs(number) < 1e6 else f"{number:.4e}"


def _nothing():
    pass


def _finite(data, op):
    """``data`` as a float, or a ValueError: a Value holds a finite real number."""
    if op == "leaf":
        return finite_number(data, "data")
    number = float(data)
    if not math.isfinite(number):
        raise ValueError(f"the result of {op} is {number}: it overflowed float64 (or is NaN); scale its inputs")
    return number


def _is_value(node):
    """True for a Value, or any object that can stand for one in a graph (the notebook's own class)."""
    return all(hasattr(node, name) for name in ("data", "grad", "parents", "backward_rule"))


def _values(parents):
    if isinstance(parents, (str, bytes)) or not hasattr(parents, "__iter__"):
        raise ValueError(f"parents must be a tuple of Values (the ones this Value was computed from), got "
                         f"{type(parents).__name__}")
    parents = tuple(parents)
    for parent in parents:
        if not _is_value(parent):
            raise ValueError(f"parents must be Values, got {type(parent).__name__}")
    return parents


def _operand(other, op):
    """``other`` as a Value (a finite real number becomes a leaf), or None for anything else."""
    if isinstance(other, Value):
        return other
    if not isinstance(other, REAL_TYPES):
        return None
    return Value(finite_number(other, f"the number on the other side of {op}"))


def graph_order(root):
    """Every Value that ``root`` depends on, each listed after all the Values it was computed from."""
    if not _is_value(root):
        raise ValueError(f"graph_order needs a Value, got {type(root).__name__}")
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
