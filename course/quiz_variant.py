"""One student's quiz, drawn from the public bank (the bank without its key).

This module is copied verbatim into the quiz notebook, where it shows each
student their own questions, and the grader runs the very same code to know
what that student saw. It knows nothing of the key: the public bank lists
every question's candidate options (option texts, or expressions computed
from the question's numbers) in a neutral order (sorted), and nothing here
can tell the right one from the distractors. The key lives only in the
instructor's bank (course/quiz_bank.toml), read at grading time.

Everything is drawn from SHA-256 of (course seed, student id, question id),
never from `random` (whose algorithm may differ between Python versions), so
a student sees the same quiz in any Python and every regrade agrees:

* the draw: `per_topic` questions from every topic (or the instructor's
  fixed list of question ids, the same for everyone);
* per question: its numbers (redrawn until all four options differ as
  shown) and the order of its four options.
"""
import hashlib
import math

LETTERS = ("A", "B", "C", "D")


class Stream:
    """Deterministic integers from SHA-256 of a key and a counter."""

    def __init__(self, *key):
        self.key = ":".join(str(k) for k in key)
        self.count = 0

    def below(self, n):
        """An integer in [0, n)."""
        self.count += 1
        digest = hashlib.sha256(f"{self.key}:{self.count}".encode()).hexdigest()
        return int(digest, 16) % n

    def choice(self, seq):
        return seq[self.below(len(seq))]

    def shuffled(self, seq):
        """A permutation of seq (Fisher-Yates)."""
        out = list(seq)
        for i in range(len(out) - 1, 0, -1):
            j = self.below(i + 1)
            out[i], out[j] = out[j], out[i]
        return out


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
        return stream.choice(spec)
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


def layout(value):
    """A parameter as it appears in a question text (matrices as rows)."""
    if isinstance(value, list) and value and isinstance(value[0], list):
        width = max(len(str(v)) for row in value for v in row)
        return "\n" + "\n".join("    " + "  ".join(str(v).rjust(width) for v in row) for row in value) + "\n"
    return value


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


def variant(question, student, seed=""):
    """One student's version of one question: its text, the four options in
    the student's order, `order` (the index, in the public candidate list,
    behind each letter) and `names` (its numbers)."""
    stream = Stream("cnn-quiz", seed, student, question["id"])
    candidates = question["candidates"]
    fmt = question.get("format", "text")
    for _ in range(500):
        names = numbers(question, stream)
        if "params" in question:
            try:
                shown = [show(evaluate(c, names), fmt) for c in candidates]
            except (ArithmeticError, ValueError, IndexError):
                continue
        else:
            shown = list(candidates)
        if len(set(shown)) == len(shown):
            break
    else:
        raise RuntimeError(f"question {question['id']}: no parameters with four distinct options")
    order = stream.shuffled(range(len(candidates)))
    text = question["text"].format(**{k: layout(v) for k, v in names.items()}) if names else question["text"]
    return {"id": question["id"], "topic": question["topic"], "text": text,
            "options": [shown[i] for i in order], "order": order, "names": names}


def numeric_variant(question, student, seed=""):
    """One student's version of a free-answer question: its text and numbers."""
    stream = Stream("cnn-quiz", seed, student, question["id"])
    names = numbers(question, stream)
    text = question["text"].format(**{k: layout(v) for k, v in names.items()})
    return {"id": question["id"], "topic": question["topic"], "text": text, "names": names}


def draw(bank, student, seed="", fixed=None):
    """The ids of the student's multiple-choice questions: the instructor's
    fixed list, or `per_topic` questions from every topic, topic by topic."""
    if fixed:
        return list(fixed)
    stream = Stream("cnn-quiz-draw", seed, student)
    ids = []
    for topic in bank["topics"]:
        pool = [q["id"] for q in bank["questions"] if q["topic"] == topic]
        ids += stream.shuffled(pool)[:bank["per_topic"]]
    return ids


def make_quiz(bank, student, seed="", fixed=None):
    """The student's whole quiz: {"mc": [...], "numeric": [...]}."""
    by_id = {q["id"]: q for q in bank["questions"]}
    return {"student": str(student),
            "mc": [variant(by_id[i], student, seed) for i in draw(bank, student, seed, fixed)],
            "numeric": [numeric_variant(q, student, seed) for q in bank["numeric"]]}


def render(question, number):
    """A multiple-choice question as printed in the notebook and the feedback."""
    lines = [f"Question {number} ({question['topic']}). {question['text']}", ""]
    lines += [f"  {letter}. {option}" for letter, option in zip(LETTERS, question["options"], strict=True)]
    return "\n".join(lines)


def render_numeric(question, name):
    return f"{name} ({question['topic']}). {question['text']}"
