"""A short scripted example: build an expression, backpropagate, and check against finite differences."""

from __future__ import annotations

from . import Value, gradcheck


def expression(a: Value, b: Value) -> Value:
    """A small expression using every kind of operation the engine knows."""
    c = a * b + b**2
    d = (c / a).tanh() + a.sigmoid() * b.exp().log()
    return d.relu() + (a - b) ** 2


def main() -> None:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    out = expression(a, b)
    out.backward()
    print(f"out = {out.data:.6f}")
    print(f"d out / d a = {a.grad:.6f}")
    print(f"d out / d b = {b.grad:.6f}")
    print(gradcheck(expression, [a, b]))


if __name__ == "__main__":
    main()
