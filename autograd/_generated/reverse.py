"""The reverse pass on floats: `backward.backpropagate` with each rule's derivatives inlined.

For each node, from the root back, the branch of its rule adds g * (local derivative) to
each Value operand's running sum `_g` (constants are floats and get nothing). The
expressions are rules.py's, pasted in; g * 1.0 is written g and g * -1.0 as -g, which
are exact, so the result has the same bits as the generic loop in backward.py.
"""

# Written out from autograd/rules.py by autograd/_generated/generate.py. Do not edit:
# change rules.py and run `python -m autograd._generated.generate`.

from __future__ import annotations

from typing import TYPE_CHECKING

from ..graph import edges
from ..rules import RULES
from .formulas import cos, log, sigmoid, sin  # the functions the derivatives call

if TYPE_CHECKING:
    from ..value import Value

MUL = RULES["mul"]
ADD = RULES["add"]
RELU = RULES["relu"]
SUB = RULES["sub"]
DIV = RULES["div"]
NEG = RULES["neg"]
POW = RULES["pow"]
EXP = RULES["exp"]
LOG = RULES["log"]
TANH = RULES["tanh"]
SIGMOID = RULES["sigmoid"]
DOT = RULES["dot"]
SIN = RULES["sin"]
COS = RULES["cos"]
ABS = RULES["abs"]
SQRT = RULES["sqrt"]
SOFTPLUS = RULES["softplus"]
LOG_SIGMOID = RULES["log_sigmoid"]
MAX = RULES["max"]
MIN = RULES["min"]


def backpropagate_floats(order: list[Value]) -> None:
    """Add d root / d node to every node's `_g`; root last in `order`, its `_g` holding the seed."""
    for node in reversed(order):  # root first: a node's g is complete when it is reached
        rule = node._rule
        g = node._g
        if rule is MUL:  # d out / d a = b, d out / d b = a
            A, B = node._a, node._b
            if type(A) is not float:
                if type(B) is not float:
                    a = A.data
                    b = B.data
                    A._g += g * (b)
                    B._g += g * (a)
                else:  # B is a constant: no gradient for it
                    b = B
                    A._g += g * (b)
            else:  # A is a constant
                a = A
                B._g += g * (a)
        elif rule is ADD:  # d out / d a = 1.0, d out / d b = 1.0
            A, B = node._a, node._b
            if type(A) is not float:
                A._g += g
            if type(B) is not float:
                B._g += g
        elif rule is RELU:  # d out / d a = 1.0 if a > 0.0 else 0.0
            A = node._a
            a = A.data
            A._g += g * (1.0 if a > 0.0 else 0.0)
        elif rule is None:  # a leaf: nothing to pass back
            continue
        elif rule is SUB:  # d out / d a = 1.0, d out / d b = -1.0
            A, B = node._a, node._b
            if type(A) is not float:
                A._g += g
            if type(B) is not float:
                B._g -= g
        elif rule is DIV:  # d out / d a = 1.0 / b, d out / d b = -out / b
            out = node.data
            A, B = node._a, node._b
            if type(A) is not float:
                if type(B) is not float:
                    b = B.data
                    A._g += g * (1.0 / b)
                    B._g += g * (-out / b)
                else:  # B is a constant: no gradient for it
                    b = B
                    A._g += g * (1.0 / b)
            else:  # A is a constant
                b = B.data
                B._g += g * (-out / b)
        elif rule is NEG:  # d out / d a = -1.0
            A = node._a
            A._g -= g
        elif rule is POW:  # d out / d a = b * a ** (b - 1) if b != 0.0 else 0.0, d out / d b = out * log(a)
            out = node.data
            A, B = node._a, node._b
            if type(A) is not float:
                if type(B) is not float:
                    a = A.data
                    b = B.data
                    A._g += g * (b * a ** (b - 1) if b != 0.0 else 0.0)
                    B._g += g * (out * log(a))
                else:  # B is a constant: no gradient for it
                    a = A.data
                    b = B
                    A._g += g * (b * a ** (b - 1) if b != 0.0 else 0.0)
            else:  # A is a constant
                a = A
                B._g += g * (out * log(a))
        elif rule is EXP:  # d out / d a = out
            out = node.data
            A = node._a
            A._g += g * (out)
        elif rule is LOG:  # d out / d a = 1.0 / a
            A = node._a
            a = A.data
            A._g += g * (1.0 / a)
        elif rule is TANH:  # d out / d a = 1.0 - out * out
            out = node.data
            A = node._a
            A._g += g * (1.0 - out * out)
        elif rule is SIGMOID:  # d out / d a = out * (1.0 - out)
            out = node.data
            A = node._a
            A._g += g * (out * (1.0 - out))
        elif rule is DOT:  # d out / d a = b, d out / d b = a
            for A, B in zip(node._a, node._b):
                if type(A) is not float:
                    if type(B) is not float:
                        a = A.data
                        b = B.data
                        A._g += g * (b)
                        B._g += g * (a)
                    else:  # B is a constant: no gradient for it
                        b = B
                        A._g += g * (b)
                elif type(B) is not float:  # A is a constant
                    a = A
                    B._g += g * (a)
        elif rule is SIN:  # d out / d a = cos(a)
            A = node._a
            a = A.data
            A._g += g * (cos(a))
        elif rule is COS:  # d out / d a = -sin(a)
            A = node._a
            a = A.data
            A._g += g * (-sin(a))
        elif rule is ABS:  # d out / d a = 1.0 if a > 0.0 else -1.0 if a < 0.0 else 0.0
            A = node._a
            a = A.data
            A._g += g * (1.0 if a > 0.0 else -1.0 if a < 0.0 else 0.0)
        elif rule is SQRT:  # d out / d a = 0.5 / out
            out = node.data
            A = node._a
            A._g += g * (0.5 / out)
        elif rule is SOFTPLUS:  # d out / d a = sigmoid(a)
            A = node._a
            a = A.data
            A._g += g * (sigmoid(a))
        elif rule is LOG_SIGMOID:  # d out / d a = sigmoid(-a)
            A = node._a
            a = A.data
            A._g += g * (sigmoid(-a))
        elif rule is MAX:
            # d out / d a = 1.0 if a > b else 0.0 if a < b else 0.5
            # d out / d b = 0.0 if a > b else 1.0 if a < b else 0.5
            A, B = node._a, node._b
            if type(A) is not float:
                if type(B) is not float:
                    a = A.data
                    b = B.data
                    A._g += g * (1.0 if a > b else 0.0 if a < b else 0.5)
                    B._g += g * (0.0 if a > b else 1.0 if a < b else 0.5)
                else:  # B is a constant: no gradient for it
                    a = A.data
                    b = B
                    A._g += g * (1.0 if a > b else 0.0 if a < b else 0.5)
            else:  # A is a constant
                a = A
                b = B.data
                B._g += g * (0.0 if a > b else 1.0 if a < b else 0.5)
        elif rule is MIN:
            # d out / d a = 1.0 if a < b else 0.0 if a > b else 0.5
            # d out / d b = 0.0 if a < b else 1.0 if a > b else 0.5
            A, B = node._a, node._b
            if type(A) is not float:
                if type(B) is not float:
                    a = A.data
                    b = B.data
                    A._g += g * (1.0 if a < b else 0.0 if a > b else 0.5)
                    B._g += g * (0.0 if a < b else 1.0 if a > b else 0.5)
                else:  # B is a constant: no gradient for it
                    a = A.data
                    b = B
                    A._g += g * (1.0 if a < b else 0.0 if a > b else 0.5)
            else:  # A is a constant
                a = A
                b = B.data
                B._g += g * (0.0 if a < b else 1.0 if a > b else 0.5)
        else:  # a rule added after this file was written: the generic reader
            for edge in edges(node):
                edge.operand._g += g * edge.local()
