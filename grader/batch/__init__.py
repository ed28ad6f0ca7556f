"""grader batch: grade a folder of submissions, one subfolder per student.

    grader batch SUBMISSIONS_DIR [--out DIR] [--jobs N] [--regrade]
                 [--student-timeout S] [--scheduler ADDRESS]
                 [--similarity T | --no-similarity]

Every immediate subfolder of SUBMISSIONS_DIR is one student's submission
(the folder's name is the student's id). On this machine, submissions are
graded in parallel, `--jobs` at a time (default: one per CPU), each in its
own process with the tasks graded one after the other. With `--scheduler
ADDRESS` they are graded on a Dask distributed cluster instead, one task per
submission (docs/cluster.md). Each student has a wall-clock limit
(the rubric's `submission_seconds`, default 900 s; `--student-timeout`
overrides it).
The output folder (default: SUBMISSIONS_DIR-graded next to it) receives:

    results/<student>.json       Gradescope results, as `grader grade` writes them
    feedback/<student>.md        the Markdown report for the student
    fingerprints/<student>.json  what the result was graded from
    errors/<student>.txt         why grading that student failed (only then)
    logs/<student>.log           what the grading process printed (only if anything)
    gradebook.csv                student, total, max, one column per task, error
    scores.png                   the distribution of the scores, per task and total
    report.html                  the class view: distributions, failing parts, likely
                                 causes, slowest submissions, similar code (one file)

A student's results are written atomically as soon as that student is done,
so the batch can be interrupted (Ctrl-C) and resumed. A rerun reuses a
result only when the submission's files, the rubric, the settings and the
grader's version are all the same as when it was graded; every other
student is graded again, and the summary says how many results were reused
and why the others were not (unless --regrade: all are graded again). A
folder without module files (empty, or files one level down such as
hw/conv.py), a folder beyond the bounds of a submission (folders nested
more than 32 deep, more than 10,000 files and folders, more than 64 MiB of
files, or one that takes more than 30 s to read: cnn_checks/walk.py) and a
submission that makes the grader itself fail become error rows in the
gradebook; the batch goes on, and a rerun tries them again. Each folder is
examined, fingerprinted and graded on its own: nothing in one student's
folder stops the batch or delays the others beyond that student's own
limits. A folder whose name is not plain UTF-8 text is graded under its
name with the undecodable bytes replaced (U+FFFD). The
gradebook, the plot and the report are rebuilt from all current results at
the end (also after an interruption, from the finished students).

Exit status: 0 when the batch finished (whatever the scores and errors), 130
when interrupted, 2 on bad arguments, including a SUBMISSIONS_DIR with no
student folders (empty, or itself one student's submission: the message
says which).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path

from .files import FEEDBACK, LOGS, RESULTS, Outcome, atomic_write, commit, load_result, sweep_temporaries
from .gradebook import collect, gradebook_csv
from .plan import MAX_ID_BYTES, find_submissions, make_plan, no_students
from .reuse import Fingerprint


def register(sub, common) -> None:
    """Add the `batch` subcommand to the grader's parser."""
    p = sub.add_parser("batch", help="grade every submission in a folder (one subfolder per student)",
                       description=__doc__.split("\n\n", 1)[1],
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("submissions", metavar="SUBMISSIONS_DIR",
                   help="folder with one subfolder per student (the folder's name is the student id)")
    p.add_argument("--out", default=None,
                   help="output folder (default: SUBMISSIONS_DIR-graded next to SUBMISSIONS_DIR)")
    p.add_argument("--jobs", "-j", type=int, default=None,
                   help="submissions graded in parallel on this machine (default: the number of CPUs)")
    p.add_argument("--regrade", action="store_true",
                   help="grade every student again, even those whose results could be reused")
    p.add_argument("--student-timeout", type=float, default=None, metavar="SECONDS",
                   help="wall-clock limit for grading one student (default: the rubric's "
                        "submission_seconds)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="grade on the Dask distributed cluster with this scheduler "
                        "(e.g. tcp://10.0.0.5:8786); see docs/cluster.md")
    p.add_argument("--similarity", type=float, default=None, metavar="T",
                   help="report pairs of submissions whose code is at least this similar "
                        "(0-1, default 0.8)")
    p.add_argument("--no-similarity", action="store_true",
                   help="leave the similar-code section of the report out (it compares every pair "
                        "of students: minutes for many hundreds)")
    common(p)
    p.set_defaults(func=cmd_batch)


def batch_settings(args):
    """The grading settings from the command line and the rubric; a batch
    grades one submission's tasks one after the other (its parallelism is
    across submissions)."""
    from ..options import settings_from_args
    settings = settings_from_args(args)
    settings.workers = 1
    return settings


def _summary_line(total: int, reused: int, reasons: Counter, flagged: int) -> str:
    why = ", ".join(f"{n} {r}" for r, n in reasons.most_common())
    text = f"{total} submissions: {reused} reused (unchanged since graded), {sum(reasons.values())} to grade"
    if why:
        text += f" ({why})"
    if flagged:
        text += f", {flagged} not gradable as handed in (see their error rows)"
    return text


def record(out: Path, outcome: Outcome, fingerprint: dict) -> Outcome:
    """Commit one student's outcome; when that fails (the disk, a name the
    file system refuses), commit an error row that says so instead, and
    when even that fails, say so here: one student's files never stop the
    batch. Returns the outcome that was committed."""
    try:
        commit(out, outcome, fingerprint)
        return outcome
    except Exception as exc:
        failed = Outcome(outcome.student, error=f"the grader could not write this student's results: "
                         f"{type(exc).__name__}: {exc}\n", seconds=outcome.seconds, where=outcome.where)
    try:
        commit(out, failed, {})
    except Exception as exc:
        print(f"grader batch: cannot write anything for {outcome.student!r}: {type(exc).__name__}: {exc}",
              file=sys.stderr)
    return failed


def write_summaries(out: Path, students: list[str], fingerprints: dict[str, Fingerprint],
                    submissions_root: Path | None = None, similarity: float | None = None):
    """gradebook.csv, scores.png and report.html from the current results.
    The plot is drawn in a process of its own (grader.batch.plot.drawing)
    while this one compares the students' code (the class report's slow
    part); the report embeds the plot."""
    from .class_report import class_report_html, similar_code
    from .plot import drawing
    columns, rows = collect(out, students, fingerprints)
    atomic_write(out / "gradebook.csv", gradebook_csv(columns, rows))
    with drawing(columns, rows) as plot:
        pairs = similar_code(rows, columns, submissions_root, similarity)
        png = plot()
    atomic_write(out / "scores.png", png)
    atomic_write(out / "report.html", class_report_html(out, columns, rows, png, pairs, similarity))
    return rows


def cmd_batch(args) -> int:
    from ..options import sandbox_label as sandbox_of

    root = Path(args.submissions)
    if not root.is_dir():
        print(f"grader batch: {root} is not a folder", file=sys.stderr)
        return 2
    if args.jobs is not None and args.jobs < 1:
        print("grader batch: --jobs must be at least 1", file=sys.stderr)
        return 2
    if args.similarity is not None and not 0 < args.similarity <= 1:
        print("grader batch: --similarity must be between 0 and 1", file=sys.stderr)
        return 2
    if args.student_timeout is not None and args.student_timeout <= 0:
        print("grader batch: --student-timeout must be positive", file=sys.stderr)
        return 2
    root = root.resolve()
    out = (Path(args.out) if args.out else root.with_name(root.name + "-graded")).resolve()
    settings = batch_settings(args)
    limit = args.student_timeout or settings.submission_seconds or None
    from tqdm import tqdm
    tqdm.monitor_interval = 0  # no tqdm monitor thread: grading processes are forked
    sandbox_label = sandbox_of(args)

    from cnn_checks.implementations import holds_modules
    submissions = find_submissions(root, out)
    if not submissions or holds_modules(root):
        print(f"grader batch: {no_students(root)}", file=sys.stderr)
        return 2
    students = [s.student for s in submissions]
    for sub in (RESULTS, FEEDBACK):
        (out / sub).mkdir(parents=True, exist_ok=True)
    sweep_temporaries(out)
    for found in submissions:
        if found.renamed_from:
            print(f"grader batch: the folder {os.fsencode(found.renamed_from)!r} is graded as "
                  f"{found.student!r} (its name is not plain UTF-8 text of at most {MAX_ID_BYTES} "
                  f"bytes)", file=sys.stderr)
    planned = make_plan(submissions, out, settings, sandbox_label, args.regrade, limit)
    fingerprints, todo, reasons, flagged = (planned.fingerprints, planned.todo, planned.reasons,
                                            planned.flagged)
    reused = len(submissions) - len(todo) - len(flagged)
    where = (f"on the cluster at {args.scheduler}" if args.scheduler else
             f"{max(1, min(args.jobs or os.cpu_count() or 1, len(todo) or 1))} at a time")
    print(f"grader batch: {_summary_line(len(submissions), reused, reasons, len(flagged))} "
          f"({where}, {len(settings.tasks)} tasks, {settings.examples} examples per part, "
          f"{f'{limit:g} s' if limit else 'no time limit'} per student) -> {out}", file=sys.stderr)
    for student, problem in flagged.items():
        record(out, Outcome(student, error=problem + "\n"), {})
        print(f"error {student}: {problem}", file=sys.stderr)

    def done(outcome: Outcome) -> None:
        fingerprint = fingerprints[outcome.student].as_dict()
        outcome = record(out, outcome, fingerprint)
        on = f" on {outcome.where}" if args.scheduler and outcome.where else ""
        if outcome.ok:
            result = load_result(out / RESULTS / f"{outcome.student}.json") or {}
            tqdm.write(f"graded {outcome.student}: {result.get('score', 0):g} / "
                       f"{result.get('max_score', 0):g} ({outcome.seconds:.1f} s{on})", file=sys.stderr)
        else:
            first = (outcome.error.strip().splitlines() or ["grading failed"])[0]
            tqdm.write(f"error {outcome.student}: {first}{on}", file=sys.stderr)

    interrupted = False
    start = time.perf_counter()
    if todo:
        try:
            if args.scheduler:
                from .cluster import ClusterUnreachable, run_cluster
                try:
                    interrupted = run_cluster(todo, args.scheduler, settings, sandbox_label, limit, done)
                except ClusterUnreachable as exc:
                    print(f"grader batch: {exc}", file=sys.stderr)
                    return 2
            else:
                from .local import run_local
                from .student import prewarm
                prewarm(settings, progress=True)
                jobs = max(1, min(args.jobs or os.cpu_count() or 1, len(todo)))
                interrupted = run_local(todo, out, settings, jobs, sandbox_label, limit, done)
        except KeyboardInterrupt:
            interrupted = True
    try:
        (out / LOGS).rmdir()  # only when empty
    except OSError:
        pass
    rows = write_summaries(out, students, fingerprints, None if args.no_similarity else root,
                           args.similarity)
    graded = sum(1 for r in rows if r.graded)
    errors = len(rows) - graded
    elapsed = time.perf_counter() - start
    if interrupted:
        print(f"grader batch: interrupted after {elapsed:.0f} s; {graded} of {len(students)} "
              f"students have results; run the same command again to grade the rest", file=sys.stderr)
        return 130
    print(f"grader batch: done in {elapsed:.0f} s: {graded} graded ({reused} reused), {errors} errors; "
          f"{out / 'gradebook.csv'}, {out / 'scores.png'}, {out / 'report.html'}", file=sys.stderr)
    return 0
