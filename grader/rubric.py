"""Points per task and part, grading settings and forbidden libraries,
from a TOML rubric an instructor can edit (grader/rubric.toml by default)."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from cnn_checks.tasks import TASKS

DEFAULT_RUBRIC = Path(__file__).with_name("rubric.toml")


@dataclass
class Rubric:
    points: dict[str, float]
    weights: dict[str, dict[str, float]] = field(default_factory=dict)
    settings: dict[str, float] = field(default_factory=dict)
    forbidden: dict[str, list[str]] = field(default_factory=dict)
    #: [course] secret: seeds the hidden cases (grader/course_secret.py)
    secret: str | None = None
    #: [course] per_student: each student of a batch gets cases of their own
    per_student: bool = False
    #: per task: sandbox limits (call_seconds, cpu_seconds, ...) and budget_seconds
    limits: dict[str, dict[str, float]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | None = None) -> Rubric:
        data = tomllib.loads(Path(path or DEFAULT_RUBRIC).read_text())
        unknown = set(data.get("points", {})) - set(TASKS)
        if unknown:
            raise ValueError(f"rubric names unknown tasks: {sorted(unknown)}")
        unknown = set(data.get("limits", {})) - set(TASKS)
        if unknown:
            raise ValueError(f"rubric sets limits for unknown tasks: {sorted(unknown)}")
        return cls(data.get("points", {}), data.get("weights", {}), data.get("settings", {}),
                   data.get("forbidden", {}), data.get("course", {}).get("secret"),
                   bool(data.get("course", {}).get("per_student", False)),
                   data.get("limits", {}))

    def task_points(self, task_name: str) -> float:
        return float(self.points.get(task_name, 1))

    def part_points(self, task_name: str) -> dict[str, float]:
        """Each part's share of the task's points, total * w_part / sum(w),
        in whole quanta q = 1/4 point by largest remainder: every part gets
        its share rounded down to a quantum, and the quanta left go to the
        parts with the largest remainders (the earlier part on a tie), so
        each share is within one quantum of the exact one and they add up
        to the total. Where a part of weight > 0 would get nothing, q is halved. Multiples
        of a power of 1/2 are exact binary floats, so every sum of part
        points (Gradescope's, Classroom's, a spreadsheet's) is exact:
        14 points over 9 parts add up to 14, not 14.000000000000002."""
        task = TASKS[task_name]
        names = [p.name for p in task.parts]
        w = {n: Fraction(str(self.weights.get(task_name, {}).get(n, 1))) for n in names}
        total = Fraction(str(self.task_points(task_name)))
        quantum = Fraction(1, 4)
        while True:
            exact = {n: total * w[n] / sum(w.values()) / quantum for n in names}
            units = {n: int(exact[n]) for n in names}  # floor: shares are not negative
            left = int(total / quantum) - sum(units.values())
            for n in sorted(names, key=lambda n: (-(exact[n] - units[n]), names.index(n)))[:max(left, 0)]:
                units[n] += 1
            shares = {n: units[n] * quantum for n in names}
            shares[names[0]] += total - sum(shares.values())  # a total that is no multiple of q
            if all(shares[n] > 0 for n in names if w[n] > 0) or quantum <= Fraction(1, 1024) \
                    or total <= 0:
                return {n: float(v) for n, v in shares.items()}
            quantum /= 2

    def setting(self, name: str, default):
        return type(default)(self.settings.get(name, default))

    def forbidden_for(self, task_name: str) -> list[str]:
        """The default forbidden names for the task plus the rubric's extras."""
        from cnn_checks.policy import forbidden_for
        module = task_name.split(".")[0]
        extra = self.forbidden.get(module, []) + self.forbidden.get(task_name, [])
        return sorted(set(forbidden_for(task_name)) | set(extra))


def with_values(rubric_text: str, table: str, values: dict[str, str]) -> str:
    """`rubric_text` with `key = value` set in `[table]` for each of
    `values` (already written as TOML values): an existing line of the
    key in that table replaced, the others kept, the table added when
    missing. The text a grader builds into a zip (`grader gradescope`:
    the course secret, the container's limits)."""
    import re
    lines = rubric_text.splitlines()
    start = next((i for i, text in enumerate(lines) if text.strip() == f"[{table}]"), None)
    if start is None:
        lines += ["", f"[{table}]"]
        start = len(lines) - 1
    end = next((i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("[")), len(lines))
    body = [text for text in lines[start + 1:end]
            if not any(re.match(rf"\s*{re.escape(key)}\s*=", text) for key in values)]
    lines[start + 1:end] = [f"{key} = {value}" for key, value in values.items()] + body
    return "\n".join(lines) + "\n"
