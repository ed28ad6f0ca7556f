"""Try to answer the quiz without working it out, from what a student has.

Run by tests/test_quiz_student_side.py in an interpreter that sees only what
a student has: the student package (`grader release`), the third-party
packages, and the fetched quiz folder (quiz.ipynb and what comes with it).
It imports nothing of the project itself. Usage:

    python -I -S quiz_attack.py QUIZ_FOLDER STUDENT [STUDENT ...]

with the student package and the site-packages folder named in the
environment variables STUDENT_PATH (os.pathsep-separated, added to sys.path
as plain folders: no .pth file of them runs). Prints JSON:
{strategy: {"answers": {student: {answer cell: source}}, "note": ...}}.

Strategies:
  package-key       the project's course.quiz.student_key with the bank and
                    the COURSE_SEED printed in the notebook (the whole key
                    wherever the project is installed);
  formula-centroid  the notebook's own generator; where the notebook holds
                    the expressions behind a question's options, the one
                    most similar to the other three (each distractor is one
                    misconception away from the right expression);
  field-scan        the notebook's own generator; any field of the data it
                    reads that names a right option (correct, answer, key,
                    solution, role, misconception).
"""
import contextlib
import difflib
import io
import json
import os
import sys

for _path in reversed([p for p in os.environ.get("STUDENT_PATH", "").split(os.pathsep) if p]):
    sys.path.insert(0, _path)

LETTERS = "ABCD"
NUMERIC = ("n1", "n2", "n3")
KEYWORDS = ("correct", "answer", "key", "solution", "role", "misconception", "distractor")


def cells(folder):
    with open(os.path.join(folder, "quiz.ipynb"), encoding="utf-8") as f:
        nb = json.load(f)
    out = {}
    for cell in nb["cells"]:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid:
            src = cell["source"]
            out[gid] = "".join(src) if isinstance(src, list) else src
    return out


def generator(folder, student):
    """The notebook's setup and build cells, run as the student would."""
    src = cells(folder)
    here = os.getcwd()
    os.chdir(folder)
    try:
        ns = {}
        with contextlib.redirect_stdout(io.StringIO()):
            exec(src["quiz_setup"], ns)
            ns["STUDENT_ID"] = student
            exec(src["quiz_build"], ns)
    finally:
        os.chdir(here)
    return ns


def package_key(folder, students):
    ns = generator(folder, students[0])
    from course.quiz import load_bank, student_key  # the project, if installed
    bank = load_bank()
    answers = {}
    for s in students:
        mine = {}
        for it in student_key(bank, s, ns["COURSE_SEED"], ns.get("FIXED_DRAW")):
            value = it.correct if it.tolerance == 0 else round(it.correct, 3)
            mine[it.name] = f"{it.name} = {value!r}"
        answers[s] = mine
    return answers


def _similarity(a, b):
    return difflib.SequenceMatcher(None, a, b).ratio()


def formula_centroid(folder, students):
    answers, used = {}, 0
    for s in students:
        ns = generator(folder, s)
        questions = {q["id"]: q for q in ns["BANK"].get("questions", [])}
        mine = {}
        for number, v in enumerate(ns["QUIZ"]["mc"], 1):
            q = questions.get(v["id"], {})
            formulas = q.get("candidates") if "params" in q else None
            letter = "A"
            if formulas and len(formulas) == 4 and "order" in v:
                shown = [formulas[i] for i in v["order"]]
                score = [sum(_similarity(f, g) for g in shown) for f in shown]
                letter = LETTERS[score.index(max(score))]
                used += 1
            mine[f"q{number}"] = f"q{number} = {letter!r}"
        answers[s] = mine
    return answers, f"expressions found for {used} questions"


def _walk(value, path=()):
    if isinstance(value, dict):
        for k, v in value.items():
            yield path + (str(k),), v
            yield from _walk(v, path + (str(k),))
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _walk(v, path + (str(i),))


def field_scan(folder, students):
    answers, found = {}, set()
    for s in students:
        ns = generator(folder, s)
        mine = {}
        for number, v in enumerate(ns["QUIZ"]["mc"], 1):
            letter = "A"
            for path, value in _walk({"quiz": v, "bank": [q for q in ns["BANK"].get("questions", [])
                                                         if q.get("id") == v["id"]]}):
                if any(k in path[-1].lower() for k in KEYWORDS):
                    found.add(path[-1])
                    if isinstance(value, str) and value in LETTERS:
                        letter = value
                    elif isinstance(value, str) and value in v.get("options", []):
                        letter = LETTERS[v["options"].index(value)]
            mine[f"q{number}"] = f"q{number} = {letter!r}"
        answers[s] = mine
    return answers, f"fields naming a key: {sorted(found)}"


def main(argv):
    folder, students = argv[1], argv[2:]
    out = {}
    for name, attack in (("package-key", package_key), ("formula-centroid", formula_centroid),
                         ("field-scan", field_scan)):
        try:
            result = attack(folder, students)
            answers, note = result if isinstance(result, tuple) else (result, "")
        except Exception as exc:  # the attack failed: it answers nothing
            answers, note = {}, f"{type(exc).__name__}: {exc}"
        out[name] = {"answers": answers, "note": note}
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv)
