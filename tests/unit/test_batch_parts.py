"""The batch's pure parts: submission fingerprints, reuse reasons, the
likely cause from a part's record, the gradebook CSV and packing a submission for a
cluster task."""
from __future__ import annotations

import json
import os
import threading

from grader.batch.class_report import cause_of
from grader.batch.cluster import pack, unpack
from grader.batch.files import Outcome, commit
from grader.batch.gradebook import Row, gradebook_csv
from grader.batch.reuse import Fingerprint, submission_digest, why_not_reused
from grader.grades import PartGrade


def _folder(tmp_path):
    d = tmp_path / "alice"
    d.mkdir()
    (d / "conv.py").write_text("def conv2d(): pass\n")
    (d / "hw").mkdir()
    (d / "hw" / "notes.txt").write_text("notes")
    return d


def test_digest_follows_content_not_caches(tmp_path):
    d = _folder(tmp_path)
    first = submission_digest(d)
    assert submission_digest(d) == first
    (d / "__pycache__").mkdir()
    (d / "__pycache__" / "conv.cpython-311.pyc").write_bytes(b"\0")
    assert submission_digest(d) == first
    (d / "conv.py").write_text("def conv2d(): return 1\n")
    assert submission_digest(d) != first
    second = submission_digest(d)
    (d / "hw" / "notes.txt").rename(d / "hw" / "other.txt")
    assert submission_digest(d) != second


def test_digest_never_opens_a_pipe_or_follows_a_link(tmp_path):
    d = _folder(tmp_path)
    os.mkfifo(d / "padding.py")
    (d / "pooling.py").symlink_to("/dev/stdin")
    result = []
    t = threading.Thread(target=lambda: result.append(submission_digest(d)), daemon=True)
    t.start()
    t.join(10)
    assert result, "hashing blocked on a named pipe or a link"
    (d / "pooling.py").unlink()
    (d / "pooling.py").symlink_to("/dev/null")
    assert submission_digest(d) != result[0]  # the link's target counts


def _graded(out, student, fp: Fingerprint):
    results = {"score": 1, "max_score": 2, "tests": [{"name": "conv.conv2d: basic", "score": 1,
                                                      "max_score": 2}]}
    commit(out, Outcome(student, json.dumps(results), "# report\n"), fp.as_dict())


def test_reuse_reasons(tmp_path):
    out = tmp_path / "out"
    fp = Fingerprint("s", "r", "x", "g")
    assert why_not_reused(out, "bob", fp) == "not graded yet"
    _graded(out, "bob", fp)
    assert why_not_reused(out, "bob", fp) == ""
    assert why_not_reused(out, "bob", Fingerprint("s2", "r", "x", "g")) == "submission changed"
    assert why_not_reused(out, "bob", Fingerprint("s", "r2", "x2", "g")) == "rubric and settings changed"
    assert why_not_reused(out, "bob", Fingerprint("s2", "r2", "x", "g2")) == \
        "submission, rubric and grader version changed"
    (out / "fingerprints" / "bob.json").unlink()
    assert why_not_reused(out, "bob", fp) == "no fingerprint"
    (out / "results" / "bob.json").write_text("{")
    assert why_not_reused(out, "bob", fp) == "invalid result"


def test_a_failed_regrade_removes_the_old_result(tmp_path):
    out = tmp_path / "out"
    fp = Fingerprint("s", "r", "x", "g")
    _graded(out, "bob", fp)
    commit(out, Outcome("bob", error="boom\n"), fp.as_dict())
    assert not (out / "results" / "bob.json").exists()
    assert (out / "errors" / "bob.txt").read_text() == "boom\n"
    assert why_not_reused(out, "bob", fp) == "not graded yet"


def test_likely_cause_or_failure_kind_from_the_record():
    def failing(**fields) -> PartGrade:
        return PartGrade("conv.conv2d", "dilation", False, 0.0, 2.0, **fields)
    assert cause_of(failing(kind="value", cause="the kernel taps ignore dilation")) == (
        "the kernel taps ignore dilation", True)
    assert cause_of(failing(kind="not_implemented")) == ("not implemented", False)
    assert cause_of(failing()) == ("failed", False)
    # a student's message (or output) holding a `likely cause:` line is not a cause
    forged = failing(kind="exception", message="x\nlikely cause: the grader is wrong",
                     output="conv.conv2d: dilation - raised an exception\n"
                            "  likely cause: the grader is wrong")
    assert cause_of(forged) == ("raised an exception", False)


def test_gradebook_csv():
    rows = [Row("alice", 20, 20, {"conv.conv2d": (14.0, 14.0)}),
            Row("bob", error='no module files found; found hw/conv.py, "x"')]
    assert gradebook_csv(["conv.conv2d"], rows) == (
        "student,total,max,conv.conv2d,error\n"
        "alice,20,20,14,\n"
        'bob,,,,"no module files found; found hw/conv.py, ""x"""\n')


def test_pack_and_unpack_keep_files_links_and_pipes(tmp_path):
    d = _folder(tmp_path)
    os.mkfifo(d / "padding.py")
    (d / "pooling.py").symlink_to("/dev/stdin")
    (d / "linked").symlink_to(d / "hw")
    packed = pack(d)
    kinds = {rel: kind for rel, kind, _ in packed}
    assert kinds == {"conv.py": "file", "hw/notes.txt": "file", "padding.py": "fifo",
                     "pooling.py": "link", "linked": "link"}
    copy = unpack(packed, tmp_path / "copy")
    assert (copy / "conv.py").read_text() == "def conv2d(): pass\n"
    assert os.readlink(copy / "pooling.py") == "/dev/stdin"
    assert submission_digest(copy) == submission_digest(d)


def test_the_plot_drawn_in_its_own_process_is_the_plot_drawn_here(monkeypatch):
    """grader.batch.plot.drawing: the spawned process's PNG is byte for byte
    scores_png's, and where no process can start the plot is drawn here."""
    from grader.batch import plot
    columns = ["padding.pad2d", "conv.conv2d"]
    rows = [Row("alice", 7.0, 8.0, {"padding.pad2d": (4.0, 4.0), "conv.conv2d": (3.0, 4.0)}, result={"x": 1}),
            Row("bob", 2.5, 8.0, {"padding.pad2d": (2.5, 4.0), "conv.conv2d": (0.0, 4.0)}),
            Row("carol", error="no module files")]
    here = plot.scores_png(columns, rows)
    assert here.startswith(b"\x89PNG\r\n\x1a\n")
    with plot.drawing(columns, rows) as png:
        assert png() == here

    def no_process(*args, **kwargs):
        raise OSError("no process")
    monkeypatch.setattr(plot, "ProcessPoolExecutor", no_process)
    with plot.drawing(columns, rows) as png:
        assert png() == here
