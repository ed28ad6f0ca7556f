"""The gradebook: one row per student from the output folder, as CSV.

A student's row shows the current result (graded from the same
submission, rubric, settings and grader as now) or the error that stopped
grading; a student with neither (not graded yet) has no row.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from ..grades import part_grades, task_totals
from ..render import csv_cell
from .files import error_path, load_result, results_path
from .reuse import COMPONENTS, Fingerprint, stored


@dataclass
class Row:
    student: str
    total: float | None = None
    max: float | None = None
    tasks: dict[str, tuple[float, float]] = field(default_factory=dict)
    error: str = ""
    result: dict | None = None

    @property
    def graded(self) -> bool:
        return self.total is not None


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _current(out: Path, student: str, now: Fingerprint | None) -> bool:
    if now is None:
        return True
    old = stored(out, student)
    return old is not None and all(old.get(c) == getattr(now, c) for c in COMPONENTS)


def collect(out: Path, students: list[str],
            fingerprints: dict[str, Fingerprint] | None = None) -> tuple[list[str], list[Row]]:
    """The task columns (in the tasks' order) and the students' rows."""
    from cnn_checks.tasks import TASKS
    rows: list[Row] = []
    seen: set[str] = set()
    for student in students:
        res_file, err_file = results_path(out, student), error_path(out, student)
        result = load_result(res_file)
        if result is not None and not _current(out, student, (fingerprints or {}).get(student)):
            result = None  # graded from something else: stale
        if result is not None and err_file.exists() and _mtime(err_file) >= _mtime(res_file):
            result = None  # a later regrade of this student failed
        if result is not None:
            per = task_totals(part_grades(result))
            seen.update(per)
            rows.append(Row(student, result["score"], result["max_score"], per, "", result))
        elif err_file.exists():
            text = err_file.read_text(errors="replace").strip().splitlines()
            rows.append(Row(student, error=text[0] if text else "grading failed"))
    order = {name: i for i, name in enumerate(TASKS)}
    columns = sorted(seen, key=lambda t: (order.get(t, len(order)), t))
    return columns, rows


def _fmt(v: float | None) -> str:
    return "" if v is None else f"{v:g}"


def gradebook_csv(columns: list[str], rows: list[Row]) -> str:
    """student, total, max, one column per task, error; every text cell
    through csv_cell (a student id or an error is never a formula)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([csv_cell(c) for c in ["student", "total", "max", *columns, "error"]])
    for r in rows:
        w.writerow([csv_cell(r.student), _fmt(r.total), _fmt(r.max),
                    *(_fmt(r.tasks[c][0]) if c in r.tasks else "" for c in columns), csv_cell(r.error)])
    return buf.getvalue()
