"""One student's quiz, drawn from the public questions (no key, no formulas).

This module is copied verbatim into the quiz notebook, where it shows each
student their own questions, and the grader runs the very same code to know
what that student saw. It knows nothing of the key and computes nothing:
every question comes as a pool of pre-rendered versions (the values its text
shows and its four options, sorted), and nothing here or in the pool can
tell the right option from the distractors. How the options were computed
and which one is right stay on the grader's side (course/quiz_pool.py and
the instructor's course/quiz_bank.toml).

Everything is drawn from SHA-256 of (course seed, student id, question id),
never from `random` (whose algorithm may differ between Python versions), so
a student sees the same quiz in any Python and every regrade agrees:

* the draw: `per_topic` questions from every topic (or the instructor's
  fixed list of question ids, the same for everyone);
* per question: its version (one of its pool) and the order of its options.
"""
import hashlib

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

    def shuffled(self, seq):
        """A permutation of seq (Fisher-Yates)."""
        out = list(seq)
        for i in range(len(out) - 1, 0, -1):
            j = self.below(i + 1)
            out[i], out[j] = out[j], out[i]
        return out


def _text(question, entry):
    values = entry["values"]
    return question["text"].format(**values) if values else question["text"]


def variant(question, student, seed=""):
    """One student's version of one question: its text, the four options in
    the student's order, `version` (its entry in the question's pool) and
    `order` (the index, in the entry's sorted options, behind each letter)."""
    stream = Stream("cnn-quiz", seed, student, question["id"])
    version = stream.below(len(question["versions"]))
    entry = question["versions"][version]
    order = stream.shuffled(range(len(entry["options"])))
    return {"id": question["id"], "topic": question["topic"], "text": _text(question, entry),
            "options": [entry["options"][i] for i in order], "order": order, "version": version}


def numeric_variant(question, student, seed=""):
    """One student's version of a free-answer question: its text."""
    stream = Stream("cnn-quiz", seed, student, question["id"])
    version = stream.below(len(question["versions"]))
    return {"id": question["id"], "topic": question["topic"],
            "text": _text(question, question["versions"][version]), "version": version}


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
