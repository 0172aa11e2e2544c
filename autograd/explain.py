"""Gradients as sums over chain-rule paths: d output / d wrt, one product of local derivatives per path.

The chain rule says that d(output)/d(wrt) is the sum, over every path from ``wrt`` to ``output``
in the graph, of the product of the local derivatives along that path. `explain` shows exactly
that: each path's factors (named after node labels, e.g. ``dL/da3 * da3/dz3 * dz3/dW3``), their
values, each product, and the sum, which equals the gradient ``backward`` computes.

Paths multiply quickly (a lattice of diamonds has binomially many), so they are counted and
summed by dynamic programming over the topological order, never by listing them; only the first
``max_paths`` are listed for printing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass

from .backward import grad
from .graph import Edge, edges, topological_order
from .value import Value

__all__ = ["explain", "Explanation", "Path", "Factor", "format_number", "local_derivatives", "node_names"]


def format_number(x: float) -> str:
    """A number as drawings and explanations print it: at least 4 decimals and 4 significant digits.

    0.0000, 2.0000, -0.4200, 0.01235, 0.001235; below 0.001 or from 1e9 on, e-notation: 2.4577e-05.
    """
    if not math.isfinite(x):
        return "undefined" if math.isnan(x) else str(x)
    x = x + 0.0  # -0.0 prints as 0.0000
    size = abs(x)
    if size >= 1e9 or 0.0 < size < 1e-3:
        return f"{x:.4e}"
    decimals = 4 if size == 0.0 or size >= 0.1 else 3 - math.floor(math.log10(size))
    return f"{x:.{decimals}f}"


def local_derivatives(node: Value, errors: str = "raise") -> tuple[float | None, ...]:
    """d node / d operand for each of node.operands, in order (() for a leaf); None for a constant.

    The rules are evaluated on floats, as `backward` does. errors="nan" turns a derivative that
    cannot be computed at this point (d/dx x ** 0 at x = 0) into nan instead of raising, so a
    drawing can still show the rest.
    """
    found: list[float | None] = [None] * len(node.operands)
    for edge in edges(node):
        try:
            found[edge.position] = edge.local()
        except (ArithmeticError, ValueError):
            if errors != "nan":
                raise
            found[edge.position] = math.nan
    return tuple(found)


def node_names(order: list[Value]) -> dict[Value, str]:
    """Each node's label, or v<i> (its index in topological order) when it has none."""
    return {node: node.label or f"v{i}" for i, node in enumerate(order)}


def _latex_name(name: str) -> str:
    r"""'a3' -> 'a_{3}', 'W_1' -> 'W_{1}', 'loss' -> '\mathrm{loss}'; anything odd goes in \text{}."""
    m = re.fullmatch(r"([A-Za-z]+)_?(\d+)", name) or re.fullmatch(r"([A-Za-z]+)_([A-Za-z0-9]+)", name)
    if m:
        base, sub = m.groups()
        return f"{_latex_name(base)}_{{{sub}}}"
    if re.fullmatch(r"[A-Za-z]", name):
        return name
    if re.fullmatch(r"[A-Za-z]+", name):
        return rf"\mathrm{{{name}}}"
    escaped = re.sub(r"([\\{}$&#^_%~])", lambda c: "\\textbackslash{}" if c[1] == "\\" else "\\" + c[1], name)
    return rf"\text{{{escaped}}}"


def _latex_number(x: float) -> str:
    text = format_number(x)
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return f"({text})" if x < 0 else text


# -- results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Factor:
    """One local derivative on a path: d out / d inp, its value, and its name ('dL/da3')."""

    out: Value
    inp: Value
    operand: int  # inp's index in out.operands; x * x has two factors dv/dx, at 0 and 1
    value: float
    name: str
    latex: str

    def __str__(self) -> str:
        return f"{self.name} = {format_number(self.value)}"


@dataclass(frozen=True)
class Path:
    """One path from wrt up to output: its nodes (output first, wrt last), its factors and their product.

    factors[i] is d nodes[i] / d nodes[i + 1], so the factors read like the chain rule:
    dL/da3 * da3/dz3 * dz3/dW3.
    """

    nodes: tuple[Value, ...]
    factors: tuple[Factor, ...]

    @property
    def product(self) -> float:
        """The product of the local derivatives along the path (1.0 for the empty path)."""
        return math.prod(f.value for f in self.factors)

    def __str__(self) -> str:
        if not self.factors:
            return "(empty path: output is wrt) = 1.0000"
        names = " * ".join(f.name for f in self.factors)
        if len(self.factors) == 1:
            return f"{names} = {format_number(self.product)}"
        values = " * ".join(format_number(f.value) for f in self.factors)
        return f"{names}\n= {values} = {format_number(self.product)}"


MAX_WHERE = 12  # definitions of unlabeled nodes printed under an explanation

_Step = tuple[Edge, float]  # an edge on a path and its local derivative


@dataclass(frozen=True, eq=False)
class Explanation:
    """d output / d wrt as a sum over paths.

    `count` is the number of paths (exact, counted without listing them), `paths` the first
    `max_paths` of them, `truncated` whether some were left out, and `total` the sum of the
    products over ALL paths (exact, computed by dynamic programming): it equals the gradient.
    """

    output: Value
    wrt: Value
    count: int
    total: float
    paths: tuple[Path, ...]
    max_paths: int
    names: dict[Value, str]

    @property
    def truncated(self) -> bool:
        """True when there are more paths than were listed."""
        return self.count > len(self.paths)

    @property
    def name(self) -> str:
        """'dL/dx' for output L and wrt x."""
        return f"d{self.names[self.output]}/d{self.names[self.wrt]}"

    def _where(self) -> list[str]:
        """Definitions of the unlabeled nodes (v<i>) that the listed paths mention."""
        seen: dict[Value, None] = {}
        for path in self.paths:
            for node in path.nodes:
                if not node.label:
                    seen[node] = None
        lines = []
        for node in seen:
            parts = [self.names[x] if type(x) is Value else repr(x) for x in node.operands]
            rule = node.rule
            if rule is None:
                expr = "a leaf"
            elif getattr(rule, "variadic", False):
                n = len(parts) // 2
                expr = " + ".join(f"{x} * {y}" for x, y in zip(parts[:n], parts[n:]))
            elif len(parts) == 2:
                expr = f"{parts[0]} {rule.symbol} {parts[1]}"
            else:
                expr = f"{rule.symbol}({parts[0]})"
            lines.append(f"{self.names[node]} = {expr} = {format_number(node.data)}")
        return lines

    def __str__(self) -> str:
        out, wrt = self.names[self.output], self.names[self.wrt]
        if self.count == 0:
            return f"{self.name} = 0: no path leads from {wrt} to {out}, so {out} does not depend on {wrt}."
        plural = "path" if self.count == 1 else "paths"
        head = f"{self.name} = sum over {self.count:,} {plural} from {wrt} to {out}"
        lines = [f"{head} of the product of local derivatives"]
        width = len(str(len(self.paths)))
        for i, path in enumerate(self.paths, 1):
            head = f"  path {i:>{width}}: "
            lines.append(head + str(path).replace("\n", "\n" + " " * (len(head) - 2)))
        if self.truncated:
            lines.append(
                f"  ... {self.count - len(self.paths):,} more paths not listed (max_paths={self.max_paths}); "
                f"the sum below is over all {self.count:,}, computed without listing them"
            )
        lines.append(f"{self.name} = {format_number(self.total)}")
        where = self._where()
        if where:
            more = f"; ... ({len(where) - MAX_WHERE} more)" if len(where) > MAX_WHERE else ""
            lines.append("where " + "; ".join(where[:MAX_WHERE]) + more)
        return "\n".join(lines)

    def __repr__(self) -> str:  # the derivation itself, so typing explain(L, x) at a prompt shows it
        return str(self)

    def _repr_latex_(self) -> str:
        """The derivation in the notation of the seeds: symbolic chain rule, then numbers, then the sum."""
        out, wrt = _latex_name(self.names[self.output]), _latex_name(self.names[self.wrt])
        lhs = rf"\frac{{\partial {out}}}{{\partial {wrt}}}"
        if self.count == 0:
            return rf"$${lhs} = 0 \quad \text{{(no path)}}$$"
        symbolic = [r" \cdot ".join(f.latex for f in p.factors) or "1" for p in self.paths]
        numeric = [r" \cdot ".join(_latex_number(f.value) for f in p.factors) or "1" for p in self.paths]
        products = [_latex_number(p.product) for p in self.paths]
        more = (
            rf" \\ &\quad + \dots \text{{ ({self.count - len(self.paths):,} more paths)}}"
            if self.truncated
            else ""
        )

        def block(terms: list[str]) -> str:
            return r" \\ &\quad + ".join(terms) + more

        rows = [f"{lhs} &= {block(symbolic)}", f"&= {block(numeric)}"]
        if any(len(p.factors) > 1 for p in self.paths) and len(self.paths) > 1:
            rows.append(f"&= {block(products)}")
        if len(self.paths) > 1 or self.truncated or any(len(p.factors) > 1 for p in self.paths):
            rows.append(f"&= {_latex_number(self.total).strip('()')}")
        return "$$\n\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}\n$$"


# -- the computation -----------------------------------------------------------------------------


def _depends(order: list[Value], wrt: Value) -> dict[Value, int]:
    """Number of paths from wrt to each node that depends on wrt (missing = 0)."""
    count: dict[Value, int] = {}
    for node in order:
        if node is wrt:
            count[node] = 1
            continue
        n = sum(count.get(edge.operand, 0) for edge in edges(node))
        if n:
            count[node] = n
    return count


def _iter_paths(output: Value, wrt: Value, count: dict[Value, int], names: dict[Value, str]) -> Iterator[Path]:
    """Every path from output down to wrt, depth first, without recursion (graphs can be deep)."""
    if output not in count:
        return

    def steps(node: Value) -> list[_Step]:
        return [(edge, edge.local()) for edge in edges(node) if edge.operand in count]

    stack: list[Iterator[_Step]] = []  # one iterator over the remaining edges per node on the path
    taken: list[_Step] = []  # the edges from output down to the current node
    node = output
    while True:
        if node is wrt:
            yield _make_path(output, taken, names)
            stack.append(iter(()))  # a path ends here: backtrack
        else:
            stack.append(iter(steps(node)))
        while stack:
            nxt = next(stack[-1], None)
            if nxt is not None:
                taken.append(nxt)
                node = nxt[0].operand
                break
            stack.pop()
            if taken:
                taken.pop()
        else:
            return


def _make_path(output: Value, taken: list[_Step], names: dict[Value, str]) -> Path:
    factors = []
    for edge, d in taken:
        no, ni = names[edge.node], names[edge.operand]
        latex = rf"\frac{{\partial {_latex_name(no)}}}{{\partial {_latex_name(ni)}}}"
        factors.append(Factor(edge.node, edge.operand, edge.position, d, f"d{no}/d{ni}", latex))
    return Path((output, *(edge.operand for edge, _ in taken)), tuple(factors))


def explain(output: Value, wrt: Value, max_paths: int = 20) -> Explanation:
    """Explain d output / d wrt as the sum over all paths of the product of local derivatives.

    Nodes are named by their labels (unlabeled ones v<i>, their index in topological order).
    Only the first `max_paths` paths are listed; `count` and `total` always cover all of them.
    """
    if type(output) is not Value or type(wrt) is not Value:
        raise TypeError(
            f"explain(output, wrt) takes two Values, got {type(output).__name__} and {type(wrt).__name__}"
        )
    if isinstance(max_paths, bool) or not isinstance(max_paths, int) or max_paths < 0:
        raise ValueError(f"explain: max_paths must be an int >= 0, got {max_paths!r}")
    order = topological_order(output)
    names = node_names(order)
    if wrt not in names:
        names[wrt] = wrt.label or "x"
    count = _depends(order, wrt)
    paths: list[Path] = []
    if max_paths:
        for path in _iter_paths(output, wrt, count, names):
            paths.append(path)
            if len(paths) >= max_paths:
                break
    return Explanation(
        output=output,
        wrt=wrt,
        count=count.get(output, 0),
        total=grad(output, [wrt])[0].data if wrt in count else 0.0,
        paths=tuple(paths),
        max_paths=max_paths,
        names=names,
    )
