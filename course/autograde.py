"""The trusted grading step: run nbgrader's autograde (which, with the
course's config, only files the notebooks into the gradebook: no student
code runs and no score is given), then score every submission here and write
the scores into the gradebook.

    python -m course autograde COURSE_DIR ASSIGNMENT [STUDENT ...] [--examples N] [--tasks ...]

* first, each submitted notebook's structure is checked against the released
  one (course/checks.py): a cell with grading metadata the release does not
  have, or a duplicated answer/grade cell, makes the submission an error
  with that reason, recorded in status.json and the export, never a zero;
  the other students are graded all the same.
* quiz: each answer cell is parsed (never executed) and compared, as a plain
  `str`/`int`/`float`, with the key of the student's own variant, computed
  in this process (course/quiz.py); the question texts the student saw go
  into the feedback, and the per-question report (course/quiz_report.py)
  is rebuilt.
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

from grader.grades import part_grades

from . import checks, notebooks, quiz, quiz_report, status
from .build import CODING, course_modules, course_settings, make_api

REPO = Path(__file__).resolve().parents[1]


def _grader_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("grader")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "grader.cli"]


def grade_modules(folder: Path, tasks=None, examples=None, timeout=3600) -> dict:
    """`grader grade` on a folder of module files, in its own session; the
    whole process group is killed afterwards. Returns results.json."""
    out = folder.parent / "results.json"
    cmd = _grader_cmd() + ["grade", str(folder), "--out", str(out), "--feedback-for", "notebook"]
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
    for grade in part_grades(results):  # the tests' typed records
        if grade.task is None:
            continue
        score, lines = per_task.get(grade.task, (0.0, []))
        head = f"{grade.name}: {grade.points:g}/{grade.max_points:g}"
        if grade.passed:
            lines.append(f"{head} {grade.output}")          # "passed (20 examples)"
        else:
            lines.append(f"{head} FAILED\n{grade.output}")
        per_task[grade.task] = (score + grade.points, lines)
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


class SubmissionError(Exception):
    """A submission that cannot be graded, with the reason in plain words."""


def _readable_log(log: str) -> str:
    """nbgrader's warnings and errors, without its advice to run `nbgrader
    update` (which it prints for any failure while filing a notebook)."""
    keep = []
    for line in (log or "").splitlines():
        if line.startswith(("[WARNING]", "[ERROR]")) and "old version" not in line \
                and "Removing failed assignment" not in line:
            keep.append(line.split("] ", 1)[-1])
    return "; ".join(keep)


def _autograde_quietly(api, assignment: str, student: str) -> dict:
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return api.autograde(assignment, student, force=True, create=True)


def file_submission(root: Path, assignment: str, student: str, api) -> Path:
    """Check the submission's structure, then let nbgrader file it in the
    gradebook (no code runs, no score). Returns the autograded folder;
    raises SubmissionError with the reason when it cannot be graded."""
    problems = checks.check_submission(root, assignment, student)
    if problems:
        raise SubmissionError("; ".join(problems))
    res = _autograde_quietly(api, assignment, student)
    if not res.get("success"):
        reason = _readable_log(res.get("log", "")) or (res.get("error") or "").strip().splitlines()[-1:]
        raise SubmissionError(f"nbgrader could not file the submission: {reason}")
    return root / "autograded" / student / assignment


def _writable(path: Path):
    """nbgrader leaves autograded notebooks read-only (444)."""
    os.chmod(path, 0o644)
    return path


def score_quiz_submission(root: Path, student: str, nb_dir: Path) -> dict:
    settings = course_settings(root)
    path = nb_dir / "quiz.ipynb"
    nb = nbformat.read(str(path), as_version=4) if path.exists() else nbformat.v4.new_notebook()
    bank = quiz.load_bank()
    outcomes = quiz.grade_quiz(nb, student, bank, settings["quiz_seed"], settings["quiz_draw"])
    judged = quiz.scores_of(outcomes, bank["misconceptions"], quiz.student_id_note(nb, student))
    scores = {("quiz", gid): v for gid, v in judged.items()}
    if path.exists():
        # The feedback shows each question as this student saw it.
        quiz.fill_questions(nb, [o.item for o in outcomes])
        nbformat.write(nb, str(_writable(path)))
        os.chmod(path, 0o444)
    quiz_report.save_outcomes(root, student, outcomes)
    return scores


def autograde_student(root: Path, assignment: str, student: str, *, tasks=None, examples=None,
                      api=None) -> dict:
    """nbgrader autograde (filing only), then the trusted scores. Returns
    {notebook: {grade_id: score}}; raises SubmissionError for a submission
    that cannot be graded."""
    root = Path(root).resolve()
    api = api or make_api(root)
    if assignment not in (quiz.QUIZ, CODING):
        raise SystemExit(f"unknown assignment {assignment!r}")
    nb_dir = file_submission(root, assignment, student, api)
    if assignment == quiz.QUIZ:
        scores = score_quiz_submission(root, student, nb_dir)
    else:
        scores = score_coding(nb_dir, course_modules(root), tasks, examples)
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
    """Every student (or the named ones), each on their own: a submission
    that cannot be graded is recorded as an error with its reason
    (status.json, and the export) and the others are graded all the same.
    Returns {student: summary} for the graded ones."""
    root = Path(root).resolve()
    api = make_api(root)
    if not students:
        folder = root / "submitted"
        found = folder.iterdir() if folder.is_dir() else []
        students = sorted(p.name for p in found if (p / assignment).is_dir())
    out = {}
    for s in students:
        start = time.perf_counter()
        try:
            out[s] = autograde_student(root, assignment, s, tasks=tasks, examples=examples, api=api)
        except Exception as exc:  # one submission never stops the class
            if not isinstance(exc, SubmissionError):
                exc = SubmissionError(f"grading failed: {type(exc).__name__}: {exc}"[:2000])
            status.record(root, assignment, s, "error", str(exc))
            if assignment == quiz.QUIZ:
                quiz_report.forget(root, s)
            print(f"{assignment} {s}: ERROR, not graded: {exc}", flush=True)
            continue
        total = sum(sum(v.values()) for v in out[s].values())
        status.record(root, assignment, s, "graded", "", total)
        print(f"{assignment} {s}: {total:g} ({time.perf_counter() - start:.1f} s)", flush=True)
    if assignment == quiz.QUIZ:
        csv_path, png_path = quiz_report.write_report(root)
        print(f"per-question report: {csv_path}, {png_path}", flush=True)
    return out


def export_csv(root: Path, to: Path) -> Path:
    """`nbgrader export` without the CLI's start-up cost, plus a `status`
    column: graded, error (with the reason; the score is left empty, it is
    not a zero) or not graded."""
    from nbgrader.api import Gradebook
    from nbgrader.plugins import CsvExportPlugin
    api = make_api(root)
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
        CsvExportPlugin(to=str(to)).export(gb)
    status.annotate_csv(Path(root), Path(to))
    return Path(to)
