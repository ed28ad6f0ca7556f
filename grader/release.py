"""`grader release OUT`: write the students' repository.

What goes out, and nothing else:
  assignments/          the stubs (the module files and __init__.py)
  cnn_checks/           the public check machinery (it knows no solution)
  tests/conftest.py     the test options (--impl, --examples)
  tests/public/         the public tests
  README.md             install, run, read the output, the rules
  pyproject.toml        the student package (assignments, cnn_checks)
  requirements.lock     the exact versions the grader uses (pip install -c)
  .github/workflows/classroom.yml   the GitHub Classroom workflow: public
                        tests on push; no secret, no grader (the grade
                        comes from `grader classroom`, on the instructor's side)
  .gitignore

Never: solutions/, grader/ (with the misconceptions only the grader
computes), the rubric, examples/, course/ (the quiz bank and its key), the
project's own tests. Before it returns, the release is checked for leaks (a
function body of solutions/ in any released file, a copy of a solution file
or of the quiz bank, a forbidden path); a leak removes nothing silently: the
command fails.
"""
from __future__ import annotations

import ast
import json
import shutil
import sys
import tomllib
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
TEMPLATES = Path(__file__).resolve().parent / "templates"

#: Folders copied whole (Python sources only, no caches).
PACKAGES = ("assignments", "cnn_checks")
#: Files copied one by one, and folders of tests copied whole.
TEST_FILES = ("tests/conftest.py",)
TEST_DIRS = ("tests/public",)
#: The lock file every install uses (students' included).
LOCK = "requirements.lock"
#: Names that must never appear as a path component of a released file.
NEVER = {"solutions", "grader", "examples", "rubric.toml", "source", "course", "quiz_bank.toml"}
#: Files of the project whose content must not appear in any released file.
HIDDEN_FILES = ("course/quiz_bank.toml",)
GITIGNORE = """\
.venv/
__pycache__/
*.pyc
*.egg-info/
.hypothesis/
.pytest_cache/
"""


class LeakError(RuntimeError):
    """The release would reveal something hidden."""


def _python_files(folder: Path):
    for path in sorted(folder.rglob("*.py")):
        if "__pycache__" not in path.parts:
            yield path


def _copy_tree(src: Path, dst: Path) -> list[Path]:
    written = []
    for path in _python_files(src):
        target = dst / path.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        written.append(target)
    return written


def _packages(root: Path) -> list[str]:
    """Every package under the released top-level packages (with __init__.py)."""
    found = []
    for top in PACKAGES:
        for init in sorted((root / top).rglob("__init__.py")):
            if "__pycache__" not in init.parts:
                found.append(".".join(init.parent.relative_to(root).parts))
    return found


def _task_table() -> str:
    from cnn_checks.tasks import TASKS
    modules: dict[str, list[str]] = {}
    for task in TASKS.values():
        modules.setdefault(task.module, []).append(task.function)
    return "\n".join(f"| `assignments/{m}.py` | " + ", ".join(f"`{f}`" for f in fs) + " |"
                     for m, fs in modules.items())


def _pyproject(project: Path, root: Path) -> str:
    main = tomllib.loads((project / "pyproject.toml").read_text())
    version = main.get("project", {}).get("version", "0.1.0")
    markers = main.get("tool", {}).get("pytest", {}).get("ini_options", {}).get("markers", [])
    text = (TEMPLATES / "student-pyproject.toml").read_text()
    marker_lines = "[\n" + "".join(f"    {json.dumps(m)},\n" for m in markers) + "]"
    text = (text.replace("@VERSION@", version)
                .replace("@PACKAGES@", json.dumps(_packages(root)))
                .replace("@MARKERS@", marker_lines))
    tomllib.loads(text)  # fail here, not on the students' machines
    return text


def workflow_text() -> str:
    """The students' GitHub Classroom workflow (grader/templates/classroom.yml)."""
    return (TEMPLATES / "classroom.yml").read_text()


def build_release(out: Path, project: Path | None = None, force: bool = False) -> Path:
    """Write the student repository into `out` (new or empty, or `force`)."""
    project = Path(project or PROJECT).resolve()
    out = Path(out).resolve()
    for needed in ("assignments", "cnn_checks", "tests/public", "tests/conftest.py", "pyproject.toml",
                   LOCK):
        if not (project / needed).exists():
            raise FileNotFoundError(f"{project} is not the exercise project: no {needed} "
                                    f"(run `grader release` from a checkout of the project)")
    if out == project or project in out.parents:
        raise ValueError(f"{out}: write the release outside the project")
    if out.exists() and any(out.iterdir()):
        if not force:
            raise FileExistsError(f"{out} exists and is not empty (use --force to replace it)")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)

    for name in PACKAGES:
        _copy_tree(project / name, out / name)
    for rel in TEST_FILES:
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(project / rel, out / rel)
    for rel in TEST_DIRS:
        _copy_tree(project / rel, out / rel)
    readme = (TEMPLATES / "student-README.md").read_text().replace("@TASK_TABLE@", _task_table())
    (out / "README.md").write_text(readme)
    (out / "pyproject.toml").write_text(_pyproject(project, out))
    # the one locked environment: students install and test with what grades them
    shutil.copyfile(project / LOCK, out / LOCK)
    (out / ".gitignore").write_text(GITIGNORE)
    workflow = out / ".github" / "workflows" / "classroom.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(workflow_text())

    problems = leaks(out, project)
    if problems:
        raise LeakError("the release would leak hidden material:\n  " + "\n  ".join(problems))
    return out


# --------------------------------------------------------------------------
# The leak check


def _function_bodies(source: str) -> dict[str, str]:
    """{normalised body: name} of every function with a non-trivial body
    (docstrings dropped; `raise NotImplementedError` stubs and one-line
    bodies shorter than 40 characters of AST dump are too common to tell)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    bodies = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = list(node.body)
            if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None),
                                                                      ast.Constant):
                body = body[1:]
            if not body:
                continue
            dump = "\n".join(ast.dump(s, annotate_fields=False) for s in body)
            if "NotImplementedError" in dump or (len(body) == 1 and len(dump) < 120):
                continue
            bodies[dump] = node.name
    return bodies


def leaks(release: Path, project: Path | None = None) -> list[str]:
    """What in `release` should not be there: forbidden paths, copies of a
    file of solutions/, HIDDEN_FILES (the quiz bank) within any file, and any function
    whose body is the body of a function of solutions/."""
    project = Path(project or PROJECT)
    problems = []
    for path in sorted(release.rglob("*")):
        rel = path.relative_to(release)
        if set(rel.parts) & NEVER:
            problems.append(f"{rel}: a hidden path")
    hidden = {}
    for path in _python_files(project / "solutions"):
        for body, name in _function_bodies(path.read_text()).items():
            hidden[body] = f"solutions/{path.relative_to(project / 'solutions')}:{name}"
    solution_texts = {p.read_bytes() for p in _python_files(project / "solutions")
                      if p.stat().st_size > 200}
    hidden_texts = {(project / name).read_bytes(): name for name in HIDDEN_FILES
                    if (project / name).is_file()}
    for path in sorted(release.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(release)
        data = path.read_bytes()
        if data in solution_texts:
            problems.append(f"{rel}: a copy of a file of solutions/")
        for text, name in hidden_texts.items():
            if text in data:
                problems.append(f"{rel}: holds {name}")
        if path.suffix == ".py":
            for body, name in _function_bodies(data.decode("utf-8", "replace")).items():
                if body in hidden:
                    problems.append(f"{rel}: function {name} has the body of {hidden[body]}")
    return problems


# --------------------------------------------------------------------------
# The command


def _course_secret_note() -> None:
    """Make sure a course secret exists (the hidden cases depend on it) and
    say where it is and how each channel gets it."""
    from .course_secret import ENV, resolve
    from .rubric import Rubric
    secret = resolve(Rubric.load().secret)
    if secret is None:
        print(f"warning: no course secret could be stored; set {ENV} before grading", file=sys.stderr)
        return
    print(f"course secret {secret.fingerprint} ({secret.origin}) decides the hidden cases: "
          f"`grader gradescope` bakes it into the autograder; for GitHub Classroom add it as the "
          f"secret {ENV} of your private grader repository (never an organization secret the "
          f"students' repositories can read), or as [course] secret in its rubric")


def cmd_release(args) -> int:
    try:
        out = build_release(Path(args.out), args.project, force=args.force)
    except (FileNotFoundError, FileExistsError, ValueError, LeakError) as exc:
        print(f"grader release: {exc}", file=sys.stderr)
        return 2
    files = sum(1 for p in out.rglob("*") if p.is_file())
    print(f"wrote the student repository to {out} ({files} files)")
    _course_secret_note()
    print("next: push it to a (template) repository; see docs/instructor-guide.md")
    return 0


def register(sub, common):
    """Add the `release` subcommand to the grader's parser."""
    from .options import add_build_arguments
    p = sub.add_parser("release", help="write the students' repository (stubs, public tests, README)")
    add_build_arguments(p, "folder to write (new or empty)", "the exercise project to release")
    p.add_argument("--force", action="store_true", help="replace OUT if it is not empty")
    p.set_defaults(func=cmd_release)
