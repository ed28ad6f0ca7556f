"""GitHub Classroom, graded from the instructor's side.

The students' repositories never see the grader, the reference or a token:
their workflow runs the public tests only. The grade is computed where the
instructor controls the machine (the instructor's private grader repository,
on a schedule or by hand; grader/templates/classroom-grade.yml):

    grader classroom collect ROSTER --url URL_TEMPLATE --out COLLECTED
        clone every student's repository (URL_TEMPLATE with {login}, e.g.
        https://github.com/ORG/cnn-hw-{login}.git), take the commit at the
        tip of its default branch (or --branch), and extract its
        assignments/ into COLLECTED/<login>/ (the whole tree when there is
        no assignments/, so that the layout check says what was found);
        COLLECTED/.classroom.json records which commit each student has.
    grader batch COLLECTED --out GRADED
        grade them all (sandboxed, resumable: see grader batch).
    grader classroom publish COLLECTED GRADED [--branch grade]
        push to each student's repository a branch `grade`: the graded
        commit plus GRADE.md (score and feedback) and grade/ (the results
        and the Classroom reporter's payload). The students' workflow, run
        on that push, reports `Points x/y` to the Classroom dashboard.
        GRADED/classroom.csv lists login, repository, commit, score.
    grader classroom report RESULTS.json
        print `Points x/y`, write the run summary and the reporter payload
        (what publish puts into grade/, usable on its own).

Git authentication: when CLASSROOM_TOKEN is set, every git command gets an
`Authorization` header from the environment (never stored in a clone's
configuration, so graded code cannot find it on disk); git never prompts.
"""
from __future__ import annotations

import argparse
import base64
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from .grades import part_grades
from .render import cap, csv_cell, md_block, md_inline

MANIFEST = ".classroom.json"
REPOS = ".repos"
GRADE_BRANCH = "grade"
LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,98}[A-Za-z0-9_])?$")
BOT = ("cnn-grader", "cnn-grader@users.noreply.github.com")


def fmt_points(x: float) -> str:
    """Points as people write them: 89.06, 100, 0.5 (rounded to 0.01)."""
    return f"{round(float(x), 2):g}"


# ---------------------------------------------------------------- git


def git_env() -> dict[str, str]:
    """The environment for git: no prompt, and the token (if any) as an
    HTTP header passed through the environment, not written anywhere."""
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", GIT_ASKPASS="true",
               GIT_AUTHOR_NAME=BOT[0], GIT_AUTHOR_EMAIL=BOT[1],
               GIT_COMMITTER_NAME=BOT[0], GIT_COMMITTER_EMAIL=BOT[1])
    token = os.environ.get("CLASSROOM_TOKEN")
    if token:
        basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        count = int(env.get("GIT_CONFIG_COUNT", "0"))
        env[f"GIT_CONFIG_KEY_{count}"] = "http.extraHeader"
        env[f"GIT_CONFIG_VALUE_{count}"] = f"Authorization: Basic {basic}"
        env["GIT_CONFIG_COUNT"] = str(count + 1)
    return env


def git(*args: str, cwd: Path | None = None, input: bytes | None = None) -> bytes:
    """Run git; raise RuntimeError with git's own message when it fails."""
    run = subprocess.run(["git", *args], cwd=cwd, env=git_env(), input=input,
                         capture_output=True, timeout=600)
    if run.returncode != 0:
        raise RuntimeError(git_message(run.stderr.decode(errors="replace"), args[0]))
    return run.stdout


def git_message(stderr: str, command: str) -> str:
    """What git said when it failed, on one line: its `fatal:` and `error:`
    lines (a remote's `remote:` ones too), else all it said, at most 400
    characters (`git clone` of a missing repository: "fatal: 'URL' does
    not appear to be a git repository; fatal: Could not read from remote
    repository.", not only the advice that follows)."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    said = [line for line in lines if line.startswith(("fatal:", "error:", "remote:"))] or lines
    text = "; ".join(said) or f"git {command} failed"
    return text if len(text) <= 400 else text[:397] + "..."


# ---------------------------------------------------------------- collect


@dataclass
class Entry:
    """One student's repository as collected."""

    login: str
    url: str
    commit: str = ""
    error: str = ""


def read_roster(path: Path) -> list[str]:
    """GitHub logins, from a text file (one per line, # comments) or from
    Classroom's roster CSV (a `github_username` column)."""
    text = Path(path).read_text(encoding="utf-8-sig")
    first = text.splitlines()[0] if text.strip() else ""
    if "github_username" in first:
        logins = [row.get("github_username", "").strip() for row in csv.DictReader(io.StringIO(text))]
    else:
        logins = [line.split("#", 1)[0].strip() for line in text.splitlines()]
    seen: dict[str, None] = {}
    for login in logins:
        if login:
            seen.setdefault(login, None)
    return list(seen)


#: What the release (the students' template repository) ships besides the
#: student's own code: left out of a collected tree that has no
#: assignments/, so that the layout check names the student's files, not
#: the template's (cnn_checks/tasks/conv.py, say).
TEMPLATE_FOLDERS = ("cnn_checks", "tests", ".github")


def _extract(repo: Path, commit: str, dest: Path) -> None:
    """The commit's assignments/ (or, without one, its whole tree less the
    template's own folders) into `dest`, through `git archive` and
    tarfile's "data" filter (no links out of `dest`, no devices, no
    special permissions)."""
    has_assignments = git("ls-tree", "-d", "--name-only", commit, "assignments", cwd=repo).strip()
    paths = ["assignments"] if has_assignments else \
        [".", *(f":(exclude){folder}" for folder in TEMPLATE_FOLDERS)]
    data = git("archive", "--format=tar", commit, *paths, cwd=repo)
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(dest, filter="data")


def collect(logins: list[str], url_template: str, out: Path, branch: str | None = None,
            say=print) -> list[Entry]:
    """Clone each student's repository (bare, under out/.repos), and
    extract the submission at the tip of `branch` (default: the
    repository's default branch) into out/<login>/. A repository that
    cannot be cloned, or has no commit, is recorded with its error."""
    if "{login}" not in url_template:
        raise ValueError(f"--url {url_template!r} has no {{login}}")
    out = Path(out)
    (out / REPOS).mkdir(parents=True, exist_ok=True)
    entries = []
    for login in logins:
        entry = Entry(login, url_template.replace("{login}", login))
        entries.append(entry)
        if not LOGIN.match(login):
            entry.error = "not a GitHub login"
            say(f"skipped {login!r}: {entry.error}")
            continue
        repo = out / REPOS / f"{login}.git"
        try:
            if repo.exists():
                shutil.rmtree(repo)
            git("clone", "--bare", "--quiet", entry.url, str(repo))
            ref = f"refs/heads/{branch}" if branch else "HEAD"
            try:
                entry.commit = git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}",
                                   cwd=repo).decode().strip()
            except RuntimeError:
                raise RuntimeError(f"no commit on {branch or 'the default branch'}") from None
            _extract(repo, entry.commit, out / login)
        except (RuntimeError, OSError, tarfile.TarError, subprocess.TimeoutExpired) as exc:
            entry.error = str(exc) or type(exc).__name__
            shutil.rmtree(out / login, ignore_errors=True)
            say(f"could not collect {login}: {entry.error}")
            continue
        say(f"collected {login} at {entry.commit[:12]}")
    previous = {e["login"]: e for e in _read_manifest(out)}
    previous.update({e.login: asdict(e) for e in entries})
    (out / MANIFEST).write_text(json.dumps(list(previous.values()), indent=2) + "\n")
    return entries


def _read_manifest(collected: Path) -> list[dict]:
    try:
        return json.loads((Path(collected) / MANIFEST).read_text())
    except (OSError, ValueError):
        return []


# ---------------------------------------------------------------- the grade of one student


def load_results(path: Path) -> dict | None:
    """A grader results.json, or None when missing or not one."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("score"), (int, float)):
        return None
    tests: list[dict] = [t for t in data.get("tests") or [] if isinstance(t, dict)] \
        if isinstance(data.get("tests"), list) else []
    data["tests"] = tests
    if not isinstance(data.get("max_score"), (int, float)):
        data["max_score"] = sum(float(t.get("max_score", 0)) for t in tests)
    return data


def by_task(data: dict) -> dict[str, dict]:
    """task -> score, max_score and the failing parts' records, from the
    tests' typed records (grader/grades.py); a test whose task is unknown
    stands alone under its own name."""
    tasks: dict[str, dict] = {}
    for g in part_grades(data):
        entry = tasks.setdefault(g.label, {"score": 0.0, "max_score": 0.0, "failed": []})
        entry["score"] += g.points
        entry["max_score"] += g.max_points
        if not g.passed:
            entry["failed"].append(g)
    return tasks


def points_line(data: dict) -> str:
    return f"Points {fmt_points(data['score'])}/{fmt_points(data['max_score'])}"


def summary_markdown(data: dict) -> str:
    """Score, a table per task, and the first failure of each failing task."""
    tasks = by_task(data)
    lines = ["# Autograding", "", f"**{points_line(data)}**", ""]
    if data.get("commit"):
        lines += [f"Graded commit: {md_inline(data['commit'])}", ""]
    if not data["tests"] and data.get("output"):
        lines += [str(data["output"]), ""]
    if tasks:
        lines += ["| task | points | parts failed |", "| --- | ---: | --- |"]
        for name, t in tasks.items():
            failed = ", ".join(md_inline(f.part or f.name) for f in t["failed"])
            lines.append(f"| {md_inline(name)} | {fmt_points(t['score'])} / {fmt_points(t['max_score'])} "
                         f"| {failed or '-'} |")
    failing = {name: t for name, t in tasks.items() if t["failed"]}
    if failing:
        lines += ["", "## What to fix", ""]
        for name, t in failing.items():
            first = t["failed"][0]
            lines += [f"### {md_inline(name)}", "", md_block(cap(first.output.strip())), ""]
    return "\n".join(lines).rstrip() + "\n"


def reporter_payload(data: dict) -> dict:
    """The runner JSON that classroom-resources/autograding-grading-reporter
    reads: one test per task, points rounded to 0.01. The reporter adds the
    tests' scores up itself; when that sum (in floating point, in order)
    would not be exactly the rounded total, one test carries the total."""
    total, maximum = round(float(data["score"]), 2), round(float(data["max_score"]), 2)
    tests = []
    for name, t in by_task(data).items():
        score = round(t["score"], 2)
        tests.append({"name": name, "status": "fail" if t["failed"] else "pass", "score": score,
                      "message": cap(t["failed"][0].output, 2000) if t["failed"] else "",
                      "line_no": 0, "execution_time": "0s"})
    running = 0.0
    for t in tests:
        running += t["score"]
    if not tests or running != total:
        tests = [{"name": "grade", "status": "pass" if total >= maximum and tests else "fail",
                  "score": total, "message": points_line(data), "line_no": 0,
                  "execution_time": "0s"}]
    status = "pass" if all(t["status"] == "pass" for t in tests) else "fail"
    return {"version": 1, "status": status, "max_score": maximum, "tests": tests}


def error_results(message: str, max_score: float) -> dict:
    """Results for a student the grader could not grade."""
    return {"score": 0.0, "max_score": max_score, "tests": [],
            "output": f"**Your submission could not be graded:**\n\n{md_block(message)}"}


# ---------------------------------------------------------------- publish


def _blob(repo: Path, data: bytes) -> str:
    return git("hash-object", "-w", "--stdin", cwd=repo, input=data).decode().strip()


def grade_commit(repo: Path, commit: str, files: dict[str, bytes], message: str) -> str:
    """A new commit whose parent is the graded commit and whose tree is the
    graded tree plus `files` (path -> content, replacing what was there)."""
    with tempfile.TemporaryDirectory() as tmp:
        env_index = os.path.join(tmp, "index")
        env = dict(git_env(), GIT_INDEX_FILE=env_index)

        def index_git(*args: str) -> bytes:
            run = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, timeout=120)
            if run.returncode != 0:
                raise RuntimeError(run.stderr.decode(errors="replace").strip() or "git failed")
            return run.stdout

        index_git("read-tree", commit)
        for path, data in files.items():
            index_git("update-index", "--add", "--cacheinfo", f"100644,{_blob(repo, data)},{path}")
        tree = index_git("write-tree").decode().strip()
    return git("commit-tree", tree, "-p", commit, "-m", message, cwd=repo).decode().strip()


def _student_results(graded: Path, login: str, max_score: float) -> dict:
    results = load_results(graded / "results" / f"{login}.json")
    if results is not None:
        return results
    error = graded / "errors" / f"{login}.txt"
    if error.exists():
        lines = error.read_text(errors="replace").strip().splitlines()
        reason = lines[0] if lines else "the grader failed"
        reason = re.sub(r"^LayoutError: ", "", reason)
        return error_results(reason, max_score)
    return error_results("no grading result (was `grader batch` run on this collection?)", max_score)


class NothingToPublish(ValueError):
    """`publish` was pointed at folders that are not what `collect` and
    `grader batch` wrote: nothing is pushed or written."""


def check_folders(collected: Path, graded: Path) -> list[dict]:
    """The collection's manifest, or NothingToPublish saying which folder
    is not what it should be (a mistyped path, batch not run yet)."""
    manifest = _read_manifest(collected)
    if not manifest:
        raise NothingToPublish(f"{collected} holds no {MANIFEST}: it is not a folder that "
                               f"`grader classroom collect --out` wrote (mistyped?)")
    if not any((graded / kind).is_dir() for kind in ("results", "errors")):
        raise NothingToPublish(f"{graded} holds no grading results (no results/ or errors/): run "
                               f"`grader batch {collected} --out {graded}` first, or check the path")
    return manifest


def _published(row: dict, branch: str) -> bool:
    return str(row.get("published", "")).startswith(branch + " ")


def previously_published(graded: Path, branch: str) -> int:
    """How many grades the existing classroom.csv lists as published."""
    try:
        with open(graded / "classroom.csv", newline="") as fh:
            return sum(1 for row in csv.DictReader(fh) if _published(row, branch))
    except (OSError, csv.Error):
        return 0


def publish(collected: Path, graded: Path, branch: str = GRADE_BRANCH, max_score: float = 100.0,
            workflow: str | None = None, say=print, replace: bool = False) -> list[dict]:
    """Push each collected student's grade to their repository (branch
    `branch`) and write graded/classroom.csv. Returns one row per student:
    login, repository, commit, score, max_score, published (or the error).
    A classroom.csv that listed more published grades than this run
    publishes is kept, and this run's rows go to classroom.new.csv, unless
    `replace`. NothingToPublish (before anything is pushed) when the
    folders are not what collect and batch wrote."""
    collected, graded = Path(collected), Path(graded)
    manifest = check_folders(collected, graded)
    rows = []
    for entry in manifest:
        row = {"login": entry["login"], "repository": entry["url"], "commit": entry.get("commit", ""),
               "score": "", "max_score": "", "published": ""}
        rows.append(row)
        if not entry.get("commit"):
            row["published"] = f"not collected: {entry.get('error', '')}"
            continue
        data = _student_results(graded, entry["login"], max_score)
        data["commit"] = entry["commit"]
        row["score"], row["max_score"] = fmt_points(data["score"]), fmt_points(data["max_score"])
        feedback = graded / "feedback" / f"{entry['login']}.md"
        text = summary_markdown(data)
        if feedback.exists() and data["tests"]:
            text += "\n---\n\n" + feedback.read_text(errors="replace")
        files = {
            "GRADE.md": text.encode(),
            "grade/results.json": (json.dumps(data, indent=2) + "\n").encode(),
            "grade/autograding.json": (json.dumps(reporter_payload(data)) + "\n").encode(),
        }
        if workflow is not None:
            files[".github/workflows/classroom.yml"] = workflow.encode()
        repo = collected / REPOS / f"{entry['login']}.git"
        try:
            new = grade_commit(repo, entry["commit"], files,
                               f"Grade: {points_line(data)} for {entry['commit'][:12]}")
            git("push", "--quiet", "--force", entry["url"], f"{new}:refs/heads/{branch}", cwd=repo)
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
            row["published"] = f"error: {exc}"
            say(f"could not publish {entry['login']}: {exc}")
            continue
        row["published"] = f"{branch} {new[:12]}"
        say(f"published {entry['login']}: {points_line(data)} ({branch} {new[:12]})")
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]) if rows else ["login"], lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: csv_cell(v) for k, v in row.items()} for row in rows)
    before, now = previously_published(graded, branch), sum(_published(r, branch) for r in rows)
    target = graded / "classroom.csv"
    if now < before and not replace:
        target = graded / "classroom.new.csv"
        say(f"kept {graded / 'classroom.csv'}: it lists {before} published grades, this run "
            f"published {now}; this run's rows are in {target} (--replace to overwrite)")
    target.write_text(buf.getvalue())
    return rows


# ---------------------------------------------------------------- the instructor's workflow


def workflow_text(org: str, assignment: str, roster: str = "classroom/roster.txt") -> str:
    """grader/templates/classroom-grade.yml with the names filled in."""
    from .release import TEMPLATES
    for what, value in (("--org", org), ("--assignment", assignment)):
        if not re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]*$", value):
            raise ValueError(f"{what} {value!r}: not a GitHub name")
    text = (TEMPLATES / "classroom-grade.yml").read_text()
    return (text.replace("@ORG@", org).replace("@ASSIGNMENT@", assignment)
                .replace("@ROSTER@", roster))


# ---------------------------------------------------------------- commands


def cmd_collect(args) -> int:
    try:
        logins = read_roster(args.roster)
        entries = collect(logins, args.url, Path(args.out), args.branch)
    except (OSError, ValueError) as exc:
        print(f"grader classroom collect: {exc}", file=sys.stderr)
        return 2
    ok = sum(1 for e in entries if e.commit)
    print(f"grader classroom collect: {ok} of {len(entries)} repositories collected into {args.out}"
          f"; next: grader batch {args.out} --out GRADED")
    return 0 if ok == len(entries) else 1


def cmd_publish(args) -> int:
    from .release import workflow_text as student_workflow
    from .rubric import Rubric
    try:
        from cnn_checks.tasks import TASKS
        rubric = Rubric.load(args.rubric)
        max_score = sum(rubric.task_points(t) for t in TASKS)
        rows = publish(Path(args.collected), Path(args.graded), args.branch, max_score,
                       student_workflow(), replace=args.replace)
    except (OSError, ValueError) as exc:
        print(f"grader classroom publish: {exc}", file=sys.stderr)
        return 2
    ok = sum(1 for r in rows if _published(r, args.branch))
    missing = [r["login"] for r in rows if r["published"].startswith("not collected")]
    failed = [r["login"] for r in rows if not _published(r, args.branch) and r["login"] not in missing]
    print(f"grader classroom publish: {ok} of {len(rows)} grades published"
          + (f"; not collected, so nothing to publish: {', '.join(missing)}" if missing else "")
          + (f"; could not publish: {', '.join(failed)}" if failed else "")
          + f"; {Path(args.graded) / 'classroom.csv'}")
    return 1 if failed else 0


def cmd_workflow(args) -> int:
    try:
        text = workflow_text(args.org, args.assignment, args.roster)
    except ValueError as exc:
        print(f"grader classroom workflow: {exc}", file=sys.stderr)
        return 2
    if args.out == "-":
        sys.stdout.write(text)
    else:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text)
        print(f"wrote {args.out}: commit it to your private grader repository "
              "(see docs/instructor-guide.md, GitHub Classroom)")
    return 0


def cmd_report(args) -> int:
    data = load_results(args.results)
    if data is None:
        print(f"::error::could not read the grading results in {args.results}")
        print("Points 0/0")
        return 1
    for name, t in by_task(data).items():
        mark = "ok  " if not t["failed"] else "FAIL"
        print(f"{mark} {name}: {fmt_points(t['score'])}/{fmt_points(t['max_score'])}")
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


def register(sub, common=None):
    """Add `classroom collect|publish|workflow|report` to the grader's parser."""
    p = sub.add_parser("classroom", help="GitHub Classroom: collect, publish grades, workflow",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    cs = p.add_subparsers(dest="classroom_command", required=True)

    c = cs.add_parser("collect", help="clone the roster's repositories and extract the submissions")
    c.add_argument("roster", type=Path, help="logins, one per line, or Classroom's roster CSV")
    c.add_argument("--url", required=True,
                   help="repository URL with {login}, e.g. https://github.com/ORG/cnn-hw-{login}.git")
    c.add_argument("--out", required=True, help="folder for the submissions (one subfolder per login)")
    c.add_argument("--branch", default=None, help="branch to grade (default: the default branch)")
    c.set_defaults(func=cmd_collect)

    u = cs.add_parser("publish", help="push each student's grade and feedback to their repository")
    u.add_argument("collected", help="the folder `collect` wrote")
    u.add_argument("graded", help="the folder `grader batch` wrote")
    u.add_argument("--branch", default=GRADE_BRANCH, help=f"branch to push (default {GRADE_BRANCH})")
    u.add_argument("--rubric", type=Path, default=None, help="for the total of ungraded students")
    u.add_argument("--replace", action="store_true",
                   help="overwrite classroom.csv even when it lists more published grades than this run")
    u.set_defaults(func=cmd_publish)

    w = cs.add_parser("workflow", help="write the grading workflow for your private grader repository")
    w.add_argument("--org", required=True, help="the classroom's GitHub organization")
    w.add_argument("--assignment", required=True,
                   help="the assignment's repository prefix (repositories are PREFIX-LOGIN)")
    w.add_argument("--roster", default="classroom/roster.txt",
                   help="the roster file in the grader repository (default classroom/roster.txt)")
    w.add_argument("--out", default=".github/workflows/grade-classroom.yml",
                   help="file to write, '-' for standard output")
    w.set_defaults(func=cmd_workflow)

    r = cs.add_parser("report", help="Points line, run summary and reporter payload of a results.json")
    r.add_argument("results", type=Path)
    r.add_argument("--summary", type=Path, default=None,
                   help="Markdown summary file (default: $GITHUB_STEP_SUMMARY)")
    r.add_argument("--github-output", type=Path, default=None,
                   help="step outputs file (default: $GITHUB_OUTPUT)")
    r.set_defaults(func=cmd_report)


def main(argv=None) -> int:
    """`python -m grader.classroom ...` = `grader classroom ...`."""
    from .cli import main as grader_main
    return grader_main(["classroom", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
