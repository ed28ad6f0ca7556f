"""The instructor's per-question view of the quiz, after autograde.

Every graded student's outcomes are kept in COURSE/reports/quiz/<student>.json
(question id, answer, right or wrong, the misconception behind a wrong
option). `write_report` aggregates them per bank question, whatever number
and option letter it had for each student:

    reports/quiz_questions.csv   question, topic, students, share correct,
                                 the most chosen wrong option and the
                                 misconception it stands for
    reports/quiz_questions.png   share correct per question, the weakest first
"""
from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path

from . import quiz

FOLDER = Path("reports") / "quiz"
COLUMNS = ["question", "topic", "kind", "students", "correct", "share_correct", "unanswered",
           "top_wrong", "top_wrong_count", "misconception", "source"]


def save_outcomes(root: Path, student: str, outcomes) -> Path:
    folder = Path(root) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    rows = [{"name": o.item.name, "id": o.item.id, "topic": o.item.topic,
             "answer": o.answer, "correct": o.correct, "misconception": o.misconception}
            for o in outcomes]
    path = folder / f"{student}.json"
    path.write_text(json.dumps(rows, indent=1))
    return path


def forget(root: Path, student: str) -> None:
    (Path(root) / FOLDER / f"{student}.json").unlink(missing_ok=True)


def aggregate(root: Path, bank: dict | None = None) -> list[dict]:
    """One row per bank question that at least one graded student had."""
    bank = bank or quiz.load_bank()
    questions = {q["id"]: q for q in bank["question"] + bank["numeric"]}
    seen: dict = {}
    for path in sorted((Path(root) / FOLDER).glob("*.json")):
        for r in json.loads(path.read_text()):
            seen.setdefault(r["id"], []).append(r)
    rows = []
    for qid, rs in seen.items():
        q = questions.get(qid, {})
        wrong = Counter(r["misconception"] for r in rs if not r["correct"] and r["misconception"])
        top, count = wrong.most_common(1)[0] if wrong else ("", 0)
        correct = sum(r["correct"] for r in rs)
        rows.append({
            "question": qid, "topic": q.get("topic", ""),
            "kind": "free answer" if qid in {n["id"] for n in bank["numeric"]} else
                    ("parametrised" if "params" in q else "fixed"),
            "students": len(rs), "correct": correct, "share_correct": round(correct / len(rs), 3),
            "unanswered": sum(r["answer"] is None for r in rs),
            "top_wrong": top, "top_wrong_count": count,
            "misconception": bank["misconceptions"].get(top, ""), "source": q.get("source", ""),
        })
    rows.sort(key=lambda r: (r["share_correct"], r["question"]))
    return rows


def report_csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def report_png(rows: list[dict]) -> bytes:
    """Share correct per question (weakest on top), each bar labelled with
    the misconception most chosen among the wrong answers."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    shown = rows[:40]
    fig, ax = plt.subplots(figsize=(9, 0.32 * max(len(shown), 3) + 1.2))
    labels = [f"{r['question']} ({r['students']})" for r in shown]
    ax.barh(range(len(shown)), [r["share_correct"] for r in shown], color="#4c72b0")
    for i, r in enumerate(shown):
        if r["top_wrong"]:
            ax.text(0.01, i, f"  {r['top_wrong']} x{r['top_wrong_count']}", va="center", fontsize=7,
                    color="white" if r["share_correct"] > 0.35 else "black")
    ax.set_yticks(range(len(shown)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of students correct (label: most chosen wrong option's misconception)")
    ax.set_title("Quiz: per question (students who had it)")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return buf.getvalue()


def write_report(root: Path) -> tuple[Path, Path]:
    rows = aggregate(root)
    out = Path(root) / "reports"
    out.mkdir(parents=True, exist_ok=True)
    (out / "quiz_questions.csv").write_text(report_csv(rows))
    (out / "quiz_questions.png").write_bytes(report_png(rows))
    return out / "quiz_questions.csv", out / "quiz_questions.png"
