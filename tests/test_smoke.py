"""The engine's most basic promise: backward fills in the gradient of a product and a sum."""

from autograd import Value


def test_product_and_sum_gradients_follow_the_chain_rule():
    a, b = Value(2.0), Value(-3.0)
    out = a * b + a
    out.backward()
    assert a.grad == -3.0 + 1.0
    assert b.grad == 2.0
