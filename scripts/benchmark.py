#!/usr/bin/env python
"""How fast does the autograder grade, and where does the time go?

    python scripts/benchmark.py [--copies K] [--examples N] [--top T] [--curve 10,30,100,300]
                                [--no-baseline]
    python scripts/benchmark.py --batch-only [--batch-sizes 1,10,100] [--jobs N]
    python scripts/benchmark.py --against REV [--rounds R] [--examples N]

In one run, with the default rubric (its examples per property unless
--examples), it grades:

  reference  the reference solutions as a complete, correct submission
             (solutions/*.py but __init__.py, copied into a temporary folder),
             once with a cold case cache and once warm
  loops      examples/loops_submission, when it exists
  stubs      the unfilled stubs (assignments/*.py)

and prints, for each: the wall time of grade_submission, the time spent inside
the student's functions (the sum of TaskReport.seconds_inside), their ratio
(overhead = wall / inside), the examples per property, the score, and whether
the case cache (grader/case_cache.py) was cold or warm. Each grading runs in a
fresh Python process (so no in-memory cache carries over), against a case
cache in a fresh temporary folder (CNN_GRADER_CACHE): cold the first time,
warm afterwards. It then checks the speed targets, as ratios from this run:

  stubs      the unfilled stubs grade in under 1 s (warm cache): the fixed
             cost of a submission;
  correct    a correct submission (reference, loops) takes at most
             1.5 x the time inside its functions + 1 s.

The cost curve grades the reference at several numbers of examples per part
(--curve, default 10,30,100,300), each with a warm cache (its cases are drawn
first, untimed), and prints wall and inside time for each. Then `grader
batch` grades K copies of the reference (default 4) and the script prints
submissions per hour: once with the whole rubric, and twice (K and 3K
copies) with the tasks before the network capstone (every task but
network.*, the rubric's settings). The baseline is measured in the same
run: the grader as it was at BASELINE_REVISION, when each task still
started a sandbox of its own and the rubric had exactly those tasks, is
unpacked from git (`git archive`) into the temporary folder, its cases
drawn untimed into a case cache of its own, and its `grader batch` grades
K copies of its reference; the ratio of the two rates is the batch target
(at least 4x). Where that revision is not in the repository (a shallow
clone, an installed wheel), or with --no-baseline, the ratio is taken to
BASELINE_PER_HOUR, that revision's rate recorded on the same kind of
machine, and the line says so. Then the steady-state rate: the 2K more
submissions over the wall time they added, which leaves out a batch's
fixed cost (start-up, loading the cases, the gradebook, plot and class
report).

Last, the batch cost curve: `grader batch` on 1, 10 and 100 copies of the
reference (--batch-sizes), each in a fresh output folder, with small
settings so that 100 submissions fit in minutes (tasks padding and conv, 20
examples per part; --batch-tasks, --batch-examples), cases cached
beforehand; it prints wall time, seconds per submission and submissions
per hour for each size. --batch-only runs only the curve.

--against REV compares today's grader with the grader at revision REV
(unpacked from git, as the baseline is): each grades the reference, warm
cache (a case cache of its own, drawn first, untimed), alternately, R times
(--rounds, default 3); it prints each pair and the median ratios of their
wall times and of their overheads (wall - time inside the functions): what
a change to the grader costs, measured in one run.

Timings are noisy on a shared machine: compare ratios measured in the same
run. Nothing here asserts on time.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


# ------------------------------------------------------------------ child: grade one submission

def cache_state(settings) -> str:
    """cold / warm / partial: are the cases and expected answers of every
    part the grader caches (grader.grade.cached_parts) on disk?"""
    from cnn_checks.tasks import TASKS
    from grader import case_cache
    from grader.grade import cached_parts
    have = total = 0
    for name in settings.tasks:
        task = TASKS[name]
        for part in cached_parts(task):
            seed = case_cache.seed_tag(settings.part_seed(task, part))
            key = f"{case_cache.source_hash()}-{seed}-{task.name}-{part.name}-{settings.examples}"
            total += 1
            have += (case_cache.cache_dir() / f"{key}.cases").is_file()
    return "warm" if have == total else "cold" if have == 0 else f"partial ({have}/{total} parts)"


def measure(submission: str, examples: int | None) -> dict:
    from grader.grade import Settings, grade_submission
    from grader.rubric import Rubric
    settings = Settings.from_rubric(Rubric.load(), examples=examples)
    cache = cache_state(settings)
    start = time.perf_counter()
    reports = grade_submission(Path(submission), settings)
    wall = time.perf_counter() - start
    return {
        "wall": wall,
        "inside": sum(r.seconds_inside for r in reports),
        "examples": settings.examples,
        "workers": settings.workers,
        "score": round(sum(r.score for r in reports), 2),
        "max_score": round(sum(r.max_score for r in reports), 2),
        "cache": cache,
        "tasks": [(r.task, r.seconds, r.seconds_inside, r.score, r.max_score) for r in reports],
    }


# ------------------------------------------------------------------ parent

def copy_modules(src: Path, dst: Path, skip_init: bool) -> Path:
    dst.mkdir(parents=True)
    for f in sorted(src.glob("*.py")):
        if not (skip_init and f.name == "__init__.py"):
            shutil.copy(f, dst / f.name)
    return dst


def run_measure(submission: Path, env: dict, examples: int | None, grader_root: Path = ROOT) -> dict:
    """measure() in a fresh process, with the grader in `grader_root`."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--measure", str(submission)]
    if examples:
        cmd += ["--examples", str(examples)]
    env = dict(env, PYTHONPATH=str(grader_root))  # that grader, not the installed one
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=grader_root, env=env, capture_output=True, text=True)
    process_wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"grading {submission} failed:\n{proc.stderr[-3000:]}")
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    data["process_wall"] = process_wall
    return data


def run_prewarm(env: dict, examples: int | None, tasks: list[str] | None = None,
                grader_root: Path = ROOT) -> None:
    """`grader prewarm` of the grader in `grader_root`: the cases and
    expected answers for `examples` (None: the rubric's), untimed."""
    cmd = [sys.executable, "-m", "grader.cli", "prewarm"]
    if examples:
        cmd += ["--examples", str(examples)]
    if tasks:
        cmd += ["--tasks", *tasks]
    proc = subprocess.run(cmd, cwd=grader_root, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"prewarming {examples} examples failed:\n{proc.stderr[-3000:]}")


def targets(rows: list[tuple[str, dict]]) -> list[str]:
    """Each speed target, measured against this run's rows: held or not."""
    lines = []
    for name, r in rows:
        if r["cache"] != "warm":
            continue
        if name == "stubs":
            ok = r["wall"] < 1.0
            lines.append(f"stubs wall {r['wall']:.2f} s < 1 s: {'HOLDS' if ok else 'MISSED'}")
        elif r["score"] == r["max_score"]:
            bound = 1.5 * r["inside"] + 1.0
            ok = r["wall"] <= bound
            lines.append(f"{name} wall {r['wall']:.2f} s <= 1.5 x inside {r['inside']:.2f} s + 1 s = "
                         f"{bound:.2f} s: {'HOLDS' if ok else 'MISSED'} "
                         f"(wall / bound = {r['wall'] / bound:.2f})")
    return lines or ["(no warm run to judge)"]


def ratio(wall: float, inside: float) -> str:
    return f"{wall / inside:8.1f}x" if inside > 1e-3 else "      n/a"


# ------------------------------------------------------------------ the batch cost curve

#: The grader when each task started a sandbox of its own (the revision
#: before the zygote); its rubric holds exactly the tasks before the network.
BASELINE_REVISION = "5b9993a"
#: its `grader batch` rate on a 2-core machine (every task, rubric settings,
#: warm cache), used only where the revision cannot be unpacked
BASELINE_PER_HOUR = 445

#: small settings, so that a batch of 100 fits in a few minutes on 2 CPUs
CURVE_TASKS = ("padding", "conv")
CURVE_EXAMPLES = 20


def run_batch(n: int, folder: Path, env: dict, extra: list[str], grader_root: Path = ROOT) -> float:
    """`grader batch` of the grader in `grader_root` on n fresh copies of
    its reference (a fresh output folder: nothing reused); its wall time.
    Checks every student got full marks."""
    import csv
    subs = folder / "submissions"
    for i in range(n):
        copy_modules(grader_root / "solutions", subs / f"student{i + 1:03d}", skip_init=True)
    out = folder / "out"
    cmd = [sys.executable, "-m", "grader.cli", "batch", str(subs), "--out", str(out), *extra]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=grader_root, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"grader batch failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    with open(out / "gradebook.csv", newline="") as f:
        book = list(csv.DictReader(f))
    if len(book) != n or any(row["error"] or row["total"] != row["max"] for row in book):
        raise RuntimeError(f"the batch of {n} did not give every copy full marks: {out / 'gradebook.csv'}")
    return wall


def unpack_revision(revision: str, dest: Path) -> Path | None:
    """The project at `revision`, from git (`git archive`), in dest; None
    where the revision is not in this repository."""
    import io
    import tarfile
    try:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", revision],
                                 capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(dest, filter="data")
    return dest


def baseline_rate(k: int, work: Path, env: dict, examples: int | None) -> float | None:
    """Submissions per hour of BASELINE_REVISION's `grader batch` on k copies
    of its reference, measured now (its cases drawn first, untimed, into a
    cache of its own); None where the revision cannot be unpacked. That
    grader runs from its unpacked folder (the working directory comes first
    on sys.path) with this environment's packages."""
    root = unpack_revision(BASELINE_REVISION, work / "baseline-grader")
    if root is None:
        return None
    env = dict(env, CNN_GRADER_CACHE=str(work / "baseline-cache"))
    run_prewarm(env, examples, grader_root=root)
    extra = ["--examples", str(examples)] if examples else []
    wall = run_batch(k, work / "baseline-batch", env, extra, grader_root=root)
    return k / wall * 3600


def against(revision: str, rounds: int, examples: int | None, env: dict, work: Path) -> int:
    """Today's grader against the one at `revision`, each grading its own
    reference (warm cache), alternately; the median ratios."""
    import statistics
    old = unpack_revision(revision, work / "against-grader")
    if old is None:
        print(f"{revision} is not in this repository")
        return 2
    graders = {"today": ROOT, revision: old}
    envs = {name: dict(env, CNN_GRADER_CACHE=str(work / f"cache-{i}")) for i, name in enumerate(graders)}
    subs = {name: copy_modules(root / "solutions", work / f"reference-{i}", skip_init=True)
            for i, (name, root) in enumerate(graders.items())}
    for name, root in graders.items():
        run_prewarm(envs[name], examples, grader_root=root)
    print(f"today's grader against {revision}: the reference, warm cache, {rounds} rounds "
          f"(load average {os.getloadavg()[0]:.2f})")
    print(f"  {'round':>5} {'grader':<10} {'wall s':>8} {'inside s':>9} {'overhead s':>10} {'score':>12}")
    results: dict[str, list[dict]] = {name: [] for name in graders}
    for i in range(rounds):
        for name, root in graders.items():
            r = run_measure(subs[name], envs[name], examples, grader_root=root)
            results[name].append(r)
            print(f"  {i + 1:5d} {name:<10} {r['wall']:8.1f} {r['inside']:9.2f} "
                  f"{r['wall'] - r['inside']:10.2f} {r['score']:>6g} / {r['max_score']:<5g}", flush=True)
    now, then = results["today"], results[revision]
    walls = [a["wall"] / b["wall"] for a, b in zip(now, then, strict=True)]
    overheads = [(a["wall"] - a["inside"]) / max(b["wall"] - b["inside"], 1e-3)
                 for a, b in zip(now, then, strict=True)]
    print(f"today / {revision}: wall {statistics.median(walls):.2f}x, overhead (wall - inside) "
          f"{statistics.median(overheads):.2f}x (medians of {rounds} rounds)")
    return 0


def batch_curve(args, env: dict, work: Path) -> None:
    """Wall time of `grader batch` against the number of submissions."""
    sizes = [int(x) for x in args.batch_sizes.split(",") if x.strip()]
    if not sizes:
        return
    settings = ["--tasks", *args.batch_tasks, "--examples", str(args.batch_examples)]
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    run_prewarm(env, args.batch_examples, args.batch_tasks)
    print(f"\nbatch cost curve: copies of the reference, tasks {' '.join(args.batch_tasks)}, "
          f"{args.batch_examples} examples per part, {args.jobs or os.cpu_count()} jobs, cases cached "
          f"beforehand (grader prewarm); wall time includes the gradebook, plot and class report")
    head = f"{'submissions':>11} {'wall s':>8} {'s each':>7} {'per hour':>9} {'vs first':>9}"
    print(head)
    print("-" * len(head))
    first = None
    for n in sizes:
        wall = run_batch(n, work / f"curve-{n}", env, settings + jobs)
        rate = n / wall * 3600
        first = first or rate
        print(f"{n:11d} {wall:8.1f} {wall / n:7.2f} {rate:9.0f} {rate / first:8.2f}x", flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=4, help="submissions in the batch (default 4)")
    parser.add_argument("--examples", type=int, default=None,
                        help="examples per property (default: the rubric's)")
    parser.add_argument("--top", type=int, default=5, help="slowest tasks shown per submission")
    parser.add_argument("--curve", default="10,30,100,300",
                        help="examples per part for the cost curve (comma-separated; '' for none)")
    parser.add_argument("--cache", default=None,
                        help="case cache folder to use (default: a fresh one, so the first run is cold)")
    parser.add_argument("--batch-sizes", default="1,10,100",
                        help="batch sizes of the cost curve, comma-separated (default 1,10,100; '' for none)")
    parser.add_argument("--batch-tasks", nargs="*", default=list(CURVE_TASKS),
                        help=f"tasks graded in the cost curve (default {' '.join(CURVE_TASKS)})")
    parser.add_argument("--batch-examples", type=int, default=CURVE_EXAMPLES,
                        help=f"examples per part in the cost curve (default {CURVE_EXAMPLES})")
    parser.add_argument("--jobs", type=int, default=None, help="grader batch --jobs (default: one per CPU)")
    parser.add_argument("--batch-only", action="store_true",
                        help="only the batch cost curve (no single gradings, no K-copies batch)")
    parser.add_argument("--no-baseline", action="store_true",
                        help=f"compare the batch with the recorded {BASELINE_PER_HOUR} per hour instead of "
                             f"measuring {BASELINE_REVISION}'s grader in this run")
    parser.add_argument("--against", metavar="REV", default=None,
                        help="compare today's grader with the one at git revision REV, and stop")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of --against (default 3)")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure, args.examples)))
        return 0

    from grader.sandbox import bwrap_path
    work = Path(tempfile.mkdtemp(prefix="grader-bench-"))
    env = dict(os.environ, CNN_GRADER_CACHE=args.cache or str(work / "case-cache"))
    if args.against:
        try:
            return against(args.against, args.rounds, args.examples, env, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    if args.batch_only:
        try:
            print(f"grader benchmark: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
            batch_curve(args, env, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return 0
    try:
        subs = work / "submissions"
        reference = copy_modules(ROOT / "solutions", subs / "reference", skip_init=True)
        stubs = copy_modules(ROOT / "assignments", subs / "stubs", skip_init=False)
        loops = ROOT / "examples" / "loops_submission"

        print(f"grader benchmark: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}, "
              f"sandbox {'bubblewrap' if bwrap_path() else 'fallback (no bubblewrap)'}, "
              f"Python {sys.version.split()[0]}")
        fresh = "" if args.cache else " (fresh, so the first run is cold)"
        print(f"case cache: {env['CNN_GRADER_CACHE']}{fresh}\n")

        plan = [("reference", reference), ("reference", reference)]
        if loops.is_dir():
            plan.append(("loops", loops))
        else:
            print(f"(no {loops.relative_to(ROOT)} yet: skipped)\n")
        plan.append(("stubs", stubs))
        rows = []
        for name, path in plan:
            print(f"grading {name} ...", flush=True)
            rows.append((name, run_measure(path, env, args.examples)))

        print()
        head = (f"{'submission':<11} {'cache':<6} {'wall s':>8} {'process s':>9} {'inside s':>9} "
                f"{'overhead':>9} {'examples':>8} {'workers':>7} {'score':>14}")
        print(head)
        print("-" * len(head))
        for name, r in rows:
            print(f"{name:<11} {r['cache']:<6} {r['wall']:8.1f} {r['process_wall']:9.1f} "
                  f"{r['inside']:9.2f} {ratio(r['wall'], r['inside'])} {r['examples']:8d} "
                  f"{r['workers']:7d} {r['score']:>6g} / {r['max_score']:<5g}")
        print("\nwall: grade_submission; process: with interpreter start-up; inside: time in the "
              "student's functions;\noverhead = wall / inside.")
        cold = next((r for n, r in rows if n == "reference" and r["cache"] == "cold"), None)
        warm = next((r for n, r in rows if n == "reference" and r["cache"] == "warm"), None)
        if cold and warm:
            print(f"reference cold / warm cache: {cold['wall']:.1f} s / {warm['wall']:.1f} s "
                  f"= {cold['wall'] / warm['wall']:.2f}x")
        base = warm or rows[0][1]
        for name, r in rows:
            if name != "reference":
                print(f"{name} / reference (warm) wall: {r['wall'] / base['wall']:.2f}x")

        for name, r in rows:
            if name == "reference" and r is cold:
                continue
            print(f"\nslowest tasks, {name} ({r['cache']} cache): task, wall s, inside s, score")
            for task, secs, inside, score, top in sorted(r["tasks"], key=lambda t: -t[1])[:args.top]:
                print(f"  {task:<32} {secs:7.2f} {inside:8.3f}   {score:g}/{top:g}")

        print("\nspeed targets (ratios from this run; the machine's load moves every figure):")
        for line in targets(rows):
            print("  " + line)

        curve = [int(n) for n in args.curve.split(",") if n.strip()]
        if curve:
            print(f"\ncost curve: the reference at {', '.join(map(str, curve))} examples per part "
                  f"(warm cache each)", flush=True)
            print(f"  {'examples':>8} {'wall s':>8} {'inside s':>9} {'overhead':>9} {'wall - inside s':>15}")
            for n in curve:
                run_prewarm(env, n)
                r = run_measure(reference, env, n)
                print(f"  {n:8d} {r['wall']:8.1f} {r['inside']:9.2f} {ratio(r['wall'], r['inside'])} "
                      f"{r['wall'] - r['inside']:15.1f}   ({r['cache']} cache, "
                      f"{r['score']:g}/{r['max_score']:g})", flush=True)

        # The batch: K copies of the reference, then the cost curve.
        if args.copies > 0:
            k = args.copies
            from cnn_checks.tasks import TASKS
            before_network = [name for name in TASKS if not name.startswith("network.")]
            tasks = ["--tasks", *before_network]
            label = f"the {len(before_network)} tasks before the network"
            runs = [("the whole rubric", [], k), (label, tasks, k), (label, tasks, 3 * k)]
            extra = ["--examples", str(args.examples)] if args.examples else []
            walls: dict[int, float] = {}
            base_rate, base_label = float(BASELINE_PER_HOUR), f"{BASELINE_PER_HOUR} per hour, recorded"
            if not args.no_baseline:
                print(f"\nbaseline: the grader at {BASELINE_REVISION} (a sandbox per task), `grader batch` "
                      f"on {k} copies of its reference, its rubric ({label}), warm cache ...", flush=True)
                measured = baseline_rate(k, work, env, args.examples)
                if measured is None:
                    print(f"  ({BASELINE_REVISION} is not in this repository: the recorded rate is used)")
                else:
                    base_rate, base_label = measured, f"{measured:.0f} per hour, measured in this run"
                    print(f"baseline: {measured:.0f} submissions per hour")
            for label, tasks, n in runs:
                print(f"\ngrader batch: {n} copies of the reference, {label}, rubric settings, "
                      f"warm cache ...", flush=True)
                wall = run_batch(n, work / f"batch-{len(tasks)}-{n}", env, extra + tasks)
                rate = n / wall * 3600
                print(f"batch: {n} submissions in {wall:.1f} s = {rate:.0f} submissions per hour "
                      f"({wall / n:.1f} s each)")
                if tasks:
                    walls[n] = wall
                    verdict = "HOLDS" if rate >= 4 * base_rate else "MISSED"
                    print(f"  vs the baseline ({base_label}): {rate / base_rate:.2f}x "
                          f"(target: at least 4x): {verdict}")
                elif warm:
                    print(f"  batch per submission / single warm reference grading: "
                          f"{wall / n / warm['wall']:.2f}x (single grading uses {warm['workers']} workers; "
                          f"batch: 1 worker per submission, submissions in parallel)")
            if len(walls) == 2 and walls[3 * k] > walls[k]:
                extra_wall = walls[3 * k] - walls[k]
                steady = 2 * k / extra_wall * 3600
                print(f"\nsteady state, {label}: the {2 * k} more submissions of the batch of {3 * k} "
                      f"took {extra_wall:.1f} s more = {steady:.0f} per hour "
                      f"({steady / base_rate:.2f}x the baseline); the rest of a batch's wall "
                      f"time is its fixed cost (start-up, cases, gradebook, plot, class report): "
                      f"{walls[k] - k * extra_wall / (2 * k):.1f} s")
        batch_curve(args, env, work)
        print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
