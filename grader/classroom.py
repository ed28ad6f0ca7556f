"""Report a grading to GitHub Classroom (used by the workflow template).

    python -m grader.classroom results.json [--summary FILE] [--github-output FILE]

Reads the grader's Gradescope-style results.json and
  - prints `Points x/y` (what GitHub Classroom looks for) and one line per task;
  - appends a Markdown summary (score, per-task table, what to fix) to
    $GITHUB_STEP_SUMMARY (or --summary), shown on the workflow run's page;
  - writes `result=<base64 JSON>` to $GITHUB_OUTPUT (or --github-output) in
    the format of classroom-resources/autograding-grading-reporter, so that
    the reporter step can post the points to the Classroom dashboard.
Exits 0 whenever the results could be read, whatever the score.
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import sys
from pathlib import Path


def _fmt(x: float) -> str:
    return f"{round(float(x), 2):g}"


def load(path: Path) -> dict:
    data = json.loads(Path(path).read_text())
    if not isinstance(data, dict) or not isinstance(data.get("score"), (int, float)):
        raise ValueError(f"{path}: not a grader results.json (no numeric score)")
    tests = data.get("tests") or []
    if "max_score" not in data:
        data["max_score"] = sum(float(t.get("max_score", 0)) for t in tests)
    data["tests"] = tests
    return data


def task_of(test_name: str) -> str:
    """`conv.conv2d: dilation` -> `conv.conv2d`."""
    return test_name.split(": ", 1)[0]


def by_task(data: dict) -> dict[str, dict]:
    tasks: dict[str, dict] = {}
    for t in data["tests"]:
        entry = tasks.setdefault(task_of(str(t.get("name", "?"))),
                                 {"score": 0.0, "max_score": 0.0, "failed": []})
        entry["score"] += float(t.get("score", 0))
        entry["max_score"] += float(t.get("max_score", 0))
        if float(t.get("score", 0)) < float(t.get("max_score", 0)):
            entry["failed"].append(t)
    return tasks


def points_line(data: dict) -> str:
    return f"Points {_fmt(data['score'])}/{_fmt(data['max_score'])}"


def summary_markdown(data: dict) -> str:
    tasks = by_task(data)
    lines = ["# Autograding", "", f"**{points_line(data)}**", ""]
    if not data["tests"] and data.get("output"):
        lines += ["```", str(data["output"]), "```", ""]
    if tasks:
        lines += ["| task | points | parts failed |", "| --- | ---: | --- |"]
        for name, t in tasks.items():
            failed = ", ".join(str(f.get("name", "")).split(": ", 1)[-1] for f in t["failed"])
            lines.append(f"| `{name}` | {_fmt(t['score'])} / {_fmt(t['max_score'])} | {failed or '-'} |")
    failing = {name: t for name, t in tasks.items() if t["failed"]}
    if failing:
        lines += ["", "## What to fix", ""]
        for name, t in failing.items():
            first = t["failed"][0]
            lines += [f"### `{name}`", "", "```", str(first.get("output", "")).strip(), "```", ""]
    return "\n".join(lines).rstrip() + "\n"


def reporter_payload(data: dict) -> dict:
    """The JSON that autograding-grading-reporter expects from a runner."""
    tests = [{
        "name": str(t.get("name", "?")),
        "status": "pass" if float(t.get("score", 0)) >= float(t.get("max_score", 0)) else "fail",
        "score": float(t.get("score", 0)),
        "message": str(t.get("output", ""))[:2000],
        "line_no": 0,
        "execution_time": "0s",
    } for t in data["tests"]]
    status = "pass" if data["tests"] and all(t["status"] == "pass" for t in tests) else (
        "fail" if data["tests"] else "error")
    return {"version": 1, "status": status, "max_score": float(data["max_score"]), "tests": tests}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.classroom", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", type=Path, help="the grader's results.json")
    parser.add_argument("--summary", type=Path, default=None,
                        help="Markdown summary file (default: $GITHUB_STEP_SUMMARY)")
    parser.add_argument("--github-output", type=Path, default=None,
                        help="step outputs file (default: $GITHUB_OUTPUT)")
    args = parser.parse_args(argv)
    try:
        data = load(args.results)
    except (OSError, ValueError) as exc:
        print(f"::error::could not read the grading results: {exc}")
        print("Points 0/0")
        return 1
    for name, t in by_task(data).items():
        mark = "ok  " if not t["failed"] else "FAIL"
        print(f"{mark} {name}: {_fmt(t['score'])}/{_fmt(t['max_score'])}")
    print(points_line(data))
    summary = args.summary or (Path(os.environ["GITHUB_STEP_SUMMARY"])
                               if os.environ.get("GITHUB_STEP_SUMMARY") else None)
    if summary:
        with open(summary, "a") as fh:
            fh.write(summary_markdown(data))
    output = args.github_output or (Path(os.environ["GITHUB_OUTPUT"])
                                    if os.environ.get("GITHUB_OUTPUT") else None)
    if output:
        encoded = base64.b64encode(json.dumps(reporter_payload(data)).encode()).decode()
        with open(output, "a") as fh:
            fh.write(f"result={encoded}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
