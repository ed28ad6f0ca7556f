"""The command line's odd ends: submissions laid out wrongly, unknown
--tasks, `python -m grader`, and the layout message every channel shows."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cnn_checks.implementations import LayoutError, check_layout, layout_problem, module_dir
from grader.cli import main as grader_main

PROJECT = Path(__file__).resolve().parent.parent


def _copy_solutions(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for path in (PROJECT / "solutions").glob("*.py"):
        shutil.copyfile(path, dest / path.name)
    return dest


def test_layout_ok_at_top_or_in_assignments(tmp_path):
    top = _copy_solutions(tmp_path / "top")
    assert layout_problem(top) is None and module_dir(top) == top
    nested = tmp_path / "nested"
    _copy_solutions(nested / "assignments")
    assert layout_problem(nested) is None and module_dir(nested) == nested / "assignments"
    # an empty assignments/ next to module files at the top: the files count
    (top / "assignments").mkdir()
    assert layout_problem(top) is None and module_dir(top) == top


def test_layout_empty_folder(tmp_path):
    message = layout_problem(tmp_path)
    assert message.startswith("no module files found") and "empty" in message
    with pytest.raises(LayoutError, match="no module files found"):
        check_layout(tmp_path)


def test_layout_one_level_deeper_names_what_it_found(tmp_path):
    _copy_solutions(tmp_path / "hw")
    message = layout_problem(tmp_path)
    assert message.startswith("no module files found; found hw/")
    assert "hw/conv.py" in message and "one folder too deep (in hw/)" in message
    assert str(tmp_path) not in message  # relative paths only: no grader paths for the student


def test_layout_wrong_names(tmp_path):
    (tmp_path / "Conv.py").write_text("x = 1\n")
    (tmp_path / "notes.txt").write_text("hi\n")
    message = layout_problem(tmp_path)
    assert "found Conv.py, notes.txt" in message and "Expected padding.py, conv.py" in message


def test_grade_reports_the_layout_problem(tmp_path, capsys):
    _copy_solutions(tmp_path / "sub" / "hw")
    out = tmp_path / "results.json"
    assert grader_main(["grade", str(tmp_path / "sub"), "--tasks", "padding", "--out", str(out)]) == 1
    assert "no module files found; found hw/" in capsys.readouterr().err
    data = json.loads(out.read_text())
    assert data["score"] == 0 and data["max_score"] == 4 and data["tests"] == []
    assert "could not be graded" in data["output"] and "hw/padding.py" in data["output"]


def test_unknown_task_is_a_usage_error(tmp_path, capsys):
    _copy_solutions(tmp_path)
    with pytest.raises(SystemExit) as exit_:
        grader_main(["grade", str(tmp_path), "--tasks", "typo"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "--tasks typo: no such task" in err and "conv.conv2d" in err and "padding" in err
    assert grader_main(["gradescope", str(tmp_path / "a.zip"), "--tasks", "conv", "typo"]) == 2
    assert not (tmp_path / "a.zip").exists()


@pytest.mark.slow
def test_python_dash_m_grader(tmp_path):
    run = subprocess.run([sys.executable, "-m", "grader", "grade", "--help"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "SUBMISSION" in run.stdout.upper() and "--tasks" in run.stdout


@pytest.mark.slow
def test_pytest_impl_folder_reports_the_layout(tmp_path):
    _copy_solutions(tmp_path / "sub" / "hw")
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                          str(PROJECT / "tests" / "public" / "test_tasks.py"),
                          "--impl", str(tmp_path / "sub"), "-k", "pad2d"],
                         cwd=PROJECT, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode != 0
    assert "no module files found; found hw/" in run.stdout + run.stderr


def test_oracle_is_quiet_about_same_padding():
    """PyTorch warns about padding='same' with an even kernel; the students'
    test output must not show it (the oracle silences that one warning)."""
    import warnings

    import numpy as np

    from cnn_checks.cases import Case
    from cnn_checks.oracle import oracle_expected
    from cnn_checks.tasks import TASKS
    case = Case({"x": np.ones((1, 1, 5, 5)), "w": np.ones((1, 1, 2, 2))},
                {"stride": 1, "padding": "same", "dilation": 1})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        (expected,) = oracle_expected(TASKS["conv.conv2d"], case)
        warnings.warn("other warnings still show", UserWarning, stacklevel=1)
    assert expected.array.shape == (1, 1, 5, 5)
    assert [str(w.message) for w in caught] == ["other warnings still show"]


@pytest.mark.parametrize("option, value", [("--examples", "0"), ("--examples", "-3"),
                                           ("--examples", "many"), ("--workers", "0")])
def test_counts_below_one_are_usage_errors(option, value, tmp_path, capsys):
    """`--examples 0` used to end in a traceback (exit 1): now a usage error
    (exit 2) that says what a count must be, before anything is graded."""
    _copy_solutions(tmp_path / "sub")
    with pytest.raises(SystemExit) as stop:
        grader_main(["grade", str(tmp_path / "sub"), option, value, "--tasks", "padding"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {option}: expected a whole number of at least 1" in err
    assert "Traceback" not in err


def test_version(capsys):
    from grader.versions import grader_version
    with pytest.raises(SystemExit) as stop:
        grader_main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"grader {grader_version()}"


def _grade_on(tmp_path, terminal: bool) -> tuple[str, dict]:
    """`python -m grader grade` on the reference's padding, its standard
    error a terminal (a pseudo-terminal) or a pipe; (stderr, results)."""
    import pty
    sub = _copy_solutions(tmp_path / "sub")
    out = tmp_path / f"results-{terminal}.json"
    argv = [sys.executable, "-m", "grader", "grade", str(sub), "--tasks", "padding", "conv",
            "--examples", "3", "--out", str(out)]
    if not terminal:
        run = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr
        return run.stderr, json.loads(out.read_text())
    import fcntl
    import struct
    import termios
    leader, follower = pty.openpty()
    # a terminal of 24 rows and 100 columns (a new pseudo-terminal has none)
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    proc = subprocess.Popen(argv, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 4096)
        except OSError:  # the terminal closed: the grader is done
            break
        if not data:
            break
        chunks.append(data)
    assert proc.wait(300) == 0
    os.close(leader)
    return b"".join(chunks).decode(errors="replace"), json.loads(out.read_text())


@pytest.mark.slow
def test_grade_shows_progress_on_a_terminal_only(tmp_path):
    shown, results = _grade_on(tmp_path, terminal=True)
    assert "grading" in shown and "/3 " in shown, shown  # "0/3 ", ...: a bar of the 3 tasks
    assert results["score"] == results["max_score"] > 0
    quiet, _ = _grade_on(tmp_path / "pipe", terminal=False)
    assert "grading" not in quiet and "/3 " not in quiet, quiet
