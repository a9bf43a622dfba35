"""gradient_check's report, the data sets and the plots."""
import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from bplib import Network, bughunt, datasets, gradient_check, plotting  # noqa: E402


def test_report_names_the_layer_that_disagrees():
    net = Network([3, 3, 3, 3], seed=1)
    X = np.random.default_rng(1).normal(size=(4, 3))
    Y = np.random.default_rng(2).uniform(size=(4, 3))
    buggy = bughunt.planted_bug("missing_sigma_prime")
    result = gradient_check(net, X, Y, backprop=lambda X_, Y_: buggy(net.weights, net.biases, X_, Y_))
    assert not result.passed
    assert result.failing() == [(1, "w"), (1, "b"), (2, "w"), (2, "b")]
    report = str(result)
    assert "w[3]" in report and "DISAGREES" in report and "FAILED" in report
    assert float(result) == result.max_relative_error > 1e-2


def test_report_says_when_the_finite_differences_are_what_disagrees():
    net = Network([2, 3, 1], seed=0)
    X = np.random.default_rng(0).normal(size=(5, 2))
    Y = np.random.default_rng(1).uniform(size=(5, 1))
    # A step of 1 is far too coarse for this cost: a correct backprop "disagrees" by about 4e-2.
    coarse = gradient_check(net, X, Y, eps=1)
    assert not coarse.passed and coarse.unsettled_eps == 1
    assert "change by more than the tolerance when eps=1 is halved" in str(coarse)
    # With every parameter +-1.75, eps = 2e-8 is just above float64's limit and eps / 2 below it:
    # the halving cannot be tried, and that is reported the same way, not raised.
    at_limit = Network([2, 3, 1], seed=0)
    for param in at_limit.weights + at_limit.biases:
        param[...] = np.sign(param) * 1.75
    fine = gradient_check(at_limit, X, Y, eps=2e-8, tolerance=1e-9)
    assert not fine.passed and fine.unsettled_eps == 2e-8
    # A real bug at a good eps: the differences are steady, and the report blames backprop alone.
    doubled = lambda X_, Y_: ([2 * g for g in net.backprop(X_, Y_)[0]], net.backprop(X_, Y_)[1])  # noqa: E731
    buggy = gradient_check(net, X, Y, backprop=doubled)
    assert buggy.failing() == [(1, "w"), (2, "w")] and buggy.unsettled_eps is None
    assert "halved" not in str(buggy)
    assert gradient_check(net, X, Y).unsettled_eps is None


def test_a_backprop_returning_wrong_shapes_is_refused():
    net = Network([2, 3, 1])
    with pytest.raises(ValueError, match=r"weight gradient of layer 1 has shape \(2, 3\), expected \(3, 2\)"):
        gradient_check(net, np.ones((2, 2)), np.ones((2, 1)),
                       backprop=lambda X, Y: ([np.zeros((2, 3)), np.zeros((1, 3))], [np.zeros(3), np.zeros(1)]))


def test_gradient_check_leaves_the_parameters_unchanged():
    net = Network([2, 3, 1], seed=4)
    before = [w.copy() for w in net.weights + net.biases]
    gradient_check(net, np.ones((2, 2)), np.ones((2, 1)))
    for old, new in zip(before, net.weights + net.biases):
        np.testing.assert_array_equal(old, new)


def test_xor_and_sin_match_the_articles():
    X, Y = datasets.xor()
    assert X.shape == (4, 2) and Y.ravel().tolist() == [0, 1, 1, 0]
    X, Y = datasets.sin()
    assert X.shape == Y.shape == (20, 1) and X[0, 0] == -5 and X[-1, 0] == 5


def test_digits_split_and_scaling():
    data = datasets.digits()
    assert data.X_train.shape == (1437, 64) and data.X_test.shape == (360, 64)
    assert data.X_train.max() == 1.0 and data.X_train.min() == 0.0
    assert datasets.digits(scaled=False).X_train.max() == 16.0


@pytest.mark.parametrize("where", ["the file scikit-learn ships", "load_digits, where that file is not found"])
def test_digits_is_load_digits_split_by_train_test_split(where, monkeypatch):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    if where != "the file scikit-learn ships":
        monkeypatch.setattr(datasets.importlib.util, "find_spec", lambda name: None)
    reference = load_digits()
    for scaled, X in ((True, reference.data / 16.0), (False, reference.data)):
        expected = train_test_split(X, reference.target, test_size=0.2, random_state=1)
        for name, ours, theirs in zip(datasets.Split._fields, datasets.digits(scaled=scaled), expected):
            np.testing.assert_array_equal(ours, theirs, err_msg=name)
            assert ours.dtype == theirs.dtype, name


@pytest.mark.parametrize("name", sorted(datasets.CLASSIFICATION_SETS))
def test_playground_sets_are_seeded_and_balanced(name):
    X, y = datasets.classification(name, n_samples=101, noise=0.1, seed=3)
    X2, y2 = datasets.classification(name, n_samples=101, noise=0.1, seed=3)
    assert X.shape == (101, 2) and y.shape == (101,)
    np.testing.assert_array_equal(X, X2)
    assert set(np.unique(y)) == {0, 1} and abs(y.mean() - 0.5) < 0.15
    assert not np.array_equal(X, datasets.classification(name, n_samples=101, noise=0.1, seed=4)[0])


def test_unknown_data_set_name_is_refused_with_a_suggestion():
    with pytest.raises(ValueError, match="Did you mean 'moons'"):
        datasets.classification("moon")


def test_one_hot():
    np.testing.assert_array_equal(datasets.one_hot([2, 0], 3), [[0, 0, 1], [1, 0, 0]])
    with pytest.raises(ValueError, match="non-negative integers"):
        datasets.one_hot(np.array([0.5, 1.0]))


def test_plots_draw_without_error():
    import matplotlib.pyplot as plt

    X, y = datasets.moons(n_samples=40)
    net = Network([2, 4, 1], "tanh", "sigmoid", "cross_entropy")
    ax = plotting.decision_boundary(net, X, y, resolution=20)
    assert len(ax.collections) > 0
    Xs, Ys = datasets.sin()
    plotting.regression_fit(Network([1, 3, 1], "tanh", "identity"), Xs, Ys, target=np.sin)
    plotting.loss_curve([1.0, 0.5, 0.25], label="train")
    data = datasets.digits()
    fig = plotting.digits_grid(data.X_test[:12], data.y_test[:12], data.y_test[:12][::-1])
    assert len(fig.axes) == 20
    plt.close("all")


def test_a_check_at_a_relu_kink_says_no_eps_will_do():
    """Zero weights and biases put every z of a ReLU layer at its kink: the report said only "check again
    with an eps that leaves them steady", which no eps does there (fifth sweep)."""
    net = Network([2, 3, 1], "relu", "identity", seed=0)
    net.weights[0][:], net.biases[0][:] = 0.0, 0.0
    report = str(gradient_check(net, np.array([[0.5, -1.0], [1.5, 0.25]]), np.array([[1.0], [0.0]])))
    assert "FAILED" in report and "away from the kink at 0" in report
