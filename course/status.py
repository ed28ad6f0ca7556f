"""Per-student grading status, COURSE/status.json, and the export's status
column: a submission that could not be graded is an error with its reason,
never a zero that looks like a real one."""
from __future__ import annotations

import csv
import json
import os
import tempfile
from pathlib import Path

STATUS = "status.json"


def load(root: Path) -> dict:
    path = Path(root) / STATUS
    return json.loads(path.read_text()) if path.exists() else {}


def record(root: Path, assignment: str, student: str, state: str, reason: str = "",
           score: float | None = None) -> None:
    """Remember how the last grading of (assignment, student) ended."""
    data = load(root)
    data.setdefault(assignment, {})[student] = {"status": state, "reason": reason, "score": score}
    fd, tmp = tempfile.mkstemp(dir=str(root), prefix=".status-")
    with os.fdopen(fd, "w") as f:
        json.dump(data, f, indent=1, sort_keys=True)
    os.replace(tmp, Path(root) / STATUS)


def annotate_csv(root: Path, path: Path) -> None:
    """Add `status` and `reason` to nbgrader's grades.csv; an error's
    scores are emptied."""
    data = load(root)
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
        fields = list(rows[0].keys()) if rows else []
    for row in rows:
        entry = data.get(row.get("assignment", ""), {}).get(row.get("student_id", ""))
        if entry and entry["status"] == "error":
            row["status"], row["reason"] = "error", entry["reason"]
            for col in ("raw_score", "score"):
                if col in row:
                    row[col] = ""
        elif entry:
            row["status"], row["reason"] = entry["status"], ""
        else:
            row["status"] = "not submitted" if not row.get("timestamp") else "not graded"
            row["reason"] = ""
    listed = {(r.get("assignment"), r.get("student_id")) for r in rows}
    for assignment, students in sorted(data.items()):
        for student, entry in sorted(students.items()):
            if entry["status"] == "error" and (assignment, student) not in listed:
                # never filed by nbgrader: a row of its own, not a silent absence
                row = {k: "" for k in fields}
                row.update({"assignment": assignment, "student_id": student,
                            "status": "error", "reason": entry["reason"]})
                rows.append(row)
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields + ["status", "reason"], lineterminator="\n",
                           extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
