"""GitHub Classroom: the workflow template and `python -m grader.classroom`."""
from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.cli import main as grader_main

pytestmark = pytest.mark.slow  # grades submissions end to end

PROJECT = Path(__file__).resolve().parent.parent
TEMPLATE = PROJECT / "grader" / "templates" / "classroom.yml"


@pytest.fixture(scope="module")
def results_json(tmp_path_factory) -> Path:
    """A real grading: the reference, with pooling.global_avg_pool2d left unimplemented."""
    tmp = tmp_path_factory.mktemp("classroom")
    sub = tmp / "submission" / "assignments"
    sub.mkdir(parents=True)
    for path in (PROJECT / "solutions").glob("*.py"):
        shutil.copyfile(path, sub / path.name)
    with open(sub / "pooling.py", "a") as fh:
        fh.write("\n\ndef global_avg_pool2d(x):\n"
                 "    raise NotImplementedError('pooling.global_avg_pool2d is not implemented yet')\n")
    out = tmp / "results.json"
    assert grader_main(["grade", str(sub.parent), "--out", str(out), "--tasks", "conv", "pooling",
                        "--examples", "10"]) == 0
    return out


def run_classroom(results: Path, tmp_path: Path, **env):
    summary, output = tmp_path / "summary.md", tmp_path / "github_output"
    full_env = dict(os.environ, GITHUB_STEP_SUMMARY=str(summary), GITHUB_OUTPUT=str(output), **env)
    run = subprocess.run([sys.executable, "-m", "grader.classroom", str(results)], env=full_env,
                         capture_output=True, text=True, timeout=60, cwd=tmp_path)
    return run, summary, output


def test_points_line_and_summary(results_json, tmp_path):
    data = json.loads(results_json.read_text())
    assert 0 < data["score"] < data["max_score"]
    run, summary, output = run_classroom(results_json, tmp_path)
    assert run.returncode == 0, run.stderr
    points = re.findall(r"^Points (\S+)/(\S+)$", run.stdout, re.M)
    assert len(points) == 1, run.stdout
    assert float(points[0][0]) == data["score"] and float(points[0][1]) == data["max_score"]
    assert "FAIL pooling.global_avg_pool2d" in run.stdout and "ok   conv.conv2d" in run.stdout
    text = summary.read_text()
    assert f"**Points {data['score']:g}/{data['max_score']:g}**" in text
    assert "| `pooling.global_avg_pool2d` | 0 / 1 |" in text
    assert "## What to fix" in text and "not implemented" in text
    assert "| `conv.conv2d` | 14 / 14 | - |" in text
    # the reporter's runner payload (classroom-resources/autograding-grading-reporter)
    line = output.read_text().strip()
    assert line.startswith("result=")
    payload = json.loads(base64.b64decode(line[len("result="):]))
    assert payload["max_score"] == data["max_score"] and payload["status"] == "fail"
    assert sum(t["score"] for t in payload["tests"]) == pytest.approx(data["score"])
    assert {t["status"] for t in payload["tests"]} == {"pass", "fail"}


def test_unreadable_results(tmp_path):
    bad = tmp_path / "results.json"
    bad.write_text("{not json")
    run, _, _ = run_classroom(bad, tmp_path)
    assert run.returncode == 1
    assert "Points 0/0" in run.stdout and "::error::" in run.stdout


def test_student_edits_cannot_raise_the_score(tmp_path):
    """The grade comes from the hidden grader and reference: a student repo
    whose public tests and checks were rewritten to pass still scores 0
    with the stubs."""
    repo = tmp_path / "student-repo"
    assert grader_main(["release", str(repo)]) == 0
    for path in (repo / "tests" / "public").glob("test_*.py"):
        path.write_text("def test_everything():\n    assert True\n")
    (repo / "cnn_checks" / "outputs.py").write_text("def judge(*a, **k):\n    return None\n")
    out = tmp_path / "results.json"
    assert grader_main(["grade", str(repo), "--out", str(out), "--tasks", "conv",
                        "--examples", "5"]) == 0
    data = json.loads(out.read_text())
    assert data["max_score"] > 0 and data["score"] == 0


# -- the workflow ----------------------------------------------------------------

def _workflow(text: str) -> dict | None:
    try:
        import yaml
    except ImportError:
        return None
    return yaml.safe_load(text)


def test_workflow_template(tmp_path):
    text = TEMPLATE.read_text()
    # the release carries the same file
    repo = tmp_path / "repo"
    assert grader_main(["release", str(repo)]) == 0
    assert (repo / ".github" / "workflows" / "classroom.yml").read_text() == text

    assert "INSTRUCTOR_ORG/cnn-grader" in text and "secrets.GRADER_TOKEN" in text
    assert re.search(r"grader\"? grade submission --out", text)
    assert "python\" -m grader.classroom" in text or "python -m grader.classroom" in text
    assert "torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu" in text
    assert "\t" not in text
    data = _workflow(text)
    if data is None:  # no PyYAML: a structural check of the text
        for key in ('"on":', "jobs:", "steps:", "runs-on:", "uses: actions/checkout@v4"):
            assert key in text, key
        return
    on = data.get("on", data.get(True))
    assert "push" in on
    (job,) = data["jobs"].values()
    steps = job["steps"]
    checkouts = [s for s in steps if str(s.get("uses", "")).startswith("actions/checkout")]
    assert len(checkouts) == 2
    student, hidden = checkouts
    assert "repository" not in student["with"]
    assert hidden["with"]["repository"] == "INSTRUCTOR_ORG/cnn-grader"
    assert hidden["with"]["token"] == "${{ secrets.GRADER_TOKEN }}"
    student_path, hidden_path = Path(student["with"]["path"]), Path(hidden["with"]["path"])
    # the grader lies outside the student's repository, and vice versa
    assert student_path not in hidden_path.parents and hidden_path not in student_path.parents
    assert student_path != hidden_path
    assert all(c["with"].get("persist-credentials") is False for c in checkouts)
    runs = "\n".join(str(s.get("run", "")) for s in steps)
    assert f"grade {student_path} --out" in runs
    assert "grader.classroom" in runs
    assert "bwrap" in runs and "bubblewrap" in runs
    reporter = [s for s in steps if "autograding-grading-reporter" in str(s.get("uses", ""))]
    assert reporter and reporter[0]["with"]["runners"] == "grader"
    assert "GRADER_RESULTS" in reporter[0]["env"]
    # every step in order: checkouts first, grading after installing
    names = [s.get("name", s.get("uses")) for s in steps]
    assert names.index("Grade") > names.index("Install the grader and its sandbox")
