"""Exercises of notebook 12: the bug hunt."""
import numpy as np

from bplib import Network, gradient_check
from bplib.bughunt import PLANTED_BUGS, planted_bug

from . import Exercise
from ._common import N_, rng


def layers_at_fault(backprop_fn, net, X, Y):
    return gradient_check(net, X, Y, backprop=backprop_fn).failing()


def _bug_hunt_cases(seed, sizes, bugs):
    r = rng(seed)
    X, Y = r.normal(size=(4, sizes[0])), r.uniform(size=(4, sizes[-1]))
    return [dict(bug=bug, net=Network(sizes, "sigmoid", "sigmoid", "quadratic", seed=seed + 1), X=X, Y=Y)
            for bug in bugs]


def _layers_counted_from_zero(backprop_fn, net, X, Y):
    return [(layer - 1, name) for layer, name in layers_at_fault(backprop_fn, net, X, Y)]


def _layers_of_net_backprop(backprop_fn, net, X, Y):
    return gradient_check(net, X, Y).failing()


def _layers_that_pass(backprop_fn, net, X, Y):
    result = gradient_check(net, X, Y, backprop=backprop_fn)
    return [(layer, name) for layer, name, error in result.rows if error < result.tolerance]


# -- the diagnosis: which mystery bug of the notebook has which mistake -----------------------------------------
LETTERS = "ABCDE"


def mysteries():
    """``{letter: bug name}`` exactly as notebook 12 shuffles them (its cell that defines ``mysteries``)."""
    bug_names = sorted(PLANTED_BUGS)
    shuffle = np.random.default_rng(2022).permutation(len(bug_names))
    return {letter: bug_names[i] for letter, i in zip(LETTERS, shuffle)}


def diagnosis():
    return mysteries()


def _facts(bug):
    """What the notebook's two experiments show for one planted bug: for each fact a phrase, or
    ``[phrase, {field: value}]`` where it holds a number (``bplib.checks`` translates both)."""
    net = Network([3, 3, 3, 3], "sigmoid", "sigmoid", "quadratic", seed=0)
    r = np.random.default_rng(1)
    X, Y = r.normal(size=(4, 3)), r.uniform(size=(4, 3))
    buggy = planted_bug(bug)
    result = gradient_check(net, X, Y, backprop=lambda X_, Y_: buggy(net.weights, net.biases, X_, Y_))
    failing = set(result.failing())
    every = {(layer, name) for layer in (1, 2, 3) for name in "wb"}
    if failing == every:
        pattern = N_("every w and every b")
    elif failing == {pair for pair in every if pair[0] < 3}:
        pattern = N_("w and b of layers 1 and 2, not of layer L = 3")
    elif failing == {pair for pair in every if pair[1] == "w"}:
        pattern = N_("every w and no b")
    else:
        pattern = f"{sorted(failing)}"
    errors = [error for _, _, error in result.rows]
    if max(errors) - min(errors) < 1e-6:
        ratio = [N_("the same r = {r} in every row"), {"r": f"{errors[0]:.2f}"}]
    else:
        ratio = N_("r that varies from row to row")
    uneven = Network([3, 4, 2, 3], "sigmoid", "sigmoid", "quadratic", seed=0)
    try:
        weight_grads, _ = buggy(uneven.weights, uneven.biases, X, Y)
        shapes_fit = all(g.shape == w.shape for g, w in zip(weight_grads, uneven.weights))
        runs = N_("runs") if shapes_fit else N_("returns a dC/dw of the wrong shape")
    except ValueError:
        runs = N_("crashes (shapes that do not fit)")
    return {"fails": pattern, "r": ratio, "uneven": runs}


def _diagnosis_cases():
    letters = mysteries()
    predicted = {bug: _facts(bug) for bug in sorted(PLANTED_BUGS)}
    evidence = {
        "observed": {letter: predicted[bug] for letter, bug in letters.items()},
        "predicted": predicted,
        "facts": ["fails", "r", "uneven"],
        "descriptions": dict(PLANTED_BUGS),  # English: the catalogue has them (bpcourse.messages)
        "phrases": {
            # TRANSLATORS: {seen} and {predicted} are facts of _facts, {mistake} is "name (description)".
            "fails": N_("its gradient check fails {seen}, but {mistake} makes it fail {predicted}"),
            "r": N_("its table shows {seen}, but {mistake} gives {predicted}"),
            "uneven": N_("on the uneven network [3, 4, 2, 3] it {seen}, but with {mistake} backprop {predicted}"),
        },
    }
    return [dict(about=N_("the five mystery bugs A-E of this notebook"), evidence=evidence)]


EXERCISES = [
    Exercise("layers-at-fault", "12_bug_hunt", "layers_at_fault", 2,
             "the (layer, 'w' or 'b') pairs whose gradients fail the check", layers_at_fault,
             cases=lambda: _bug_hunt_cases(20, [3, 3, 3, 3], ["missing_sigma_prime", "missing_mean",
                                                             "wrong_activation", None]),
             hidden_cases=lambda: _bug_hunt_cases(121, [2, 4, 3], ["sign", None, "missing_sigma_prime"]),
             invoke="layers-at-fault", judge="layers",
             mistakes=((N_("layers are numbered l = 1..L, as in w^l: the first layer is 1, not 0"),
                        _layers_counted_from_zero),
                       (N_("that checked net.backprop: pass backprop_fn to gradient_check (backprop=backprop_fn)"),
                        _layers_of_net_backprop),
                       (N_("those are the parameters that pass; return the ones that fail"),
                        _layers_that_pass))),
    Exercise("diagnosis", "12_bug_hunt", "diagnosis", 3,
             "match each mystery bug A-E to its planted mistake", diagnosis,
             cases=_diagnosis_cases, invoke="no-arguments", judge="diagnosis"),
]
