#!/usr/bin/env python
"""How fast does the autograder grade, and where does the time go?

    python scripts/benchmark.py [--copies K] [--examples N] [--top T]

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
warm afterwards. Then `grader batch` grades K copies of the reference
(default 4) and the script prints submissions per hour.

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
    """cold / warm / partial: are the cases of every graded part on disk?"""
    from cnn_checks.tasks import TASKS
    from grader import case_cache
    have = total = 0
    for name in settings.tasks:
        task = TASKS[name]
        for part in task.parts:
            key = f"{case_cache._source_hash()}-{task.name}-{part.name}-{settings.examples}"
            total += 1
            have += (case_cache.cache_dir() / f"{key}.npz").is_file()
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


def run_measure(submission: Path, env: dict, examples: int | None) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--measure", str(submission)]
    if examples:
        cmd += ["--examples", str(examples)]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    process_wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"grading {submission} failed:\n{proc.stderr[-3000:]}")
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    data["process_wall"] = process_wall
    return data


def ratio(wall: float, inside: float) -> str:
    return f"{wall / inside:8.1f}x" if inside > 1e-3 else "      n/a"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=4, help="submissions in the batch (default 4)")
    parser.add_argument("--examples", type=int, default=None,
                        help="examples per property (default: the rubric's)")
    parser.add_argument("--top", type=int, default=5, help="slowest tasks shown per submission")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure, args.examples)))
        return 0

    from grader.sandbox import bwrap_path
    work = Path(tempfile.mkdtemp(prefix="grader-bench-"))
    env = dict(os.environ, CNN_GRADER_CACHE=str(work / "case-cache"))
    try:
        subs = work / "submissions"
        reference = copy_modules(ROOT / "solutions", subs / "reference", skip_init=True)
        stubs = copy_modules(ROOT / "assignments", subs / "stubs", skip_init=False)
        loops = ROOT / "examples" / "loops_submission"

        print(f"grader benchmark: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}, "
              f"sandbox {'bubblewrap' if bwrap_path() else 'fallback (no bubblewrap)'}, "
              f"Python {sys.version.split()[0]}")
        print(f"case cache: {env['CNN_GRADER_CACHE']} (fresh, so the first run is cold)\n")

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

        # The batch: K copies of the reference, graded by `grader batch`.
        k = args.copies
        if k > 0:
            batch_dir = work / "batch"
            for i in range(k):
                copy_modules(ROOT / "solutions", batch_dir / f"student{i + 1:02d}", skip_init=True)
            cmd = [sys.executable, "-m", "grader.cli", "batch", str(batch_dir),
                   "--out", str(work / "batch-out")]
            if args.examples:
                cmd += ["--examples", str(args.examples)]
            print(f"\ngrader batch: {k} copies of the reference, {os.cpu_count()} jobs, warm cache ...",
                  flush=True)
            start = time.perf_counter()
            proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
            wall = time.perf_counter() - start
            if proc.returncode != 0:
                print(f"grader batch failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
                return 1
            import csv
            with open(work / "batch-out" / "gradebook.csv", newline="") as f:
                book = list(csv.DictReader(f))
            totals = sorted({row["total"] for row in book})
            print(f"batch: {k} submissions in {wall:.1f} s = {k / wall * 3600:.0f} submissions per hour "
                  f"({wall / k:.1f} s each; gradebook totals {', '.join(totals)})")
            if warm:
                print(f"batch per submission / single warm reference grading: "
                      f"{wall / k / warm['wall']:.2f}x (single grading uses {warm['workers']} workers; "
                      f"batch: 1 worker per submission, submissions in parallel)")
        print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
