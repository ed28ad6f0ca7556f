"""The quiz: the notebook built from quiz_bank.toml (questions and options,
never the key), the per-student numeric questions, and the trusted scoring.

Scoring never executes a submission: each answer cell is parsed with `ast`
and must be exactly one assignment of a literal (`q3 = "B"`, `n1 = 17`);
`ast.literal_eval` can only ever produce a plain `str`/`int`, so a `str`
subclass with a lying `__eq__` or any other code simply scores 0.
"""
from __future__ import annotations

import ast
import inspect
import tomllib
from pathlib import Path

import nbformat

from .notebooks import cell_meta as _meta

BANK = Path(__file__).with_name("quiz_bank.toml")
LETTERS = ("A", "B", "C", "D")
QUIZ = "quiz"


def load_bank(path: Path = BANK) -> dict:
    with open(path, "rb") as f:
        bank = tomllib.load(f)
    for i, q in enumerate(bank["question"], 1):
        if len(q["options"]) != 4 or q["answer"] not in LETTERS:
            raise ValueError(f"question {i}: need 4 options and an answer among A-D")
    return bank


# -- numeric questions: the parameters are public (this very function is
# -- copied into the notebook), the answers are computed only here.

def numeric_params(student_id):
    """The numbers of the three numeric questions for one student (seeded
    by the student id; the same function runs in the notebook)."""
    import hashlib
    import random
    rng = random.Random(int(hashlib.sha256(("cnn-quiz:" + str(student_id)).encode()).hexdigest(), 16))
    k, d = rng.choice([3, 5, 7]), rng.choice([1, 2, 3])
    n = d * (k - 1) + 1 + rng.randint(8, 60)
    size = {"n": n, "k": k, "s": rng.choice([1, 2, 3]), "p": rng.randint(0, 3), "d": d}
    count = {"c_in": rng.randint(1, 16), "c_out": rng.choice([4, 8, 16, 32, 64]), "k": rng.choice([3, 5, 7])}
    field = {"k": 3, "dilations": [rng.choice([1, 2, 4]) for _ in range(rng.randint(2, 4))]}
    return {"n1": size, "n2": count, "n3": field}


def numeric_text(student_id):
    p = numeric_params(student_id)
    a, b, c = p["n1"], p["n2"], p["n3"]
    return [
        ("n1", f"A convolution with a {a['k']}x{a['k']} kernel, stride {a['s']}, padding {a['p']} "
               f"and dilation {a['d']} is applied to a {a['n']}x{a['n']} input. What is the output "
               "height?"),
        ("n2", f"A convolutional layer maps {b['c_in']} input channels to {b['c_out']} output "
               f"channels with {b['k']}x{b['k']} kernels and one bias per output channel. How many "
               "learnable parameters does it have?"),
        ("n3", f"{len(c['dilations'])} convolutions with {c['k']}x{c['k']} kernels and stride 1 "
               f"are stacked, with dilations {c['dilations']} (first layer first). What is the "
               "receptive field (height) of one output unit of the last layer on the input?"),
    ]


def numeric_answers(student_id) -> dict:
    """The correct answers, computed (never stored)."""
    p = numeric_params(student_id)
    a, b, c = p["n1"], p["n2"], p["n3"]
    return {
        "n1": (a["n"] + 2 * a["p"] - a["d"] * (a["k"] - 1) - 1) // a["s"] + 1,
        "n2": (b["k"] * b["k"] * b["c_in"] + 1) * b["c_out"],
        "n3": 1 + sum(d * (c["k"] - 1) for d in c["dilations"]),
    }


NUMERIC = ("n1", "n2", "n3")


def quiz_notebook(bank: dict | None = None) -> nbformat.NotebookNode:
    """Questions, options and answer cells; no key, no hidden test."""
    bank = bank or load_bank()
    pts = bank.get("points_per_question", 1)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    nb.cells.append(md(f"# {bank['title']}\n\nAnswer each question by assigning ONE letter as a "
                       "plain string literal, e.g. `q1 = \"B\"`, and each numeric question by an "
                       "integer literal, e.g. `n1 = 42`. Anything else (expressions, function "
                       "calls, other types) scores 0. One point per question.",
                       metadata=_meta("intro", locked=True)))
    for i, q in enumerate(bank["question"], 1):
        opts = "\n".join(f"- **{letter}.** {o}" for letter, o in zip(LETTERS, q["options"], strict=False))
        nb.cells.append(md(f"**Question {i}.** {q['text']}\n\n{opts}",
                           metadata=_meta(f"text_q{i}", locked=True)))
        nb.cells.append(code(f'q{i} = ""  # "A", "B", "C" or "D"', metadata=_meta(f"q{i}", solution=True)))
        nb.cells.append(code(f'assert type(q{i}) is str and q{i} in ("A", "B", "C", "D"), '
                             f'"q{i} must be one of the strings \\"A\\", \\"B\\", \\"C\\", \\"D\\""',
                             metadata=_meta(f"test_q{i}", grade=True, locked=True, points=pts)))
    src = inspect.getsource(numeric_params) + "\n\n" + inspect.getsource(numeric_text)
    nb.cells.append(md("## Numeric questions\n\nYour numbers depend on your student id (your "
                       "login on the course server). Set `STUDENT_ID` below, run the cell and "
                       "answer with integers. The grader uses the id you submitted under.",
                       metadata=_meta("numeric_intro", locked=True)))
    nb.cells.append(code('STUDENT_ID = ""  # your course login', metadata=_meta("student_id", solution=True)))
    show = "\n\nfor _name, _text in numeric_text(STUDENT_ID):\n    print(_name + ':', _text)\n"
    nb.cells.append(code(src + show,
                         metadata=_meta("numeric_questions", locked=True)))
    for name in NUMERIC:
        nb.cells.append(code(f"{name} = None  # an integer", metadata=_meta(name, solution=True)))
        nb.cells.append(code(f"assert type({name}) is int, \"{name} must be an integer\"",
                             metadata=_meta(f"test_{name}", grade=True, locked=True, points=pts)))
    return nb


def literal_answer(source: str, name: str):
    """The literal a cell assigns to `name`, or None when the cell is not a
    single `name = <str or int literal>` (comments allowed)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Assign):
        return None
    node = tree.body[0]
    if len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name) or node.targets[0].id != name:
        return None
    if not isinstance(node.value, (ast.Constant, ast.UnaryOp)):
        return None
    try:
        value = ast.literal_eval(node.value)
    except (ValueError, SyntaxError, TypeError):
        return None
    return value if type(value) in (str, int) else None


def score_quiz(nb: nbformat.NotebookNode, student_id: str, bank: dict | None = None) -> dict:
    """{test grade_id: (score, comment)} for one submitted quiz notebook,
    read as data. Comments say right or wrong, never the right answer."""
    bank = bank or load_bank()
    pts = bank.get("points_per_question", 1)
    cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c.get("source", "")
             for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("solution")}
    key = {f"q{i}": q["answer"] for i, q in enumerate(bank["question"], 1)}
    key.update(numeric_answers(student_id))
    out = {}
    for name, want in key.items():
        got = literal_answer(cells.get(name, ""), name)
        if got is None:
            ok, why = False, "not answered with a single literal assignment"
        else:
            ok = type(got) is type(want) and got == want
            why = "correct" if ok else "incorrect"
        out[f"test_{name}"] = (pts if ok else 0.0, f"{name}: {why}", name)
    return out
