"""Write the fast paths out from the rule table: ``python -m autograd._generated.generate [--check]``.

Like PyTorch's code generation from ``derivatives.yaml``: the rules stay short expressions in
rules.py, and what runs is real Python in committed files that a reader, a debugger, a traceback
and a type checker can all open. With ``--check`` nothing is written; the exit status is 1 when a
file differs from what would be written (the tests run this).
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from autograd.rules import Rule

PACKAGE = Path(__file__).resolve().parent.parent


def _load_rules() -> dict[str, Rule]:
    """rules.py's table, loaded from its file alone: the generator works even when the files it
    writes are broken (``python autograd/_generated/generate.py`` then needs no working package)."""
    spec = importlib.util.spec_from_file_location("autograd_rules_for_generation", PACKAGE / "rules.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up while the class is made
    spec.loader.exec_module(module)
    rules: dict[str, Rule] = module.RULES
    return rules


RULES = _load_rules()
HEADER = (
    "# Written out from autograd/rules.py by autograd/_generated/generate.py. Do not edit:\n"
    "# change rules.py and run `python -m autograd._generated.generate`.\n"
)
BEGIN = "    # BEGIN GENERATED OPERATORS"
END = "    # END GENERATED OPERATORS"
LINE = 120  # the longest line the project's linter accepts (pyproject.toml)
# The functions a derivative may call besides arithmetic, each of a float or of a Value: on a
# float the math, on a Value the method of the same name (so create_graph records it as a node).
# name: (its value on a float x, its docstring)
HELPERS = {
    "log": ("math.log(x)", "Natural log of a float or of a Value, so one derivative formula serves both."),
    "sin": ("math.sin(x)", "Sine of a float or of a Value, so one derivative formula serves both."),
    "cos": ("math.cos(x)", "Cosine of a float or of a Value, so one derivative formula serves both."),
    "sigmoid": ("_sigmoid(x)", "The logistic function of a float (the sigmoid rule's stable forward) or of a Value."),
}
_CALL = re.compile(r"\b([A-Za-z_]\w*)\s*\(")


def called(expression: str) -> list[str]:
    """The names of the functions an expression calls: "b * log(a)" calls ["log"]."""
    return _CALL.findall(expression)


def check_calls() -> None:
    """Refuse a derivative that calls a function with no float-and-Value helper (it would fail
    in grad(create_graph=True) or in replay, not here)."""
    for rule in RULES.values():
        for expression in rule.derivatives:
            unknown = [name for name in called(expression) if name not in HELPERS]
            if unknown:
                raise SystemExit(
                    f"rule {rule.name!r}: the derivative {expression!r} calls {unknown[0]}(), which is not "
                    f"one of {sorted(HELPERS)}; add it to HELPERS in autograd/_generated/generate.py"
                )


def quote(text: str) -> str:
    """A string literal in double quotes, as the project's formatter writes them."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def tuple_of(items: list[str]) -> str:
    """A tuple literal: (x,) for one item, (x, y) for two."""
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


def uses(expression: str, name: str) -> bool:
    return re.search(rf"\b{name}\b", expression) is not None


# -- formulas.py -------------------------------------------------------------------------------


def formulas_source() -> str:
    lines = [
        '"""The rule table\'s formulas as Python functions (see autograd/rules.py for the table).',
        "",
        "A derivative takes the operands a, b and the result out, as floats (in backward) or as",
        "Values (in grad with create_graph=True, so it records a graph), and returns d out / d a",
        "or d out / d b. A traceback through one of them names the rule and shows the formula.",
        '"""',
        "",
        HEADER.rstrip("\n"),
        "",
        "from __future__ import annotations",
        "",
        "import math",
        "from collections.abc import Callable",
        "from typing import Any, NamedTuple",
        "",
        "from ..rules import _sigmoid",
    ]
    for name, (on_float, doc) in HELPERS.items():
        lines += ["", ""]
        lines += [
            f"def {name}(x: Any) -> Any:",
            f'    """{doc}"""',
            f"    return {on_float} if type(x) is float else x.{name}()",
        ]
    lines += [
        "",
        "",
        "class Compiled(NamedTuple):",
        '    """One rule\'s functions, with the text they were written from (to detect a stale file)."""',
        "",
        "    sources: tuple[str, tuple[str, ...]]",
        "    forward: Callable[..., float] | None",
        "    derivatives: tuple[Callable[..., Any], ...]",
    ]
    table = []
    for rule in RULES.values():
        lines += ["", ""]
        params = "a: Any" if rule.arity == 1 else "a: Any, b: Any"
        forward = "None"
        if rule.formula:
            forward = f"{rule.name}_forward"
            lines += [f"def {forward}({params}) -> Any:", f"    return {rule.formula}", "", ""]
        names = []
        for i, expression in enumerate(rule.derivatives):
            name = f"{rule.name}_d{'ab'[i]}"
            names.append(name)
            lines += [f"def {name}(a: Any, b: Any, out: Any) -> Any:", f"    return {expression}"]
            if i + 1 < rule.arity:
                lines += ["", ""]
        sources = f"({quote(rule.formula)}, {tuple_of([quote(d) for d in rule.derivatives])})"
        entry = f"    {quote(rule.name)}: Compiled({sources}, {forward}, {tuple_of(names)}),"
        if len(entry) > LINE:  # one argument a line, as the formatter writes it
            arguments = "".join(f"        {x},\n" for x in (sources, forward, tuple_of(names)))
            entry = f"    {quote(rule.name)}: Compiled(\n{arguments}    ),"
        table.append(entry)
    lines += ["", "", "COMPILED: dict[str, Compiled] = {", *table, "}"]
    helpers = ", ".join(f"{quote(name)}: {name}" for name in HELPERS)
    lines += ["", "# For replay, whose code calls them by name."]
    lines += [f"HELPERS: dict[str, Callable[[Any], Any]] = {{{helpers}}}"]
    return "\n".join(lines) + "\n"


# -- reverse.py --------------------------------------------------------------------------------


def add_to(operand: str, derivative: str) -> str:
    """``operand._g += g * (derivative)``, with the exact folds g * 1.0 = g and g * -1.0 = -g."""
    if derivative == "1.0":
        return f"{operand}._g += g"
    if derivative == "-1.0":
        return f"{operand}._g -= g"
    return f"{operand}._g += g * ({derivative})"


def reads(sources: dict[str, str], expressions: str) -> list[str]:
    """``a = A.data`` and the like, for the names the derivative expressions use."""
    return [f"{name} = {source}" for name, source in sources.items() if uses(expressions, name)]


def branch(rule: Rule) -> list[str]:
    """The lines that pass g back through one node of this rule."""
    lines = ["out = node.data"] if any(uses(d, "out") for d in rule.derivatives) else []
    if rule.arity == 1:  # a unary operation's operand is always a Value (self)
        (da,) = rule.derivatives
        return lines + ["A = node._a", *reads({"a": "A.data"}, da), add_to("A", da)]
    da, db = rule.derivatives
    both = f"{da} {db}"
    if not (uses(both, "a") or uses(both, "b")):  # constant derivatives (add, sub)
        pair = ["if type(A) is not float:", "    " + add_to("A", da)]
        pair += ["if type(B) is not float:", "    " + add_to("B", db)]
    else:
        pair = [
            "if type(A) is not float:",
            "    if type(B) is not float:",
            *["        " + x for x in reads({"a": "A.data", "b": "B.data"}, both)],
            "        " + add_to("A", da),
            "        " + add_to("B", db),
            "    else:  # B is a constant: no gradient for it",
            *["        " + x for x in reads({"a": "A.data", "b": "B"}, da)],
            "        " + add_to("A", da),
        ]
        constant_a = [*reads({"a": "A", "b": "B.data"}, db), add_to("B", db)]
        if rule.variadic:  # a pair of dot may be two constants
            pair += ["elif type(B) is not float:  # A is a constant"] + ["    " + x for x in constant_a]
        else:
            pair += ["else:  # A is a constant"] + ["    " + x for x in constant_a]
    if rule.variadic:
        return lines + ["for A, B in zip(node._a, node._b):"] + ["    " + x for x in pair]
    return lines + ["A, B = node._a, node._b"] + pair


HOT_FIRST = ("mul", "add", "relu")  # tested first: the operations of a neural network


def reverse_source() -> str:
    ordered = [RULES[n] for n in HOT_FIRST] + [r for r in RULES.values() if r.name not in HOT_FIRST]
    constants = [f"{r.name.upper()} = RULES[{quote(r.name)}]" for r in ordered]
    helpers = sorted({name for r in ordered for d in r.derivatives for name in called(d)})
    lines = [
        '"""The reverse pass on floats: `backward.backpropagate` with each rule\'s derivatives inlined.',
        "",
        "For each node, from the root back, the branch of its rule adds g * (local derivative) to",
        "each Value operand's running sum `_g` (constants are floats and get nothing). The",
        "expressions are rules.py's, pasted in; g * 1.0 is written g and g * -1.0 as -g, which",
        "are exact, so the result has the same bits as the generic loop in backward.py.",
        '"""',
        "",
        HEADER.rstrip("\n"),
        "",
        "from __future__ import annotations",
        "",
        "from typing import TYPE_CHECKING",
        "",
        "from ..graph import edges",
        "from ..rules import RULES",
        *([f"from .formulas import {', '.join(helpers)}  # the functions the derivatives call"] if helpers else []),
        "",
        "if TYPE_CHECKING:",
        "    from ..value import Value",
        "",
        *constants,
        "",
        "",
        "def backpropagate_floats(order: list[Value]) -> None:",
        '    """Add d root / d node to every node\'s `_g`; root last in `order`, its `_g` holding the seed."""',
        "    for node in reversed(order):  # root first: a node's g is complete when it is reached",
        "        rule = node._rule",
        "        g = node._g",
    ]
    for i, rule in enumerate(ordered):
        if i == len(HOT_FIRST):
            lines += ["        elif rule is None:  # a leaf: nothing to pass back", "            continue"]
        derivatives = [f"d out / d {'ab'[k]} = {d}" for k, d in enumerate(rule.derivatives)]
        test = f"        {'if' if i == 0 else 'elif'} rule is {rule.name.upper()}:"
        if len(f"{test}  # {', '.join(derivatives)}") <= LINE:
            lines.append(f"{test}  # {', '.join(derivatives)}")
        else:  # one derivative a line, inside the branch
            lines += [test, *(f"            # {d}" for d in derivatives)]
        lines += ["            " + x for x in branch(rule)]
    lines += [
        "        else:  # a rule added after this file was written: the generic reader",
        "            for edge in edges(node):",
        "                edge.operand._g += g * edge.local()",
    ]
    return "\n".join(lines) + "\n"


# -- Value's hot operators, in value.py -----------------------------------------------------------

# (method, rule, kind, docstring): kind "left" is self OP other, "right" is other OP self
# (Python calls it only when other is not a Value), "unary" takes self alone.
OPERATORS = (
    ("__add__", "add", "left", "self + other"),
    ("__radd__", "add", "right", "other + self, for a number other"),
    ("__sub__", "sub", "left", "self - other"),
    ("__rsub__", "sub", "right", "other - self, for a number other"),
    ("__mul__", "mul", "left", "self * other"),
    ("__rmul__", "mul", "right", "other * self, for a number other"),
    ("__neg__", "neg", "unary", "-self"),
    ("relu", "relu", "unary", "max(0, self); derivative 1 where self > 0, else 0 (0 at the kink, as PyTorch)."),
)


def operator_source(method: str, rule: Rule, kind: str, doc: str) -> list[str]:
    constant = f"_{rule.name.upper()}"
    if kind == "left":
        head = [
            f"def {method}(self, other: Value | float) -> Value:",
            f'    """{doc}: the {rule.name} rule, {rule.formula}."""',
            "    a = self.data",
            "    if type(other) is Value:",
            "        b = other.data",
            "    elif type(other) is float and _NEG_INF < other < _INF:",
            "        b = other",
            "    else:  # an int becomes a float constant; inf, nan and non-numbers are refused",
            f"        other = b = finite_number(other, {quote(rule.name + ': operand')})",
        ]
        operands_ = ("self", "other")
    elif kind == "right":
        head = [
            f"def {method}(self, other: float) -> Value:",
            f'    """{doc}: the {rule.name} rule, {rule.formula}."""',
            f"    a = other = finite_number(other, {quote(rule.name + ': operand')})",
            "    b = self.data",
        ]
        operands_ = ("other", "self")
    else:
        head = [
            f"def {method}(self) -> Value:",
            f'    """{doc}"""' if method == "relu" else f'    """{doc}: the {rule.name} rule, {rule.formula}."""',
            "    a = self.data",
        ]
        operands_ = ("self", "None")
    body = [
        f"    data = {rule.formula}",
        "    if not _NEG_INF < data < _INF:",
        f"        raise _overflow({constant}, {operands_[0]}, {operands_[1]}, data)",
        "    out = _new(Value)  # as _node() below, inline: every slot is set",
        "    out.data = data",
        "    out.grad = 0.0",
        f"    out._rule = {constant}",
        f"    out._a = {operands_[0]}",
        f"    out._b = {operands_[1]}",
        '    out._label = ""',
        "    out._g = None",
        "    return out",
    ]
    return ["    " + x if x else "" for x in head + body]


def value_source(current: str) -> str:
    start, end = current.index(BEGIN), current.index(END)
    start = current.index("\n", start) + 1
    block = []
    for method, name, kind, doc in OPERATORS:
        block += operator_source(method, RULES[name], kind, doc) + [""]
    return current[:start] + "\n".join(block) + "\n" + current[end:]  # a blank line before END, as ruff format writes


# -- the command ----------------------------------------------------------------------------------


def outputs() -> dict[Path, str]:
    """Every generated file's path and the text it should have."""
    check_calls()
    value = PACKAGE / "value.py"
    return {
        PACKAGE / "_generated" / "formulas.py": formulas_source(),
        PACKAGE / "_generated" / "reverse.py": reverse_source(),
        value: value_source(value.read_text(encoding="utf-8")),
    }


def stale() -> list[Path]:
    """The generated files that differ from what rules.py says they should be."""
    return [p for p, text in outputs().items() if not p.exists() or p.read_text(encoding="utf-8") != text]


def main(argv: list[str]) -> int:
    if argv not in ([], ["--check"]):
        print("usage: python -m autograd._generated.generate [--check]", file=sys.stderr)
        return 2
    if argv == ["--check"]:
        out_of_step = stale()
        for path in out_of_step:
            print(f"{path.relative_to(PACKAGE.parent)} is out of step with autograd/rules.py", file=sys.stderr)
        if out_of_step:
            print("run: python -m autograd._generated.generate", file=sys.stderr)
        return 1 if out_of_step else 0
    for path, text in outputs().items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(PACKAGE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
