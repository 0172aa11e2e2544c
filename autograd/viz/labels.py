"""The texts of a drawing: what an operation node, an edge and a caption say, and how any text goes
into DOT so that it shows exactly as written. Kept apart from dot.py, so that the drawing reads
without the fine print of Graphviz's label syntax.
"""

from __future__ import annotations

import html
import re
import textwrap

from ..explain import format_number, local_name
from ..value import Value

MAX_PAIRS = 6  # constant pairs of a dot node written into its label
CAPTION_CHARS = 100  # caption lines are wrapped at this many characters (about 700 pt at 14 pt)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_WORD_JOINER = "\u2060"  # invisible: keeps two backslashes apart (see _html)


def _html(text: str) -> str:
    r"""text for the inside of an HTML-like DOT label, where it shows exactly as written.

    Every string the drawing puts into DOT (value labels, operation texts, edge labels, the
    caption) goes through here into an HTML-like label ``<...>``: html.escape covers < > & and
    quotes, and inside such a label a backslash is a plain character (no \l or \" escapes, no
    trailing backslash that swallows the closing quote) and braces and bars are plain text (they
    are special only in record labels, which are not used). A line break becomes <br/>, a tab a
    space, and any other control character, which XML and so SVG cannot hold, is shown as \xNN.
    The bundled graphviz-pure (0.2.2), unlike Graphviz, reads two backslashes in HTML-like text
    as one, so an invisible word joiner goes between them: both renderers then show every one.
    """
    lines = []
    for line in text.replace("\t", " ").splitlines() or [""]:
        line = _CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}", html.escape(line, quote=True))
        for _ in range(2):  # the second pass splits what the first left of a run of three or more
            line = line.replace("\\\\", "\\" + _WORD_JOINER + "\\")
        lines.append(line)
    return "<br/>".join(lines)


def _label(text: str) -> str:
    """An HTML-like DOT label showing text verbatim (see _html)."""
    return f"<{_html(text)}>"


def _constant(c: float) -> str:
    """A constant operand as a learner wrote it: 2.0, 0.5, (-1.0) (so 'x - (-1.0)' is not '- -1.0')."""
    text = f"{c:.6g}"
    if text.lstrip("-").isdigit():
        text += ".0"
    return f"({text})" if text.startswith("-") else text


def _operand_text(x: Value | float) -> str:
    return "." if isinstance(x, Value) else _constant(x)


def op_text(node: Value) -> str:
    """The label of node's operation node: its symbol, with constant operands folded in ('* 2.0')."""
    rule = node.rule
    assert rule is not None
    ops = node.operands
    if getattr(rule, "variadic", False):  # dot: a_0*b_0 + a_1*b_1 + ...
        n = len(ops) // 2
        if any(type(x) is Value and x.label for x in ops):  # as the derivation writes it: b + w1*x1 + ...
            terms = [_term(node, pair) for pair in zip(ops[:n], ops[n:])]
            more = [f"... ({n - MAX_PAIRS} more)"] if n > MAX_PAIRS else []
            shown = terms[:MAX_PAIRS] + more
            lines = [" + ".join(shown[i : i + 2]) for i in range(0, len(shown), 2)]  # two terms a line
            return " +\n".join(lines)
        if all(type(x) is Value for x in ops):
            return rule.symbol
        pairs = ["*".join(_operand_text(x) for x in pair) for pair in zip(ops[:n], ops[n:])]
        more_text = f" + ... ({n - MAX_PAIRS} more)" if n > MAX_PAIRS else ""
        return f"{rule.symbol}: " + " + ".join(pairs[:MAX_PAIRS]) + more_text
    if len(ops) == 1:
        return rule.symbol
    a, b = ops  # each exactly a Value or a float constant: the engine stores nothing else
    if not isinstance(b, Value):
        return f"{rule.symbol} {_constant(b)}"
    if not isinstance(a, Value):
        return f"{_constant(a)} {rule.symbol}"
    return rule.symbol


def _term(node: Value, pair: tuple[Value | float, Value | float]) -> str:
    """One product of a dot node, its operands named as in node's module: 'w1*x1', 'b' for b * 1.0."""
    shown = []
    for x in pair:
        if type(x) is Value:
            shown.append(_short_names(node.label, x.label)[1] if x.label else ".")
        elif x != 1.0 or len(shown) == 0 and type(pair[1]) is not Value and pair[1] == 1.0:
            shown.append(_constant(float(x)))
    return "*".join(shown) or "1.0"


def _short_names(out: str, inp: str) -> tuple[str, str]:
    """Two names without the dotted prefix they share: ('L1.n3.z', 'L1.n3.w2') -> ('z', 'w2')."""
    start = 0
    while (dot := out.find(".", start)) >= 0 and out[: dot + 1] == inp[: dot + 1]:
        start = dot + 1
    return out[start:], inp[start:]


def edge_text(out: str, inp: str, value: float, position: int | None = None) -> str:
    """An edge's local derivative: '∂c/∂a = -3.0000' when both ends have names, else the number.

    ∂ because it is a local derivative (one operation, everything else held fixed); a box's grad
    is a total one, d (as `explain` and the step captions write them, through explain.local_name).
    Names in the same module lose their shared prefix: ∂z/∂w2 inside L1.n3. position: given when
    the operation uses the value twice (x * x), so that each edge says which operand it is.
    """
    number = format_number(value)
    if out and inp:
        o, i = _short_names(out, inp)
        return f"{local_name(o, i, position)} = {number}"
    return number


def _counted(counts: dict[str, int], limit: int = 6) -> str:
    """'x 249 times, w 249 times' (the most copied first), at most `limit` names and how many more."""
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    shown = ", ".join(f"{name} {n:,} time{'s' if n > 1 else ''}" for name, n in ranked[:limit])
    return shown + (f" and {len(ranked) - limit:,} more" if len(ranked) > limit else "")


def _wrap(text: str, width: int = CAPTION_CHARS) -> list[str]:
    """A caption's lines, each at most `width` characters where it has spaces to break at."""
    return [part for line in text.splitlines() or [""] for part in (textwrap.wrap(line, width) or [""])]
