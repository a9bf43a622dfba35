"""Exercises of notebook 11: a tiny autograd, written by the learner as micrograd has you do.

The learner writes the operations ``add``, ``mul`` and ``tanh`` (each a new
``Value`` with its backward rule) and ``backward`` (topological order, seed
dC/dC = 1, rules from C back). Each is tried on small graphs given as data
(``bplib.checks.node_labels`` describes the format): the check builds the
graph with the learner's operation in every place it occurs and judges every
node's value and gradient.
"""
import math

from bplib.autograd import Value

from . import Exercise
from ._common import N_


def add(a, b):
    out = Value(a.data + b.data, (a, b), "+")

    def rule():
        a.grad += out.grad
        b.grad += out.grad
    out.backward_rule = rule
    return out


def mul(a, b):
    out = Value(a.data * b.data, (a, b), "*")

    def rule():
        a.grad += out.grad * b.data
        b.grad += out.grad * a.data
    out.backward_rule = rule
    return out


def tanh(x):
    t = math.tanh(x.data)
    out = Value(t, (x,), "tanh")

    def rule():
        x.grad += out.grad * (1 - t ** 2)
    out.backward_rule = rule
    return out


def backward(root):
    order, seen = [], set()

    def visit(node):
        if node not in seen:
            seen.add(node)
            for parent in node.parents:
                visit(parent)
            order.append(node)
    visit(root)
    root.grad = 1.0
    for node in reversed(order):
        node.backward_rule()


# -- wrong operations and orders, each a mistake the feedback names ---------------------------------------------
def _binary(kind, forward):
    def operation(a, b):
        out = Value(forward(a.data, b.data), (a, b), "?")

        def rule():
            if kind == "overwrite":
                a.grad = out.grad * local(a, b)
                b.grad = out.grad * local(b, a)
            elif kind == "no_out_grad":
                a.grad += local(a, b)
                b.grad += local(b, a)
            elif kind == "swapped":
                a.grad += out.grad * local(b, a)
                b.grad += out.grad * local(a, b)
            elif kind == "sign":
                a.grad -= out.grad * local(a, b)
                b.grad -= out.grad * local(b, a)
            elif kind == "out_data":
                a.grad += out.data * local(a, b)
                b.grad += out.data * local(b, a)
            elif kind == "first_only":
                a.grad += out.grad * local(a, b)
        out.backward_rule = rule
        return out

    def local(this, other):  # d(out)/d(this)
        return 1.0 if forward(1.0, 1.0) == 2.0 else other.data
    return operation


def _tanh_wrong(kind):
    def operation(x):
        t = math.tanh(x.data)
        out = Value(t, (x,), "tanh")

        def rule():
            if kind == "input":
                x.grad += out.grad * (1 - x.data ** 2)
            elif kind == "no_out_grad":
                x.grad += 1 - t ** 2
            elif kind == "overwrite":
                x.grad = out.grad * (1 - t ** 2)
            elif kind == "sign":
                x.grad += out.grad * (t ** 2 - 1)
            elif kind == "no_square":
                x.grad += out.grad * (1 - t)
            elif kind == "tanh_twice":
                x.grad += out.grad * (1 - math.tanh(t) ** 2)
        out.backward_rule = rule
        return out
    return operation


def _topological(root, deduplicate=True):
    order, seen = [], set()

    def visit(node):
        if node not in seen or not deduplicate:
            seen.add(node)
            for parent in node.parents:
                visit(parent)
            order.append(node)
    visit(root)
    return order


def _backward_wrong(kind):
    def wrong(root):
        if kind == "preorder":  # each rule runs as soon as the walk reaches it
            def visit(node):
                node.backward_rule()
                for parent in node.parents:
                    visit(parent)
            root.grad = 1.0
            visit(root)
            return
        if kind == "breadth_first":
            root.grad = 1.0
            queue, seen = [root], {root}
            while queue:
                node = queue.pop(0)
                node.backward_rule()
                for parent in node.parents:
                    if parent not in seen:
                        seen.add(parent)
                        queue.append(parent)
            return
        if kind == "root_only":
            root.grad = 1.0
            root.backward_rule()
            return
        order = _topological(root, deduplicate=kind != "duplicates")
        if kind != "no_seed":
            root.grad = 1.0
        for node in (order if kind == "forward_order" else reversed(order)):
            node.backward_rule()
    return wrong


_OVERWRITE = N_("the rule overwrites grad (=) instead of adding to it (+=): a value used more than once receives "
                "one contribution from each use, and they add up")
_NO_OUT_GRAD = N_("forgot the incoming gradient out.grad: the chain rule multiplies the local derivative by it")


# -- the graphs the operations are tried on ---------------------------------------------------------------------
def _leaves(**values):
    return [["leaf", name, value] for name, value in values.items()]


def _graph(nodes, op=None):
    from bplib.checks import MESSAGES, graph_case_fields

    # the English description (bplib.checks.describe says it in the learner's language)
    case = dict(about=MESSAGES["graph-case"].format(**graph_case_fields(nodes)), nodes=nodes)
    if op:
        case["op"] = op
    return case


def _add_cases(x=0.5, y=-1.5, z=2.0):
    # x + x: one node used twice in one operation; the sums sit below other operations (out.grad != 1).
    # The graph whose C is a sum of two once-used nodes goes first: a wrong sign or a missed input shows
    # there on a node used once, so the feedback does not send the learner after accumulation.
    return [_graph(_leaves(x=-x, y=y, z=z) + [["add", 0, 1], ["mul", 3, 1], ["add", 4, 2]], "add"),
            _graph(_leaves(x=x, y=y) + [["add", 0, 1], ["tanh", 2], ["add", 0, 0], ["mul", 3, 4]], "add")]


def _mul_cases(x=0.5, y=-1.5, z=0.3):
    # a and b differ in value (a swap shows), x is used twice, the product sits below tanh
    return [_graph(_leaves(x=x, y=y) + [["mul", 0, 1], ["tanh", 2], ["mul", 3, 0]], "mul"),
            _graph(_leaves(x=-1.6 * x, y=-y, z=z) + [["mul", 0, 0], ["add", 3, 1], ["mul", 4, 2]], "mul")]


def _tanh_cases(x=0.5, y=-1.5):
    return [_graph(_leaves(x=x, y=y) + [["mul", 0, 1], ["tanh", 2], ["mul", 3, 1]], "tanh"),
            _graph(_leaves(x=1.8 * x) + [["tanh", 0], ["tanh", 1], ["add", 2, 1]], "tanh")]


def _backward_cases(x=0.5, y=-1.5):
    # the second graph reaches u = x * x by a short path and a long one: only a topological
    # order waits for both contributions before u passes its gradient on
    return [_graph(_leaves(x=x, y=y) + [["mul", 0, 1], ["tanh", 2], ["add", 3, 2], ["mul", 4, 0]]),
            _graph(_leaves(x=-1.4 * x) + [["mul", 0, 0], ["tanh", 1], ["tanh", 2], ["add", 1, 3]])]


EXERCISES = [
    Exercise("value-add", "11_autograd", "add", 2, "out = a + b as a Value with its backward rule", add,
             cases=_add_cases, hidden_cases=lambda: _add_cases(1.3, 0.4, -0.6), invoke="value-operation",
             judge="graph",
             mistakes=((_OVERWRITE, _binary("overwrite", lambda a, b: a + b)),
                       (_NO_OUT_GRAD, _binary("no_out_grad", lambda a, b: a + b)),
                       (N_("only a received its gradient: d(a + b)/db = 1 too, so b.grad += out.grad"),
                        _binary("first_only", lambda a, b: a + b)),
                       (N_("sign: d(a + b)/da = +1, so a.grad += out.grad"), _binary("sign", lambda a, b: a + b)))),
    Exercise("value-mul", "11_autograd", "mul", 2, "out = a * b as a Value with its backward rule", mul,
             cases=_mul_cases, hidden_cases=lambda: _mul_cases(-0.7, 1.1, 2.5), invoke="value-operation",
             judge="graph",
             mistakes=((N_("swapped: d(ab)/da = b and d(ab)/db = a, so a.grad += out.grad * b.data"),
                        _binary("swapped", lambda a, b: a * b)),
                       (_OVERWRITE, _binary("overwrite", lambda a, b: a * b)),
                       (_NO_OUT_GRAD, _binary("no_out_grad", lambda a, b: a * b)),
                       (N_("sign: a.grad += out.grad * b.data (plus, like every rule)"),
                        _binary("sign", lambda a, b: a * b)),
                       (N_("out.data is the value of a * b; the rule needs out.grad = dC/dout"),
                        _binary("out_data", lambda a, b: a * b)),
                       (N_("only a received its gradient: b needs its share too, b.grad += out.grad * a.data"),
                        _binary("first_only", lambda a, b: a * b)))),
    Exercise("value-tanh", "11_autograd", "tanh", 2, "out = tanh(x) as a Value with its backward rule", tanh,
             cases=_tanh_cases, hidden_cases=lambda: _tanh_cases(-1.2, 0.8), invoke="value-operation",
             judge="graph",
             mistakes=((N_("you used 1 - x^2 with the input x: the rule needs 1 - tanh(x)^2"), _tanh_wrong("input")),
                       (_NO_OUT_GRAD, _tanh_wrong("no_out_grad")),
                       (_OVERWRITE, _tanh_wrong("overwrite")),
                       (N_("sign: tanh'(x) = 1 - tanh(x)^2 is positive"), _tanh_wrong("sign")),
                       (N_("tanh(x) must be squared: 1 - tanh(x)^2"), _tanh_wrong("no_square")),
                       (N_("tanh applied twice: t = out.data is already tanh(x), so the rule is 1 - t^2"),
                        _tanh_wrong("tanh_twice")))),
    Exercise("value-backward", "11_autograd", "backward", 3,
             "topological order, dC/dC = 1, then every rule from C back to the leaves", backward,
             cases=_backward_cases, hidden_cases=lambda: _backward_cases(1.1, 0.6), invoke="value-backward",
             judge="graph",
             mistakes=((N_("forgot the seed: set root.grad = 1 (dC/dC = 1) before running the rules"),
                        _backward_wrong("no_seed")),
                       (N_("the rules ran from the leaves towards C: run them in the reverse of the topological order"),
                        _backward_wrong("forward_order")),
                       (N_("a node that is reached twice was listed twice, so its rule ran twice: keep a set of the "
                           "nodes already visited"), _backward_wrong("duplicates")),
                       (N_("each rule ran as soon as the walk reached it, before every use had added its gradient: "
                           "list all nodes in topological order first, then run the rules in reverse"),
                        _backward_wrong("preorder")),
                       (N_("breadth-first order is not topological: a node reached early by a short path passed its "
                           "gradient on before the longer path's contribution arrived"),
                        _backward_wrong("breadth_first")),
                       (N_("only the root's rule ran: visit every node of the topological order, from C back to "
                           "the leaves, and call each node's backward_rule"), _backward_wrong("root_only")))),
]
