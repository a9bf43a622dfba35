"""Feedback on exercises: right answers pass, known wrong ones are named, others are located."""
import re

import numpy as np
import pytest

from bplib import checks, exercises
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
    assert "Correct: sigmoid passes all 2 test cases." in capsys.readouterr().out
    with pytest.raises(ExerciseFailed, match="likely mistake: sign of the exponent"):
        check("sigmoid", lambda z: 1 / (1 + np.exp(z)))


@pytest.mark.parametrize("exercise_id,answer,expected", [
    ("weight-gradient", lambda delta, a_prev: a_prev.T @ delta / len(delta),
     r"transposed: expected shape \(3, 4\), got \(4, 3\)"),
    ("bias-gradient", lambda delta: delta.mean(axis=1), r"wrong shape: your result should have shape \(3,\), got \(5,\)"),
    ("hidden-error", lambda delta_next, w_next, z: delta_next @ w_next * z, r"entry \[\d, \d\] of your result is"),
    ("sigmoid-prime", lambda z: None, r"None: did you forget to return it"),
    ("forward-pass", lambda X, weights, biases: X @ np.ones((5, 5)), r"raised ValueError: .*\non test case 1: X shape"),
    ("softmax", lambda Z: np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True), r"overflow"),
    ("scaled-init", lambda n_in, n_out, rng: rng.normal(size=(n_out, n_in)), r"that is N\(0, 1\)"),
    ("scaled-init", lambda n_in, n_out, rng: rng.normal(0, 1 / n_in, size=(n_out, n_in)), r"= 1/n_in"),
    ("numerical-gradient", exercises._forward_difference, r"not central"),
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


def test_judge_does_not_run_student_code():
    exercise = exercises.get("bias-gradient")
    right = exercise.reference(**exercise.cases()[0])
    assert checks.judge(exercise, 0, right) is None
    assert "missing 1/m" in checks.judge("bias-gradient", 0, right * 5)


def test_unknown_exercise_id_suggests_the_close_one():
    with pytest.raises(ValueError, match="Did you mean 'sigmoid-prime'"):
        evaluate("sigmoid_prime", lambda z: z)
