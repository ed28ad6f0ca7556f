"""A real `grader batch` on a class where some folders are built to stop
the batch (tests/hostile_submissions.py): a folder tree 1,200 deep, file
and folder names that are not UTF-8, a 16 GiB sparse file. Each is that
student's error row, or graded when only its name is odd; the others are
graded as usual and the batch ends normally. Also: a batch pointed at no
folder of students says what it found and exits 2. The same hostile class
on a real Dask cluster is in test_batch_cluster.py."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from hostile_submissions import (
    deep_tree,
    not_utf8_folder,
    not_utf8_layout,
    not_utf8_name,
    reference_copy,
    remove_tree,
    sparse_file,
)
from test_batch import ROOT, SOLUTIONS, gradebook

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (SOLUTIONS / "conv.py").is_file(), reason="needs the reference solutions"),
]

#: One small module: the hostile parts are in the folders, not the code.
ONE_MODULE = ["--tasks", "padding", "--examples", "10", "--no-similarity"]
RENAMED = "stud\ufffdnt"


def hostile_class(folder: Path) -> Path:
    """alice: the reference; deep, sparse, badlayout: hostile folders (error
    rows); badname and the folder named stud\\xe9nt: the reference with odd
    names (graded)."""
    reference_copy(folder / "alice")
    deep_tree(folder / "deep")
    sparse_file(folder / "sparse")
    not_utf8_layout(folder / "badlayout")
    not_utf8_name(folder / "badname")
    not_utf8_folder(folder)
    return folder


def check_hostile_gradebook(out: Path, stderr: str) -> None:
    """The rows a batch of hostile_class must end with."""
    from grader.rubric import Rubric
    full = Rubric.load().task_points("padding.pad2d")
    book = gradebook(out)
    assert sorted(book) == sorted(["alice", "badlayout", "badname", "deep", "sparse", RENAMED]), stderr
    for graded in ("alice", "badname", RENAMED):
        assert float(book[graded]["total"]) == full, (graded, book[graded], stderr)
    assert book["deep"]["total"] == ""
    assert book["deep"]["error"] == ("the submission has a folder tree deeper than 32 levels (in d/): "
                                     "hand in the module files only")
    assert book["sparse"]["error"] == ("the submission holds more than 64 MiB of files (data.bin alone "
                                       "is 16.0 GiB): hand in the module files only")
    assert book["badlayout"]["error"].startswith(
        "no module files found; found hw\ufffd/padding.py, hw\ufffd/r\ufffdsum\ufffd\ufffd.py.")
    assert (out / "errors" / "deep.txt").read_text(encoding="utf-8").startswith("the submission has")
    assert "graded as 'stud\ufffdnt'" in stderr


@pytest.fixture
def hostile(tmp_path):
    subs = hostile_class(tmp_path / "subs")
    try:
        yield subs
    finally:
        remove_tree(subs / "deep")


def test_hostile_folders_are_their_own_error_rows(hostile, tmp_path):
    out = tmp_path / "out"
    start = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "grader.cli", "batch", str(hostile), "--out", str(out),
                          "--jobs", "2", *ONE_MODULE], cwd=ROOT, capture_output=True, text=True,
                         errors="replace", timeout=300)
    seconds = time.monotonic() - start
    assert run.returncode == 0, run.stderr
    check_hostile_gradebook(out, run.stderr)
    assert "6 submissions: 0 reused (unchanged since graded), 3 to grade (3 not graded yet), " \
           "3 not gradable as handed in" in run.stderr
    assert ", 3 errors;" in run.stderr
    print(f"hostile batch: {seconds:.1f} s")


def _batch(subs: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader.cli", "batch", str(subs), "--out", str(out),
                           *ONE_MODULE], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_batch_on_no_folder_of_students_says_what_it_found(tmp_path):
    out = tmp_path / "out"
    empty = tmp_path / "empty"
    empty.mkdir()
    run = _batch(empty, out)
    assert run.returncode == 2
    assert f"no student folders in {empty}: it is empty; point batch at the folder that holds one " \
           f"folder per student" in run.stderr
    one = reference_copy(tmp_path / "alice")
    run = _batch(one, out)
    assert run.returncode == 2
    assert f"no student folders in {one}; {one} itself looks like one submission (it holds module " \
           f"files at its top): grade it with `grader grade {one}`" in run.stderr
    repo = tmp_path / "repo"
    reference_copy(repo / "assignments")
    (repo / "tests").mkdir()
    run = _batch(repo, out)
    assert run.returncode == 2
    assert "itself looks like one submission (it holds module files in its assignments/ folder)" \
        in run.stderr
    loose = tmp_path / "loose"
    loose.mkdir()
    (loose / "notes.txt").write_text("x")
    run = _batch(loose, out)
    assert run.returncode == 2
    assert "(it holds 1 file and no folders)" in run.stderr
    assert not out.exists(), "nothing is written for a batch of nobody"


def test_grade_refuses_the_same_folders_with_the_same_message(hostile):
    """`grader grade` (and so Gradescope) says what the batch's error row says."""
    for student, why in (("deep", "deeper than 32 levels"), ("sparse", "more than 64 MiB of files")):
        run = subprocess.run([sys.executable, "-m", "grader.cli", "grade", str(hostile / student),
                              "--tasks", "padding", "--examples", "10", "--format", "markdown"],
                             cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert run.returncode == 1, run.stderr
        assert "**Your submission could not be graded:**" in run.stdout
        assert "\nthe submission " in run.stdout  # the message, in a block of its own
        assert why in run.stdout
