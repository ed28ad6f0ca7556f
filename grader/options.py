"""The command-line options every grading command shares (grade, prewarm,
batch, release, gradescope), and the Settings they make."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .records import Settings


class UsageError(Exception):
    """A command-line argument that names nothing (exit status 2)."""


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1 (else a usage error,
    exit status 2, that says what was given)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {value}")
    return value


def add_common_options(parser: argparse.ArgumentParser) -> None:
    """--rubric, --examples, --workers, --no-bwrap and --tasks."""
    parser.add_argument("--rubric", type=Path, default=None,
                        help="rubric TOML (default: grader/rubric.toml)")
    parser.add_argument("--examples", type=positive_int, default=None,
                        help="Hypothesis examples per part (at least 1)")
    parser.add_argument("--workers", type=positive_int, default=None,
                        help="tasks graded in parallel (at least 1)")
    parser.add_argument("--no-bwrap", action="store_true", help="use the fallback sandbox")
    parser.add_argument("--tasks", nargs="*", help="only these tasks or modules (e.g. conv optim.Adam)")


def add_build_arguments(parser: argparse.ArgumentParser, out_help: str, project_help: str) -> None:
    """OUT and --project, of a command that builds something from the
    exercise project (release, gradescope); `project_help` says which
    project, and the default (the one this grader belongs to) is added."""
    parser.add_argument("out", help=out_help)
    parser.add_argument("--project", type=Path, default=None,
                        help=f"{project_help} (default: the one this grader belongs to)")


def select_tasks(selectors: list[str] | None) -> list[str] | None:
    """The tasks named by --tasks: a task ("conv.conv2d") or a module
    ("conv"). None when no selector is given (every task); a UsageError,
    naming the known tasks, when a selector matches none."""
    if not selectors:
        return None
    from cnn_checks.tasks import MODULES, TASKS
    unknown = [s for s in selectors if not any(t == s or t.startswith(s + ".") for t in TASKS)]
    if unknown:
        raise UsageError(f"--tasks {' '.join(unknown)}: no such task or module. "
                         f"Modules: {', '.join(MODULES)}. Tasks: {', '.join(TASKS)}")
    return [t for t in TASKS if any(t == s or t.startswith(s + ".") for s in selectors)]


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Settings from the rubric, overridden by the common options; exits
    with status 2 (after saying why) on a --tasks that names nothing, or
    with no course secret on a CI runner."""
    from .course_secret import MissingSecret
    from .rubric import Rubric
    rubric = Rubric.load(args.rubric)
    try:
        tasks = select_tasks(getattr(args, "tasks", None))
        return Settings.from_rubric(rubric, examples=args.examples, workers=args.workers,
                                    use_bwrap=False if args.no_bwrap else None, tasks=tasks,
                                    student=getattr(args, "student", None))
    except (UsageError, MissingSecret) as exc:
        print(f"grader: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def sandbox_label(args) -> str:
    """The sandbox this run uses; when it is the fallback, say so loudly on
    standard error, once, before anything is graded."""
    import sys

    from .sandbox import bwrap_path
    if not args.no_bwrap and bwrap_path():
        return "bubblewrap"
    why = ("--no-bwrap was given" if args.no_bwrap
           else "bubblewrap (bwrap) is not installed or does not work here")
    bar = "!" * 78
    print(f"{bar}\ngrader: WARNING: FALLBACK SANDBOX ({why}).\n"
          f"grader: student code runs as a plain process: it can read every file this user can "
          f"read\ngrader: and reach the network. Grade only trusted submissions this way; install "
          f"bubblewrap\ngrader: (Debian/Ubuntu: apt-get install bubblewrap) for the real sandbox.\n{bar}",
          file=sys.stderr, flush=True)
    return "fallback (no bubblewrap)"
