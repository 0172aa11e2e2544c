"""Value's forward arithmetic, constants, comparisons and repr."""

from __future__ import annotations

import math

import pytest
from gradtools import sigmoid

from autograd import Value


@pytest.mark.parametrize(
    "expr, expected",
    [
        ("Value(2.0) + Value(-3.5)", -1.5),
        ("Value(2.0) + 1", 3.0),
        ("1 + Value(2.0)", 3.0),
        ("Value(2.0) - Value(-3.5)", 5.5),
        ("Value(2.0) - 0.5", 1.5),
        ("0.5 - Value(2.0)", -1.5),
        ("Value(2.0) * Value(-3.5)", -7.0),
        ("Value(2.0) * 4", 8.0),
        ("4 * Value(2.0)", 8.0),
        ("Value(3.0) / Value(-1.5)", -2.0),
        ("Value(3.0) / 4", 0.75),
        ("3 / Value(4.0)", 0.75),
        ("-Value(2.5)", -2.5),
        ("+Value(2.5)", 2.5),
        ("Value(2.0) ** 3", 8.0),
        ("Value(-2.0) ** 3", -8.0),
        ("Value(-2.0) ** -2", 0.25),
        ("Value(4.0) ** 0.5", 2.0),
        ("Value(4.0) ** Value(1.5)", 8.0),
        ("2 ** Value(3.0)", 8.0),
        ("Value(0.0) ** 2", 0.0),
        ("Value(7.0) ** 0", 1.0),
        ("Value(0.0).exp()", 1.0),
        ("Value(1.0).log()", 0.0),
        ("Value(0.0).tanh()", 0.0),
        ("Value(0.0).sigmoid()", 0.5),
        ("Value(-3.0).relu()", 0.0),
        ("Value(3.0).relu()", 3.0),
        ("Value(0.0).relu()", 0.0),
    ],
)
def test_forward_values(expr, expected):
    out = eval(expr)
    assert isinstance(out, Value)
    assert type(out.data) is float
    assert out.data == expected


@pytest.mark.parametrize("x", [-30.0, -2.0, -0.3, 0.7, 5.0, 30.0])
def test_transcendental_forward_values_match_math(x):
    v = Value(x)
    assert v.exp().data == pytest.approx(math.exp(x), rel=1e-15)
    assert v.tanh().data == pytest.approx(math.tanh(x), rel=1e-15)
    assert v.sigmoid().data == pytest.approx(sigmoid(x), rel=1e-14)
    if x > 0:
        assert v.log().data == pytest.approx(math.log(x), rel=1e-15)


def test_int_data_is_stored_as_float():
    v = Value(3)
    assert v.data == 3.0 and type(v.data) is float
    assert v.grad == 0.0 and type(v.grad) is float


def test_operations_do_not_modify_operands():
    a, b = Value(2.0), Value(3.0)
    c = a * b + a
    assert (a.data, b.data, a.grad, b.grad) == (2.0, 3.0, 0.0, 0.0)
    assert c.data == 8.0 and c.grad == 0.0


def test_constants_are_not_children_and_values_are():
    a, b = Value(2.0), Value(3.0)
    assert set(map(id, (a * b).children)) == {id(a), id(b)}
    assert [id(c) for c in (a * 5.0).children] == [id(a)]
    assert [id(c) for c in (5.0 - a).children] == [id(a)]
    assert a.children == ()


def test_repr_shows_data_grad_and_label():
    a = Value(2.0, label="a")
    b = Value(-3.0)
    (a * b).backward()
    assert repr(a) == "Value(data=2.0, grad=-3.0, label='a')"
    assert repr(b) == "Value(data=-3.0, grad=2.0)"


def test_label_is_readable_and_settable():
    v = Value(1.0, label="x")
    assert v.label == "x"
    v.label = "y"
    assert v.label == "y"
    assert Value(1.0).label == ""


def test_comparisons_read_data():
    a, b = Value(1.0), Value(2.0)
    assert a < b and a <= b and b > a and b >= a
    assert a < 1.5 and b > 1.5 and a <= 1 and b >= 2
    assert float(b) == 2.0


def test_equality_is_identity_so_values_can_key_dicts_and_sets():
    a, b = Value(1.0), Value(1.0)
    assert a != b and a == a
    assert len({a, b}) == 2
    d = {a: "a", b: "b"}
    assert d[a] == "a" and d[b] == "b"


def test_pos_returns_the_same_value():
    a = Value(1.5)
    assert +a is a


def test_dot_adds_its_products_left_to_right_without_compensation():
    """dot must give the bits of b + w0*x0 + w1*x1 written out (an unfused neuron, replay), on every
    Python: sum() compensates rounding from 3.12, which here would give 1.0 instead of 0.0."""
    from autograd import dot

    ones = [Value(1.0), Value(1.0), Value(1.0)]
    assert dot(ones, [1e16, 1.0, -1e16]).data == (1e16 + 1.0) - 1e16 == 0.0
