"""The `grader` command line.

    grader grade SUBMISSION [--out FILE] [--format json|markdown]
    grader batch SUBMISSIONS_DIR [--out DIR] [--jobs N] [--regrade]
    grader release OUT
    grader gradescope OUT.zip
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


def _settings(args):
    from .grade import Settings
    from .rubric import Rubric
    rubric = Rubric.load(args.rubric)
    tasks = None
    if getattr(args, "tasks", None):
        from cnn_checks.tasks import TASKS
        tasks = [t for t in TASKS if any(t == s or t.startswith(s + ".") for s in args.tasks)]
    return Settings.from_rubric(rubric, examples=args.examples, workers=args.workers,
                                use_bwrap=False if args.no_bwrap else None, tasks=tasks)


def cmd_grade(args) -> int:
    from .grade import grade_submission
    from .report import gradescope_results, markdown
    from .sandbox import bwrap_path
    submission = Path(args.submission)
    if not submission.is_dir():
        print(f"grader: {submission} is not a folder", file=sys.stderr)
        return 2
    settings = _settings(args)
    start = time.perf_counter()
    reports = grade_submission(submission, settings)
    elapsed = time.perf_counter() - start
    sandbox = "fallback (no bubblewrap)" if args.no_bwrap or not bwrap_path() else "bubblewrap"
    if args.format == "markdown":
        text = markdown(reports, sandbox)
    else:
        text = json.dumps(gradescope_results(reports, elapsed, sandbox), indent=2) + "\n"
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text)
    else:
        sys.stdout.write(text)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grader", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p):
        p.add_argument("--rubric", type=Path, default=None, help="rubric TOML (default: grader/rubric.toml)")
        p.add_argument("--examples", type=int, default=None, help="Hypothesis examples per part")
        p.add_argument("--workers", type=int, default=None, help="tasks graded in parallel")
        p.add_argument("--no-bwrap", action="store_true", help="use the fallback sandbox")
        p.add_argument("--tasks", nargs="*", help="only these tasks or modules (e.g. conv optim.Adam)")

    g = sub.add_parser("grade", help="grade one submission folder")
    g.add_argument("submission")
    g.add_argument("--out", help="write the results here (default: standard output)")
    g.add_argument("--format", choices=("json", "markdown"), default="json")
    common(g)
    g.set_defaults(func=cmd_grade)

    from . import batch, gradescope, release
    for module in (batch, release, gradescope):
        module.register(sub, common)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
