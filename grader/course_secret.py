"""The course secret: what makes the hidden cases hidden.

The checks' strategies are public (students get cnn_checks/), so cases
drawn with public seeds can be redrawn at home, answered with PyTorch and
handed in as a lookup table. The grader therefore seeds every part with

    seed = HMAC-SHA256(secret, "task:part")            (course-wide cases)
    seed = HMAC-SHA256(secret, "task:part:student")    (per-student cases)

read as a 128-bit integer. Without the secret the seeds cannot be
recomputed; with it, a regrade draws exactly the same cases again.

Where the secret comes from, first found wins:
  1. the environment variable CNN_GRADER_SECRET (empty counts as unset);
  2. the rubric: `[course] secret = "..."`;
  3. the instructor's secret file, $XDG_CONFIG_HOME/cnn-grader/course-secret
     (~/.config/...; CNN_GRADER_SECRET_FILE overrides the path), created
     with a fresh random secret (mode 0600) the first time it is needed.
`grader gradescope` bakes the secret into the autograder's rubric and
`grader release` makes sure one exists, so every channel grades with it.

The secret never leaves the grading process in clear: the case cache is
keyed by a hash of the seed, reports show only a fingerprint (a hash), and
the sandboxed child gets neither the secret nor the seeds, only the cases.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

ENV = "CNN_GRADER_SECRET"
FILE_ENV = "CNN_GRADER_SECRET_FILE"


def secret_file() -> Path:
    """Where the instructor's own secret lives when neither the environment
    nor the rubric sets one."""
    if os.environ.get(FILE_ENV):
        return Path(os.environ[FILE_ENV])
    config = os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
    return Path(config) / "cnn-grader" / "course-secret"


def new_secret() -> str:
    """256 random bits, as 64 hex digits."""
    return secrets.token_hex(32)


@dataclass(frozen=True)
class CourseSecret:
    """The secret, where it came from, and the seeds it gives."""

    value: str
    origin: str  # "environment", "rubric" or "file <path>"

    def __repr__(self) -> str:  # never print the secret by accident
        return f"CourseSecret(fingerprint={self.fingerprint!r}, origin={self.origin!r})"

    @property
    def fingerprint(self) -> str:
        """A short public name of the secret: sha256("fingerprint:" + secret),
        12 hex digits. Two reports with the same fingerprint were graded on
        the same cases; it reveals nothing that helps recompute a seed."""
        return hashlib.sha256(b"fingerprint:" + self.value.encode()).hexdigest()[:12]

    def part_seed(self, task: str, part: str, student: str | None = None) -> int:
        """HMAC-SHA256(secret, "task:part[:student]"), first 128 bits."""
        message = f"{task}:{part}" + (f":{student}" if student else "")
        digest = hmac.new(self.value.encode(), message.encode(), hashlib.sha256).digest()
        return int.from_bytes(digest[:16], "big")


def _read_file(path: Path) -> str | None:
    try:
        text = path.read_text().strip()
    except (OSError, UnicodeDecodeError):
        return None
    return text or None


def _create_file(path: Path) -> str | None:
    """Write a fresh secret to `path` (mode 0600); None when it cannot."""
    value = new_secret()
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_file(path)  # another grader process was first
    except OSError:
        return None
    with os.fdopen(fd, "w") as fh:
        fh.write(value + "\n")
    print(f"grader: created a course secret in {path}: it decides the hidden cases. Keep it, and "
          f"use the same one wherever this course is graded (see `{ENV}` in the README).",
          file=sys.stderr)
    return value


class MissingSecret(ValueError):
    """No course secret where a new one would be lost with the machine (a
    CI runner): the hidden cases would change with every run."""


def on_ci_runner() -> bool:
    """A GitHub Actions runner: fresh for every run, so a secret file made
    there is gone (with the cases it seeded) when the run ends."""
    return os.environ.get("GITHUB_ACTIONS") == "true"


def resolve(rubric_secret: str | None = None, *, create: bool = True) -> CourseSecret | None:
    """The course secret (see the module docstring for the order). With
    `create`, a missing secret file is created; None only when there is no
    secret and none can be stored. On a CI runner (on_ci_runner) a missing
    secret is an error (MissingSecret), never a fresh one."""
    value = os.environ.get(ENV, "").strip()
    if value:
        return CourseSecret(value, "environment")
    if rubric_secret and str(rubric_secret).strip():
        return CourseSecret(str(rubric_secret).strip(), "rubric")
    path = secret_file()
    if on_ci_runner() and _read_file(path) is None:
        raise MissingSecret(
            f"no course secret on this CI runner: set the repository secret {ENV} to your course "
            f"secret (the content of ~/.config/cnn-grader/course-secret on your machine) and pass "
            f"it to this step. A secret made here would be lost when the run ends, so the hidden "
            f"cases would change with every run and differ from your other channels'")
    stored = _read_file(path) or (_create_file(path) if create else None)
    if stored:
        return CourseSecret(stored, f"file {path}")
    return None


def with_secret(rubric_text: str, secret: str) -> str:
    """`rubric_text` with `[course] secret = "<secret>"` set (an existing
    secret line of the [course] table replaced, the table added if missing).
    `grader gradescope` uses it to bake the secret into the autograder."""
    import tomllib

    from .rubric import with_values
    text = with_values(rubric_text, "course", {"secret": json_string(secret)})
    if tomllib.loads(text).get("course", {}).get("secret") != secret:
        raise ValueError("could not set the course secret in the rubric")
    return text


def json_string(value: str) -> str:
    """A TOML basic string (JSON's escaping is valid TOML)."""
    import json
    return json.dumps(value)
