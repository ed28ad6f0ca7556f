"""`grader batch` reruns: a result is reused only when the submission, the
rubric, the settings and the grader are unchanged; folders without module
files are error rows; every student has a wall-clock limit."""
from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest
from test_batch import (
    FAST,
    ROOT,
    SOLUTIONS,
    batch,
    gradebook,
    make_submissions,
    mtimes,
    reference_copies,
    task_points,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (SOLUTIONS / "conv.py").is_file(), reason="needs the reference solutions"),
]


@pytest.fixture()
def graded(tmp_path):
    subs = make_submissions(tmp_path / "subs")
    out = tmp_path / "out"
    run = batch(subs, out, "--jobs", "2")
    assert run.returncode == 0, run.stderr
    return subs, out


def test_rerun_after_a_submission_changed(graded):
    """bob fixes his conv2d: only bob is graded again, with the new score."""
    subs, out = graded
    full = sum(task_points().values())
    assert float(gradebook(out)["bob"]["total"]) < full
    before = mtimes(out)
    shutil.copy(SOLUTIONS / "conv.py", subs / "bob" / "conv.py")
    time.sleep(0.05)
    run = batch(subs, out, "--jobs", "2")
    assert run.returncode == 0, run.stderr
    assert "3 reused (unchanged since graded), 1 to grade (1 submission changed)" in run.stderr
    assert "graded bob" in run.stderr
    after = mtimes(out)
    for student in ("alice", "carol", "dave"):
        assert after[student] == before[student], f"{student} was regraded"
    assert float(gradebook(out)["bob"]["total"]) == full
    # Unchanged: everything reused, nothing graded.
    run = batch(subs, out)
    assert "4 reused (unchanged since graded), 0 to grade" in run.stderr
    assert not re.search(r"^graded \S+:", run.stderr, re.MULTILINE)


def test_rerun_after_the_rubric_or_settings_changed(graded, tmp_path):
    """An edited rubric regrades everyone with the new points; so do other
    --examples."""
    subs, out = graded
    rubric = tmp_path / "rubric.toml"
    text = (ROOT / "grader" / "rubric.toml").read_text()
    assert '"padding.pad2d" = 4' in text
    rubric.write_text(text.replace('"padding.pad2d" = 4', '"padding.pad2d" = 9'))
    run = batch(subs, out, "--jobs", "2", "--rubric", str(rubric))
    assert run.returncode == 0, run.stderr
    assert "0 reused (unchanged since graded), 4 to grade (4 rubric changed)" in run.stderr
    book = gradebook(out)
    assert float(book["alice"]["padding.pad2d"]) == 9
    assert float(book["alice"]["total"]) == sum(task_points().values()) + 5
    assert float(book["carol"]["padding.pad2d"]) == 0

    run = batch(subs, out, "--jobs", "2", "--rubric", str(rubric), "--examples", "6")
    assert "0 reused (unchanged since graded), 4 to grade (4 settings changed)" in run.stderr
    assert float(gradebook(out)["alice"]["padding.pad2d"]) == 9
    # Back to the default rubric and settings: graded again, old points back.
    run = batch(subs, out, "--jobs", "2")
    assert "4 to grade (4 rubric and settings changed)" in run.stderr
    assert float(gradebook(out)["alice"]["padding.pad2d"]) == 4


def test_folders_without_module_files_are_error_rows(tmp_path):
    subs = tmp_path / "subs"
    (subs / "empty").mkdir(parents=True)
    (subs / "nested" / "hw").mkdir(parents=True)
    for name in ("conv.py", "padding.py"):
        shutil.copy(SOLUTIONS / name, subs / "nested" / "hw" / name)
    reference_copies(subs, ("ok",))
    out = tmp_path / "out"
    run = batch(subs, out)
    assert run.returncode == 0, run.stderr
    book = gradebook(out)
    assert book["empty"]["total"] == ""
    assert book["empty"]["error"].startswith("no module files found: the submission is empty")
    assert book["nested"]["total"] == ""
    assert book["nested"]["error"].startswith("no module files found; found hw/conv.py, hw/padding.py. "
                                              "The module files sit one folder too deep (in hw/)")
    assert float(book["ok"]["total"]) == sum(task_points().values())
    assert "1 reused" not in run.stderr and "2 not gradable as handed in" in run.stderr
    # Fixed by moving the files up: graded on the rerun.
    for f in (subs / "nested" / "hw").iterdir():
        f.rename(subs / "nested" / f.name)
    run = batch(subs, out)
    assert "1 reused (unchanged since graded), 1 to grade (1 not graded yet), 1 not gradable as handed in" \
        in run.stderr
    assert gradebook(out)["nested"]["error"] == ""


def test_a_student_past_the_wall_clock_limit_is_an_error_row(tmp_path, monkeypatch):
    """A grading that hangs is stopped at --student-timeout; the rest of
    the batch is graded."""
    from grader import cli, grade
    subs = reference_copies(tmp_path / "subs", ("hangs", "ok"))
    real = grade.grade_submission

    def hang(submission, settings):
        if Path(submission).name == "hangs":
            while True:
                time.sleep(1)
        return real(submission, settings)

    monkeypatch.setattr(grade, "grade_submission", hang)
    out = tmp_path / "out"
    start = time.monotonic()
    assert cli.main(["batch", str(subs), "--out", str(out), "--jobs", "2", "--student-timeout", "30",
                     *FAST]) == 0
    assert time.monotonic() - start < 120
    book = gradebook(out)
    assert book["hangs"]["total"] == ""
    assert "longer than 30 s (the wall-clock limit" in book["hangs"]["error"]
    assert float(book["ok"]["total"]) == sum(task_points().values())


@pytest.mark.parametrize("kind", ["fifo", "stdin"])
def test_a_blocking_file_does_not_hang_the_batch(tmp_path, kind):
    """A named pipe, or a link to /dev/stdin, as a module file: the batch
    ends (the student gets a row, graded or error) within the limit."""
    subs = make_submissions(tmp_path / "subs")
    target = subs / "carol" / "padding.py"
    target.unlink()
    if kind == "fifo":
        os.mkfifo(target)
    else:
        target.symlink_to("/dev/stdin")
    out = tmp_path / "out"
    run = batch(subs, out, "--jobs", "2", "--student-timeout", "30", timeout=240)
    assert run.returncode == 0, run.stderr
    book = gradebook(out)
    assert set(book) == {"alice", "bob", "carol", "dave"}
    assert book["carol"]["error"] or float(book["carol"]["padding.pad2d"]) == 0
    assert float(book["alice"]["total"]) == sum(task_points().values())
