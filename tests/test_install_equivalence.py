"""The same grade however the grader is installed.

One course secret, three installs, on the real path:
  checkout    this editable checkout's `grader`;
  wheel       a wheel built from this checkout, installed with
              requirements.lock into a fresh virtual environment;
  gradescope  the `grader gradescope` zip unpacked as /autograder, its
              source installed (as setup.sh does) into that environment,
              graded by run_autograder.
Each draws and caches the cases in a cache of its own; the three caches
must hold exactly the same cases, and a correct submission (full marks) and
a submission with mistakes must get the same results everywhere. A second
course secret draws other cases and grades the correct submission the same.

The fresh environment takes minutes to install (PyTorch); set
CNN_TEST_VENV to a folder to keep it between runs.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader.sandbox import bwrap_path

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(bwrap_path() is None, reason="grades in the bubblewrap sandbox")]

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock"
EXAMPLES = "10"
#: a task or more of every module (the whole rubric takes minutes per install)
TASKS = ["padding", "pooling.max_pool2d", "losses.cross_entropy", "backprop.numerical_gradient",
         "backprop.conv2d_backward", "optim.Adam", "conv.conv2d"]
SUBMISSIONS = {"loops": ROOT / "examples" / "loops_submission",
               "sample": ROOT / "examples" / "sample_submission"}


def _run(cmd, **kwargs) -> subprocess.CompletedProcess:
    out = subprocess.run(cmd, capture_output=True, text=True, check=False, **kwargs)
    assert out.returncode == 0, f"{cmd}\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}"
    return out


def _env(cache: Path, secret: str, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(CNN_GRADER_CACHE=str(cache), CNN_GRADER_SECRET=secret, **extra)
    return env


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory) -> Path:
    """A fresh venv with the locked dependencies and this checkout's wheel."""
    keep = os.environ.get("CNN_TEST_VENV")
    venv = Path(keep) if keep else tmp_path_factory.mktemp("wheel") / "venv"
    python = venv / "bin" / "python"
    if not python.exists():
        _run([sys.executable, "-m", "venv", str(venv)])
        _run([str(python), "-m", "pip", "install", "-q", "-c", str(LOCK), "torch==2.13.0"], timeout=1800)
    dist = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(dist),
          str(ROOT)], timeout=600)
    wheel = next(dist.glob("cnn_exercises-*.whl"))
    _run([str(python), "-m", "pip", "install", "-q", "--force-reinstall", "-c", str(LOCK), str(wheel)],
         timeout=1800)
    listed = _run([str(python), "-m", "pip", "list", "--format", "json"]).stdout
    assert not any(p["name"].startswith("nvidia-") for p in json.loads(listed)), "CUDA packages installed"
    return venv


def cases_digest(cache: Path) -> dict[str, str]:
    """{cache key: hash of the cases} of every part cached in `cache`.

    A part's file (grader/case_cache.py) is its cases' JSON header and raw
    array bytes, written the same way by every install: equal cases, equal bytes.
    """
    return {path.stem: hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(cache.glob("*.cases"))}


def results_of(data: dict) -> dict:
    return {"score": data["score"], "versions": data["extra_data"]["grader"],
            "tests": [(t["name"], t["score"], t["status"], t["output"]) for t in data["tests"]]}


def grade_checkout(name: str, work: Path, secret: str) -> tuple[dict, dict]:
    cache = work / f"cache-checkout-{secret}"
    out = work / f"checkout-{name}-{secret}.json"
    _run([str(Path(sys.executable).with_name("grader")), "grade", str(SUBMISSIONS[name]), "--out", str(out),
          "--examples", EXAMPLES, "--tasks", *TASKS], env=_env(cache, secret), cwd=ROOT, timeout=900)
    return results_of(json.loads(out.read_text())), cases_digest(cache)


def grade_wheel(venv: Path, name: str, work: Path, secret: str) -> tuple[dict, dict]:
    cache = work / f"cache-wheel-{secret}"
    out = work / f"wheel-{name}-{secret}.json"
    cwd = work / "wheel-cwd"
    cwd.mkdir(exist_ok=True)
    _run([str(venv / "bin" / "grader"), "grade", str(SUBMISSIONS[name]), "--out", str(out),
          "--examples", EXAMPLES, "--tasks", *TASKS], env=_env(cache, secret), cwd=cwd, timeout=900)
    assert not (cwd / ".hypothesis").exists()
    return results_of(json.loads(out.read_text())), cases_digest(cache)


def grade_gradescope(venv: Path, name: str, work: Path, secret: str) -> tuple[dict, dict]:
    root = work / f"autograder-{name}"
    zip_path = work / "autograder.zip"
    if not zip_path.exists():
        _run([str(Path(sys.executable).with_name("grader")), "gradescope", str(zip_path)],
             env=_env(work / "unused-cache", secret), cwd=ROOT)
        source = work / "gradescope-source"
        with zipfile.ZipFile(zip_path) as zf:
            zf.extractall(source)
        # what setup.sh does after the venv: the zip's source, non-editable, with the lock
        _run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
              "--force-reinstall", "-c", str(source / "requirements.lock"), str(source)], timeout=900)
    for sub in ("source", "submission", "results"):
        (root / sub).mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(root / "source")
    for script in ("setup.sh", "run_autograder"):
        os.chmod(root / "source" / script, 0o755)
    shutil.copytree(SUBMISSIONS[name], root / "submission", dirs_exist_ok=True)
    cache = work / "cache-gradescope"
    env = _env(cache, "", AUTOGRADER_ROOT=str(root), GRADER_PYTHON=str(venv / "bin" / "python"),
               GRADER_ARGS=f"--examples {EXAMPLES} --tasks {' '.join(TASKS)}")
    del env["CNN_GRADER_SECRET"]  # the baked-in rubric holds it
    env["CNN_GRADER_SECRET_FILE"] = str(work / "no-such-secret-file")
    _run([str(root / "source" / "run_autograder")], env=env, cwd=root / "source", timeout=900)
    assert not (work / "no-such-secret-file").exists(), "the autograder did not find its baked-in secret"
    return (results_of(json.loads((root / "results" / "results.json").read_text())),
            cases_digest(cache))


def test_same_cases_and_grades_from_checkout_wheel_and_gradescope(wheel_venv, tmp_path):
    secret = "install equivalence course"
    got = {}
    for name in SUBMISSIONS:
        got[("checkout", name)] = grade_checkout(name, tmp_path, secret)
        got[("wheel", name)] = grade_wheel(wheel_venv, name, tmp_path, secret)
    other, other_cases = grade_wheel(wheel_venv, "loops", tmp_path, "another course")
    for name in SUBMISSIONS:  # last: this replaces the wheel by the zip's source
        got[("gradescope", name)] = grade_gradescope(wheel_venv, name, tmp_path, secret)
    for name in SUBMISSIONS:
        checkout, wheel, gradescope = (got[(how, name)] for how in ("checkout", "wheel", "gradescope"))
        assert checkout[0]["versions"] == wheel[0]["versions"] == gradescope[0]["versions"]
        assert checkout[0]["tests"] == wheel[0]["tests"] == gradescope[0]["tests"], name
        assert checkout[1] == wheel[1] == gradescope[1], f"{name}: other cases were drawn"
        assert len(checkout[1]) > 40  # every part of every task graded
    full = round(sum(t[1] for t in got[("checkout", "loops")][0]["tests"]), 2)
    assert got[("checkout", "loops")][0]["score"] == full
    assert all(t[2] == "passed" for t in got[("checkout", "loops")][0]["tests"])
    assert got[("checkout", "sample")][0]["score"] < full

    # another course: other cases, the same full marks
    assert other["score"] == full
    same_keys = set(other_cases) & set(got[("wheel", "loops")][1])
    assert not same_keys and len(other_cases) == len(got[("wheel", "loops")][1])
    mine = {k.split("-", 2)[2]: v for k, v in got[("wheel", "loops")][1].items()}
    theirs = {k.split("-", 2)[2]: v for k, v in other_cases.items()}
    assert mine.keys() == theirs.keys()
    differ = sum(mine[k] != theirs[k] for k in mine)
    assert differ >= 0.9 * len(mine), f"only {differ} of {len(mine)} parts drew other cases"
