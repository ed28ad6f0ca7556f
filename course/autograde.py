"""The trusted grading step: run nbgrader's autograde (which, with the
course's config, only files the notebooks into the gradebook: no student
code runs and no score is given), then score every submission here and write
the scores into the gradebook.

    python -m course autograde COURSE_DIR ASSIGNMENT [STUDENT ...] [--examples N] [--tasks ...]

* quiz: each answer cell is parsed (never executed) and compared, as a plain
  `str`/`int`, with the key loaded (MC) or computed (numeric) in this process.
* cnn: each notebook is assembled into its module file (`conv.ipynb` ->
  `conv.py`) in a fresh folder, graded by `grader grade` (student code runs
  only in the grader's sandboxed children: an os._exit, a hang or a
  monkeypatch costs only the task it is in; a detached process dies with the
  sandbox's pid namespace and sees neither the gradebook nor the key).
* Each test cell's grade gets `manual_score` (and `needs_manual_grade=False`);
  the answer cell's comment says what passed or failed, never the key.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from . import notebooks, quiz
from .build import CODING, course_modules, make_api

REPO = Path(__file__).resolve().parents[1]


def _grader_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("grader")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "grader.cli"]


def grade_modules(folder: Path, tasks=None, examples=None, timeout=3600) -> dict:
    """`grader grade` on a folder of module files, in its own session; the
    whole process group is killed afterwards. Returns results.json."""
    out = folder.parent / "results.json"
    cmd = _grader_cmd() + ["grade", str(folder), "--out", str(out)]
    if tasks:
        cmd += ["--tasks", *tasks]
    if examples:
        cmd += ["--examples", str(examples)]
    proc = subprocess.Popen(cmd, cwd=str(REPO), start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        log, _ = proc.communicate(timeout=timeout)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if proc.returncode != 0 or not out.exists():
        tail = log.decode(errors="replace")[-3000:]
        raise RuntimeError(f"grader grade failed ({proc.returncode}):\n{tail}")
    return json.loads(out.read_text())


def score_coding(nb_dir: Path, modules, tasks=None, examples=None) -> dict:
    """{(notebook, test grade_id): (score, comment, answer grade_id)}."""
    from cnn_checks.tasks import TASKS
    with tempfile.TemporaryDirectory(prefix="nbcourse-") as tmp:
        sub = Path(tmp) / "submission"
        sub.mkdir()
        for m in modules:
            path = nb_dir / f"{m}.ipynb"
            if path.exists():
                try:
                    nb = nbformat.read(str(path), as_version=4)
                    (sub / f"{m}.py").write_text(notebooks.assemble_module(nb))
                except Exception as exc:  # unreadable notebook: its tasks score 0
                    (sub / f"{m}.py").write_text(f"raise ImportError({str(exc)[:200]!r})\n")
        wanted = [t for t in TASKS if TASKS[t].module in modules]
        if tasks:
            wanted = [t for t in wanted if any(t == s or t.startswith(s + ".") for s in tasks)]
        results = grade_modules(sub, wanted, examples)
    per_task: dict = {}
    for test in results["tests"]:
        task = test["name"].split(":")[0]
        score, lines = per_task.get(task, (0.0, []))
        status = "passed" if test["score"] >= test["max_score"] else "FAILED"
        lines.append(f"{test['name']}: {test['score']:g}/{test['max_score']:g} {status}\n{test['output']}")
        per_task[task] = (score + test["score"], lines)
    out = {}
    for name, task in TASKS.items():
        if task.module not in modules:
            continue
        score, lines = per_task.get(name, (0.0, [f"{name}: not graded"]))
        out[(task.module, notebooks.task_cell_id(task.module, task.function))] = (
            round(score, 4), "\n\n".join(lines), notebooks.answer_cell_id(task.module, task.function))
    return out


def _write(gb, assignment, student, notebook, grade_id, score, comment, answer_id):
    grade = gb.find_grade(grade_id, notebook, assignment, student)
    grade.manual_score = float(min(max(score, 0.0), grade.max_score))
    grade.needs_manual_grade = False
    if answer_id:
        try:
            c = gb.find_comment(answer_id, notebook, assignment, student)
            c.manual_comment = comment
        except Exception:
            pass


def autograde_student(root: Path, assignment: str, student: str, *, tasks=None, examples=None,
                      api=None) -> dict:
    """nbgrader autograde (filing only), then the trusted scores. Returns
    {notebook: {grade_id: score}}."""
    root = Path(root).resolve()
    api = api or make_api(root)
    res = api.autograde(assignment, student, force=True, create=True)
    if not res.get("success"):
        why = res.get("error") or res.get("log")
        raise RuntimeError(f"nbgrader autograde {assignment} {student}:\n{why}")
    nb_dir = root / "autograded" / student / assignment
    if assignment == quiz.QUIZ:
        path = nb_dir / "quiz.ipynb"
        nb = nbformat.read(str(path), as_version=4) if path.exists() else nbformat.v4.new_notebook()
        scores = {("quiz", gid): v for gid, v in quiz.score_quiz(nb, student).items()}
    elif assignment == CODING:
        scores = score_coding(nb_dir, course_modules(root), tasks, examples)
    else:
        raise SystemExit(f"unknown assignment {assignment!r}")
    from nbgrader.api import Gradebook
    # Written last, by this process, after every child of the grader is dead.
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
        for (notebook, gid), (score, comment, answer_id) in scores.items():
            _write(gb, assignment, student, notebook, gid, score, comment, answer_id)
        gb.db.commit()
    summary: dict = {}
    for (notebook, gid), (score, _, _) in scores.items():
        summary.setdefault(notebook, {})[gid] = score
    return summary


def autograde(root: Path, assignment: str, students=None, *, tasks=None, examples=None) -> dict:
    root = Path(root).resolve()
    api = make_api(root)
    if not students:
        folder = root / "submitted"
        found = folder.iterdir() if folder.is_dir() else []
        students = sorted(p.name for p in found if (p / assignment).is_dir())
    out = {}
    for s in students:
        start = time.perf_counter()
        out[s] = autograde_student(root, assignment, s, tasks=tasks, examples=examples, api=api)
        print(f"{assignment} {s}: {sum(sum(v.values()) for v in out[s].values()):g} "
              f"({time.perf_counter() - start:.1f} s)", flush=True)
    return out


def export_csv(root: Path, to: Path) -> Path:
    """`nbgrader export` without the CLI's start-up cost."""
    from nbgrader.api import Gradebook
    from nbgrader.plugins import CsvExportPlugin
    api = make_api(root)
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
        CsvExportPlugin(to=str(to)).export(gb)
    return Path(to)
