"""GitHub Classroom, graded from the instructor's side.

test_collect_grade_publish runs the channel the way the instructor's
workflow does, against real git repositories in a temporary folder: one
bare "GitHub" repository per student, made from `grader release` and
pushed to with git; `grader classroom collect` clones them, `grader batch`
grades them, `grader classroom publish` pushes each grade back.
"""
from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from grader.classroom import reporter_payload, workflow_text
from grader.cli import main as grader_main
from grader.release import workflow_text as student_workflow

pytestmark = pytest.mark.slow  # grades submissions end to end

PROJECT = Path(__file__).resolve().parent.parent
SOLUTIONS = PROJECT / "solutions"
TOKEN = "ghp_not-a-real-token-0123456789"
GIT_ENV = {"GIT_AUTHOR_NAME": "Student", "GIT_AUTHOR_EMAIL": "s@example.org",
           "GIT_COMMITTER_NAME": "Student", "GIT_COMMITTER_EMAIL": "s@example.org",
           "GIT_CONFIG_NOSYSTEM": "1", "HOME": "/nonexistent"}


def git(*args, cwd=None) -> str:
    run = subprocess.run(["git", *args], cwd=cwd, env=dict(os.environ, **GIT_ENV),
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, f"git {args}: {run.stderr}"
    return run.stdout.strip()


def grader(*args, env=None, timeout=900) -> subprocess.CompletedProcess:
    """The `grader` command, as a separate process (python -m grader)."""
    return subprocess.run([sys.executable, "-m", "grader", *args], capture_output=True, text=True,
                          timeout=timeout, env=dict(os.environ, **(env or {})))


def student_repo(remotes: Path, template: Path, login: str, change) -> Path:
    """A bare repository remotes/<login>.git holding the release, plus the
    student's commit made by `change(worktree)` (None: an empty repository)."""
    bare = remotes / f"{login}.git"
    git("init", "--bare", "-q", "-b", "main", str(bare))
    if change is None:
        return bare
    work = remotes / f"{login}-work"
    shutil.copytree(template, work)
    git("init", "-q", "-b", "main", cwd=work)
    git("add", "-A", cwd=work)
    git("commit", "-q", "-m", "Initial commit (the assignment)", cwd=work)
    change(work)
    git("add", "-A", cwd=work)
    git("commit", "-q", "-m", "my solution", cwd=work)
    git("push", "-q", str(bare), "main", cwd=work)
    return bare


def solved(work: Path) -> None:
    for path in SOLUTIONS.glob("*.py"):
        shutil.copyfile(path, work / "assignments" / path.name)


def buggy(work: Path) -> None:
    solved(work)
    with open(work / "assignments" / "pooling.py", "a") as fh:
        fh.write("\n\ndef global_avg_pool2d(x):\n    return x.mean(axis=(2, 3)) * 2  # wrong\n")


def one_level_deeper(work: Path) -> None:
    solved(work)
    (work / "assignments").rename(work / "hw")


@pytest.mark.slow
def test_collect_grade_publish(tmp_path):
    template = tmp_path / "template"
    assert grader_main(["release", str(template)]) == 0
    remotes = tmp_path / "remotes"
    remotes.mkdir()
    students = {"alice": solved, "bob": buggy, "carol": one_level_deeper, "dave": None}
    bare = {login: student_repo(remotes, template, login, change) for login, change in students.items()}
    heads = {login: git("rev-parse", "main", cwd=bare[login]) for login in ("alice", "bob", "carol")}
    roster = tmp_path / "roster.txt"
    roster.write_text("# the class\nalice\nbob\ncarol\ndave\nerin   # no repository\n")
    collected, graded = tmp_path / "collected", tmp_path / "graded"
    url = f"file://{remotes}/{{login}}.git"
    timings = {}

    start = time.monotonic()
    run = grader("classroom", "collect", str(roster), "--url", url, "--out", str(collected),
                 env={"CLASSROOM_TOKEN": TOKEN})
    timings["collect"] = time.monotonic() - start
    assert run.returncode == 1, run.stdout + run.stderr  # dave and erin could not be collected
    assert "3 of 5 repositories collected" in run.stdout
    # git's own reason, not the last line of its advice ("and the repository exists.")
    assert "could not collect erin: fatal: " in run.stdout and "does not appear to be a git repository" \
        in run.stdout, run.stdout
    assert "could not collect dave: no commit on the default branch" in run.stdout
    assert sorted(p.name for p in collected.iterdir() if not p.name.startswith(".")) == \
        ["alice", "bob", "carol"]
    # only assignments/ of the student's commit, when there is one
    assert sorted(p.name for p in (collected / "alice").iterdir()) == ["assignments"]
    assert (collected / "carol" / "hw" / "conv.py").is_file()
    # without assignments/, the student's tree less the template's own folders
    assert not any((collected / "carol" / folder).exists() for folder in ("cnn_checks", "tests", ".github"))
    manifest = {e["login"]: e for e in json.loads((collected / ".classroom.json").read_text())}
    assert {login: manifest[login]["commit"] for login in heads} == heads
    assert manifest["dave"]["error"] and manifest["erin"]["error"]

    start = time.monotonic()
    run = grader("batch", str(collected), "--out", str(graded), "--tasks", "padding", "pooling",
                 "--examples", "5", "--jobs", "2")
    timings["batch"] = time.monotonic() - start
    assert run.returncode == 0, run.stderr[-3000:]

    start = time.monotonic()
    run = grader("classroom", "publish", str(collected), str(graded), env={"CLASSROOM_TOKEN": TOKEN})
    timings["publish"] = time.monotonic() - start
    # dave and erin were never collected: their rows say so, the class is not failed for them
    assert run.returncode == 0, run.stdout + run.stderr
    assert "3 of 5 grades published; not collected, so nothing to publish: dave, erin" in run.stdout
    print("classroom channel, seconds:", {k: round(v, 1) for k, v in timings.items()})

    published = {}
    for login in ("alice", "bob", "carol"):
        repo = bare[login]
        # the student's own branch is untouched; `grade` is their commit plus the grade
        assert git("rev-parse", "main", cwd=repo) == heads[login]
        assert git("rev-parse", "grade^", cwd=repo) == heads[login]
        changed = git("diff", "--name-only", heads[login], "grade", cwd=repo).split()
        assert set(changed) <= {"GRADE.md", "grade/results.json", "grade/autograding.json",
                                ".github/workflows/classroom.yml"}, changed
        grade_md = git("show", "grade:GRADE.md", cwd=repo)
        results = json.loads(git("show", "grade:grade/results.json", cwd=repo))
        payload = json.loads(git("show", "grade:grade/autograding.json", cwd=repo))
        assert git("show", "grade:.github/workflows/classroom.yml", cwd=repo) == student_workflow().strip()
        assert results["commit"] == heads[login] and heads[login] in grade_md
        assert f"Points {results['score']:g}/{results['max_score']:g}" in grade_md
        assert payload["max_score"] == results["max_score"]
        total = 0.0
        for t in payload["tests"]:  # the reporter adds them up in this order
            total += t["score"]
        assert total == round(results["score"], 2)
        published[login] = (results, grade_md)

    alice, bob, carol = (published[s][0] for s in ("alice", "bob", "carol"))
    assert alice["score"] == alice["max_score"] == 14  # padding 4 + pooling 10
    assert bob["score"] == 13 and "pooling.global_avg_pool2d" in published["bob"][1]
    assert "## What to fix" in published["bob"][1] and "wrong values" in published["bob"][1]
    assert carol["score"] == 0 and "no module files found; found hw/" in published["carol"][1]
    assert "cnn_checks" not in published["carol"][1]  # the layout message names the student's files
    assert not (git("for-each-ref", "--format=%(refname)", cwd=bare["dave"]))  # still empty

    rows = (graded / "classroom.csv").read_text().splitlines()
    assert rows[0] == "login,repository,commit,score,max_score,published"
    by_login = {r.split(",")[0]: r for r in rows[1:]}
    assert by_login["alice"].startswith(f"alice,file://{remotes}/alice.git,{heads['alice']},14,14,grade ")
    assert ",13,14,grade " in by_login["bob"] and "not collected" in by_login["erin"]

    # the token is passed to git through the environment only: no file has it
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path

    # a later push, collected again, replaces the grade (the branch moves on)
    work = remotes / "bob-work"
    solved(work)
    git("commit", "-qam", "fix global_avg_pool2d", cwd=work)
    git("push", "-q", str(bare["bob"]), "main", cwd=work)
    (roster2 := tmp_path / "bob.txt").write_text("bob\n")
    assert grader("classroom", "collect", str(roster2), "--url", url, "--out", str(collected)).returncode == 0
    assert grader("batch", str(collected), "--out", str(graded), "--tasks", "padding", "pooling",
                  "--examples", "5", "--regrade").returncode == 0
    assert grader("classroom", "publish", str(collected), str(graded)).returncode == 0
    new_head = git("rev-parse", "main", cwd=bare["bob"])
    assert git("rev-parse", "grade^", cwd=bare["bob"]) == new_head
    assert json.loads(git("show", "grade:grade/results.json", cwd=bare["bob"]))["score"] == 14

    # a mistyped folder publishes nothing and writes nothing
    gradebook = (graded / "classroom.csv").read_text()
    for args, says in (((str(tmp_path / "colected"), str(graded)), "holds no .classroom.json"),
                       ((str(collected), str(tmp_path / "graed")), "holds no grading results")):
        run = grader("classroom", "publish", *args)
        assert run.returncode == 2 and says in run.stderr, run.stdout + run.stderr
    assert (graded / "classroom.csv").read_text() == gradebook
    assert not (tmp_path / "graed").exists()
    # a run that publishes fewer grades (the remotes moved) keeps the gradebook unless asked
    remotes.rename(tmp_path / "moved")
    run = grader("classroom", "publish", str(collected), str(graded))
    assert run.returncode == 1 and "could not publish: alice, bob, carol" in run.stdout, run.stdout
    assert "kept " in run.stdout and "--replace" in run.stdout
    assert (graded / "classroom.csv").read_text() == gradebook
    assert "error: " in (graded / "classroom.new.csv").read_text()
    run = grader("classroom", "publish", str(collected), str(graded), "--replace")
    assert run.returncode == 1 and (graded / "classroom.csv").read_text() != gradebook


# -- points for the Classroom dashboard ---------------------------------------------


def _results(scores: list[tuple[str, float, float]]) -> dict:
    tests = [{"name": f"{task}: part{i}", "score": s, "max_score": m, "output": "" if s == m else "bad",
              "extra_data": {"task": task, "part": f"part{i}"}}
             for i, (task, s, m) in enumerate(scores)]
    return {"score": round(sum(t["score"] for t in tests), 2),
            "max_score": round(sum(t["max_score"] for t in tests), 2), "tests": tests}


def test_reported_points_are_rounded():
    # task scores whose floating-point sum is 89.05999999999999, not 89.06
    scores = [6.93, 1.13, 9.78, 19.11, 13.23, 4.91, 14.16, 0.05, 19.76]
    data = _results([(f"m.t{i}", s, 20.0) for i, s in enumerate(scores[:5])] +
                    [(f"m.t{i + 5}", s, 5.0) for i, s in enumerate(scores[5:])])
    naive = 0.0
    for t in data["tests"]:
        naive += t["score"]
    assert naive != data["score"]  # the problem: 89.05999999999997-like sums
    payload = reporter_payload(data)
    total = 0.0
    for t in payload["tests"]:
        total += t["score"]
    assert total == data["score"] == 89.06 and payload["max_score"] == 120.0
    assert payload["status"] == "fail"


def test_summary_keeps_student_text_in_its_block_and_reads_older_results():
    import mistune

    from grader.classroom import summary_markdown
    data = _results([("padding.pad2d", 0.0, 4.0), ("conv.conv2d", 14.0, 14.0)])
    data["tests"][0]["output"] = "x\n```\n\n**Points 100/100**\n\n[regrade](http://attacker.example)\n```"
    rendered = mistune.create_markdown(plugins=["table"])(summary_markdown(data))
    assert re.findall(r"<strong>Points [^<]*</strong>", rendered) == ["<strong>Points 14/18</strong>"]
    assert "<a " not in rendered and "Points 100/100" in rendered
    # a results.json written before the typed records: no crash, each test under its own name
    for t in data["tests"]:
        del t["extra_data"]
    text = summary_markdown(data)
    assert "| `padding.pad2d: part0` | 0 / 4 |" in text
    assert {t["name"] for t in reporter_payload(data)["tests"]} <= {
        "padding.pad2d: part0", "conv.conv2d: part1", "grade"}


def test_report_command(tmp_path):
    data = _results([("conv.conv2d", 14.0, 14.0), ("pooling.global_avg_pool2d", 0.0, 1.0)])
    results = tmp_path / "results.json"
    results.write_text(json.dumps(data))
    summary, output = tmp_path / "summary.md", tmp_path / "out"
    run = grader("classroom", "report", str(results), "--summary", str(summary),
                 "--github-output", str(output))
    assert run.returncode == 0, run.stderr
    assert re.findall(r"^Points (\S+)$", run.stdout, re.M) == ["14/15"]
    assert "FAIL pooling.global_avg_pool2d: 0/1" in run.stdout
    assert "| `conv.conv2d` | 14 / 14 | - |" in summary.read_text()
    payload = json.loads(base64.b64decode(output.read_text().strip()[len("result="):]))
    assert payload["max_score"] == 15 and {t["name"] for t in payload["tests"]} == \
        {"conv.conv2d", "pooling.global_avg_pool2d"}
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    run = grader("classroom", "report", str(bad))
    assert run.returncode == 1 and "Points 0/0" in run.stdout


# -- the workflows ------------------------------------------------------------------


def test_student_workflow_has_no_secret_and_runs_public_tests(tmp_path):
    repo = tmp_path / "repo"
    assert grader_main(["release", str(repo)]) == 0
    text = (repo / ".github" / "workflows" / "classroom.yml").read_text()
    assert text == student_workflow()
    assert (repo / "requirements.lock").read_bytes() == (PROJECT / "requirements.lock").read_bytes()
    # nothing of the hidden side: no secret, no token, no grader repository, no grader command
    for never in ("secrets.", "TOKEN", "INSTRUCTOR_ORG", "grader grade", "solutions"):
        assert never not in text, never
    data = yaml.safe_load(text)
    jobs = data["jobs"]
    tests = jobs["public-tests"]
    runs = "\n".join(str(s.get("run", "")) for s in tests["steps"])
    assert "pytest" in runs and "-c requirements.lock" in runs
    assert "--index-url https://download.pytorch.org/whl/cpu" in runs and "--no-deps" in runs
    setup = next(s for s in tests["steps"] if str(s.get("uses", "")).startswith("actions/setup-python"))
    assert setup["with"]["cache"] == "pip" and "requirements.lock" in setup["with"]["cache-dependency-path"]
    assert "grade" in tests["if"]
    report = jobs["run-autograding-tests"]
    assert report["name"] == "Autograding Tests" and report["if"] == "github.ref_name == 'grade'"
    reporter = [s for s in report["steps"] if "autograding-grading-reporter" in str(s.get("uses", ""))]
    assert reporter and reporter[0]["with"]["runners"] == "grader"
    assert "grade/autograding.json" in "\n".join(str(s.get("run", "")) for s in report["steps"])
    checkouts = [s for j in jobs.values() for s in j["steps"] if "checkout" in str(s.get("uses", ""))]
    assert all(c["with"]["persist-credentials"] is False for c in checkouts)


def test_instructor_workflow(tmp_path):
    out = tmp_path / "grade-classroom.yml"
    assert grader_main(["classroom", "workflow", "--org", "my-course", "--assignment", "cnn-hw",
                        "--out", str(out)]) == 0
    text = out.read_text()
    assert "@" + "ORG@" not in text and "@ASSIGNMENT@" not in text and "@ROSTER@" not in text
    assert "https://github.com/my-course/cnn-hw-{login}.git" in text
    data = yaml.safe_load(text)
    on = data.get("on", data.get(True))
    assert "schedule" in on and "workflow_dispatch" in on
    (job,) = data["jobs"].values()
    steps = {s.get("name", s.get("uses")): s for s in job["steps"]}
    names = list(steps)
    collect = steps["Collect the submissions"]
    grade = next(s for n, s in steps.items() if n.startswith("Grade"))
    publish = next(s for n, s in steps.items() if n.startswith("Publish"))
    assert names.index("Collect the submissions") < names.index(grade["name"]) < names.index(publish["name"])
    assert collect["env"]["CLASSROOM_TOKEN"] == "${{ secrets.CLASSROOM_TOKEN }}"
    # student code runs without the token; the grader gets the course secret (the sandbox does not)
    assert grade["env"] == {"CNN_GRADER_SECRET": "${{ secrets.CNN_GRADER_SECRET }}"}
    # without the secret the step fails, saying why, before it grades (its script run as written)
    step = subprocess.run(["bash", "-c", grade["run"]], env={"PATH": os.environ["PATH"],
                          "CNN_GRADER_SECRET": "", "RUNNER_TEMP": str(tmp_path)},
                          capture_output=True, text=True, timeout=60)
    assert step.returncode == 1 and "::error::the repository secret CNN_GRADER_SECRET is not set" \
        in step.stdout, step.stdout + step.stderr
    assert "grader\" classroom collect classroom/roster.txt" in collect["run"]
    assert "grader\" batch" in grade["run"] and "grader\" classroom publish" in publish["run"]
    install = next(s for n, s in steps.items() if n.startswith("Install"))
    assert "-c requirements.lock" in install["run"] and "bwrap" in install["run"]
    assert "whl/cpu" in install["run"] and "--no-deps" in install["run"]
    assert grader_main(["classroom", "workflow", "--org", "bad org", "--assignment", "x",
                        "--out", str(out)]) == 2
    assert workflow_text("o", "a").count("https://github.com/o/a-{login}.git") == 1


def test_no_course_secret_on_a_ci_runner_is_an_error(tmp_path):
    """On a GitHub Actions runner a missing course secret stops the grader
    (exit 2, saying what to set) instead of making a fresh one, which would
    change the hidden cases with every run."""
    sub = tmp_path / "students" / "alice"
    sub.mkdir(parents=True)
    for path in SOLUTIONS.glob("*.py"):
        shutil.copyfile(path, sub / path.name)
    env = {"GITHUB_ACTIONS": "true", "CNN_GRADER_SECRET": "",
           "CNN_GRADER_SECRET_FILE": str(tmp_path / "config" / "course-secret")}
    run = grader("batch", str(tmp_path / "students"), "--out", str(tmp_path / "out"), "--tasks", "padding",
                 "--examples", "2", env=env, timeout=300)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "no course secret on this CI runner: set the repository secret CNN_GRADER_SECRET" in run.stderr
    assert not (tmp_path / "config" / "course-secret").exists()
    assert "Traceback" not in run.stderr
