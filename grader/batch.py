"""grader batch: grade a folder of submissions, one subfolder per student.

    grader batch SUBMISSIONS_DIR [--out DIR] [--jobs N] [--regrade]

Every immediate subfolder of SUBMISSIONS_DIR is one student's submission
(the folder's name is the student's id). Submissions are graded in parallel,
`--jobs` at a time (default: one per CPU), each in its own process with the
tasks graded one after the other (`--workers 1`), so the machine is not
oversubscribed. The output folder (default: SUBMISSIONS_DIR-graded next to
it) receives:

    results/<student>.json   Gradescope results, as `grader grade` writes them
    feedback/<student>.md    the Markdown report for the student
    errors/<student>.txt     why grading that student failed (only then)
    logs/<student>.log       what the grading process printed (only if anything)
    gradebook.csv            student, total, max, one column per task, error
    scores.png               the distribution of the scores, per task and total

A student's results are written atomically as soon as that student is done,
so the batch can be interrupted (Ctrl-C) and resumed: a rerun skips every
student whose results/<student>.json exists and is valid for the tasks being
graded (unless --regrade). A submission that makes the grader itself fail
becomes an error row in the gradebook; the batch goes on, and a rerun tries
that student again. The gradebook and the plot are rebuilt from all results
at the end (also after an interruption, from the finished students).

Exit status: 0 when the batch finished (whatever the scores and errors), 130
when interrupted, 2 on bad arguments.
"""
from __future__ import annotations

import csv
import io
import json
import os
import signal
import sys
import time
import traceback
from pathlib import Path

RESULTS, FEEDBACK, ERRORS, LOGS = "results", "feedback", "errors", "logs"
_TMP_MARK = ".tmp-"


def register(sub, common):
    """Add the `batch` subcommand to the grader's parser."""
    p = sub.add_parser("batch", help="grade every submission in a folder (one subfolder per student)",
                       description=__doc__.split("\n\n", 1)[1],
                       formatter_class=__import__("argparse").RawDescriptionHelpFormatter)
    p.add_argument("submissions", metavar="SUBMISSIONS_DIR",
                   help="folder with one subfolder per student (the folder's name is the student id)")
    p.add_argument("--out", default=None,
                   help="output folder (default: SUBMISSIONS_DIR-graded next to SUBMISSIONS_DIR)")
    p.add_argument("--jobs", "-j", type=int, default=None,
                   help="submissions graded in parallel (default: the number of CPUs)")
    p.add_argument("--regrade", action="store_true",
                   help="grade every student again, even those with valid results")
    common(p)
    p.set_defaults(func=cmd_batch)


# ---------------------------------------------------------------- files

def atomic_write(path: Path, data: str | bytes) -> None:
    """Write `path` through a temporary file in the same folder and
    os.replace, so a reader sees either the old file or the whole new one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{_TMP_MARK}{path.name}.{os.getpid()}")
    with open(tmp, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _sweep_temporaries(out: Path) -> None:
    """Temporary files left by a run that was killed mid-write."""
    for sub in (RESULTS, FEEDBACK, ERRORS, LOGS, "."):
        folder = out / sub
        if folder.is_dir():
            for p in folder.glob(f"{_TMP_MARK}*"):
                try:
                    p.unlink()
                except OSError:
                    pass


def task_of(test_name: str) -> str:
    """`conv.conv2d: dilation` -> `conv.conv2d`."""
    return test_name.split(":", 1)[0].strip()


def load_result(path: Path, tasks: list[str] | None = None) -> dict | None:
    """The results JSON at `path` if it is complete and valid (and, when
    `tasks` is given, grades exactly those tasks); otherwise None."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("tests"), list):
        return None
    if not all(isinstance(data.get(k), (int, float)) for k in ("score", "max_score")):
        return None
    for t in data["tests"]:
        if not (isinstance(t, dict) and isinstance(t.get("name"), str)
                and isinstance(t.get("score"), (int, float))
                and isinstance(t.get("max_score"), (int, float))):
            return None
    if tasks is not None and {task_of(t["name"]) for t in data["tests"]} != set(tasks):
        return None
    return data


def task_scores(result: dict) -> dict[str, tuple[float, float]]:
    """task -> (score, max_score), summed over the task's tests."""
    out: dict[str, list[float]] = {}
    for t in result["tests"]:
        s = out.setdefault(task_of(t["name"]), [0.0, 0.0])
        s[0] += float(t["score"])
        s[1] += float(t["max_score"])
    return {k: (round(v[0], 2), round(v[1], 2)) for k, v in out.items()}


# ---------------------------------------------------------------- one student (in its own process)

class _Stopped(BaseException):
    """Raised in a grading process asked to stop (SIGTERM)."""


_STOPPING = False


def _on_sigterm(signum, frame):
    global _STOPPING
    _STOPPING = True
    raise _Stopped()


def _grade_student(student: str, submission: Path, out: Path, settings, sandbox_label: str) -> None:
    """Body of a forked grading process: grade, write feedback then results
    (the results file last: it marks the student as done), or the error."""
    os.setpgrp()  # the terminal's Ctrl-C goes to the batch, which stops us itself
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _on_sigterm)
    log = out / LOGS / f"{student}.log"
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)
    except OSError:
        pass
    code = 0
    try:
        from .grade import grade_submission
        from .report import gradescope_results, markdown
        start = time.perf_counter()
        settings = settings.for_student(student)
        reports = grade_submission(submission, settings)
        elapsed = time.perf_counter() - start
        if _STOPPING:  # stopped, even if something on the way swallowed _Stopped
            raise _Stopped()
        results = gradescope_results(reports, elapsed, sandbox_label, settings.cases_label)
        atomic_write(out / FEEDBACK / f"{student}.md",
                     markdown(reports, sandbox_label, settings.cases_label))
        atomic_write(out / RESULTS / f"{student}.json", json.dumps(results, indent=2) + "\n")
        try:
            (out / ERRORS / f"{student}.txt").unlink()
        except FileNotFoundError:
            pass
    except _Stopped:
        code = 143
    except BaseException as exc:  # any failure becomes an error row
        code = 143 if _STOPPING else 1
        try:
            if not _STOPPING:
                atomic_write(out / ERRORS / f"{student}.txt",
                             f"{type(exc).__name__}: {exc}\n\n{traceback.format_exc()}")
        except BaseException:
            pass
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)


# ---------------------------------------------------------------- the batch

def find_submissions(root: Path, out: Path) -> list[tuple[str, Path]]:
    """(student, folder) for every immediate subfolder of `root`, by name,
    leaving out hidden folders, __pycache__ and the output folder."""
    out = out.resolve()
    found = []
    for d in sorted(root.iterdir(), key=lambda p: p.name):
        if not d.is_dir() or d.name.startswith(".") or d.name == "__pycache__":
            continue
        r = d.resolve()
        if r == out or r in out.parents:
            continue
        found.append((d.name, d))
    return found


def _prewarm(settings) -> None:
    """Draw (or load) every part's cases once here, so that the forked
    grading processes inherit them instead of each drawing its own."""
    from tqdm import tqdm

    from cnn_checks.tasks import TASKS

    if settings.per_student:
        return  # every student has cases of their own
    parts = [(TASKS[n], p) for n in settings.tasks if n in TASKS for p in TASKS[n].parts]
    for task, part in tqdm(parts, desc="cases", unit="part", file=sys.stderr, leave=False):
        try:
            settings.cases(task, part)
        except Exception:  # a grading process will draw (and report) it itself
            pass


def _stop_all(running: dict) -> None:
    """Stop the grading processes still running (their process groups):
    SIGTERM, then SIGKILL for those that do not leave within 5 s."""
    for proc, _student, _start in running.values():
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            proc.terminate()  # not yet its own process group leader
    deadline = time.monotonic() + 5
    for proc, _student, _start in running.values():
        proc.join(max(0.0, deadline - time.monotonic()))
        if proc.exitcode is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                proc.kill()
            proc.join(5)


def _stop_overdue(running: dict, out: Path, limit: float | None) -> None:
    """Stop every grading process that has run longer than `limit` seconds
    (the rubric's submission_seconds), with an error saying so: one
    student's submission never holds up the batch."""
    if not limit:
        return
    now = time.perf_counter()
    for sentinel, (proc, student, start) in list(running.items()):
        if proc.exitcode is None and now - start > limit:
            atomic_write(out / ERRORS / f"{student}.txt",
                         f"grading took longer than {limit:g} s (the rubric's submission_seconds) "
                         f"and was stopped\n")
            _stop_all({sentinel: (proc, student, start)})


def run_batch(todo: list[tuple[str, Path]], out: Path, settings, jobs: int, sandbox_label: str,
              log=None) -> tuple[int, bool]:
    """Grade `todo` with `jobs` processes at a time. Returns (finished,
    interrupted). Ctrl-C (SIGINT) or SIGTERM stops cleanly: the running
    students are stopped and finish nothing; a second Ctrl-C aborts."""
    import multiprocessing
    from multiprocessing.connection import wait

    from tqdm import tqdm
    ctx = multiprocessing.get_context("fork")
    state = {"stop": False}
    is_main = __import__("threading").current_thread() is __import__("threading").main_thread()

    def on_signal(signum, frame):
        if state["stop"]:
            raise KeyboardInterrupt
        state["stop"] = True

    old = {}
    if is_main:
        for sig in (signal.SIGINT, signal.SIGTERM):
            old[sig] = signal.signal(sig, on_signal)
    queue = list(todo)
    running: dict = {}
    finished = 0
    bar = tqdm(total=len(todo), desc="grading", unit="sub", file=sys.stderr, dynamic_ncols=True)
    say = log or (lambda msg: tqdm.write(msg, file=sys.stderr))
    try:
        while (queue or running) and not state["stop"]:
            while queue and len(running) < jobs and not state["stop"]:
                student, folder = queue.pop(0)
                proc = ctx.Process(target=_grade_student, name=f"grade-{student}",
                                   args=(student, folder, out, settings, sandbox_label))
                proc.start()
                running[proc.sentinel] = (proc, student, time.perf_counter())
            if not running:
                break
            _stop_overdue(running, out, settings.submission_seconds)
            for sentinel in wait(list(running), timeout=0.5):
                proc, student, start = running.pop(sentinel)
                proc.join()
                secs = time.perf_counter() - start
                result = load_result(out / RESULTS / f"{student}.json")
                if proc.exitcode == 0 and result is not None:
                    say(f"graded {student}: {result['score']:g} / {result['max_score']:g} "
                        f"({secs:.1f} s)")
                else:
                    err = out / ERRORS / f"{student}.txt"
                    if not err.exists():
                        code = proc.exitcode
                        why = (f"killed by signal {signal.Signals(-code).name}" if code and code < 0
                               else f"exit status {code}")
                        atomic_write(err, f"the grading process ended without a result ({why})\n")
                    first = err.read_text(errors="replace").splitlines()[0:1] or [""]
                    say(f"error {student}: {first[0]}")
                _drop_empty_log(out, student)
                finished += 1
                bar.set_postfix_str(student, refresh=False)
                bar.update(1)
    except KeyboardInterrupt:
        state["stop"] = True
    finally:
        if running:
            _stop_all(running)
            for _proc, student, _ in running.values():
                _drop_empty_log(out, student)
        bar.close()
        for sig, handler in old.items():
            signal.signal(sig, handler)
    return finished, state["stop"]


def _drop_empty_log(out: Path, student: str) -> None:
    log = out / LOGS / f"{student}.log"
    try:
        if log.stat().st_size == 0:
            log.unlink()
    except OSError:
        pass


# ---------------------------------------------------------------- gradebook and plot

def collect(out: Path, students: list[str], tasks: list[str] | None = None) -> tuple[list[str], list[dict]]:
    """The task columns and one row per student that has a result or an
    error: {student, total, max, tasks: {task: (score, max)}, error}."""
    from cnn_checks.tasks import TASKS
    rows: list[dict] = []
    seen: set[str] = set()
    for student in students:
        result = load_result(out / RESULTS / f"{student}.json", tasks)
        err = out / ERRORS / f"{student}.txt"
        if result is not None and err.exists() and _mtime(err) >= _mtime(out / RESULTS / f"{student}.json"):
            result = None  # a later regrade of this student failed
        if result is not None:
            per = task_scores(result)
            seen.update(per)
            rows.append({"student": student, "total": result["score"], "max": result["max_score"],
                         "tasks": per, "error": ""})
        elif err.exists():
            text = err.read_text(errors="replace").strip().splitlines()
            rows.append({"student": student, "total": None, "max": None, "tasks": {},
                         "error": text[0] if text else "grading failed"})
    order = {name: i for i, name in enumerate(TASKS)}
    columns = sorted(seen, key=lambda t: (order.get(t, len(order)), t))
    return columns, rows


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def gradebook_csv(columns: list[str], rows: list[dict]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["student", "total", "max", *columns, "error"])
    for r in rows:
        fmt = lambda v: "" if v is None else f"{v:g}"  # noqa: E731
        w.writerow([r["student"], fmt(r["total"]), fmt(r["max"]),
                    *(fmt(r["tasks"][c][0]) if c in r["tasks"] else "" for c in columns), r["error"]])
    return buf.getvalue()


def scores_png(columns: list[str], rows: list[dict]) -> bytes:
    """A grid of histograms: the total first, then one per task."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    graded = [r for r in rows if r["total"] is not None]
    panels = [("total", [r["total"] for r in graded], max((r["max"] for r in graded), default=0))]
    for c in columns:
        vals = [r["tasks"][c][0] for r in graded if c in r["tasks"]]
        top = max((r["tasks"][c][1] for r in graded if c in r["tasks"]), default=0)
        panels.append((c, vals, top))
    ncols = min(6, len(panels))
    nrows = -(-len(panels) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.0 * ncols, 2.3 * nrows + 0.6), squeeze=False)
    for ax in axes.flat[len(panels):]:
        ax.axis("off")
    for ax, (name, vals, top) in zip(axes.flat, panels, strict=False):
        top = float(top) or 1.0
        bins = [top * i / 10 for i in range(11)]
        if vals:
            ax.hist([min(max(v, 0.0), top) for v in vals], bins=bins,
                    color="#4C72B0" if name != "total" else "#DD8452", edgecolor="white")
            mean = sum(vals) / len(vals)
            ax.axvline(mean, color="black", linewidth=1, linestyle="--")
        ax.set_xlim(-0.02 * top, 1.02 * top)
        ax.set_title(f"{name} (/{top:g})", fontsize=8, fontweight="bold" if name == "total" else None)
        ax.tick_params(labelsize=7)
        ax.yaxis.get_major_locator().set_params(integer=True)
    errors = len(rows) - len(graded)
    fig.suptitle(f"Score distribution: {len(graded)} students graded"
                 + (f", {errors} grading errors" if errors else "") + " (dashed: mean)", fontsize=10)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return buf.getvalue()


def write_summaries(out: Path, students: list[str], tasks: list[str] | None = None) -> list[dict]:
    columns, rows = collect(out, students, tasks)
    atomic_write(out / "gradebook.csv", gradebook_csv(columns, rows))
    atomic_write(out / "scores.png", scores_png(columns, rows))
    return rows


# ---------------------------------------------------------------- command

def cmd_batch(args) -> int:
    from .options import sandbox_label, settings_from_args

    root = Path(args.submissions)
    if not root.is_dir():
        print(f"grader batch: {root} is not a folder", file=sys.stderr)
        return 2
    if args.jobs is not None and args.jobs < 1:
        print("grader batch: --jobs must be at least 1", file=sys.stderr)
        return 2
    root = root.resolve()
    out = Path(args.out) if args.out else root.with_name(root.name + "-graded")
    out = out.resolve()
    settings = settings_from_args(args)
    settings.workers = args.workers or 1
    from cnn_checks.tasks import TASKS
    tasks = [t for t in settings.tasks if t in TASKS]
    if not tasks:
        print(f"grader batch: no task matches --tasks {' '.join(args.tasks or [])}", file=sys.stderr)
        return 2
    from tqdm import tqdm
    tqdm.monitor_interval = 0  # no tqdm monitor thread: grading processes are forked
    label = sandbox_label(args)

    submissions = find_submissions(root, out)
    students = [s for s, _ in submissions]
    for sub in (RESULTS, FEEDBACK):
        (out / sub).mkdir(parents=True, exist_ok=True)
    _sweep_temporaries(out)
    if args.regrade:
        todo = submissions
    else:
        todo = [(s, d) for s, d in submissions if load_result(out / RESULTS / f"{s}.json", tasks) is None]
    jobs = max(1, min(args.jobs or os.cpu_count() or 1, len(todo) or 1))
    print(f"grader batch: {len(submissions)} submissions in {root}, "
          f"{len(submissions) - len(todo)} already graded, {len(todo)} to grade "
          f"({jobs} at a time, {len(tasks)} tasks, {settings.examples} examples per part) -> {out}",
          file=sys.stderr)
    interrupted = False
    start = time.perf_counter()
    if todo:
        try:
            _prewarm(settings)
            _, interrupted = run_batch(todo, out, settings, jobs, label)
        except KeyboardInterrupt:
            interrupted = True
    try:
        (out / LOGS).rmdir()  # only when empty
    except OSError:
        pass
    rows = write_summaries(out, students, tasks)
    graded = sum(1 for r in rows if r["total"] is not None)
    errors = len(rows) - graded
    elapsed = time.perf_counter() - start
    if interrupted:
        print(f"grader batch: interrupted after {elapsed:.0f} s; {graded} of {len(students)} "
              f"students have results; run the same command again to grade the rest", file=sys.stderr)
        return 130
    print(f"grader batch: done in {elapsed:.0f} s: {graded} graded, {errors} grading errors; "
          f"{out / 'gradebook.csv'}, {out / 'scores.png'}", file=sys.stderr)
    return 0
