"""A user's typed code: mypy --strict and pyright must accept it and infer Value for arithmetic.

Checked by .ci/run (mypy and pyright on this file); pytest does not collect it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from typing_extensions import assert_type

import nn
from autograd import Value, dot, explain, grad, gradcheck, hessian, jacobian, jvp, primitive, value_and_grad
from autograd.grad_mode import is_grad_enabled, no_grad
from autograd.viz import Explorer, explore
from nn.data import make_blobs, make_spirals
from nn.torch_bridge import torch_keys

if TYPE_CHECKING:
    import torch

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
assert_type(a.sin().cos().sqrt(), Value)
assert_type(abs(a), Value)
assert_type(a.softplus().log_sigmoid(), Value)
assert_type(a.max(b).min(0.5), Value)
assert_type(a.max(2), Value)
assert_type(dot([a, b], [1.0, a]), Value)
assert_type(a.data, float)
assert_type(a.grad, float)
assert_type(a < b, bool)
assert_type(grad(a * b, [a, b]), list[Value])
assert_type(explain(a * b, a).total, float)
assert_type(gradcheck(lambda x, y: x * y, [1.0, 2.0]).ok, bool)

loss = (a * b + 1.0) ** 2
loss.backward()
assert_type(explore(loss, title="loss"), Explorer)
assert_type(explore(loss).html, str)
model = nn.MLP(2, [4, 1])
assert_type(model.parameters(), list[Value])

# Several classes, and evaluating without a graph.
assert_type(a.detach(), Value)
assert_type(nn.softmax([a, b, 1.0]), list[Value])
assert_type(nn.cross_entropy([[a, b, 0.5], [b, a, 2]], [0, 2]), Value)
assert_type(nn.cross_entropy([a, b], 1), Value)
assert_type(nn.bce_with_logits([a, b], [1.0, 0.0]), Value)
assert_type(make_blobs(30, classes=3, seed=1), tuple[list[list[float]], list[int]])
assert_type(make_spirals(30, classes=3, noise=0.1, seed=1), tuple[list[list[float]], list[int]])
assert_type(is_grad_enabled(), bool)
with no_grad():
    assert_type(model([1.0, 2.0]), Value | list[Value])


@no_grad()
def evaluate(x: list[float]) -> float:
    out = model(x)
    return out.data if isinstance(out, Value) else out[0].data


assert_type(evaluate([1.0, 2.0]), float)


# A user's own operations, and derivatives of functions (numbers in, numbers out; Values in, Values out).
def cos_of(a: Value | float, out: Value | float) -> Value | float:
    return my_cos(a)  # a def, so that the two primitives can name each other


my_sin = primitive("my_sin", math.sin, (cos_of,))
my_cos = primitive("my_cos", math.cos, (lambda a, out: -my_sin(a),))
my_hypot = primitive("my_hypot", math.hypot, (lambda a, b, out: a / out, lambda a, b, out: b / out))
assert_type(my_sin(a), Value)
assert_type(my_sin(0.5), float)
assert_type(my_hypot(a, 2.0), Value)
assert_type(my_hypot(2.0, a), Value)
assert_type(my_hypot(3.0, 4.0), float)


def f(x: Value, y: Value) -> Value:
    return x * y + my_sin(x)


assert_type(grad(f)(1.0, 2.0), list[float])
assert_type(grad(f)(a, 2.0), list[Value])
assert_type(grad(my_sin)(0.5), list[float])
assert_type(value_and_grad(f)(1.0, 2.0), tuple[float, list[float]])
assert_type(value_and_grad(f)(a, b), tuple[Value, list[Value]])
assert_type(jvp(f, (1.0, 2.0), (1.0, 0.0)), tuple[float, float])
assert_type(jvp(f, [a, b], [1.0, 0.0]), tuple[Value, Value])
assert_type(jacobian(lambda x, y: [x * y, x + y])(1.0, 2.0), list[list[float]])
assert_type(jacobian(lambda x, y: [x * y, x + y], mode="forward")(a, 2.0), list[list[Value]])
assert_type(hessian(f)(1.0, 2.0), list[list[float]])
assert_type(hessian(f)(a, b), list[list[Value]])

# The hand-off to PyTorch: typed with PyTorch's own classes (under TYPE_CHECKING, so running this
# file needs no torch; the type checkers see torch where CI installs it).
assert_type(torch_keys(model), dict[str, tuple[str, tuple[int, ...]]])
if TYPE_CHECKING:
    assert_type(model.to_torch(), torch.nn.Sequential)
    assert_type(nn.Neuron(2).to_torch(), torch.nn.Sequential)
    assert_type(nn.Layer(2, 3, "tanh").to_torch(), torch.nn.Sequential)
    assert_type(nn.MLP.from_torch(model.to_torch()), nn.MLP)
    assert_type(nn.MLP.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 1)), fused=False), nn.MLP)
