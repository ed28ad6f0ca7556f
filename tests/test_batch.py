"""`grader batch`: gradebook, plot, resuming, interruption and error rows.

A batch of four small submissions (copies of the reference, two with a
planted bug), graded on the conv and padding tasks with 10 examples per
part so that a batch takes seconds.
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
FAST = ["--tasks", "conv", "padding", "--examples", "10"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (SOLUTIONS / "conv.py").is_file(), reason="needs the reference solutions"),
]

ZERO_CONV = '''

_reference_conv2d = conv2d


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
    """Planted bug: always zeros."""
    return _reference_conv2d(x, w, b, stride, padding, dilation) * 0
'''

NO_PADDING = '''

def pad2d(x, padding, mode="constant", value=0.0):
    """Planted bug: no padding at all."""
    return x.copy()
'''

STUDENTS = ("alice", "bob", "carol", "dave")


def reference_copies(folder: Path, students) -> Path:
    """One folder per student, each a copy of the reference's module files."""
    for student in students:
        d = folder / student
        d.mkdir(parents=True)
        for src in SOLUTIONS.glob("*.py"):
            if src.name != "__init__.py":
                shutil.copy(src, d / src.name)
    return folder


def make_submissions(folder: Path) -> Path:
    """alice and dave: the reference; bob: conv2d returns zeros; carol:
    pad2d does not pad."""
    reference_copies(folder, STUDENTS)
    with open(folder / "bob" / "conv.py", "a") as f:
        f.write(ZERO_CONV)
    with open(folder / "carol" / "padding.py", "a") as f:
        f.write(NO_PADDING)
    return folder


def batch(subs: Path, out: Path, *extra: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader.cli", "batch", str(subs), "--out", str(out),
                           *FAST, *extra], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def gradebook(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "gradebook.csv", newline="") as f:
        return {row["student"]: row for row in csv.DictReader(f)}


def mtimes(out: Path) -> dict[str, int]:
    return {p.stem: p.stat().st_mtime_ns for p in (out / "results").glob("*.json")}


def task_points() -> dict[str, float]:
    from grader.rubric import Rubric
    rubric = Rubric.load()
    return {t: rubric.task_points(t) for t in ("padding.pad2d", "conv.conv_output_size", "conv.conv2d")}


def assert_valid_png(path: Path) -> None:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert width > 100 and height > 100
    assert data[-8:-4] == b"IEND", "truncated PNG"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The batch graded once, with two jobs."""
    subs = make_submissions(tmp_path_factory.mktemp("batch") / "subs")
    out = subs.parent / "out"
    run = batch(subs, out, "--jobs", "2")
    assert run.returncode == 0, run.stderr
    return subs, out, run


def test_gradebook_rows_and_scores(graded):
    _, out, run = graded
    points = task_points()
    full = sum(points.values())
    book = gradebook(out)
    assert sorted(book) == sorted(STUDENTS)
    with open(out / "gradebook.csv") as fh:
        header = next(csv.reader(fh))
    assert header[:3] == ["student", "total", "max"]
    assert set(points) <= set(header[3:])
    for student in ("alice", "dave"):
        row = book[student]
        assert float(row["total"]) == float(row["max"]) == full
        assert all(float(row[t]) == p for t, p in points.items())
        assert row["error"] == ""
    bob = book["bob"]
    assert float(bob["conv.conv2d"]) == 0
    assert float(bob["padding.pad2d"]) == points["padding.pad2d"]
    assert float(bob["total"]) == full - points["conv.conv2d"]
    carol = book["carol"]
    assert float(carol["padding.pad2d"]) == 0
    assert float(carol["total"]) < full - points["padding.pad2d"] + 1e-9
    for student, row in book.items():
        result = json.loads((out / "results" / f"{student}.json").read_text())
        assert result["score"] == float(row["total"])
        assert result["max_score"] == float(row["max"])
        assert all(t["name"].split(":")[0] in points for t in result["tests"])
        assert (out / "feedback" / f"{student}.md").read_text().startswith("# Grading report")
    assert "graded bob" in run.stderr


def test_scores_png(graded):
    _, out, _ = graded
    assert_valid_png(out / "scores.png")


def test_rerun_regrades_only_missing(graded):
    subs, out, _ = graded
    (out / "results" / "bob.json").unlink()
    before = mtimes(out)
    time.sleep(0.05)
    run = batch(subs, out, "--jobs", "2")
    assert run.returncode == 0, run.stderr
    after = mtimes(out)
    assert set(after) == set(STUDENTS)
    for student in ("alice", "carol", "dave"):
        assert after[student] == before[student], f"{student} was regraded"
        assert f"graded {student}" not in run.stderr
    assert "graded bob" in run.stderr
    assert "3 reused (unchanged since graded), 1 to grade (1 not graded yet)" in run.stderr
    assert float(gradebook(out)["bob"]["conv.conv2d"]) == 0
    # A corrupt result counts as missing.
    (out / "results" / "dave.json").write_text('{"score": 20, "tests": [')
    run = batch(subs, out)
    assert run.returncode == 0, run.stderr
    assert "graded dave" in run.stderr and "graded alice" not in run.stderr
    assert "1 to grade (1 invalid result)" in run.stderr
    assert json.loads((out / "results" / "dave.json").read_text())["score"] == sum(task_points().values())


def test_interrupted_run_keeps_finished_work(tmp_path):
    subs = make_submissions(tmp_path / "subs")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "grader.cli", "batch", str(subs), "--out", str(out), "--jobs", "1", *FAST]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 240
        while not list((out / "results").glob("*.json")):
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() < deadline, "no result appeared"
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    assert "interrupted" in err
    finished = mtimes(out)
    assert 1 <= len(finished) < len(STUDENTS), err
    for student in finished:
        result = json.loads((out / "results" / f"{student}.json").read_text())
        assert result["tests"] and result["max_score"] == sum(task_points().values())
    assert not [p for p in out.rglob("*") if p.name.startswith(".tmp-")]
    assert not (out / "errors").exists() or not list((out / "errors").iterdir())
    assert set(gradebook(out)) == set(finished)  # the gradebook covers the finished students
    # No grading process is left behind.
    time.sleep(0.2)
    leftover = subprocess.run(["pgrep", "-f", str(out)], capture_output=True, text=True)
    assert leftover.stdout.strip() == "", "grading processes outlived the interrupted batch"

    rerun = batch(subs, out)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{len(finished)} reused" in rerun.stderr
    after = mtimes(out)
    assert set(after) == set(STUDENTS)
    for student, stamp in finished.items():
        assert after[student] == stamp, f"{student} was regraded"
    assert set(gradebook(out)) == set(STUDENTS)


def test_grading_failure_becomes_error_row(tmp_path, monkeypatch):
    """A submission that makes the grader fail (here: an exception, and a
    grading process that dies) is an error row; the others are graded and
    the batch exits 0. A rerun tries the failed students again."""
    from grader import cli, grade
    subs = reference_copies(tmp_path / "subs", ("ok", "boom", "dies"))
    real = grade.grade_submission

    def flaky(submission, settings):
        name = Path(submission).name
        if name == "boom":
            raise RuntimeError("the grader broke on this one")
        if name == "dies":
            os._exit(3)
        return real(submission, settings)

    monkeypatch.setattr(grade, "grade_submission", flaky)
    out = tmp_path / "out"
    code = cli.main(["batch", str(subs), "--out", str(out), "--jobs", "2", *FAST])
    assert code == 0
    book = gradebook(out)
    assert sorted(book) == ["boom", "dies", "ok"]
    assert float(book["ok"]["total"]) == sum(task_points().values())
    assert book["boom"]["total"] == "" and "RuntimeError: the grader broke" in book["boom"]["error"]
    assert book["dies"]["total"] == "" and "exit status 3" in book["dies"]["error"]
    assert "Traceback" in (out / "errors" / "boom.txt").read_text()
    assert not (out / "results" / "boom.json").exists()
    assert_valid_png(out / "scores.png")

    monkeypatch.setattr(grade, "grade_submission", real)
    code = cli.main(["batch", str(subs), "--out", str(out), "--jobs", "2", *FAST])
    assert code == 0
    book = gradebook(out)
    assert all(row["error"] == "" and row["total"] for row in book.values())
    assert not (out / "errors" / "boom.txt").exists()
