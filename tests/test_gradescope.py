"""`grader gradescope`: the autograder zip, run as Gradescope runs it.

The zip is unpacked into a temporary folder laid out like /autograder
(source/, submission/, results/), and setup.sh and run_autograder run with
AUTOGRADER_ROOT pointing there.

- test_real_image_build_and_three_uploads (slow) runs setup.sh for real:
  it builds the venv, installs PyTorch (CPU) and the grader from the zip at
  the versions of requirements.lock, and draws the case cache; then
  run_autograder grades a correct, a buggy and a wrongly laid-out upload
  with that venv.
- The other tests take a shortcut for speed: GRADER_PYTHON = this venv's
  Python (setup.sh installs nothing, but still draws the case cache) and
  PYTHONPATH=source, so the grader, rubric and reference still come from
  the zip, not from this checkout.
"""
from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import time
import tomllib
import zipfile
from pathlib import Path

import pytest

from cnn_checks.tasks import TASKS
from grader.cli import main as grader_main
from grader.rubric import Rubric
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
                           capture_output=True, text=True, timeout=600)
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
        # exact, in floating point, in order: as Gradescope and Classroom add them up
        assert sum(t["score"] for t in data["tests"]) == data["score"]
        assert sum(t["max_score"] for t in data["tests"]) == data["max_score"]


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
    for needed in ("setup.sh", "run_autograder", "pyproject.toml", "requirements.lock",
                   "grader/rubric.toml", "grader/cli.py", "grader/__main__.py", "grader/sandbox.py",
                   "solutions/conv.py", "cnn_checks/tasks/conv.py"):
        assert needed in names, needed
    # every package the zip's pyproject lists is in the zip (not course/, for nbgrader)
    with zipfile.ZipFile(autograder_zip) as zf:
        pyproject = tomllib.loads(zf.read("pyproject.toml").decode())
        assert zf.read("requirements.lock") == (PROJECT / "requirements.lock").read_bytes()
    packages = pyproject["tool"]["setuptools"]["packages"]
    assert "course" not in packages and {"grader", "solutions", "cnn_checks"} <= set(packages)
    for package in packages:
        assert package.replace(".", "/") + "/__init__.py" in names, package
    # and every package folder of the zip is listed (a regular install needs each one)
    assert {n[: -len("/__init__.py")].replace("/", ".") for n in names
            if n.endswith("/__init__.py")} <= set(packages)
    assert set(pyproject["tool"]["setuptools"].get("package-data", {})) <= set(packages)
    assert modes["setup.sh"] & stat.S_IXUSR and modes["run_autograder"] & stat.S_IXUSR
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    assert not any(n.startswith(("tests/", "examples/")) for n in names)
    assert "GRADER_DEFAULT_ARGS='--examples 5'" in env


def test_setup_sh_installs_the_cpu_wheel_and_bubblewrap(autograder_zip):
    with zipfile.ZipFile(autograder_zip) as zf:
        setup = zf.read("setup.sh").decode()
        run = zf.read("run_autograder").decode()
    assert "apt-get install -y" in setup and "bubblewrap" in setup and "python3-venv" in setup
    assert "TORCH_INDEX_URL=${TORCH_INDEX_URL:-https://download.pytorch.org/whl/cpu}" in setup
    assert 'torch==2.13.0 --index-url "$TORCH_INDEX_URL"' in setup
    assert '-c "$SOURCE/requirements.lock"' in setup and "grader prewarm" in setup
    assert "AUTOGRADER_ROOT" in setup and "AUTOGRADER_ROOT" in run
    assert "-m grader grade" in run and "--out" in run
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


def test_wrongly_laid_out_upload_gets_the_layout_message(autograder_zip, tmp_path):
    root = unpack(autograder_zip, tmp_path / "autograder")
    _upload(root / "submission", "deep")
    results, _ = run_autograder(root, "--tasks padding")
    assert results["score"] == 0 and results["tests"] == []
    assert "no module files found; found hw/" in results["output"]
    assert "tell your instructor" not in results["output"]  # the student can fix this one


# -- the real image build -----------------------------------------------------------

BUGGY_POOLING = ("\n\ndef global_avg_pool2d(x):\n"
                 "    return x.mean(axis=(2, 3)) * 2  # wrong on purpose\n")


def _upload(folder: Path, kind: str) -> None:
    """A student's upload: the module files (correct or with one bug), or
    the same files one folder too deep (hw/*.py)."""
    files = solution_files()
    if kind == "buggy":
        files["pooling.py"] += BUGGY_POOLING
    target = folder / "hw" if kind == "deep" else folder
    target.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (target / name).write_text(text)


def _build_image(zip_path: Path, where: Path, extra_env: dict[str, str] | None = None):
    """Unpack the zip and run its setup.sh exactly as Gradescope does (no
    GRADER_PYTHON); then check the venv it built: the grader and the
    reference from the zip, PyTorch 2.13.0 (CPU), no CUDA package, every
    package at the lock's version. (root, env, setup's CompletedProcess,
    seconds)."""
    root = unpack(zip_path, where)
    env = {k: v for k, v in os.environ.items()
           if k not in ("GRADER_PYTHON", "PYTHONPATH", "CNN_GRADER_CACHE", "VIRTUAL_ENV")}
    env["AUTOGRADER_ROOT"] = str(root)
    env.update(extra_env or {})
    if not HAVE_BWRAP:
        env["GRADER_ALLOW_FALLBACK"] = "1"
    start = time.monotonic()
    setup = subprocess.run(["bash", str(root / "source" / "setup.sh")], env=env, cwd=root / "source",
                           capture_output=True, text=True, timeout=1800)
    build_seconds = time.monotonic() - start
    assert setup.returncode == 0, setup.stdout[-3000:] + setup.stderr[-3000:]
    venv_python = root / "grader-venv" / "bin" / "python"
    assert venv_python.is_file()
    # the grader and the reference come from the zip, installed (not from this checkout)
    probe = "import grader, solutions, torch; print(grader.__file__); print(solutions.__file__); " \
            "print(torch.__version__)"
    where_from = subprocess.run([str(venv_python), "-c", probe], cwd="/", capture_output=True, text=True,
                                check=True, env=env).stdout.split()
    assert all("grader-venv" in w for w in where_from[:2]), where_from
    assert where_from[2].startswith("2.13.0")
    listed = subprocess.run([str(venv_python), "-m", "pip", "list", "--format=freeze"],
                            capture_output=True, text=True, check=True, env=env).stdout
    assert "nvidia" not in listed.lower()
    lock = {line.split("==")[0].lower(): line.split("==")[1]
            for line in (PROJECT / "requirements.lock").read_text().splitlines()
            if "==" in line and not line.startswith("#")}
    for line in listed.splitlines():
        name, _, version = line.partition("==")
        if name.lower() in lock:
            assert version.split("+")[0] == lock[name.lower()], (line, lock[name.lower()])
    return root, env, setup, build_seconds


@pytest.mark.slow
def test_real_image_build_and_three_uploads(tmp_path):
    """setup.sh exactly as Gradescope runs it (no GRADER_PYTHON): a venv, the
    locked install of PyTorch (CPU, from the local wheel where pip has one,
    as on this project's machines) and of the zip, the case cache; then
    run_autograder, with that venv, on three uploads."""
    tasks = ["padding", "conv", "pooling"]
    zip_path = tmp_path / "autograder.zip"
    assert grader_main(["gradescope", str(zip_path), "--examples", "5", "--tasks", *tasks]) == 0
    root, env, setup, build_seconds = _build_image(zip_path, tmp_path / "autograder")
    # the case cache is drawn into the image
    cache = root / "grader-cache"

    def cache_files() -> list[str]:
        """The drawn cases and the reference's answers to them."""
        return sorted(p.name for p in [*cache.glob("*.cases"), *cache.glob("*.expected")])
    cached = cache_files()
    assert "prewarm" in setup.stdout
    drawn = [n for n in cached if n.endswith(".cases")]
    assert drawn and len(cached) == 2 * len(drawn), "every drawn part has its expected answers"
    assert stat.S_IMODE(cache.stat().st_mode) & 0o077 == 0  # hidden cases, expected answers: private
    timings = {"setup.sh": build_seconds}

    outcomes = {}
    for kind in ("correct", "buggy", "deep"):
        shutil.rmtree(root / "submission")
        (root / "submission").mkdir()
        (root / "results" / "results.json").unlink(missing_ok=True)
        _upload(root / "submission", kind)
        start = time.monotonic()
        run = subprocess.run([str(root / "source" / "run_autograder")], env=env, cwd=root / "source",
                             capture_output=True, text=True, timeout=600)
        timings[kind] = time.monotonic() - start
        assert run.returncode == 0, run.stderr
        results = json.loads((root / "results" / "results.json").read_text())
        check_gradescope_json(results)
        outcomes[kind] = results
    # no grading drew a case or computed an answer: they all came from the image's cache
    assert cache_files() == cached
    print("gradescope real path, seconds:", {k: round(v, 1) for k, v in timings.items()})

    correct, buggy, deep = outcomes["correct"], outcomes["buggy"], outcomes["deep"]
    assert correct["max_score"] > 0 and correct["score"] == correct["max_score"], by_task(correct)
    assert "bubblewrap" in correct["output"] or not HAVE_BWRAP
    assert set(by_task(correct)) == {t for t in TASKS if t.split(".")[0] in tasks}
    tasks_buggy = by_task(buggy)
    score, max_score = tasks_buggy.pop("pooling.global_avg_pool2d")
    assert score < max_score and all(s == m for s, m in tasks_buggy.values()), tasks_buggy
    assert buggy["score"] == buggy["max_score"] - (max_score - score)
    assert deep["score"] == 0 and deep["tests"] == []
    assert "no module files found; found hw/" in deep["output"]


def _local_torch_wheel(dest: Path) -> Path | None:
    """The CPU wheel of torch 2.13.0 that pip is configured to find on this
    machine (find-links), copied into dest; None when there is none."""
    run = subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-index",
                          "-d", str(dest), "torch==2.13.0"], capture_output=True, text=True)
    wheels = sorted(dest.glob("torch-2.13.0*.whl"))
    return wheels[0] if run.returncode == 0 and wheels else None


@pytest.mark.slow
def test_real_image_build_from_the_cpu_index_fits_the_default_container(tmp_path):
    """setup.sh's other branch, where pip has no local PyTorch wheel: torch
    from a PyTorch CPU index (TORCH_INDEX_URL; here a PEP 503 index served
    on loopback holding the same CPU wheel PyTorch's index serves, since
    this machine reaches no other host), everything else from the lock. Then
    a correct upload graded on the whole rubric, with the zip's default
    limits, stays within Gradescope's default container memory (the summed
    PSS of run_autograder and everything it starts, sampled every 20 ms)."""
    import http.server
    import threading
    import urllib.parse
    from functools import partial

    from process_memory import run_measured

    from grader.gradescope import CONTAINER_MB
    index = tmp_path / "index"
    wheel = _local_torch_wheel(index / "simple" / "torch")
    if wheel is None:
        pytest.skip("no local torch wheel to serve as the CPU index (this branch then runs against "
                    "download.pytorch.org, which this machine cannot reach)")
    (index / "simple" / "torch" / "index.html").write_text(
        f'<html><body><a href="{wheel.name}">{wheel.name}</a></body></html>\n')
    served: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format, *args):
            served.append(urllib.parse.unquote(self.path))

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(index)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        zip_path = tmp_path / "autograder.zip"
        assert grader_main(["gradescope", str(zip_path), "--examples", "5"]) == 0
        no_wheels = tmp_path / "no-local-wheels"
        no_wheels.mkdir()
        root, env, setup, _ = _build_image(zip_path, tmp_path / "autograder", {
            "TORCH_INDEX_URL": f"http://127.0.0.1:{server.server_address[1]}/simple",
            "PIP_FIND_LINKS": str(no_wheels)})
    finally:
        server.shutdown()
    assert "PyTorch from the CPU index http://127.0.0.1:" in setup.stdout
    assert f"/simple/torch/{wheel.name}" in served, served

    _upload(root / "submission", "correct")
    run, peak = run_measured([str(root / "source" / "run_autograder")], env=env, cwd=root / "source",
                             timeout=900)
    assert run.returncode == 0, run.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    check_gradescope_json(results)
    assert results["score"] == results["max_score"] == sum(Rubric.load().task_points(t) for t in TASKS)
    print(f"gradescope, whole rubric, default limits: peak memory {peak / 2**20:.0f} MiB "
          f"(container {CONTAINER_MB} MB)")
    assert 0 < peak < CONTAINER_MB * 10**6, peak
