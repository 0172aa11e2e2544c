"""A user's typed code: mypy --strict and pyright must accept it and infer Value for arithmetic.

Checked by .ci/run (mypy and pyright on this file); pytest does not collect it.
"""

from __future__ import annotations

from typing_extensions import assert_type

import nn
from autograd import Value, dot, explain, grad, gradcheck

a = Value(2.0, label="a")
b = Value(-3.0)

assert_type(a * b + 1.0, Value)
assert_type(2 * a, Value)
assert_type(2.5 - a, Value)
assert_type(1 / a, Value)
assert_type(-a, Value)
assert_type(+a, Value)
assert_type(a**2, Value)
assert_type(2**a, Value)
assert_type(a**b, Value)
assert_type(a / b - b * 0.5, Value)
assert_type(a.relu(), Value)
assert_type(a.tanh().exp().log().sigmoid(), Value)
assert_type(dot([a, b], [1.0, a]), Value)
assert_type(a.data, float)
assert_type(a.grad, float)
assert_type(a < b, bool)
assert_type(grad(a * b, [a, b]), list[Value])
assert_type(explain(a * b, a).total, float)
assert_type(gradcheck(lambda x, y: x * y, [1.0, 2.0]).ok, bool)

loss = (a * b + 1.0) ** 2
loss.backward()
model = nn.MLP(2, [4, 1])
assert_type(model.parameters(), list[Value])
