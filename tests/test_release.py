"""`grader release`: the students' repository holds the stubs, the public
checks and tests, a README and a package definition, and nothing hidden."""
from __future__ import annotations

import ast
import os
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from cnn_checks.tasks import TASKS
from grader.cli import main as grader_main

pytestmark = pytest.mark.slow  # runs grader release, pip and the public tests on the release

PROJECT = Path(__file__).resolve().parent.parent
SOLUTIONS = PROJECT / "solutions"


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("release") / "student-repo"
    assert grader_main(["release", str(out)]) == 0
    return out


def released_files(release: Path) -> list[Path]:
    return sorted(p for p in release.rglob("*") if p.is_file())


# -- what is there -----------------------------------------------------------

def test_layout(release):
    for needed in ("README.md", "pyproject.toml", "requirements.lock", ".github/workflows/classroom.yml",
                   "tests/conftest.py", "tests/public/test_tasks.py", "cnn_checks/__init__.py",
                   "cnn_checks/tasks/__init__.py", "assignments/__init__.py"):
        assert (release / needed).is_file(), needed
    for module in {t.module for t in TASKS.values()}:
        assert (release / "assignments" / f"{module}.py").is_file(), module
    # the public tests are the project's, byte for byte
    for path in (PROJECT / "tests" / "public").glob("*.py"):
        assert (release / "tests" / "public" / path.name).read_bytes() == path.read_bytes()


def test_refuses_a_non_empty_folder(tmp_path, capsys):
    (tmp_path / "x.txt").write_text("mine")
    assert grader_main(["release", str(tmp_path)]) == 2
    assert (tmp_path / "x.txt").read_text() == "mine"
    assert grader_main(["release", str(tmp_path), "--force"]) == 0
    assert not (tmp_path / "x.txt").exists()


# -- what is not ---------------------------------------------------------------

HIDDEN_NAMES = {"solutions", "grader", "examples", "rubric.toml"}


def test_no_hidden_paths(release):
    for path in release.rglob("*"):
        rel = path.relative_to(release)
        assert not set(rel.parts) & HIDDEN_NAMES, rel
        assert "rubric" not in path.name.lower(), rel
    tests = [p.relative_to(release).as_posix() for p in (release / "tests").rglob("*.py")]
    assert all(t == "tests/conftest.py" or t.startswith("tests/public/") for t in tests), tests


def _bodies(source: str) -> dict[str, str]:
    """{normalised function body: function name}, docstrings dropped, trivial bodies skipped."""
    found = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                body = body[1:]
            dump = ast.dump(ast.Module(body=body, type_ignores=[]), annotate_fields=False)
            if body and len(dump) >= 100 and "NotImplementedError" not in dump:
                found[dump] = node.name
    return found


def test_no_solution_code(release):
    hidden = {}
    solution_files = sorted(SOLUTIONS.glob("*.py"))
    assert solution_files, "the project has no solutions/ to compare with"
    for path in solution_files:
        hidden.update({b: f"{path.name}:{n}" for b, n in _bodies(path.read_text()).items()})
    assert len(hidden) >= 10, "too few solution bodies to make the check meaningful"
    solution_texts = {p.read_text() for p in solution_files if p.stat().st_size > 100}
    statements = set()  # every statement of a solution function, as written
    for path in solution_files:
        source = path.read_text()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef):
                for stmt in ast.walk(node):
                    if isinstance(stmt, ast.stmt) and stmt is not node and \
                            not isinstance(stmt, (ast.Expr, ast.FunctionDef)):
                        segment = ast.get_source_segment(source, stmt) or ""
                        if len(segment) > 60 and "NotImplementedError" not in segment:
                            statements.add(segment)
    for path in released_files(release):
        text = path.read_text(errors="replace")
        rel = path.relative_to(release)
        assert text not in solution_texts, f"{rel} is a copy of a solution file"
        if path.suffix == ".py":
            leaked = set(_bodies(text)) & set(hidden)
            assert not leaked, f"{rel} holds {[hidden[b] for b in leaked]}"
        if rel.parts[0] == "assignments":
            shared = [st for st in statements if st in text]
            assert not shared, f"{rel} holds code of solutions/: {shared[:3]}"

def test_grader_leak_check_catches_a_leak(release, tmp_path):
    """The release's own leak check (run on every build) sees a copied body."""
    import shutil

    from grader.release import leaks
    copy = tmp_path / "copy"
    shutil.copytree(release, copy)
    conv = (SOLUTIONS / "conv.py").read_text()
    (copy / "assignments" / "helpers.py").write_text(conv)
    problems = leaks(copy, PROJECT)
    assert any("helpers.py" in p for p in problems), problems
    assert leaks(release, PROJECT) == []


def test_leak_check_catches_the_quiz_bank(release, tmp_path):
    """The quiz bank (the answers and what marks an option as the key) is the
    grader's: a release holding it, whole or inside another file, or any
    course/ path, fails the leak check."""
    import shutil

    from grader.release import leaks
    bank = (PROJECT / "course" / "quiz_bank.toml").read_text()
    copy = tmp_path / "copy"
    shutil.copytree(release, copy)
    (copy / "tests" / "public" / "notes.md").write_text("# notes\n\n" + bank + "\nmore\n")
    (copy / "course").mkdir()
    (copy / "course" / "README.md").write_text("hello")
    problems = leaks(copy, PROJECT)
    assert any("notes.md" in p and "quiz_bank.toml" in p for p in problems), problems
    assert any(p.startswith("course") for p in problems), problems
    assert not any("quiz" in p.name for p in release.rglob("*")), "the release holds a quiz file"


# -- it works for a student ----------------------------------------------------

def test_plain_pytest_in_the_release_tests_assignments_even_beside_the_reference(release):
    """In the release's folder, in this project's environment (where the
    reference `solutions` is importable, as for an instructor checking the
    release): plain `pytest` and `pytest --impl assignments` (no tests
    folder named) both test the stubs, never the reference."""
    env = {k: v for k, v in os.environ.items() if k != "CNN_IMPL"}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    assert subprocess.run([sys.executable, "-c", "import solutions"], cwd=release, env=env).returncode == 0
    for extra in ([], ["--impl", "assignments"]):
        run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "ignore",
                              "-k", "pad2d and basic", *extra], cwd=release, env=env, capture_output=True,
                             text=True, timeout=300)
        out = run.stdout + run.stderr
        assert "unrecognized arguments" not in out, out[-2000:]
        assert run.returncode == 1 and "not implemented" in out, (extra, out[-2000:])


def test_public_tests_fail_cleanly_as_not_implemented(release, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(release), CNN_IMPL="assignments",
               PYTHONDONTWRITEBYTECODE="1")
    where = subprocess.run([sys.executable, "-c", "import assignments, cnn_checks; "
                            "print(assignments.__file__); print(cnn_checks.__file__)"],
                           cwd=release, env=env, capture_output=True, text=True, check=True)
    for line in where.stdout.split():
        assert Path(line).resolve().is_relative_to(release.resolve()), line
    junit = tmp_path / "junit.xml"
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          f"--junitxml={junit}", "-W", "ignore"],
                         cwd=release, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-3000:]
    cases = ET.parse(junit).getroot().iter("testcase")
    failed_tasks, n_failed = set(), 0
    for case in cases:
        name = case.get("name")
        assert case.find("error") is None, f"{name} errored"
        failure = case.find("failure")
        if name.startswith(("test_property", "test_lecture_example")):
            assert failure is not None, f"{name} passed on a stub"
            message = failure.get("message", "") + (failure.text or "")
            assert "not implemented" in message, f"{name}: {message[:500]}"
            failed_tasks.add(name.split("[", 1)[1].split(":", 1)[0])
            n_failed += 1
        elif name.startswith("test_no_forbidden_library"):
            assert failure is None, f"{name}: the stubs use a forbidden library?"
    assert failed_tasks == set(TASKS), set(TASKS) ^ failed_tasks
    assert n_failed >= len(TASKS)


def test_readme(release):
    text = (release / "README.md").read_text()
    for needed in ("python -m venv .venv", "pip install -c requirements.lock -e .", "torch==2.13.0",
                   "Python 3.11 or newer", "requirements.lock", "--no-deps",
                   "--index-url https://download.pytorch.org/whl/cpu", "pytest -m conv",
                   "not implemented", "Forbidden"):
        assert needed in text, needed
    assert "whl/cu1" not in text and "whl/cu" not in text.replace("whl/cpu", "")  # never a CUDA index
    for task in TASKS.values():
        assert f"`{task.function}`" in text, task.name


def test_one_function_selector_in_the_readme(release):
    """The README's "one function" selector selects conv2d, not conv2d_backward."""
    text = (release / "README.md").read_text()
    assert 'pytest -k "conv.conv2d:"' in text
    env = dict(os.environ, PYTHONPATH=str(release), CNN_IMPL="assignments", PYTHONDONTWRITEBYTECODE="1")
    run = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                          "-k", "conv.conv2d:"], cwd=release, env=env, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    ids = [line for line in run.stdout.splitlines() if "::" in line]
    assert ids and all("conv.conv2d:" in i for i in ids), ids
    assert not any("backward" in i for i in ids)
    assert any("test_property[conv.conv2d: same]" in i for i in ids)


def test_package_metadata(release):
    data = tomllib.loads((release / "pyproject.toml").read_text())
    deps = data["project"]["dependencies"]
    names = {d.split(">")[0].split("=")[0].split("<")[0].strip() for d in deps}
    assert names == {"numpy", "hypothesis", "pytest", "torch", "array-api-compat",
                     "scikit-learn", "tqdm", "matplotlib"}, names
    assert "torch==2.13.0" in deps
    packages = data["tool"]["setuptools"]["packages"]
    assert {"assignments", "cnn_checks"} <= set(packages)
    for package in packages:
        assert (release / package.replace(".", "/") / "__init__.py").is_file(), package
    for package in ("solutions", "grader"):
        assert package not in packages
    main = tomllib.loads((PROJECT / "pyproject.toml").read_text())
    assert data["tool"]["pytest"]["ini_options"]["markers"] == \
        main["tool"]["pytest"]["ini_options"]["markers"]
    assert "scripts" not in data["project"]
    assert data["project"]["requires-python"] == main["project"]["requires-python"]


def test_pip_accepts_it(release, tmp_path):
    """pip can read the package (editable metadata, no download, no install)."""
    import shutil
    copy = tmp_path / "repo"
    shutil.copytree(release, copy)
    run = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation",
                          "--no-index", "--dry-run", "-e", str(copy)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert "cnn-exercises-student" in run.stdout
