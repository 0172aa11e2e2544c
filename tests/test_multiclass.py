"""Several classes: softmax, cross_entropy and bce_with_logits against PyTorch float64 and finite
differences (at random points and at logits of +-1000), their bad input, the blobs and spirals
of nn.data, and an MLP with three outputs trained on three spirals."""

from __future__ import annotations

import math
import random

import pytest

import nn
from autograd import Value, grad, gradcheck
from nn.data import make_blobs, make_spirals


def close(ours: float, theirs: float) -> bool:
    return math.isclose(ours, theirs, rel_tol=1e-12, abs_tol=1e-15)


def random_logits(rng: random.Random, samples: int, classes: int, scale: float) -> list[list[float]]:
    return [[rng.uniform(-scale, scale) for _ in range(classes)] for _ in range(samples)]


HUGE = [  # where e^z overflows a float (z > 709.78) or every e^z underflows to 0 (z < -745)
    [1000.0, -1000.0, 999.5, 0.0],
    [-1000.0, -1000.0, -999.0, -1000.0],
    [1000.0, 1000.0, 1000.0, 1000.0],
    [-1000.0, 1000.0, 3.0, -2.0],
]


def torch_or_skip():
    return pytest.importorskip("torch")


# -- softmax ---------------------------------------------------------------------------------------


def softmax_and_vjp(logits: list[float], weights: list[float]) -> tuple[list[float], list[float]]:
    """softmax(z) and d (sum_j w_j softmax_j) / dz, from the engine."""
    z = [Value(x) for x in logits]
    probs = nn.softmax(z)
    sum((w * p for w, p in zip(weights, probs)), Value(0.0)).backward()
    return [p.data for p in probs], [v.grad for v in z]


def torch_softmax_and_vjp(logits: list[float], weights: list[float]) -> tuple[list[float], list[float]]:
    torch = torch_or_skip()
    z = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    probs = torch.softmax(z, dim=0)
    (probs * torch.tensor(weights, dtype=torch.float64)).sum().backward()
    return probs.tolist(), z.grad.tolist()


@pytest.mark.parametrize("case", range(12))
def test_softmax_and_its_gradient_match_torch_at_random_points(case):
    rng = random.Random(case)
    logits = random_logits(rng, 1, rng.randint(1, 6), scale=[1.0, 10.0, 300.0][case % 3])[0]
    weights = [rng.uniform(-2.0, 2.0) for _ in logits]
    (probs, grads), (t_probs, t_grads) = softmax_and_vjp(logits, weights), torch_softmax_and_vjp(logits, weights)
    assert all(close(a, b) for a, b in zip(probs, t_probs)), (probs, t_probs)
    assert all(close(a, b) for a, b in zip(grads, t_grads)), (grads, t_grads)
    assert math.isclose(sum(probs), 1.0, rel_tol=1e-15)


@pytest.mark.parametrize("logits", HUGE)
def test_softmax_of_logits_of_a_thousand_is_finite_and_matches_torch(logits):
    weights = [0.5, -1.0, 2.0, 0.25]
    (probs, grads), (t_probs, t_grads) = softmax_and_vjp(logits, weights), torch_softmax_and_vjp(logits, weights)
    assert all(math.isfinite(p) for p in probs + grads)
    assert all(close(a, b) for a, b in zip(probs, t_probs)), (probs, t_probs)
    assert all(close(a, b) for a, b in zip(grads, t_grads)), (grads, t_grads)


def test_a_naive_softmax_overflows_where_this_one_does_not():
    z = [Value(1000.0), Value(0.0)]
    with pytest.raises(OverflowError):
        _ = [v.exp() for v in z]  # e^1000 is not a float
    assert [p.data for p in nn.softmax(z)] == [1.0, math.exp(-1000.0)]  # 1.0 and 0.0


def test_softmax_subtracts_the_max_as_a_constant_so_no_gradient_goes_through_it():
    """The shift m is the max logit's number: its node gets d/dz only from its own exp term."""
    z = [Value(2.0), Value(-1.0), Value(0.5)]
    probs = nn.softmax(z)
    probs[1].backward()  # d p_1 / d z_j = p_1 (delta_1j - p_j)
    p = [q.data for q in probs]
    for j, v in enumerate(z):
        assert math.isclose(v.grad, p[1] * ((j == 1) - p[j]), rel_tol=1e-14)


@pytest.mark.parametrize("logits", [[0.3, -1.2, 2.0], [1.0], [5.0, 5.0]])
def test_softmax_gradients_agree_with_finite_differences(logits):
    for k in range(len(logits)):
        gradcheck(lambda *z, k=k: nn.softmax(list(z))[k], logits)


# -- cross_entropy --------------------------------------------------------------------------------


def cross_entropy_and_grads(logits: list[list[float]], targets: list[int]) -> tuple[float, list[list[float]]]:
    z = [[Value(x) for x in row] for row in logits]
    loss = nn.cross_entropy(z, targets)
    loss.backward()
    return loss.data, [[v.grad for v in row] for row in z]


def torch_cross_entropy_and_grads(logits: list[list[float]], targets: list[int]) -> tuple[float, list[list[float]]]:
    torch = torch_or_skip()
    z = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    loss = torch.nn.functional.cross_entropy(z, torch.tensor(targets))
    loss.backward()
    return loss.item(), z.grad.tolist()


def assert_matches_torch(logits: list[list[float]], targets: list[int]) -> None:
    (loss, grads), (t_loss, t_grads) = (
        cross_entropy_and_grads(logits, targets),
        torch_cross_entropy_and_grads(logits, targets),
    )
    assert close(loss, t_loss), (loss, t_loss)
    for row, t_row in zip(grads, t_grads):
        assert all(close(a, b) for a, b in zip(row, t_row)), (grads, t_grads)


@pytest.mark.parametrize("case", range(12))
def test_cross_entropy_and_its_gradient_match_torch_at_random_points(case):
    rng = random.Random(100 + case)
    classes, samples = rng.randint(2, 6), rng.randint(1, 7)
    logits = random_logits(rng, samples, classes, scale=[1.0, 10.0, 300.0][case % 3])
    assert_matches_torch(logits, [rng.randrange(classes) for _ in range(samples)])


def test_cross_entropy_at_logits_of_a_thousand_is_finite_and_matches_torch():
    targets = [1, 2, 0, 0]  # a confident wrong answer (loss 2000), a tie, the right one, a spread
    loss, grads = cross_entropy_and_grads(HUGE, targets)
    assert math.isfinite(loss) and all(math.isfinite(g) for row in grads for g in row)
    assert loss > 400.0  # sample 0 alone costs 2000 / 4
    assert_matches_torch(HUGE, targets)


def test_cross_entropy_gradient_is_softmax_minus_onehot_over_the_number_of_samples():
    logits, targets = [[0.5, -0.25, 1.5], [2.0, 0.0, -1.0]], [0, 2]
    _, grads = cross_entropy_and_grads(logits, targets)
    for row, t, g_row in zip(logits, targets, grads):
        p = [q.data for q in nn.softmax(row)]
        for j, g in enumerate(g_row):
            assert math.isclose(g, (p[j] - (j == t)) / 2, rel_tol=1e-13)


def test_cross_entropy_of_one_sample_may_be_given_as_a_list_of_logits_and_an_int():
    z = [Value(0.2), Value(-0.4), Value(1.1)]
    one, listed = nn.cross_entropy(z, 2), nn.cross_entropy([z], [2])
    assert one.data == listed.data
    assert math.isclose(one.data, -math.log(nn.softmax(z)[2].data), rel_tol=1e-14)


def test_cross_entropy_gradients_agree_with_finite_differences():
    def loss(*z: Value) -> Value:
        return nn.cross_entropy([list(z[:3]), list(z[3:])], [2, 0])

    gradcheck(loss, [0.3, -1.2, 2.0, 1.5, 0.1, -0.7])


def test_cross_entropy_accepts_an_mlps_outputs_and_plain_numbers():
    model = nn.MLP(2, [4, 3], rng=random.Random(0))
    logits = [model(x) for x in ([0.5, -1.0], [1.0, 2.0])]
    assert all(isinstance(z, list) for z in logits)
    loss = nn.cross_entropy(logits, [2, 0])
    loss.backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    plain = nn.cross_entropy([[z.data for z in row] for row in logits], [2, 0])
    assert plain.data == loss.data and plain.op == ""  # numbers in: a leaf holding the same number


# -- bce_with_logits ------------------------------------------------------------------------------


def bce_logits_and_grads(logits: list[float], targets: list[float]) -> tuple[float, list[float]]:
    z = [Value(x) for x in logits]
    loss = nn.bce_with_logits(z, targets)
    loss.backward()
    return loss.data, [v.grad for v in z]


def torch_bce_logits_and_grads(logits: list[float], targets: list[float]) -> tuple[float, list[float]]:
    torch = torch_or_skip()
    z = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    loss = torch.nn.functional.binary_cross_entropy_with_logits(z, torch.tensor(targets, dtype=torch.float64))
    loss.backward()
    return loss.item(), z.grad.tolist()


@pytest.mark.parametrize(
    "logits, targets",
    [
        ([0.3, -1.2, 2.5, -0.01, 7.0], [1.0, 0.0, 0.25, 1.0, 0.0]),
        ([1000.0, -1000.0, 1000.0, -1000.0], [1.0, 0.0, 0.0, 1.0]),  # right and confidently wrong
        ([0.0, 0.0, 0.0], [0.0, 1.0, 0.5]),  # where max(x, 0) and |x| have their kink
        ([40.0, -40.0, 30.0, -745.5], [1.0, 0.0, 0.5, 0.0]),  # e^-|x| tiny or below the smallest float
    ],
    ids=["random", "thousand", "zero", "tiny exp"],
)
def test_bce_with_logits_and_its_gradient_match_torch(logits, targets):
    (loss, grads), (t_loss, t_grads) = (
        bce_logits_and_grads(logits, targets),
        torch_bce_logits_and_grads(logits, targets),
    )
    assert math.isfinite(loss) and close(loss, t_loss), (loss, t_loss)
    assert all(close(a, b) for a, b in zip(grads, t_grads)), (grads, t_grads)


def test_bce_with_logits_gradient_is_sigmoid_minus_target_and_loss_is_bce_of_the_sigmoid():
    logits, targets = [0.0, 1.5, -2.0], [1.0, 0.0, 0.3]
    loss, grads = bce_logits_and_grads(logits, targets)
    for g, x, y in zip(grads, logits, targets):
        assert math.isclose(g, (1.0 / (1.0 + math.exp(-x)) - y) / 3, rel_tol=1e-14)
    assert math.isclose(loss, nn.bce([Value(x).sigmoid() for x in logits], targets).data, rel_tol=1e-14)
    assert nn.bce_with_logits([1000.0, -1000.0], [0.0, 1.0]).data == 1000.0  # confidently wrong, both ways


def test_bce_with_logits_gradients_agree_with_finite_differences():
    gradcheck(lambda a, b, c: nn.bce_with_logits([a, b, c], [1.0, 0.0, 0.7]), [0.3, -1.2, 2.0])


# -- higher order ---------------------------------------------------------------------------------

THIRD_ORDER = {
    "cross_entropy": (
        lambda z: nn.cross_entropy([z], [1]),
        lambda torch, t: torch.nn.functional.cross_entropy(t[None], torch.tensor([1])),
    ),
    "softmax": (lambda z: nn.softmax(z)[2], lambda torch, t: torch.softmax(t, 0)[2]),
    "bce_with_logits": (
        lambda z: nn.bce_with_logits(z, [1.0, 0.0, 0.5]),
        lambda torch, t: torch.nn.functional.binary_cross_entropy_with_logits(
            t, torch.tensor([1.0, 0.0, 0.5], dtype=torch.float64)
        ),
    ),
}


def derivatives_up_to_third(f, point: list[float]) -> list[float]:
    """d f / d z_0, d2 f / d z_0^2 and d3 f / d z_0^3 by grad(..., create_graph=True)."""
    z = [Value(x) for x in point]
    out, found = f(z), []
    for order in range(3):
        (out,) = grad(out, [z[0]], create_graph=order < 2)
        found.append(out.data)
    return found


@pytest.mark.parametrize("name", THIRD_ORDER)
@pytest.mark.parametrize("point", [[0.3, -1.2, 2.0], [1000.0, -1000.0, 999.0]])
def test_losses_differentiate_to_third_order_as_torch_does(name, point):
    torch = torch_or_skip()
    ours, theirs_fn = THIRD_ORDER[name]
    t = torch.tensor(point, dtype=torch.float64, requires_grad=True)
    out, theirs = theirs_fn(torch, t), []
    for order in range(3):
        (out,) = torch.autograd.grad(out, t, create_graph=order < 2)
        out = out[0]
        theirs.append(out.item())
    found = derivatives_up_to_third(ours, point)
    assert all(math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-14) for a, b in zip(found, theirs)), (found, theirs)


@pytest.mark.parametrize("name", THIRD_ORDER)
def test_third_derivatives_agree_with_finite_differences_of_the_second(name):
    ours = THIRD_ORDER[name][0]

    def second(*z: Value) -> Value:
        (d1,) = grad(ours(list(z)), [z[0]], create_graph=True)
        (d2,) = grad(d1, [z[0]], create_graph=True)
        return d2

    gradcheck(second, [0.3, -1.2, 2.0])


# -- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: nn.cross_entropy([[1.0, 2.0]], [2]), IndexError, "target 0 is class 2, but there are 2 classes"),
        (lambda: nn.cross_entropy([[1.0, 2.0]], [-1]), IndexError, "target 0 is class -1"),
        (lambda: nn.cross_entropy([[1.0, 2.0]], [True]), TypeError, "must be a class index"),
        (lambda: nn.cross_entropy([1.0, 2.0], True), TypeError, "must be a class index"),
        (lambda: nn.cross_entropy([[1.0, 2.0]], [1.0]), TypeError, "must be a class index"),
        (lambda: nn.cross_entropy([], []), ValueError, "no samples"),
        (lambda: nn.cross_entropy([[]], [0]), ValueError, "no logits"),
        (lambda: nn.cross_entropy([[1.0, 2.0], [1.0, 2.0]], [0]), ValueError, "2 samples of logits but 1 target"),
        (lambda: nn.cross_entropy([[1.0, 2.0], [1.0, 2.0, 3.0]], [0, 0]), ValueError, "sample 1 has 3 logits"),
        (lambda: nn.cross_entropy([[1.0, math.inf]], [0]), ValueError, "must be finite"),
        (lambda: nn.cross_entropy([[1.0, math.nan]], [0]), ValueError, "must be finite"),
        (lambda: nn.cross_entropy([[1.0, "2"]], [0]), TypeError, "must be a real number"),
        (lambda: nn.cross_entropy([Value(1.0)], [0]), TypeError, "sample 0 must be a sequence of logits"),
        (lambda: nn.cross_entropy("ab", [0, 0]), TypeError, "logits_per_sample must be a sequence"),
        (lambda: nn.cross_entropy([[1.0]], 0.5), TypeError, "target_indices must be a sequence"),
        (lambda: nn.cross_entropy([[1e308, -1e308]], [0]), OverflowError, "further apart than a float"),
        (lambda: nn.softmax([]), ValueError, "no logits"),
        (lambda: nn.softmax(Value(1.0)), TypeError, "must be a sequence"),
        (lambda: nn.softmax([1.0, math.nan]), ValueError, "must be finite"),
        (lambda: nn.softmax([1.0, None]), TypeError, "must be a real number"),
        (lambda: nn.bce_with_logits([Value(0.0)], [1.5]), ValueError, "targets must lie in"),
        (lambda: nn.bce_with_logits([0.0, 1.0], [1.0]), ValueError, "2 predictions but 1 targets"),
        (lambda: nn.bce_with_logits([], []), ValueError, "no samples"),
        (lambda: nn.bce_with_logits([math.inf], [1.0]), ValueError, "must be finite"),
        (lambda: nn.bce_with_logits([Value(0.0)], [math.nan]), ValueError, "must be finite"),
        (lambda: nn.bce_with_logits([True], [1.0]), TypeError, "must be a real number"),
    ],
)
def test_bad_input_is_a_typed_error_naming_the_function(call, error, message):
    with pytest.raises(error, match=message) as caught:
        call()
    assert str(caught.value).startswith(("cross_entropy", "softmax", "bce_with_logits")), str(caught.value)


# -- data -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [make_blobs, make_spirals])
def test_blobs_and_spirals_are_deterministic_balanced_and_labelled_from_zero(make):
    X, y = make(60, classes=4, seed=3)
    assert (X, y) == make(60, classes=4, seed=3)
    assert X != make(60, classes=4, seed=4)[0]
    assert len(X) == 60 and all(len(p) == 2 and all(math.isfinite(c) for c in p) for p in X)
    assert y[:8] == [0, 1, 2, 3, 0, 1, 2, 3] and [y.count(k) for k in range(4)] == [15, 15, 15, 15]


def test_blobs_sit_around_their_centres_and_spirals_within_the_unit_disc():
    X, y = make_blobs(300, classes=3, noise=0.0, seed=0)
    centres = {k: X[y.index(k)] for k in range(3)}
    assert centres[0] == [2.0, 0.0]
    assert all(p == centres[k] for p, k in zip(X, y))  # no noise: every point is its centre
    S, _ = make_spirals(300, noise=0.0, seed=0)
    assert all(math.hypot(*p) < 1.0 for p in S)


@pytest.mark.parametrize("make", [make_blobs, make_spirals])
@pytest.mark.parametrize(
    "kwargs",
    [
        {"n": 2, "classes": 3},
        {"n": True},
        {"n": 10.0},
        {"classes": 1},
        {"classes": True},
        {"noise": -0.1},
        {"noise": math.nan},
        {"noise": math.inf},
        {"noise": "0.1"},
    ],
)
def test_blobs_and_spirals_refuse_bad_arguments_by_name(make, kwargs):
    with pytest.raises(ValueError, match=make.__name__):
        make(**kwargs)


# -- training -------------------------------------------------------------------------------------


def train_spirals(sizes: list[int], steps: int) -> tuple[float, float, nn.MLP, list[list[float]]]:
    X, y = make_spirals(90, classes=3, noise=0.05, seed=0)
    model = nn.MLP(2, sizes, rng=random.Random(0))
    opt = nn.Adam(model.parameters(), lr=0.05)
    for _ in range(steps):
        logits = [model(x) for x in X]
        loss = nn.cross_entropy(logits, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return loss.data, accuracy(logits, y), model, X


def accuracy(logits: list[list[Value]], y: list[int]) -> float:
    return sum(max(range(len(z)), key=lambda j: z[j].data) == t for z, t in zip(logits, y)) / len(y)


@pytest.mark.slow
def test_an_mlp_with_three_outputs_learns_three_spirals_that_a_linear_model_cannot():
    loss, acc, model, X = train_spirals([16, 3], steps=300)
    assert acc >= 0.9 and loss < 0.25, (acc, loss)  # 0.967 and 0.078 here
    _, linear_acc, _, _ = train_spirals([3], steps=100)  # no hidden layer: no straight lines separate spirals
    assert linear_acc < 0.75, linear_acc
