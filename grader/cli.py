"""The `grader` command line (also `python -m grader`).

    grader grade SUBMISSION [--out FILE] [--format json|markdown]
    grader batch SUBMISSIONS_DIR [--out DIR] [--jobs N] [--regrade]
    grader prewarm [--examples N] [--tasks ...]
    grader release OUT
    grader gradescope OUT.zip
    grader classroom collect|publish|workflow|report ...

Exit status of `grader grade`: 0 graded (whatever the score); 1 the
submission holds no module files (the results, with score 0 and the reason,
are still written); 2 a usage error (unknown --tasks, no such folder).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from .options import add_common_options, settings_from_args


def layout_results(message: str, max_score: float) -> dict:
    """Gradescope's results.json for a submission that could not be graded
    (no module files): score 0 and the reason, first thing the student reads
    (in a code block: it names the submission's files)."""
    from .render import md_block
    return {
        "score": 0.0,
        "max_score": round(max_score, 2),
        "output": f"**Your submission could not be graded:**\n\n{md_block(message)}",
        "output_format": "md",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [],
    }


def cmd_grade(args) -> int:
    from cnn_checks.implementations import LayoutError

    from .grade import grade_submission
    from .options import sandbox_label
    from .report import gradescope_results, markdown
    submission = Path(args.submission)
    if not submission.is_dir():
        print(f"grader: {submission} is not a folder", file=sys.stderr)
        return 2
    sandbox = sandbox_label(args)
    settings = settings_from_args(args)
    start = time.perf_counter()
    status = 0
    try:
        reports = grade_submission(submission, settings, progress=sys.stderr.isatty())
    except LayoutError as exc:
        print(f"grader: {submission}: {exc}", file=sys.stderr)
        max_score = sum(settings.rubric.task_points(t) for t in settings.tasks)
        data = layout_results(str(exc), max_score)
        text = (f"# Grading report\n\n{data['output']}\n" if args.format == "markdown"
                else json.dumps(data, indent=2) + "\n")
        status = 1
    else:
        elapsed = time.perf_counter() - start
        if args.format == "markdown":
            text = markdown(reports, sandbox, settings.cases_label, args.feedback_for)
        else:
            text = json.dumps(gradescope_results(reports, elapsed, sandbox, settings.cases_label,
                                                 args.feedback_for), indent=2) + "\n"
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text)
    else:
        sys.stdout.write(text)
    return status


def cmd_prewarm(args) -> int:
    """Draw every part's cases once and keep them, with the reference's
    answers to them, in the case cache (the Gradescope image runs this at
    build time, so no grading pays for either)."""
    from .case_cache import cache_dir
    from .grade import prewarm
    settings = settings_from_args(args)
    start = time.perf_counter()
    parts = prewarm(settings)
    print(f"grader prewarm: {parts} parts, {settings.examples} examples each, cases and expected "
          f"answers cached in {cache_dir()} ({time.perf_counter() - start:.1f} s)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from cnn_checks.feedback import AUDIENCES

    from .versions import grader_version
    parser = argparse.ArgumentParser(prog="grader", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {grader_version()}")
    sub = parser.add_subparsers(dest="command", required=True)

    g = sub.add_parser("grade", help="grade one submission folder")
    g.add_argument("submission")
    g.add_argument("--out", help="write the results here (default: standard output)")
    g.add_argument("--format", choices=("json", "markdown"), default="json")
    g.add_argument("--feedback-for", choices=AUDIENCES, default="repository",
                   help="how the feedback says to reproduce a failure: in the student's repository "
                        "(default), or in a notebook of the nbgrader course")
    g.add_argument("--student", default=None,
                   help="the student's id: with a course secret, cases of that student's own")
    add_common_options(g)
    g.set_defaults(func=cmd_grade)

    w = sub.add_parser("prewarm",
                       help="draw and cache every part's cases and expected answers (before grading)")
    add_common_options(w)
    w.set_defaults(func=cmd_prewarm)

    from . import batch, classroom, gradescope, release
    for module in (batch, release, gradescope, classroom):
        module.register(sub, add_common_options)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
