"""The quiz's numbers and options, grader side: never shipped to students.

A parametrised question is released as a pool of `POOL` pre-rendered
versions: the values its text shows and its four options, as the student
reads them, sorted. The expressions that compute the options (the bank's
`correct` and distractors), the derived values (`define`) and the
admissibility rules (`require`) stay here. Shipping the expressions would
mark the key: every distractor is one misconception away from the right
expression, so the expression most similar to the other three is the right
one far more often than by chance.

Entry `k` of a question's pool is drawn from SHA-256 of (course seed,
question id, k), never from `random`, so the build that writes the public
pool and the grader that applies the key compute the same entry in any
Python. Fixed questions are a pool of one: their four option texts, sorted.
"""
from __future__ import annotations

import math
import string
from dataclasses import dataclass

from .quiz_variant import Stream

#: Versions per parametrised question (free-answer questions included).
POOL = 64


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


FUNCTIONS = {
    "floor": math.floor, "ceil": math.ceil, "sqrt": math.sqrt, "exp": math.exp,
    "log": math.log, "log2": math.log2, "log10": math.log10, "tanh": math.tanh,
    "sigmoid": sigmoid, "abs": abs, "max": max, "min": min, "sum": sum, "len": len,
    "range": range, "round": round, "int": int, "float": float, "str": str, "zip": zip,
    "enumerate": enumerate, "list": list,
}


def evaluate(expr, names):
    """The value of a bank expression (Python syntax) over `names`."""
    scope = dict(FUNCTIONS)
    scope.update(names)
    scope["__builtins__"] = {}
    return eval(expr, scope)  # the bank's own expressions, never a student's


def draw_value(spec, stream):
    """One parameter: a list is a choice; {from, to[, step]} a grid (ints
    without step); {list = n} or {matrix = [r, c]} several such values."""
    if isinstance(spec, list):
        return spec[stream.below(len(spec))]
    if "matrix" in spec:
        rows, cols = spec["matrix"]
        scalar = {k: v for k, v in spec.items() if k != "matrix"}
        return [[draw_value(scalar, stream) for _ in range(cols)] for _ in range(rows)]
    if "list" in spec:
        scalar = {k: v for k, v in spec.items() if k != "list"}
        return [draw_value(scalar, stream) for _ in range(spec["list"])]
    lo, hi, step = spec["from"], spec["to"], spec.get("step")
    if step is None:
        return lo + stream.below(hi - lo + 1)
    count = int(round((hi - lo) / step)) + 1
    return round(lo + stream.below(count) * step, 10)


def show(value, fmt):
    """An option as the student sees it: `int`, `text`, or a float format
    such as `.4f` (ints stay ints under `auto`)."""
    if fmt == "text" or isinstance(value, str):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(show(v, fmt) for v in value) + "]"
    if fmt == "int":
        if value != int(value):
            raise ValueError(f"{value} is not an integer")
        return str(int(value))
    if fmt == "auto":
        return str(int(value)) if value == int(value) else f"{value:.2f}"
    out = format(value, fmt)
    return "0" + out[2:] if out.startswith("-0") and float(out) == 0 else out


def layout(value) -> str:
    """A parameter as it appears in a question text (matrices as rows)."""
    if isinstance(value, list) and value and isinstance(value[0], list):
        width = max(len(str(v)) for row in value for v in row)
        return "\n" + "\n".join("    " + "  ".join(str(v).rjust(width) for v in row) for row in value) + "\n"
    return str(value)


def numbers(question, stream):
    """The question's parameters and derived values, drawn until every
    `require` holds."""
    for _ in range(500):
        names = {name: draw_value(spec, stream) for name, spec in question.get("params", {}).items()}
        try:
            for name, expr in question.get("define", []):
                names[name] = evaluate(expr, names)
            if all(evaluate(r, names) for r in question.get("require", [])):
                return names
        except (ArithmeticError, ValueError, IndexError):
            continue
    raise RuntimeError(f"question {question['id']}: no admissible parameters")


def shown_values(text: str, names: dict) -> dict:
    """The values a question's text shows, as it shows them: only the fields
    the text names (a derived value the text does not show stays here)."""
    fields = {f for _, f, _, _ in string.Formatter().parse(text) if f}
    return {f: layout(names[f]) for f in sorted(fields)}


@dataclass(frozen=True)
class Entry:
    """One version of one question: what the student sees (`values`,
    `options`, sorted) and, grader side only, each option's role (None for
    the key, else the misconception it stands for) and the numbers."""
    values: dict
    options: tuple
    roles: tuple = ()
    names: dict | None = None

    def public(self) -> dict:
        return {"values": dict(self.values), "options": list(self.options)}


def candidates(question) -> list:
    """The right answer first, then the distractors (bank order)."""
    return [question["correct"]] + [d[0] for d in question["distractors"]]


def pool_size(question) -> int:
    return POOL if "params" in question else 1


def mc_entry(question, seed: str, k: int) -> Entry:
    """Entry k of a multiple-choice question's pool, with its key."""
    cands = candidates(question)
    roles = [None] + [d[1] for d in question["distractors"]]
    if "params" not in question:
        names: dict = {}
        shown = list(cands)
    else:
        stream = Stream("cnn-quiz-pool", seed, question["id"], k)
        fmt = question.get("format", "text")
        for _ in range(500):
            names = numbers(question, stream)
            try:
                shown = [show(evaluate(c, names), fmt) for c in cands]
            except (ArithmeticError, ValueError, IndexError):
                continue
            if len(set(shown)) == len(shown):
                break
        else:
            raise RuntimeError(f"question {question['id']}: no parameters with four distinct options")
    by_option = dict(zip(shown, roles, strict=True))
    options = tuple(sorted(shown))
    return Entry(shown_values(question["text"], names) if names else {}, options,
                 tuple(by_option[o] for o in options), names)


def numeric_entry(question, seed: str, k: int) -> Entry:
    """Entry k of a free-answer question's pool (no options)."""
    names = numbers(question, Stream("cnn-quiz-pool", seed, question["id"], k))
    return Entry(shown_values(question["text"], names), (), (), names)


class Pool:
    """A question's pool as a sequence of public entries (what the notebook
    holds), computed on demand: the grader draws a student's version with the
    notebook's own code over this, and reads the key with `entry(k)`."""

    def __init__(self, question, seed: str, numeric: bool = False):
        self.question, self.seed, self.numeric = question, str(seed), numeric
        self._entries: dict = {}

    def __len__(self) -> int:
        return pool_size(self.question)

    def entry(self, k: int) -> Entry:
        if not 0 <= k < len(self):
            raise IndexError(k)
        if k not in self._entries:
            make = numeric_entry if self.numeric else mc_entry
            self._entries[k] = make(self.question, self.seed, k)
        return self._entries[k]

    def __getitem__(self, k: int) -> dict:
        return self.entry(k).public()

    def __iter__(self):
        return (self[k] for k in range(len(self)))
