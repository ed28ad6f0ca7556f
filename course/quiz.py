"""The quiz, instructor side: the bank with its key (quiz_bank.toml), the
public bank the notebook receives, the notebook, and the trusted scoring.

Every question is a family: a parametrised question is released as a pool
of pre-rendered versions (course/quiz_pool.py: its numbers and its four
options, sorted; never the expressions behind them), and course/quiz_variant.py
draws one version and an option order per student from the student id and
the course seed. The notebook holds no key; the key is applied here, at
grading time, to the very same draw.

Scoring never executes a submission: each answer cell is parsed with `ast`
and must be exactly one assignment of a literal (`q3 = "B"`, `n1 = 17`,
`n3 = 1.408`); `ast.literal_eval` can only ever produce a plain
`str`/`int`/`float`, so a `str` subclass with a lying `__eq__` or any other
code simply scores 0.
"""
from __future__ import annotations

import ast
import inspect
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import quiz_pool, quiz_variant
from .notebooks import cell_meta as _meta
from .quiz_variant import LETTERS

BANK = Path(__file__).with_name("quiz_bank.toml")
QUIZ = "quiz"
NUMERIC = ("n1", "n2", "n3")
SETUP_ID = "quiz_setup"
BUILD_ID = "quiz_build"


# ---------------------------------------------------------------- the bank

def load_bank(path: Path = BANK) -> dict:
    """The bank with its key, checked: unique ids, known topics, a correct
    value and three distractors with catalogued misconceptions each."""
    with open(path, "rb") as f:
        bank = tomllib.load(f)
    ids: set = set()
    for q in bank["question"] + bank["numeric"]:
        if q["id"] in ids:
            raise ValueError(f"duplicate question id {q['id']!r}")
        ids.add(q["id"])
        if q["topic"] not in bank["topics"]:
            raise ValueError(f"{q['id']}: unknown topic {q['topic']!r}")
    for q in bank["question"]:
        if "correct" not in q or len(q.get("distractors", ())) != 3:
            raise ValueError(f"{q['id']}: need `correct` and three distractors")
        values = [q["correct"]] + [d[0] for d in q["distractors"]]
        if len(set(values)) != 4:
            raise ValueError(f"{q['id']}: the four candidates must differ")
        for _, mis in q["distractors"]:
            if mis not in bank["misconceptions"]:
                raise ValueError(f"{q['id']}: misconception {mis!r} is not catalogued")
    if [q["name"] for q in bank["numeric"]] != list(NUMERIC):
        raise ValueError(f"the free-answer questions must be named {NUMERIC}")
    for topic in bank["topics"]:
        if sum(q["topic"] == topic for q in bank["question"]) < bank["per_topic"]:
            raise ValueError(f"topic {topic!r} has fewer than per_topic questions")
    return bank


def quiz_length(bank: dict) -> int:
    return bank["per_topic"] * len(bank["topics"])


QUESTIONS_FILE = "quiz_questions.json"


def _public(bank: dict, seed: str = "", materialise: bool = False) -> dict:
    """The questions as the notebook receives them: per question its id,
    topic, text and `versions` (its pool: the values the text shows and the
    four options, sorted). No `correct`, no distractor, no misconception,
    no expression, no numeric `answer`, no lecture source. Lazily computed
    pools (the grader's) or lists (the notebook's)."""
    def versions(q, numeric=False):
        pool = quiz_pool.Pool(q, seed, numeric)
        return list(pool) if materialise else pool

    questions = [{"id": q["id"], "topic": q["topic"], "text": q["text"], "versions": versions(q)}
                 for q in bank["question"]]
    numeric = [{"id": q["id"], "topic": q["topic"], "text": q["text"], "versions": versions(q, True)}
               for q in bank["numeric"]]
    return {"topics": list(bank["topics"]), "per_topic": bank["per_topic"],
            "questions": questions, "numeric": numeric}


def public_bank(bank: dict, seed: str = "") -> dict:
    """What the notebook receives (course/quiz_variant.py reads it): every
    question's pre-rendered versions and nothing that marks the right
    option; the same whichever candidate the bank calls correct."""
    return _public(bank, seed, materialise=True)


def public_file(bank: dict, seed: str = "") -> str:
    """The released quiz_questions.json: the public bank as JSON."""
    return json.dumps(public_bank(bank, seed), ensure_ascii=False, separators=(",", ":")) + "\n"


def check_draw(bank: dict, fixed) -> list | None:
    """An instructor's fixed draw (the same questions for everyone): known,
    distinct ids, as many as the quiz has questions."""
    if not fixed:
        return None
    fixed = list(fixed)
    known = {q["id"] for q in bank["question"]}
    unknown = [i for i in fixed if i not in known]
    if unknown:
        raise ValueError(f"unknown question ids in the fixed draw: {unknown}")
    if len(set(fixed)) != len(fixed) or len(fixed) != quiz_length(bank):
        raise ValueError(f"a fixed draw lists {quiz_length(bank)} distinct question ids")
    return fixed


# ---------------------------------------------------------------- the key

@dataclass
class Item:
    """One question of one student's quiz, with its key."""
    name: str                 # q1..q20, n1..n3 (the answer variable)
    id: str                   # the bank's question id
    topic: str
    text: str                 # as the student sees it, options included
    correct: object           # the right letter, or the numeric value
    tolerance: float = 0.0
    misconceptions: dict = field(default_factory=dict)   # letter -> misconception id


def student_key(bank: dict, student: str, seed: str = "", fixed=None) -> list[Item]:
    """The student's quiz (the notebook's own draw, over the same versions)
    with its key."""
    pub = _public(bank, seed)
    quiz = quiz_variant.make_quiz(pub, student, seed, check_draw(bank, fixed))
    pools = {q["id"]: q["versions"] for q in pub["questions"] + pub["numeric"]}
    items = []
    for number, v in enumerate(quiz["mc"], 1):
        entry = pools[v["id"]].entry(v["version"])
        letters = {LETTERS[k]: entry.roles[i] for k, i in enumerate(v["order"])}
        correct = next(letter for letter, mis in letters.items() if mis is None)
        items.append(Item(f"q{number}", v["id"], v["topic"], quiz_variant.render(v, number), correct,
                          misconceptions={k: m for k, m in letters.items() if m}))
    numeric = {q["id"]: q for q in bank["numeric"]}
    for v in quiz["numeric"]:
        q = numeric[v["id"]]
        value = quiz_pool.evaluate(q["answer"], pools[v["id"]].entry(v["version"]).names)
        items.append(Item(q["name"], v["id"], v["topic"], quiz_variant.render_numeric(v, q["name"]),
                          value, tolerance=float(q.get("tolerance", 0))))
    return items


# ---------------------------------------------------------------- the notebook

def show_cell_id(name: str) -> str:
    return f"show_{name}"


def _setup_source(seed: str, fixed) -> str:
    engine = inspect.getsource(quiz_variant)
    return ("# The quiz generator (no answers in here). Run this cell first.\n"
            "import json\n\n"
            f"COURSE_SEED = {seed!r}\nFIXED_DRAW = {fixed!r}\n"
            f"with open({QUESTIONS_FILE!r}, encoding=\"utf-8\") as _f:\n"
            "    BANK = json.load(_f)  # every question's versions: texts and options, no key\n\n"
            + engine.split('"""', 2)[2].lstrip())


BUILD_SOURCE = '''\
import getpass as _getpass
import os as _os

_ME = str(STUDENT_ID or _os.environ.get("JUPYTERHUB_USER") or _getpass.getuser())
QUIZ = make_quiz(BANK, _ME, COURSE_SEED, FIXED_DRAW)
print(f"The quiz of {_ME!r}: {len(QUIZ['mc'])} multiple-choice and "
      f"{len(QUIZ['numeric'])} free-answer questions.")
'''


def quiz_notebook(bank: dict | None = None, seed: str = "", fixed=None) -> nbformat.NotebookNode:
    """The quiz notebook, the same for every student: the generator (which
    reads the public bank, `public_file`, released beside it), one locked
    cell per question that prints the student's version, an answer cell and
    a grade cell per question. No key."""
    bank = bank or load_bank()
    fixed = check_draw(bank, fixed)
    pts = bank.get("points_per_question", 1)
    n_mc = quiz_length(bank)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    nb.cells.append(md(
        f"# {bank['title']}\n\n"
        f"Your quiz is your own: {n_mc} multiple-choice questions drawn from a larger bank "
        f"({bank['per_topic']} per topic), with your own numbers and your own order of options, "
        "and three free-answer questions. It is computed from your student id (your course "
        "login) by the cells below; the grader computes the same quiz from the id you submit "
        "under.\n\n"
        "1. Run the first code cell (the generator), then set `STUDENT_ID` (or leave it empty "
        "to use your login) and run the next one.\n"
        "2. Run each question's cell to see it, and answer in the cell below it with ONE "
        "letter as a plain string literal, e.g. `q1 = \"B\"`; the free-answer questions with "
        "a number literal, e.g. `n1 = 42` or `n3 = 0.693`.\n\n"
        "Anything else (expressions, function calls, other types) scores 0. One point per "
        "question.", metadata=_meta("intro", locked=True)))
    nb.cells.append(code(_setup_source(seed, fixed), metadata=_meta(SETUP_ID, locked=True)))
    nb.cells.append(code('STUDENT_ID = ""  # your course login (empty: the login of this server)',
                         metadata=_meta("student_id", solution=True)))
    nb.cells.append(code(BUILD_SOURCE, metadata=_meta(BUILD_ID, locked=True)))
    for i in range(1, n_mc + 1):
        nb.cells.append(code(f"print(render(QUIZ['mc'][{i - 1}], {i}))",
                             metadata=_meta(show_cell_id(f"q{i}"), locked=True)))
        nb.cells.append(code(f'q{i} = ""  # "A", "B", "C" or "D"', metadata=_meta(f"q{i}", solution=True)))
        nb.cells.append(code(f'assert type(q{i}) is str and q{i} in ("A", "B", "C", "D"), '
                             f'"q{i} must be one of the strings \\"A\\", \\"B\\", \\"C\\", \\"D\\""',
                             metadata=_meta(f"test_q{i}", grade=True, locked=True, points=pts)))
    nb.cells.append(md("## Free-answer questions", metadata=_meta("numeric_intro", locked=True)))
    for k, name in enumerate(NUMERIC):
        nb.cells.append(code(f"print(render_numeric(QUIZ['numeric'][{k}], {name!r}))",
                             metadata=_meta(show_cell_id(name), locked=True)))
        nb.cells.append(code(f"{name} = None  # a number", metadata=_meta(name, solution=True)))
        nb.cells.append(code(f"assert type({name}) in (int, float), \"{name} must be a number\"",
                             metadata=_meta(f"test_{name}", grade=True, locked=True, points=pts)))
    return nb


def fill_questions(nb: nbformat.NotebookNode, items: list[Item]) -> None:
    """Put each question's text, as this student saw it, into the output of
    its locked cell (autograde clears outputs; the feedback shows them)."""
    texts = {show_cell_id(it.name): it.text for it in items}
    for cell in nb.cells:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if cell.get("cell_type") == "code" and gid in texts:
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=texts[gid] + "\n")]


# ---------------------------------------------------------------- scoring

def literal_answer(source: str, name: str):
    """The literal a cell assigns to `name`, or None when the cell is not a
    single `name = <str, int or float literal>` (comments allowed)."""
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
    return value if type(value) in (str, int, float) else None


@dataclass
class Outcome:
    """One answer, judged."""
    item: Item
    answer: object            # the literal, or None
    points: float
    misconception: str | None = None

    @property
    def correct(self) -> bool:
        return self.points > 0


def judge(item: Item, answer, pts: float) -> Outcome:
    if item.name.startswith("q"):
        ok = type(answer) is str and answer == item.correct
        mis = None if ok or type(answer) is not str else item.misconceptions.get(answer)
        return Outcome(item, answer, pts if ok else 0.0, mis)
    if item.tolerance == 0:
        ok = type(answer) is int and answer == item.correct
    else:
        ok = type(answer) in (int, float) and abs(answer - item.correct) <= item.tolerance
    return Outcome(item, answer, pts if ok else 0.0)


def comment(outcome: Outcome, misconceptions: dict) -> str:
    """What the student reads: the verdict and what a wrong option suggests,
    never the right answer."""
    it, ans = outcome.item, outcome.answer
    if ans is None:
        return f"{it.name}: not answered with a single literal assignment ({it.name} = ...)"
    if outcome.correct:
        return f"{it.name}: {ans!r} is correct"
    line = f"{it.name}: {ans!r} is incorrect"
    if it.name.startswith("q") and ans not in LETTERS:
        line += " (answer with one of the letters A, B, C, D)"
    elif outcome.misconception:
        line += f"; this option is what you get if one {misconceptions[outcome.misconception]}"
    elif it.tolerance:
        line += f" (answers within {it.tolerance:g} of the exact value count)"
    return line


def answer_cells(nb: nbformat.NotebookNode) -> dict:
    return {c.metadata.get("nbgrader", {}).get("grade_id"): c.get("source", "")
            for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("solution")}


def grade_quiz(nb: nbformat.NotebookNode, student: str, bank: dict | None = None, seed: str = "",
               fixed=None) -> list[Outcome]:
    """Every answer of one submitted notebook, judged against the key of the
    student's own quiz. The notebook is read as data."""
    bank = bank or load_bank()
    pts = bank.get("points_per_question", 1)
    cells = answer_cells(nb)
    return [judge(it, literal_answer(cells.get(it.name, ""), it.name), pts)
            for it in student_key(bank, student, seed, fixed)]


def student_id_note(nb: nbformat.NotebookNode, student: str) -> str | None:
    """A note when the notebook's STUDENT_ID names someone else: the quiz
    is graded as the submitter's, whose questions may differ."""
    given = literal_answer(answer_cells(nb).get("student_id", ""), "STUDENT_ID")
    if isinstance(given, str) and given and given != student:
        return (f"Note: your STUDENT_ID cell says {given!r}, but you submitted as {student!r}; "
                f"your quiz is graded as the quiz of {student!r}.")
    return None


def scores_of(outcomes: list[Outcome], misconceptions: dict, note: str | None = None) -> dict:
    """{test grade_id: (score, comment, answer grade_id)} of judged answers."""
    out = {}
    for o in outcomes:
        text = comment(o, misconceptions)
        if note and o.item.name == "q1":
            text = note + "\n" + text
        out[f"test_{o.item.name}"] = (o.points, text, o.item.name)
    return out


def score_quiz(nb: nbformat.NotebookNode, student: str, bank: dict | None = None, seed: str = "",
               fixed=None) -> dict:
    """{test grade_id: (score, comment, answer grade_id)} for one notebook."""
    bank = bank or load_bank()
    return scores_of(grade_quiz(nb, student, bank, seed, fixed), bank["misconceptions"],
                     student_id_note(nb, student))
