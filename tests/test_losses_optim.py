"""Losses (mse, bce, hinge) and optimizers (SGD, momentum, Adam) against hand formulas and torch."""

from __future__ import annotations

import math

import pytest

from autograd import Value
from nn import SGD, Adam, bce, hinge, mse

P = [0.2, -1.3, 0.75, 2.5]
Y = [0.0, -1.0, 1.0, 2.0]
PROBS = [0.1, 0.8, 0.45, 0.999]
LABELS = [0.0, 1.0, 1.0, 0.3]
SCORES = [0.2, -1.3, 0.75, 2.5, -0.4]
SIGNS = [1, -1, -1, 1, 1]


def loss_and_grads(loss_fn, preds, targets):
    vs = [Value(p) for p in preds]
    out = loss_fn(vs, targets)
    assert isinstance(out, Value)
    out.backward()
    return out.data, [v.grad for v in vs]


def test_mse_is_mean_squared_error_without_a_half():
    value, grads = loss_and_grads(mse, P, Y)
    n = len(P)
    assert math.isclose(value, sum((p - y) ** 2 for p, y in zip(P, Y)) / n, rel_tol=1e-14)
    for g, p, y in zip(grads, P, Y):
        assert math.isclose(g, 2 * (p - y) / n, rel_tol=1e-14)


def test_bce_is_mean_cross_entropy_of_probabilities():
    value, grads = loss_and_grads(bce, PROBS, LABELS)
    n = len(PROBS)
    expected = sum(-y * math.log(p) - (1 - y) * math.log(1 - p) for p, y in zip(PROBS, LABELS)) / n
    assert math.isclose(value, expected, rel_tol=1e-13)
    for g, p, y in zip(grads, PROBS, LABELS):
        assert math.isclose(g, (-y / p + (1 - y) / (1 - p)) / n, rel_tol=1e-12)


@pytest.mark.parametrize("p, y, sign", [(0.0, 1.0, -1), (1.0, 0.0, +1), (0.0, 0.0, +1), (1.0, 1.0, -1)])
def test_bce_stays_finite_at_zero_and_one_and_still_has_a_gradient(p, y, sign):
    v = Value(p)
    out = bce(v, y)
    out.backward()
    assert math.isfinite(out.data) and out.data >= 0.0
    assert math.isfinite(v.grad) and v.grad != 0.0
    assert math.copysign(1.0, v.grad) == sign  # gradient descent moves p towards y (or away from the edge)
    if p != y:
        assert out.data > 20.0  # a confident wrong answer costs a lot (-log(1e-12) = 27.6)


def test_hinge_is_mean_of_max_zero_one_minus_margin():
    value, grads = loss_and_grads(hinge, SCORES, SIGNS)
    n = len(SCORES)
    assert math.isclose(value, sum(max(0.0, 1 - t * s) for s, t in zip(SCORES, SIGNS)) / n, rel_tol=1e-14)
    for g, s, t in zip(grads, SCORES, SIGNS):
        assert g == pytest.approx(-t / n if 1 - t * s > 0 else 0.0, rel=1e-14)


def test_single_prediction_and_single_target_are_accepted():
    assert mse(Value(2.0), 3.0).data == 1.0
    assert hinge(Value(0.5), -1).data == 1.5
    assert math.isclose(bce(Value(0.5), 1.0).data, math.log(2), rel_tol=1e-14)


def test_mse_of_plain_numbers_is_a_leaf_value_holding_the_mean():
    out = mse([1.0, 3.0, -2], [0.0, 1.0, 0.0])  # (1 + 4 + 4) / 3
    assert isinstance(out, Value) and out.data == 3.0
    assert out.op == "" and out.children == ()
    single = mse(2.0, 3)
    assert isinstance(single, Value) and single.data == 1.0


def test_mse_of_plain_numbers_and_values_together_is_differentiable_in_the_values():
    v = Value(2.0)
    out = mse([1.0, v], [0.0, 0.0])  # (1 + v^2) / 2
    out.backward()
    assert isinstance(out, Value) and out.data == 2.5 and v.grad == 2.0


def test_bce_and_hinge_of_plain_numbers_are_values_too():
    b = bce([0.5, 0.5], [1.0, 0.0])
    assert isinstance(b, Value) and math.isclose(b.data, math.log(2), rel_tol=1e-14)
    h = hinge([0.5, 2.0], [-1, 1])  # (1.5 + 0) / 2
    assert isinstance(h, Value) and h.data == 0.75


@pytest.mark.parametrize(
    "preds, targets",
    [([1e200], [0.0]), ([1e308], [-1e308]), ([1e154, 1e154], [0.0, 0.0])],
    ids=["square overflows", "difference overflows", "sum overflows"],
)
def test_mse_of_plain_numbers_that_overflow_raises_overflow_error_naming_mse(preds, targets):
    with pytest.raises(OverflowError, match=r"^mse: "):
        mse(preds, targets)


@pytest.mark.parametrize("bad", [True, "1.0", math.nan, math.inf])
def test_mse_checks_plain_number_predictions_as_value_does(bad):
    with pytest.raises((TypeError, ValueError), match="mse prediction"):
        mse([bad], [1.0])


@pytest.mark.parametrize(
    "loss, pred",
    [(mse, Value(0.5)), (mse, 0.5), (bce, Value(0.5)), (hinge, Value(0.5))],
    ids=["mse of a Value", "mse of a float", "bce", "hinge"],
)
@pytest.mark.parametrize("target", [math.nan, math.inf])
def test_a_target_that_is_not_finite_raises_value_error_naming_the_loss(loss, pred, target):
    with pytest.raises(ValueError, match=rf"^{loss.__name__} target must be finite"):
        loss([pred], [target])


@pytest.mark.parametrize(
    "call",
    [
        lambda: mse([Value(1.0)], [1.0, 2.0]),
        lambda: mse([], []),
        lambda: bce([Value(0.5)], [1.5]),
        lambda: bce([Value(1.5)], [1.0]),
        lambda: bce([Value(-0.1)], [0.0]),
        lambda: hinge([Value(0.5)], [0]),
        lambda: hinge([Value(0.5)], [0.5]),
    ],
)
def test_bad_loss_arguments_raise_value_error(call):
    with pytest.raises(ValueError):
        call()


# -------------------------------------------------------------------------------------------------
# against torch
# -------------------------------------------------------------------------------------------------


def torch_loss_and_grads(fn, preds, targets):
    torch = pytest.importorskip("torch")
    p = torch.tensor(preds, dtype=torch.float64, requires_grad=True)
    y = torch.tensor(targets, dtype=torch.float64)
    out = fn(torch, p, y)
    out.backward()
    return float(out.detach()), p.grad.tolist()


@pytest.mark.parametrize(
    "ours, theirs, preds, targets",
    [
        (mse, lambda torch, p, y: torch.nn.functional.mse_loss(p, y), P, Y),
        (bce, lambda torch, p, y: torch.nn.functional.binary_cross_entropy(p, y), PROBS, LABELS),
        (hinge, lambda torch, p, y: torch.clamp(1 - y * p, min=0).mean(), SCORES, [float(t) for t in SIGNS]),
    ],
    ids=["mse", "bce", "hinge"],
)
def test_losses_and_their_gradients_match_torch(ours, theirs, preds, targets):
    value, grads = loss_and_grads(ours, preds, targets)
    t_value, t_grads = torch_loss_and_grads(theirs, preds, targets)
    assert math.isclose(value, t_value, rel_tol=1e-12)
    for g, t in zip(grads, t_grads):
        assert math.isclose(g, t, rel_tol=1e-10, abs_tol=1e-15)


# -------------------------------------------------------------------------------------------------
# optimizers against torch.optim on the same parameters and the same loss
# -------------------------------------------------------------------------------------------------

START = [0.5, -1.5, 2.0]


def objective(ps):
    a, b, c = ps
    return (a - 1.0) ** 2 + 3.0 * (b * c - 0.5) ** 2 + (a * c).tanh() + 0.1 * b**4


def run_ours(make_opt, steps):
    ps = [Value(x) for x in START]
    opt = make_opt(ps)
    history = []
    for _ in range(steps):
        opt.zero_grad()
        objective(ps).backward()
        opt.step()
        history.append([p.data for p in ps])
    return history


def run_torch(make_opt, steps):
    torch = pytest.importorskip("torch")
    ps = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in START]
    opt = make_opt(torch, ps)
    history = []
    for _ in range(steps):
        opt.zero_grad()
        objective(ps).backward()
        opt.step()
        history.append([float(p.detach()) for p in ps])
    return history


@pytest.mark.parametrize(
    "ours, theirs",
    [
        (lambda ps: SGD(ps, lr=0.05), lambda torch, ps: torch.optim.SGD(ps, lr=0.05)),
        (lambda ps: SGD(ps, lr=0.05, momentum=0.9), lambda torch, ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9)),
        (lambda ps: Adam(ps, lr=0.1), lambda torch, ps: torch.optim.Adam(ps, lr=0.1)),
        (
            lambda ps: Adam(ps, lr=0.02, betas=(0.8, 0.99), eps=1e-6),
            lambda torch, ps: torch.optim.Adam(ps, lr=0.02, betas=(0.8, 0.99), eps=1e-6),
        ),
    ],
    ids=["sgd", "sgd_momentum", "adam", "adam_custom"],
)
def test_optimizer_steps_match_torch_optim(ours, theirs):
    steps = 8
    mine, ref = run_ours(ours, steps), run_torch(theirs, steps)
    for k in range(steps):
        for a, b in zip(mine[k], ref[k]):
            assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12), (k, mine[k], ref[k])
    assert mine[-1] != [float(x) for x in START]


def test_sgd_step_by_hand():
    p = Value(1.0)
    opt = SGD([p], lr=0.1, momentum=0.5)
    p.grad = 2.0
    opt.step()  # v = 2, p = 1 - 0.2
    assert p.data == pytest.approx(0.8, rel=1e-15)
    opt.step()  # v = 0.5 * 2 + 2 = 3, p = 0.8 - 0.3
    assert p.data == pytest.approx(0.5, rel=1e-15)


def test_adam_first_step_moves_each_parameter_by_about_lr_against_its_gradient_sign():
    ps = [Value(1.0), Value(-1.0), Value(0.0)]
    for p, g in zip(ps, [3.0, -0.001, 250.0]):
        p.grad = g
    Adam(ps, lr=0.01).step()
    assert [p.data for p in ps] == pytest.approx([0.99, -0.99, -0.01], rel=1e-5)


@pytest.mark.parametrize(
    "make, error",
    [
        (lambda: SGD([], lr=0.1), ValueError),
        (lambda: SGD([Value(1.0)], lr=0.0), ValueError),
        (lambda: SGD([Value(1.0)], lr=-1.0), ValueError),
        (lambda: SGD([Value(1.0)], lr=0.1, momentum=1.0), ValueError),
        (lambda: SGD([Value(1.0)], lr=0.1, momentum=-0.1), ValueError),
        (lambda: SGD([1.0], lr=0.1), TypeError),
        (lambda: Adam([Value(1.0)], betas=(1.0, 0.9)), ValueError),
        (lambda: Adam([Value(1.0)], eps=0.0), ValueError),
        (lambda: SGD([Value(1.0)], lr=math.inf), ValueError),
        (lambda: SGD([Value(1.0)], lr=math.nan), ValueError),
        (lambda: SGD([Value(1.0)], lr="0.1"), TypeError),
        (lambda: SGD([Value(1.0)], lr=True), TypeError),
        (lambda: SGD([Value(1.0)], lr=0.1, momentum="0.9"), TypeError),
        (lambda: Adam([Value(1.0)], betas=(0.9,)), TypeError),
        (lambda: Adam([Value(1.0)], betas=0.9), TypeError),
        (lambda: Adam([Value(1.0)], betas=(0.9, None)), TypeError),
        (lambda: Adam([Value(1.0)], eps=math.nan), ValueError),
    ],
)
def test_bad_optimizer_arguments_are_refused(make, error):
    with pytest.raises(error, match=r"lr|momentum|betas|eps|param"):
        make()


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=1e300, momentum=0.5), lambda ps: Adam(ps, lr=1e300)])
def test_a_step_that_would_overflow_changes_no_parameter_and_no_optimizer_state(make):
    """The first parameter's update is fine, the second's is not: neither moves, and the
    optimizer's state (velocity, moments, step count) is as it was, so the next step is exact."""
    ps, fresh_ps = [Value(0.5), Value(-1e300)], [Value(0.5), Value(-1e300)]
    opt, fresh = make(ps), make(fresh_ps)
    for p, g in zip(ps, (1e-310, 1e300)):
        p.grad = g
    with pytest.raises(OverflowError, match="parameter 1 would become"):
        opt.step()
    assert [p.data for p in ps] == [0.5, -1e300]
    for group in (ps, fresh_ps):  # now a step that is finite, on both optimizers
        for p in group:
            p.grad = 1e-300
        (opt if group is ps else fresh).step()
    assert [p.data for p in ps] == [p.data for p in fresh_ps]
