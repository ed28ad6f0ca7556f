"""The bounded walk of a submission folder (cnn_checks.walk) and the
places that walk a submission through it: the layout check, the batch's
fingerprint and plan, the cluster's pack, the static check's file list.
The hostile folders come from tests/hostile_submissions.py."""
from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from hostile_submissions import (
    NOT_UTF8,
    deep_tree,
    not_utf8_layout,
    not_utf8_name,
    reference_copy,
    remove_tree,
    sparse_file,
)

from cnn_checks.forbidden import submission_files
from cnn_checks.implementations import LayoutError, bounds_problem, check_layout, layout_problem
from cnn_checks.walk import (
    Bounds,
    SubmissionTooLarge,
    measure,
    python_files,
    read_regular,
    readable,
    walk,
)
from grader.batch.cluster import pack
from grader.batch.reuse import submission_digest

SOLUTIONS = Path(__file__).resolve().parent.parent.parent / "solutions"
needs_reference = pytest.mark.skipif(not (SOLUTIONS / "conv.py").is_file(),
                                     reason="needs the reference solutions")


def test_walk_is_sorted_depth_first_and_never_follows_a_link(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "x.py").write_text("")
    (tmp_path / "a.py").write_text("")
    (tmp_path / "c").symlink_to(tmp_path / "b")
    rels = [(e.rel, e.depth, e.is_dir, e.is_link) for e in walk(tmp_path)]
    assert rels == [("a.py", 1, False, False), ("b", 1, True, False), ("b/x.py", 2, False, False),
                    ("c", 1, False, True)]


@pytest.fixture
def deep(tmp_path):
    """A reference copy (or an empty folder) with a chain of 1,200 folders,
    removed afterwards (pytest's own cleanup would fail on it)."""
    folder = tmp_path / "deep"
    try:
        yield folder
    finally:
        if folder.exists():
            remove_tree(folder)


def _deep_chain(folder: Path) -> Path:
    folder.mkdir()
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    for _ in range(1200):
        os.mkdir("d", dir_fd=fd)
        inner = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = inner
    os.close(fd)
    return folder


def test_a_deep_tree_is_refused_without_recursion(deep):
    _deep_chain(deep)
    with pytest.raises(SubmissionTooLarge, match=r"folder tree deeper than 32 levels \(in d/\)"):
        list(walk(deep))
    # A search that only looks a few levels down skips the rest instead.
    assert max(e.depth for e in walk(deep, Bounds(depth=3), deeper="skip")) == 4


def test_bounds_on_entries_bytes_and_time(tmp_path):
    for i in range(30):
        (tmp_path / f"f{i}.txt").write_text("x")
    with pytest.raises(SubmissionTooLarge, match="more than 20 files and folders"):
        list(walk(tmp_path, Bounds(entries=20)))
    sparse = tmp_path / "big.bin"
    with open(sparse, "wb") as f:
        f.truncate(16 << 30)
    start = time.monotonic()
    with pytest.raises(SubmissionTooLarge, match=r"more than 64 MiB of files \(big.bin alone is 16.0 GiB\)"):
        measure(tmp_path)
    assert time.monotonic() - start < 5
    with pytest.raises(SubmissionTooLarge, match="took too long to read"):
        list(walk(tmp_path, Bounds(deadline=time.monotonic() - 1)))


def test_paths_longer_than_the_file_system_allows_are_refused(tmp_path):
    """Twenty folders of 250-byte names: fewer levels than the bound, but a
    path no open() can name (what lies below could never be fingerprinted)."""
    fd = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(20):
            os.mkdir("n" * 250, dir_fd=fd)
            inner = os.open("n" * 250, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = inner
        os.close(os.open("hidden.py", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd))
    finally:
        os.close(fd)
    with pytest.raises(SubmissionTooLarge, match="paths longer than the file system allows"):
        list(walk(tmp_path))


def test_read_regular_reads_only_regular_files_up_to_a_cap(tmp_path):
    (tmp_path / "a.py").write_bytes(b"12345")
    os.mkfifo(tmp_path / "pipe.py")
    (tmp_path / "link.py").symlink_to(tmp_path / "a.py")
    assert read_regular(tmp_path / "a.py", 5) == b"12345"
    assert read_regular(tmp_path / "a.py", 4) is None
    assert read_regular(tmp_path / "link.py", 5) is None
    result = []
    t = threading.Thread(target=lambda: result.append(read_regular(tmp_path / "pipe.py", 5)), daemon=True)
    t.start()
    t.join(10)
    assert result == [None], "reading blocked on a named pipe"


def test_readable_names_can_always_be_written(tmp_path):
    name = os.fsdecode(NOT_UTF8)
    with pytest.raises(UnicodeEncodeError):
        name.encode("utf-8")
    shown = readable(name)
    assert shown == "r\ufffdsum\ufffd\ufffd.py"
    assert readable("a\nb\x1b[31m") == "a\ufffdb\ufffd[31m"
    assert readable("\ud800").encode("utf-8")
    assert len(readable("x" * 1000, limit=50)) == 50


def test_python_files_lists_the_top_only_and_is_bounded(tmp_path):
    (tmp_path / "conv.py").write_text("")
    (tmp_path / ".hidden.py").write_text("")
    (tmp_path / "hw").mkdir()
    (tmp_path / "hw" / "pooling.py").write_text("")
    assert python_files(tmp_path) == ["conv.py"]
    for i in range(50):
        (tmp_path / f"m{i}.py").write_text("")
    with pytest.raises(SubmissionTooLarge):
        python_files(tmp_path, Bounds(entries=10))


@needs_reference
def test_every_reader_of_a_submission_survives_the_hostile_folders(tmp_path, deep):
    """The layout check, the digest and the pack refuse the deep tree and the
    sparse file with the walk's message; the static check reads the module
    files of each; a name that is not UTF-8 is data, never an error."""
    deep_tree(deep)
    sparse = sparse_file(tmp_path / "sparse")
    for folder, why in ((deep, "deeper than 32 levels"), (sparse, "more than 64 MiB of files")):
        assert layout_problem(folder) is None  # the layout alone is fine
        assert why in (bounds_problem(folder) or "")
        with pytest.raises(LayoutError, match=why):
            check_layout(folder)
        with pytest.raises(SubmissionTooLarge, match=why):
            submission_digest(folder)
        with pytest.raises(SubmissionTooLarge, match=why):
            pack(folder)
        assert "conv.py" in submission_files(folder)
    named = not_utf8_name(tmp_path / "named")
    assert layout_problem(named) is None
    assert submission_digest(named) == submission_digest(named)
    assert os.fsdecode(NOT_UTF8) in {rel for rel, _, _ in pack(named)}
    layout = not_utf8_layout(tmp_path / "layout")
    problem = layout_problem(layout) or ""
    assert "hw\ufffd/padding.py" in problem and "r\ufffdsum\ufffd\ufffd.py" in problem
    problem.encode("utf-8")  # writable as it is


@needs_reference
def test_plan_turns_any_failure_into_that_students_row(tmp_path, monkeypatch, deep):
    from grader.batch import plan as plan_module
    from grader.cli import build_parser
    from grader.options import settings_from_args

    subs = tmp_path / "subs"
    reference_copy(subs / "alice")
    reference_copy(subs / "bob")
    deep_tree(deep)
    deep.rename(subs / "deep")
    found = plan_module.find_submissions(subs, tmp_path / "out")
    settings = settings_from_args(build_parser().parse_args(["batch", str(subs), "--tasks", "padding"]))
    real = plan_module.current

    def failing(folder, *args, **kwargs):
        if Path(folder).name == "bob":
            raise RecursionError("maximum recursion depth exceeded")
        return real(folder, *args, **kwargs)

    monkeypatch.setattr(plan_module, "current", failing)
    planned = plan_module.make_plan(found, tmp_path / "out", settings, "test", regrade=False)
    assert [s for s, _ in planned.todo] == ["alice"]
    assert planned.flagged["bob"] == ("the submission could not be read: RecursionError: maximum "
                                      "recursion depth exceeded")
    assert "deeper than 32 levels" in planned.flagged["deep"]
    (subs / "deep").rename(deep)


def test_student_ids_are_plain_and_distinct():
    from grader.batch.plan import MAX_ID_BYTES, student_id
    assert student_id("alice", set()) == "alice"
    assert student_id(os.fsdecode(b"stud\xe9nt"), set()) == "stud\ufffdnt"
    assert student_id(os.fsdecode(b"stud\xe9nt"), {"stud\ufffdnt"}) == "stud\ufffdnt~2"
    long = student_id("\u00e9" * 200, set())
    assert len(long.encode("utf-8")) <= MAX_ID_BYTES


def test_a_write_that_fails_becomes_the_students_error_row(tmp_path, monkeypatch):
    from grader.batch import record
    from grader.batch.files import Outcome, error_path

    calls = []
    import grader.batch as batch_module
    real = batch_module.commit

    def first_fails(out, outcome, fingerprint):
        calls.append(outcome)
        if len(calls) == 1:
            raise OSError(36, "File name too long")
        real(out, outcome, fingerprint)

    monkeypatch.setattr(batch_module, "commit", first_fails)
    done = record(tmp_path, Outcome("alice", results="{}"), {})
    assert not done.ok
    assert "could not write this student's results: OSError" in error_path(tmp_path, "alice").read_text()
