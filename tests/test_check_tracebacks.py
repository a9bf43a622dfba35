"""A learner's own exception that passes through ``check`` (a stub's NotImplementedError, an
interrupt) shows the learner's code and none of the checker's frames.

IPython and pytest both leave out frames whose locals set ``__tracebackhide__``; pytest's filter
stands in for IPython's here (the same rule, without starting a shell).
"""
from pathlib import Path

import pytest

from bplib import checks
from bplib.checks import INVOKERS, check, load

CHECKS_PY = Path(checks.__file__).resolve()

# One exercise per invoker, and a stub with its argument names (the names are checked before the call).
STUBS = {
    "call": ("sigmoid", lambda z: _unfinished()),
    "float": ("step-decay", lambda initial_rate, epoch, drop, every: _unfinished()),
    "numerical-gradient": ("numerical-gradient", lambda cost, param, eps: _unfinished()),
    "train-step": ("train-step", lambda net, X, Y, learning_rate: _unfinished()),
    "layers-at-fault": ("layers-at-fault", lambda backprop_fn, net, X, Y: backprop_fn(_unfinished(), Y)),
    "draw-with-rng": ("scaled-init", lambda n_in, n_out, rng: _unfinished()),
    "no-arguments": ("diagnosis", lambda: _unfinished()),
    "value-operation": ("value-add", lambda a, b: _unfinished()),
    "value-backward": ("value-backward", lambda root: _unfinished()),
}


def _unfinished():
    raise NotImplementedError("exercise: replace this line with your code")


def test_every_invoker_is_tried():
    assert set(STUBS) == set(INVOKERS)
    assert all(load(exercise_id)["invoke"] == invoke for invoke, (exercise_id, _) in STUBS.items())


@pytest.mark.parametrize("invoke", sorted(STUBS))
def test_a_stub_shows_the_learners_frames_only(invoke):
    exercise_id, stub = STUBS[invoke]
    with pytest.raises(NotImplementedError) as raised:
        check(exercise_id, stub)
    shown = raised.traceback.filter(raised)
    files = [Path(str(entry.path)).resolve() for entry in shown]
    assert CHECKS_PY not in files, [f"{entry.path}:{entry.lineno + 1} {entry.name}" for entry in shown]
    assert shown[-1].name == "_unfinished"


def test_an_interrupt_in_the_learners_code_shows_no_checker_frame():
    def train_step(net, X, Y, learning_rate):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt) as raised:
        check("train-step", train_step)
    shown = raised.traceback.filter(raised)
    assert [entry.name for entry in shown] == ["test_an_interrupt_in_the_learners_code_shows_no_checker_frame",
                                               "train_step"]


def test_ipython_shows_a_failed_check_as_its_message_alone(capsys):
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.run_cell("from bplib.checks import check\ncheck('sigmoid', lambda z: 1 / (1 + __import__('numpy').exp(z)))")
    shown = capsys.readouterr().out
    assert shown.startswith("ExerciseFailed: sigmoid, test case 1"), shown
    assert "likely mistake: sign of the exponent" in shown and "checks.py" not in shown, shown
