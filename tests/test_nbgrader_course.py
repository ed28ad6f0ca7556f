"""End to end through REAL nbgrader (no mocks): build the course (with a
course seed for the quiz), release, five students fetch and submit (each
with its own HOME), collect, autograde (+ the trusted step), feedback,
export; exact grades for a correct, a wrong and an adversarial student, and
two malformed quiz notebooks (a fake grade cell, a duplicated answer cell)
reported as errors with their reason while every other student is graded.

Every student has their own quiz variant (questions, numbers, option order);
the answers are computed here from each student's key, as the grader does.
The coding part is restricted to the padding and conv modules (3 tasks,
20 examples per part) to keep the test short; the quiz is complete.
"""
from __future__ import annotations

import copy
import csv
import html
import json
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import nbformat  # noqa: E402

from course import quiz  # noqa: E402
from course.autograde import autograde, export_csv  # noqa: E402
from course.build import COURSE_ID, build, make_api  # noqa: E402

pytestmark = pytest.mark.slow
MODULES = ["padding", "conv"]
EXAMPLES = 20
QUIZ_MAX = 23.0   # 20 MC + 3 numeric
SEED = "e2e-course"
CNN_MAX = 20.0    # pad2d 4 + conv_output_size 2 + conv2d 14 (grader/rubric.toml)


# ---------------------------------------------------------------- students

def _student_config(exchange: Path, home: Path, student: str):
    from traitlets.config import Config
    c = Config()
    c.CourseDirectory.course_id = COURSE_ID
    c.CourseDirectory.root = str(home / "work")
    c.CourseDirectory.student_id = student
    c.Exchange.root = str(exchange)
    c.Exchange.timezone = "UTC"
    c.Exchange.assignment_dir = str(home / "work")
    c.Exchange.cache = str(home / ".local/share/jupyter/nbgrader_cache")
    return c


def _exchange_app(cls_name, exchange, home, student, assignment, monkeypatch):
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange import default as ex
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USER", student)
    c = _student_config(exchange, home, student)
    cd = CourseDirectory(config=c)
    cd.assignment_id = assignment
    app = getattr(ex, cls_name)(coursedir=cd, authenticator=Authenticator(config=c), config=c)
    app.start()


def _set_cell(nb, grade_id, source):
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            cell.source = source
            return
    raise KeyError(grade_id)


def _edit(path: Path, changes: dict, extra_cells=()):
    nb = nbformat.read(str(path), as_version=4)
    for gid, src in changes.items():
        _set_cell(nb, gid, src)
    for src in extra_cells:
        nb.cells.append(nbformat.v4.new_code_cell(src))
    nbformat.write(nb, str(path))


def _solution(module: str) -> str:
    """The reference module's source (for the correct students' notebooks),
    with NumPy's array namespace in place of the solutions' own helper."""
    source = (REPO / "solutions" / f"{module}.py").read_text()
    return source.replace("from .xp import array_namespace, device",
                          "from array_api_compat import array_namespace, device")


def _quiz_answers(student: str, wrong=False, overrides=None) -> dict:
    """The answer cells of a student's own quiz: all right, or (wrong=True)
    every multiple-choice answer a distractor and every number off."""
    changes = {"student_id": f'STUDENT_ID = "{student}"'}
    for it in quiz.student_key(quiz.load_bank(), student, SEED):
        if it.name.startswith("q"):
            letter = sorted(it.misconceptions)[0] if wrong else it.correct
            changes[it.name] = f'{it.name} = "{letter}"'
        else:
            value = it.correct + 1 if wrong else (round(it.correct, 3) if it.tolerance else it.correct)
            changes[it.name] = f"{it.name} = {value!r}"
    changes.update(overrides or {})
    return changes


def _conv_correct():
    return {"conv_conv2d": _solution("conv")}


def _conv_partly_wrong():
    # conv_output_size stays the stub (NotImplementedError); conv2d correct.
    return {"conv_conv2d": _solution("conv").replace("conv_output_size", "_size")}


def _adversary(gradebook: Path, key_file: Path):
    quiz_changes = {
        # a str subclass whose == is always True
        "q1": "class S(str):\n    def __eq__(self, other):\n        return True\n"
              "    __hash__ = str.__hash__\n\nq1 = S('A')",
        # reads the bank (with its key) from disk
        "q2": f"import tomllib\nq2 = tomllib.load(open({str(key_file)!r}, 'rb'))['question'][1]['correct']",
        # a detached process in the quiz too (never executed by the course)
        "q3": f"import subprocess, sys\nsubprocess.Popen([sys.executable, '-c', 'import sqlite3; "
              f"sqlite3.connect({str(gradebook)!r}).execute(\"delete from grade\")'], "
              "start_new_session=True)\nq3 = 'A'",
    }
    detach = (
        "import subprocess as _sp, sys as _sys\n"
        "_sp.Popen([_sys.executable, '-c', 'import time, sqlite3\\ntime.sleep(3)\\n"
        f"c = sqlite3.connect({str(gradebook)!r})\\n"
        "c.execute(\"update grade set manual_score = 100, auto_score = 100\")\\nc.commit()'],"
        " start_new_session=True, stdout=_sp.DEVNULL, stderr=_sp.DEVNULL)\n"
        "try:\n"
        f"    _KEY = open({str(key_file)!r}).read()\n"
        "except OSError:\n"
        "    _KEY = None\n"
    )
    conv = {
        "conv_conv_output_size": "import os\n\n"
                                 "def conv_output_size(n, kernel_size, stride=1, padding=0, dilation=1):\n"
                                 "    os._exit(0)\n",
        "conv_conv2d": detach + "np.allclose = lambda *a, **k: True\nnp.isclose = lambda *a, **k: True\n"
                       "np.array_equal = lambda *a, **k: True\n"
                       "np.testing.assert_allclose = lambda *a, **k: None\n\n"
                       "def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):\n"
                       "    return np.full_like(x, 12345.0)\n",
    }
    return quiz_changes, conv


# ---------------------------------------------------------------- the test

def _malform(path: Path, how: str):
    nb = nbformat.read(str(path), as_version=4)
    if how == "fake grade cell":
        cell = nbformat.v4.new_code_cell("bonus = 'A'")
        cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": False,
                                     "grade_id": "bonus", "points": 100}
        nb.cells.append(cell)
    else:  # a duplicated answer cell
        i = next(k for k, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "q2")
        nb.cells.insert(i + 1, copy.deepcopy(nb.cells[i]))
    nbformat.write(nb, str(path))


def _swapped_key(bank):
    b = copy.deepcopy(bank)
    for q in b["question"]:
        (d, mis), rest = q["distractors"][0], q["distractors"][1:]
        q["distractors"], q["correct"] = [[q["correct"], mis]] + rest, d
    for q in b["numeric"]:
        q["answer"] = "0"
    return b


def test_course_end_to_end(tmp_path, monkeypatch):
    t0 = time.perf_counter()
    root, exchange = tmp_path / "course", tmp_path / "exchange"
    build(root, exchange, modules=MODULES, timeout=30, quiz_seed=SEED)
    t_build = time.perf_counter() - t0
    assert (exchange.stat().st_mode & 0o777) == 0o777
    cfg = (root / "nbgrader_config.py").read_text()
    for needle in ("CourseDirectory.root", "Exchange.root", 'Exchange.timezone = "UTC"',
                   "Execute.timeout = 30", "exclude_overwriting", "'conv.py'", f"QUIZ_SEED = {SEED!r}"):
        assert needle in cfg
    bank = quiz.load_bank()
    # nothing secret in the course folder or the release
    released = "".join(p.read_text(errors="replace") for p in (root / "release").rglob("*") if p.is_file())
    source = "".join(p.read_text(errors="replace") for p in (root / "source").rglob("*") if p.is_file())
    for text in (released, source):
        for word in ("correct", "distractors", "misconception", "tolerance"):
            assert f"'{word}'" not in text and f'\\"{word}\\"' not in text, word
        assert "numeric_answers" not in text and "student_key" not in text
        assert all(q["answer"] not in text for q in bank["numeric"])
    # the released quiz is the very notebook a bank with another key gives
    rel = nbformat.read(str(root / "release" / "quiz" / "quiz.ipynb"), as_version=4)
    other = quiz.quiz_notebook(_swapped_key(bank), SEED)
    assert [c.source for c in rel.cells] == [c.source for c in other.cells]
    # ...and its questions (pre-rendered versions, no expression) are the same too
    released_questions = (root / "release" / "quiz" / quiz.QUESTIONS_FILE).read_text()
    assert released_questions == quiz.public_file(_swapped_key(bank), SEED)
    # the coding notebooks carry the stubs' text verbatim (one source)
    conv_nb = nbformat.read(str(root / "release" / "cnn" / "conv.ipynb"), as_version=4)
    cells = "\n".join(c.source for c in conv_nb.cells)
    stub = (REPO / "assignments" / "conv.py").read_text()
    assert stub.split('"""')[3] in cells and stub.split('"""')[5] in cells

    api = make_api(root)
    for a in ("quiz", "cnn"):
        assert api.release_assignment(a)["success"]

    gradebook = root / "gradebook.db"
    key_file = REPO / "course" / "quiz_bank.toml"
    adv_quiz, adv_conv = _adversary(gradebook, key_file)
    students = {
        "alice": (_quiz_answers("alice"), _conv_correct(), _solution("padding")),
        "bob": (_quiz_answers("bob", wrong=True), _conv_partly_wrong(), _solution("padding")),
        "dupont": (_quiz_answers("dupont"), None, None),
        "faker": (_quiz_answers("faker"), None, None),
        "mallory": (_quiz_answers("mallory", overrides=adv_quiz), adv_conv, _solution("padding")),
    }
    malformed = {"faker": "fake grade cell", "dupont": "duplicated answer cell"}
    homes = {}
    for s, (q, conv, pad) in students.items():
        home = homes[s] = tmp_path / "homes" / s
        (home / "work").mkdir(parents=True)
        mine = ("quiz", "cnn") if conv else ("quiz",)
        for a in mine:
            _exchange_app("ExchangeFetchAssignment", exchange, home, s, a, monkeypatch)
        # the quiz's questions come with it (the generator cell reads them)
        assert (home / "work" / "quiz" / quiz.QUESTIONS_FILE).is_file()
        _edit(home / "work" / "quiz" / "quiz.ipynb", q)
        if s in malformed:
            _malform(home / "work" / "quiz" / "quiz.ipynb", malformed[s])
        if conv:
            _edit(home / "work" / "cnn" / "conv.ipynb", conv)
            _edit(home / "work" / "cnn" / "padding.ipynb", {"padding_pad2d": pad})
        if s == "mallory":
            # a stray conv.py and a replaced visible_checks.py in the submission
            (home / "work" / "cnn" / "conv.py").write_text("def conv2d(*a, **k):\n    return 0\n")
        for a in mine:
            _exchange_app("ExchangeSubmit", exchange, home, s, a, monkeypatch)
    monkeypatch.delenv("USER", raising=False)

    for a in ("quiz", "cnn"):
        assert api.collect(a)["success"]
    # a student's own module is never replaced by anything from source/
    assert (root / "submitted" / "mallory" / "cnn" / "conv.py").exists()

    t_ag = time.perf_counter()
    quiz_scores = autograde(root, "quiz")    # alice, bob, dupont, faker, mallory: in this order
    t_quiz = time.perf_counter() - t_ag
    cnn_scores = autograde(root, "cnn", examples=EXAMPLES)
    t_cnn = time.perf_counter() - t_ag - t_quiz
    print(f"\nbuild {t_build:.1f} s; autograde: quiz {t_quiz / 5:.1f} s/student, "
          f"cnn {t_cnn / 3:.1f} s/student")
    assert set(quiz_scores) == {"alice", "bob", "mallory"}        # graded after the malformed ones too
    assert (root / "autograded" / "mallory" / "cnn" / "conv.py").read_text().startswith("def conv2d")
    # a regrade agrees (the same variant, the same key)
    assert autograde(root, "quiz", ["alice"])["alice"] == quiz_scores["alice"]

    time.sleep(5)  # give any detached process time to strike

    for a in ("quiz", "cnn"):
        assert api.generate_feedback(a)["success"]
        assert api.release_feedback(a)["success"]
    for s, home in homes.items():
        if s not in malformed:
            for a in ("quiz", "cnn"):
                _exchange_app("ExchangeFetchFeedback", exchange, home, s, a, monkeypatch)
    csv_path = export_csv(root, tmp_path / "grades.csv")

    with open(csv_path) as fh:
        rows = {(r["assignment"], r["student_id"]): r for r in csv.DictReader(fh)}

    def grade(a, s):
        return float(rows[(a, s)]["score"])

    expected = {
        ("quiz", "alice"): QUIZ_MAX, ("cnn", "alice"): CNN_MAX,
        ("quiz", "bob"): 0.0, ("cnn", "bob"): CNN_MAX - 2,
        # q1 (str subclass), q2 (read the bank) and q3 (code) lost;
        # pad2d honest 4, conv_output_size (os._exit) 0, conv2d (wrong, with
        # np.allclose patched) 0.
        ("quiz", "mallory"): QUIZ_MAX - 3, ("cnn", "mallory"): 4.0,
    }
    got = {k: grade(*k) for k in expected}
    assert got == expected, (got, quiz_scores, cnn_scores)
    assert float(rows[("quiz", "alice")]["max_score"]) == QUIZ_MAX
    assert float(rows[("cnn", "alice")]["max_score"]) == CNN_MAX
    assert all(rows[("quiz", s)]["status"] == "graded" for s in ("alice", "bob", "mallory"))
    # the malformed notebooks: an error with the real reason, not a zero
    for s, reason in (("faker", "'bonus' that the released notebook does not have"),
                      ("dupont", "'q2' appears 2 times")):
        row = rows[("quiz", s)]
        assert row["status"] == "error" and reason in row["reason"], row
        assert row["score"] == "" and "schema" not in row["reason"].lower()
    status = json.loads((root / "status.json").read_text())
    assert status["quiz"]["faker"]["status"] == "error"

    # the per-question report: bob's wrong options name their misconceptions
    with open(root / "reports" / "quiz_questions.csv") as fh:
        report = list(csv.DictReader(fh))
    assert sum(int(r["students"]) for r in report) == 3 * 23
    bob_nb = nbformat.read(str(root / "autograded" / "bob" / "quiz" / "quiz.ipynb"), as_version=4)
    bob_wrong = {o.item.id: o.misconception for o in quiz.grade_quiz(bob_nb, "bob", bank, SEED)}
    lonely = [r for r in report if r["question"] in bob_wrong and bob_wrong[r["question"]]
              and int(r["students"]) == 1]
    assert lonely and all(r["top_wrong"] == bob_wrong[r["question"]] and r["misconception"] for r in lonely)
    assert (root / "reports" / "quiz_questions.png").read_bytes()[:4] == b"\x89PNG"

    # the released feedback: each question as the student saw it, the
    # comments verbatim, no key
    for s, home in homes.items():
        if s in malformed:
            continue
        fb = list((home / "work").rglob("feedback/*/*.html"))
        assert {p.name for p in fb} == {"quiz.html", "conv.html", "padding.html"}, fb
        items = quiz.student_key(bank, s, SEED)
        for p in fb:
            text = p.read_text()
            assert "answer =" not in text and "student_key" not in text
            assert "== &quot;" not in text and '== "' not in text
            # comments verbatim: preformatted, never rendered as Markdown
            assert '<pre class="comment-text">' in text and "<b>Comments:</b> <p>" not in text
            # written for a notebook: never the repository's folder
            assert "holding assignments/" not in text
            if "to reproduce" in text:
                assert "in a new cell of" in text
        pad_fb = html.unescape(next(p for p in fb if p.name == "padding.html").read_text())
        assert "passed passed" not in pad_fb
        assert re.search(r": [0-9.]+/[0-9.]+ passed \(\d+ examples\)", pad_fb)
        qtext = html.unescape(next(p for p in fb if p.name == "quiz.html").read_text())
        for it in items:
            assert it.text in qtext, it.name               # numeric questions included
        comments = quiz.score_quiz(nbformat.read(str(root / "autograded" / s / "quiz" / "quiz.ipynb"),
                                                 as_version=4), s, bank, SEED)
        for _, comment_text, _ in comments.values():
            assert f'<pre class="comment-text">{comment_text}</pre>' in qtext
        if s == "bob":
            assert "is correct" not in qtext and "this option is what you get if one" in qtext
            for it in items:
                if it.name.startswith("q"):
                    assert f"{it.name}: {it.correct!r}" not in qtext

    # bob hands in a fixed conv.ipynb after the collection: the collect
    # command the docs give picks it up (plain `nbgrader collect` keeps
    # the first one); both run as commands, the way an instructor runs them
    documented = [part.strip() for line in (REPO / "docs" / "nbgrader.md").read_text().splitlines()
                  for part in line.split("#")[0].split(";") if part.strip().startswith("nbgrader collect")]
    assert documented and all("--update" in line for line in documented), documented
    _edit(homes["bob"] / "work" / "cnn" / "conv.ipynb", _conv_correct())
    _exchange_app("ExchangeSubmit", exchange, homes["bob"], "bob", "cnn", monkeypatch)
    monkeypatch.delenv("USER", raising=False)
    submitted = root / "submitted" / "bob" / "cnn" / "conv.ipynb"
    first = submitted.read_text()
    nbgrader = str(Path(sys.executable).with_name("nbgrader"))

    def collect(*args: str) -> None:
        run = subprocess.run([nbgrader, *args], cwd=root, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    collect("collect", "cnn")
    assert submitted.read_text() == first
    (command,) = [line for line in documented if line.endswith(" cnn")]
    collect(*shlex.split(command)[1:])
    assert submitted.read_text() != first
    print(f"end to end: {time.perf_counter() - t0:.1f} s")
