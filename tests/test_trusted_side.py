"""What the trusted side does with what a student hands it.

- The lookup-table attack (tests/adversarial/lookup_table): a table of
  PyTorch's answers to the cases redrawn at home scores full marks on the
  public seeds (so the attack is real) and nothing under a course secret.
- The static check reads only regular files inside the submission, with a
  size cap: a named pipe, a link to /dev/stdin or to a pipe outside cannot
  block it.
- `grader batch` finishes with such submissions in it, and stops a
  submission that runs past the rubric's submission_seconds.
"""
from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
from adversarial import BY_NAME, build_attack, copy_reference, make_rubric

from cnn_checks.forbidden import MAX_SOURCE_BYTES, submission_files
from grader.course_secret import CourseSecret
from grader.grade import Settings, grade_task
from grader.rubric import Rubric
from grader.sandbox import bwrap_path

ROOT = Path(__file__).resolve().parents[1]
GRADER = [sys.executable, "-m", "grader.cli"]


def _pipe_and_links(folder: Path) -> None:
    os.mkfifo(folder / "zz_notes.py")
    outside = folder.parent / f"{folder.name}-outside-pipe"
    os.mkfifo(outside)
    (folder / "notes.py").symlink_to("/dev/stdin")
    (folder / "helper.py").symlink_to(outside)


# ---------------------------------------------------------------------------
# reading the submission

def test_static_check_reads_only_regular_files_inside(tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "conv.py").write_text("import numpy as np\n")
    (sub / "alias.py").symlink_to(sub / "conv.py")            # inside: read
    (sub / "big.py").write_bytes(b"#" * (MAX_SOURCE_BYTES + 1))  # too large: skipped
    (tmp_path / "elsewhere.py").write_text("import torch\n")
    (sub / "outside.py").symlink_to(tmp_path / "elsewhere.py")  # outside: skipped
    (sub / "loop.py").symlink_to(sub / "loop.py")             # a link loop: skipped
    _pipe_and_links(sub)
    r, w = os.pipe()  # a /dev/stdin that never ends, should anything follow the link
    old = os.dup(0)
    os.dup2(r, 0)
    try:
        files = submission_files(sub)
    finally:
        os.dup2(old, 0)
        for fd in (r, w, old):
            os.close(fd)
    assert files == {"alias.py": "import numpy as np\n", "conv.py": "import numpy as np\n"}


def test_assignments_link_outside_is_not_read(tmp_path):
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "conv.py").write_text("import torch\n")
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "assignments").symlink_to(tmp_path / "other")
    assert submission_files(sub) == {}


@pytest.mark.slow
@pytest.mark.skipif(bwrap_path() is None, reason="grades in the bubblewrap sandbox")
def test_grade_does_not_block_on_pipes_and_links(tmp_path):
    sub = copy_reference(tmp_path / "sub")
    _pipe_and_links(sub)
    r, w = os.pipe()
    try:
        out = subprocess.run(GRADER + ["grade", str(sub), "--tasks", "padding", "--examples", "5"],
                             stdin=r, capture_output=True, text=True, timeout=120, check=False,
                             cwd=ROOT)
    finally:
        os.close(r)
        os.close(w)
    assert out.returncode == 0, out.stderr[-2000:]
    assert '"score": 4.0' in out.stdout


# ---------------------------------------------------------------------------
# the lookup table

@pytest.mark.slow
@pytest.mark.skipif(bwrap_path() is None, reason="grades in the bubblewrap sandbox")
def test_lookup_table_needs_the_public_seeds(tmp_path):
    attack = BY_NAME["lookup_table"]
    sub = build_attack("lookup_table", tmp_path / "sub", {}, attack.examples)
    settings = Settings.from_rubric(Rubric.load(), examples=attack.examples, workers=1,
                                    tasks=[attack.target])
    scores = {}
    for label, secret in (("public", None), ("A", CourseSecret("course A", "rubric")),
                          ("B", CourseSecret("course B", "rubric"))):
        settings.secret = secret
        report = grade_task(attack.target, sub, settings)
        scores[label] = (report.score, report.max_score)
    full = scores["public"][1]
    assert scores["public"] == (full, full), "the table no longer reproduces the public cases"
    assert scores["A"] == (0, full) and scores["B"] == (0, full), scores


# ---------------------------------------------------------------------------
# grader batch

@pytest.mark.slow
@pytest.mark.skipif(bwrap_path() is None, reason="grades in the bubblewrap sandbox")
def test_batch_finishes_with_pipes_and_links_and_stops_the_overdue(tmp_path):
    root = tmp_path / "subs"
    copy_reference(root / "alice")
    _pipe_and_links(copy_reference(root / "bob"))
    out = tmp_path / "out"
    run = subprocess.run(GRADER + ["batch", str(root), "--out", str(out), "--tasks", "padding",
                                   "--examples", "5", "--jobs", "2"],
                         stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300,
                         check=False, cwd=ROOT)
    assert run.returncode == 0, run.stderr[-2000:]
    with open(out / "gradebook.csv") as fh:
        rows = {r["student"]: r for r in csv.DictReader(fh)}
    assert float(rows["alice"]["total"]) == float(rows["bob"]["total"]) == 4.0

    # a limit shorter than any grading (starting the sandbox alone takes longer): every
    # student stopped, with the reason
    rubric = make_rubric(tmp_path / "rubric.toml", submission_seconds=0.05)
    out2 = tmp_path / "out2"
    run = subprocess.run(GRADER + ["batch", str(root), "--out", str(out2), "--tasks", "padding",
                                   "--examples", "5", "--rubric", str(rubric)],
                         stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300,
                         check=False, cwd=ROOT)
    assert run.returncode == 0, run.stderr[-2000:]
    errors = sorted((out2 / "errors").iterdir())
    assert [p.stem for p in errors] == ["alice", "bob"], (
        sorted(str(p.relative_to(out2)) for p in out2.rglob("*")), run.stderr[-3000:])
    assert all("longer than 0.05 s" in p.read_text() for p in errors)
