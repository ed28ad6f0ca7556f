"""`grader gradescope`: the autograder zip, run as Gradescope runs it.

The zip is unpacked into a temporary folder laid out like /autograder
(source/, submission/, results/); setup.sh and run_autograder run with
AUTOGRADER_ROOT pointing there and GRADER_PYTHON = this venv's Python (so
setup.sh installs nothing). PYTHONPATH=source makes the grader, rubric and
reference come from the zip, not from this checkout.
"""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from grader.cli import main as grader_main
from grader.sandbox import bwrap_path

pytestmark = pytest.mark.slow  # builds the autograder zip and runs setup.sh and run_autograder

PROJECT = Path(__file__).resolve().parent.parent
SOLUTIONS = PROJECT / "solutions"
HAVE_BWRAP = bwrap_path() is not None
FAKE_SCORE = 999


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("zip") / "autograder.zip"
    assert grader_main(["gradescope", str(out), "--examples", "5"]) == 0
    return out


def unpack(zip_path: Path, root: Path, submission: dict[str, str] | None = None) -> Path:
    """A /autograder look-alike under `root`."""
    for sub in ("source", "submission", "results"):
        (root / sub).mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(root / "source")
        for info in zf.infolist():  # extractall drops the mode bits
            mode = info.external_attr >> 16
            if mode & stat.S_IXUSR:
                os.chmod(root / "source" / info.filename, 0o755)
    for name, text in (submission or {}).items():
        (root / "submission" / name).write_text(text)
    return root


def run_autograder(root: Path, args: str, **extra_env) -> tuple[dict, subprocess.CompletedProcess]:
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), GRADER_PYTHON=sys.executable,
               GRADER_ARGS=args, PYTHONPATH=str(root / "source"))
    if not HAVE_BWRAP:
        env["GRADER_ALLOW_FALLBACK"] = "1"
    env.update(extra_env)
    setup = subprocess.run(["bash", str(root / "source" / "setup.sh")], env=env,
                           capture_output=True, text=True, timeout=60)
    assert setup.returncode == 0, setup.stderr
    run = subprocess.run([str(root / "source" / "run_autograder")], env=env, cwd=root / "source",
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    check_gradescope_json(results)
    return results, run


def check_gradescope_json(data: dict) -> None:
    """Gradescope's results.json format (the fields we use)."""
    assert isinstance(data, dict)
    assert isinstance(data["score"], (int, float))
    assert isinstance(data.get("output", ""), str)
    assert data.get("output_format", "text") in ("text", "html", "simple_format", "md", "ansi")
    vis = ("hidden", "after_due_date", "after_published", "visible")
    assert data.get("visibility", "visible") in vis
    assert data.get("stdout_visibility", "visible") in vis
    assert isinstance(data["tests"], list)
    for t in data["tests"]:
        assert isinstance(t["name"], str) and t["name"]
        assert isinstance(t["score"], (int, float)) and isinstance(t["max_score"], (int, float))
        assert 0 <= t["score"] <= t["max_score"]
        assert t.get("status", "passed") in ("passed", "failed")
        assert isinstance(t.get("output", ""), str)
        assert t.get("visibility", "visible") in vis
    if data["tests"]:
        assert abs(sum(t["score"] for t in data["tests"]) - data["score"]) < 0.011
        assert abs(sum(t["max_score"] for t in data["tests"]) - data["max_score"]) < 0.011


def solution_files() -> dict[str, str]:
    return {p.name: p.read_text() for p in SOLUTIONS.glob("*.py")}


def by_task(results: dict) -> dict[str, tuple[float, float]]:
    tasks: dict[str, list[float]] = {}
    for t in results["tests"]:
        entry = tasks.setdefault(t["name"].split(": ")[0], [0.0, 0.0])
        entry[0] += t["score"]
        entry[1] += t["max_score"]
    return {k: (round(a, 2), round(b, 2)) for k, (a, b) in tasks.items()}


# -- the zip ---------------------------------------------------------------------

def test_zip_layout(autograder_zip):
    with zipfile.ZipFile(autograder_zip) as zf:
        names = set(zf.namelist())
        modes = {i.filename: i.external_attr >> 16 for i in zf.infolist()}
        env = zf.read("gradescope.env").decode()
    for needed in ("setup.sh", "run_autograder", "pyproject.toml", "grader/rubric.toml",
                   "grader/cli.py", "grader/sandbox.py", "solutions/conv.py", "cnn_checks/tasks/conv.py"):
        assert needed in names, needed
    assert modes["setup.sh"] & stat.S_IXUSR and modes["run_autograder"] & stat.S_IXUSR
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    assert not any(n.startswith(("tests/", "examples/")) for n in names)
    assert "GRADER_DEFAULT_ARGS='--examples 5'" in env


def test_setup_sh_installs_the_cpu_wheel_and_bubblewrap(autograder_zip):
    with zipfile.ZipFile(autograder_zip) as zf:
        setup = zf.read("setup.sh").decode()
        run = zf.read("run_autograder").decode()
    assert "apt-get install -y" in setup and "bubblewrap" in setup and "python3-venv" in setup
    assert "torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu" in setup
    assert "AUTOGRADER_ROOT" in setup and "AUTOGRADER_ROOT" in run
    assert "grader.cli grade" in run and "--out" in run
    subprocess.run(["bash", "-n", "-c", setup], check=True)
    subprocess.run(["bash", "-n", "-c", run], check=True)


def test_custom_rubric_is_baked_in(tmp_path):
    rubric = tmp_path / "rubric.toml"
    rubric.write_text((PROJECT / "grader" / "rubric.toml").read_text()
                      .replace('"conv.conv2d" = 14', '"conv.conv2d" = 20'))
    out = tmp_path / "a.zip"
    assert grader_main(["gradescope", str(out), "--rubric", str(rubric), "--tasks", "conv"]) == 0
    with zipfile.ZipFile(out) as zf:
        assert '"conv.conv2d" = 20' in zf.read("grader/rubric.toml").decode()
        assert "--tasks conv" in zf.read("gradescope.env").decode()


# -- grading, end to end ------------------------------------------------------------

def test_correct_submission_gets_full_marks(autograder_zip, tmp_path):
    root = unpack(autograder_zip, tmp_path / "autograder", solution_files())
    results, _ = run_autograder(root, "--tasks conv padding")
    assert results["max_score"] > 0
    assert results["score"] == results["max_score"], by_task(results)
    assert set(by_task(results)) == {"padding.pad2d", "conv.conv_output_size", "conv.conv2d"}


def test_wrong_function_loses_points_on_that_task_only(autograder_zip, tmp_path):
    files = solution_files()
    files["pooling.py"] += ("\n\ndef global_avg_pool2d(x):\n"
                            "    return x.mean(axis=(2, 3)) * 2  # wrong on purpose\n")
    root = unpack(autograder_zip, tmp_path / "autograder", files)
    results, _ = run_autograder(root, "--tasks pooling")
    tasks = by_task(results)
    score, max_score = tasks.pop("pooling.global_avg_pool2d")
    assert score < max_score
    assert tasks and all(s == m for s, m in tasks.values()), tasks
    assert results["score"] == round(results["max_score"] - (max_score - score), 2)


def adversarial_conv(root: Path) -> str:
    """The reference conv.py plus code that forges results.json: at import,
    in a function (then os._exit(0)), and from a daemon that outlives it."""
    targets = [str(root / "results" / "results.json"), "/autograder/results/results.json",
               "../results/results.json", "results/results.json",
               str(root / "submission" / ".." / "results" / "results.json")]
    return solution_files()["conv.py"] + f'''

import json as _json, os as _os, time as _time

_FAKE = _json.dumps({{"score": {FAKE_SCORE}, "max_score": {FAKE_SCORE}, "tests": []}})
_TARGETS = {targets!r}


def _forge():
    for target in _TARGETS:
        try:
            _os.makedirs(_os.path.dirname(target) or ".", exist_ok=True)
            with open(target, "w") as fh:
                fh.write(_FAKE)
        except OSError:
            pass


_forge()


def conv_output_size(n, kernel_size, stride=1, padding=0, dilation=1):
    _forge()
    try:
        if _os.fork() == 0:      # a daemon that forges again after the grader is done
            _os.setsid()
            if _os.fork() == 0:
                _time.sleep(3)
                _forge()
            _os._exit(0)
    except OSError:
        pass
    _os._exit(0)
'''


def test_adversarial_submission_cannot_forge_results(autograder_zip, tmp_path):
    root = unpack(autograder_zip, tmp_path / "autograder")
    files = solution_files()
    files["conv.py"] = adversarial_conv(root)
    for name, text in files.items():
        (root / "submission" / name).write_text(text)
    results, run = run_autograder(root, "--tasks conv")
    time.sleep(4)  # give a surviving daemon the chance to overwrite the results
    after = json.loads((root / "results" / "results.json").read_text())
    for data in (results, after):
        check_gradescope_json(data)
        assert data["score"] != FAKE_SCORE and data["max_score"] != FAKE_SCORE
        assert data["tests"], "the grader's results have one entry per part"
        tasks = by_task(data)
        assert tasks["conv.conv_output_size"][0] == 0
        assert data["score"] < data["max_score"]
    assert after == results
    if HAVE_BWRAP:
        assert "bubblewrap" in results["output"]
        for fake in ("/autograder/results/results.json",):
            assert not Path(fake).exists() or FAKE_SCORE not in json.loads(Path(fake).read_text()).values()


def test_grader_failure_still_writes_results(autograder_zip, tmp_path):
    root = unpack(autograder_zip, tmp_path / "autograder", solution_files())
    results, _ = run_autograder(root, "--rubric /nonexistent/rubric.toml")
    assert results["score"] == 0 and results["tests"] == []
    assert "could not grade" in results["output"] and "exit status" in results["output"]


def test_missing_python_still_writes_results(autograder_zip, tmp_path):
    root = unpack(autograder_zip, tmp_path / "autograder", solution_files())
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), GRADER_PYTHON=str(tmp_path / "no-python"))
    run = subprocess.run([str(root / "source" / "run_autograder")], env=env,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 0 and "could not grade" in results["output"]


def test_refuses_to_grade_without_the_sandbox(autograder_zip, tmp_path):
    root = unpack(autograder_zip, tmp_path / "autograder", solution_files())
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "bwrap").write_text("#!/bin/sh\nexit 1\n")
    (fake_bin / "bwrap").chmod(0o755)
    results, _ = run_autograder(root, "--tasks conv", PATH=f"{fake_bin}:{os.environ['PATH']}",
                                GRADER_ALLOW_FALLBACK="0")
    assert results["score"] == 0 and results["tests"] == []
    assert "bubblewrap" in results["output"]


def test_timeout_still_writes_results(autograder_zip, tmp_path):
    files = solution_files()
    files["conv.py"] += ("\n\ndef conv2d(x, w, b=None, stride=1, padding=0, dilation=1):\n"
                         "    while True:\n        pass\n")
    root = unpack(autograder_zip, tmp_path / "autograder", files)
    start = time.monotonic()
    results, _ = run_autograder(root, "--tasks conv.conv2d", GRADER_TIMEOUT="2")
    assert time.monotonic() - start < 30
    assert results["score"] == 0 and "did not finish" in results["output"]
