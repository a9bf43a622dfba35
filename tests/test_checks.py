"""Feedback on exercises: right answers pass, known wrong ones are named, others are located."""
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bpcourse import exercises
from bplib.checks import ExerciseFailed, check, evaluate


@pytest.mark.parametrize("exercise", exercises.EXERCISES, ids=lambda e: e.id)
def test_reference_answers_pass_and_every_known_mistake_is_named(exercise):
    passed, message = evaluate(exercise.id, exercise.reference)
    assert passed, message
    assert message.startswith("Correct")
    for mistake, wrong in exercise.mistakes:
        passed, message = evaluate(exercise.id, wrong)
        assert not passed
        assert f"likely mistake: {mistake}" in message


def test_the_table_is_consistent():
    ids = [e.id for e in exercises.EXERCISES]
    assert len(ids) == len(set(ids)) >= 15
    assert all(e.points > 0 for e in exercises.EXERCISES)
    assert {e.notebook[:2] for e in exercises.EXERCISES} == {f"{i:02d}" for i in range(1, 13)}


def test_a_stub_raises_not_implemented_through_the_check():
    def sigmoid(z):
        raise NotImplementedError("exercise sigmoid: replace this line with your code")

    with pytest.raises(NotImplementedError, match="exercise sigmoid"):
        check("sigmoid", sigmoid)


def test_correct_answer_prints_and_wrong_answer_raises(capsys):
    check("sigmoid", lambda z: 1 / (1 + np.exp(-z)))
    assert "Correct: sigmoid passes all 3 test cases." in capsys.readouterr().out
    with pytest.raises(ExerciseFailed, match="likely mistake: sign of the exponent"):
        check("sigmoid", lambda z: 1 / (1 + np.exp(z)))


def forward_difference(cost, param, eps=1e-5):
    grad = np.zeros_like(param)
    base = cost()
    for index in np.ndindex(param.shape):
        original = param[index]
        param[index] = original + eps
        grad[index] = (cost() - base) / eps
        param[index] = original
    return grad


@pytest.mark.parametrize("exercise_id,answer,expected", [
    ("weight-gradient", lambda delta, a_prev: a_prev.T @ delta / len(delta), r"likely mistake: transposed"),
    ("bias-gradient", lambda delta: np.atleast_1d(delta.mean()),
     r"wrong shape: your result should have shape \(3,\), got \(1,\)"),
    ("hidden-error", lambda delta_next, w_next, z: delta_next @ w_next * 2.0, r"entry \[\d, \d\] of your result is"),
    ("sigmoid-prime", lambda z: None, r"None: did you forget to return it"),
    ("forward-pass", lambda X, weights, biases: X @ np.ones((5, 5)), r"raised ValueError: .*\non test case 1: X shape"),
    ("softmax", lambda Z: np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True), r"overflow"),
    ("scaled-init", lambda n_in, n_out, rng: rng.normal(size=(n_out, n_in)), r"that is N\(0, 1\)"),
    ("scaled-init", lambda n_in, n_out, rng: rng.normal(0, 1 / n_in, size=(n_out, n_in)), r"= 1/n_in"),
    ("numerical-gradient", forward_difference, r"not central"),
])
def test_feedback_says_what_is_wrong(exercise_id, answer, expected):
    passed, message = evaluate(exercise_id, answer)
    assert not passed
    assert re.search(expected, message), message


def test_numerical_gradient_must_restore_the_parameter():
    def leaves_it_nudged(cost, param, eps):
        grad = np.zeros_like(param)
        for index in np.ndindex(param.shape):
            param[index] += eps
            grad[index] = cost()
        return grad

    passed, message = evaluate("numerical-gradient", leaves_it_nudged)
    assert not passed and "put each entry back" in message


def test_the_grader_judges_public_and_hidden_cases_with_the_same_messages():
    exercise = exercises.get("bias-gradient")
    for case in exercise.all_cases():
        right = exercise.reference(**case)
        assert exercises.judge(exercise, case, right) is None
        n = case["delta"].shape[0]
        if n > 1:  # with one sample the sum is the mean
            assert "missing 1/n" in exercises.judge(exercise, case, right * n)


def test_feedback_works_without_the_answer_key():
    """bplib.checks judges from the stored data alone: with bpcourse made unimportable,
    a right answer passes and a wrong one gets its named mistake."""
    code = (
        "import sys\n"
        "sys.modules['bpcourse'] = None  # any import of the answer key now fails\n"
        "from bplib.checks import evaluate\n"
        "def quadratic_cost(A, Y):\n"
        "    return ((A - Y) ** 2).sum(axis=1).mean() / 2\n"
        "print(evaluate('quadratic-cost', quadratic_cost))\n"
        "print(evaluate('quadratic-cost', lambda A, Y: ((A - Y) ** 2).sum() / 2))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).parent)
    assert done.returncode == 0, done.stderr
    right, wrong = done.stdout.splitlines()
    assert right == "(True, 'Correct: quadratic_cost passes all 2 test cases.')"
    assert "likely mistake: summed over samples: missing 1/n" in wrong


def test_unknown_exercise_id_suggests_the_close_one():
    with pytest.raises(ValueError, match="Did you mean 'sigmoid-prime'"):
        evaluate("sigmoid_prime", lambda z: z)


def test_a_case_shows_a_float_as_a_float():
    # relative_error's case of two numbers read "numeric=-2": a learner took it for an int
    from bplib.checks import describe

    assert describe({"analytic": -2.5, "numeric": -2.0, "n": 3, "eps": np.float64(1.0)}) == \
        "analytic=-2.5, numeric=-2.0, n=3, eps=1.0"
