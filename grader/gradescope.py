"""`grader gradescope OUT.zip`: build a Gradescope autograder.

The zip's root becomes /autograder/source on Gradescope:
  setup.sh, run_autograder       (grader/templates/gradescope/)
  pyproject.toml                 the project's, listing only the packages
                                 the zip holds (not course/, for nbgrader)
  requirements.lock              the one locked environment
  grader/, solutions/, cnn_checks/, assignments/
                                 the instructor's side: grader, hidden
                                 reference, public checks, rubric (with
                                 the course secret baked in)
  gradescope.env                 the settings baked in by this command
setup.sh installs bubblewrap (when missing), a venv with PyTorch (CPU) and
the grader at the locked versions, and draws the grading cases once (the
case cache), so no submission pays for drawing them; run_autograder grades
/autograder/submission in the sandbox and always writes
/autograder/results/results.json (a score of 0 with the reason when the
grader itself cannot run, or when the upload holds no module files).
"""
from __future__ import annotations

import re
import shlex
import sys
import tomllib
import zipfile
from pathlib import Path

from .release import PROJECT, TEMPLATES

#: Gradescope's default container memory (MB), and what the grader itself
#: needs of it: its own process with PyTorch, the sandbox and the case
#: cache (one grading of the reference peaked at about 320 MiB, summed over
#: its processes, with one task at a time). Each task's children may use
#: the rest (`memory_mb` of the zip's rubric).
CONTAINER_MB = 768
GRADER_RESERVE_MB = 384

#: What of the project goes into /autograder/source.
SOURCE_DIRS = ("grader", "solutions", "cnn_checks", "assignments")
SOURCE_FILES = ("requirements.lock",)
SKIP_PARTS = {"__pycache__", ".pytest_cache", ".hypothesis", "templates"}
SKIP_SUFFIXES = (".pyc", ".pyo")


def _package_names(project: Path) -> list[str]:
    """Every package (a folder with __init__.py) under SOURCE_DIRS."""
    found = []
    for top in SOURCE_DIRS:
        for init in sorted((project / top).rglob("__init__.py")):
            rel = init.parent.relative_to(project)
            if not set(rel.parts) & SKIP_PARTS:
                found.append(".".join(rel.parts))
    return found


def zip_pyproject(text: str, project: Path) -> str:
    """The project's pyproject.toml with `[tool.setuptools] packages` (and
    package-data) cut down to the packages under SOURCE_DIRS, so that
    `pip install /autograder/source` finds every package it lists."""
    data = tomllib.loads(text)
    packages = data["tool"]["setuptools"]["packages"]
    kept = [p for p in packages if p.split(".")[0] in SOURCE_DIRS]
    # every package folder of the zip, also one the project's list forgot
    kept += [p for p in _package_names(project) if p not in kept]
    dropped = {p for p in packages if p not in kept}
    text, n = re.subn(r"(?m)^packages\s*=\s*\[[^\]]*\]",
                      "packages = [" + ", ".join(f'"{p}"' for p in kept) + "]", text, count=1)
    if n != 1:
        raise ValueError("pyproject.toml: no `packages = [...]` line under [tool.setuptools]")
    text = "".join(line for line in text.splitlines(keepends=True)
                   if not any(re.match(rf"\s*{re.escape(p)}\s*=", line) for p in dropped))
    check = tomllib.loads(text)
    assert check["tool"]["setuptools"]["packages"] == kept
    assert not set(check["tool"]["setuptools"].get("package-data", {})) & dropped
    return text


def _project_files(project: Path):
    for rel in SOURCE_FILES:
        yield project / rel, rel
    for top in SOURCE_DIRS:
        for path in sorted((project / top).rglob("*")):
            inside = path.relative_to(project)
            if path.is_file() and not (set(inside.parts) & SKIP_PARTS) \
                    and not path.name.endswith(SKIP_SUFFIXES):
                yield path, inside.as_posix()


def _env_file(args_line: list[str], timeout: int, allow_fallback: bool) -> str:
    return ("# Settings baked in by `grader gradescope`; run_autograder reads this file.\n"
            f"GRADER_DEFAULT_ARGS={shlex.quote(shlex.join(args_line))}\n"
            f"GRADER_DEFAULT_TIMEOUT={int(timeout)}\n"
            f"GRADER_DEFAULT_ALLOW_FALLBACK={1 if allow_fallback else 0}\n")


def _add(zf: zipfile.ZipFile, name: str, data: bytes, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (0o100755 if executable else 0o100644) << 16
    zf.writestr(info, data)


def container_limits(rubric: Path, container_mb: int) -> dict[str, int]:
    """The settings that make a grading fit a container of `container_mb`:
    one task at a time, and each task's memory (`memory_mb`, all its
    processes) at most what the grader leaves free (GRADER_RESERVE_MB),
    never more than the rubric's own, in the rubric and in every task's
    own limits."""
    from .rubric import Rubric
    if container_mb - GRADER_RESERVE_MB < 128:
        raise ValueError(f"--container-mb {container_mb}: the grader itself needs about "
                         f"{GRADER_RESERVE_MB} MB; give the container at least {GRADER_RESERVE_MB + 128} MB")
    loaded = Rubric.load(rubric)
    memory = min(int(loaded.setting("memory_mb", 2048)), container_mb - GRADER_RESERVE_MB)
    return {"workers": 1, "memory_mb": memory}


def with_settings(rubric_text: str, settings: dict[str, int]) -> str:
    """`rubric_text` with these `[settings]` values set (an existing line
    replaced, else added), and any task's own `memory_mb` lowered to the
    setting's."""
    import tomllib

    from .rubric import with_values
    text = with_values(rubric_text, "settings", {key: str(value) for key, value in settings.items()})
    if "memory_mb" in settings:  # a task's own limit may not exceed the container's share
        text = re.sub(r"(?m)^(\s*memory_mb\s*=\s*)(\d+)",
                      lambda m: m.group(1) + str(min(int(m.group(2)), settings["memory_mb"])), text)
    parsed = tomllib.loads(text).get("settings", {})
    if any(parsed.get(key) != value for key, value in settings.items()):
        raise ValueError("could not set the container's limits in the rubric")
    return text


def baked_rubric(rubric: Path, container_mb: int = CONTAINER_MB) -> str:
    """The rubric's text with the course secret set in it (the grader's
    resolution order: CNN_GRADER_SECRET, the rubric's own, the instructor's
    secret file, created when missing): the autograder then draws the same
    hidden cases as the instructor's own `grader grade`; and with limits
    that fit Gradescope's container of `container_mb` (container_limits).
    The zip is as secret as the reference solutions it also holds."""
    from .course_secret import resolve, with_secret
    from .rubric import Rubric
    secret = resolve(Rubric.load(rubric).secret)  # refuses a broken rubric now, not on Gradescope
    if secret is None:
        raise ValueError("no course secret: set CNN_GRADER_SECRET or [course] secret in the rubric")
    text = with_settings(rubric.read_text(), container_limits(rubric, container_mb))
    return with_secret(text, secret.value)


def build_zip(out: Path, project: Path | None = None, rubric: Path | None = None,
              grader_args: list[str] | None = None, timeout: int = 540,
              allow_fallback: bool = False, container_mb: int = CONTAINER_MB) -> Path:
    """Write the autograder zip. `rubric` replaces grader/rubric.toml inside
    it; `grader_args` (e.g. ["--examples", "50"]) are passed to every
    `grader grade`; `timeout` stops the grader before Gradescope's limit;
    `container_mb`: the memory of the assignment's Gradescope container,
    which the zip's limits fit (container_limits)."""
    project = Path(project or PROJECT).resolve()
    for needed in ("grader", "solutions", "cnn_checks", "pyproject.toml", "requirements.lock"):
        if not (project / needed).exists():
            raise FileNotFoundError(f"{project} is not the exercise project: no {needed}")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    rubric_text = baked_rubric(Path(rubric or project / "grader" / "rubric.toml"), container_mb)
    with zipfile.ZipFile(out, "w") as zf:
        for name in ("setup.sh", "run_autograder"):
            _add(zf, name, (TEMPLATES / "gradescope" / name).read_bytes(), executable=True)
        _add(zf, "pyproject.toml", zip_pyproject((project / "pyproject.toml").read_text(), project).encode())
        for path, rel in _project_files(project):
            if rel == "grader/rubric.toml":
                continue
            _add(zf, rel, path.read_bytes())
        _add(zf, "grader/rubric.toml", rubric_text.encode())
        _add(zf, "gradescope.env", _env_file(grader_args or [], timeout, allow_fallback).encode())
    return out


def _args_from(args) -> list[str]:
    line = []
    if args.examples is not None:
        line += ["--examples", str(args.examples)]
    if args.workers is not None:
        line += ["--workers", str(args.workers)]
    if args.tasks:
        line += ["--tasks", *args.tasks]
    if args.no_bwrap:
        line += ["--no-bwrap"]
    return line


def cmd_gradescope(args) -> int:
    from .options import UsageError, select_tasks
    if not str(args.out).endswith(".zip"):
        print("grader gradescope: OUT must end with .zip", file=sys.stderr)
        return 2
    try:
        select_tasks(args.tasks)
    except UsageError as exc:
        print(f"grader gradescope: {exc}", file=sys.stderr)
        return 2
    try:
        out = build_zip(Path(args.out), args.project, args.rubric, _args_from(args), args.timeout,
                        args.allow_fallback or args.no_bwrap, args.container_mb)
    except (FileNotFoundError, ValueError) as exc:
        print(f"grader gradescope: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {out}: upload it as the assignment's autograder (Configure Autograder -> zip file)")
    from .course_secret import resolve
    from .rubric import Rubric
    rubric = Rubric.load(args.rubric)
    from cnn_checks.tasks import TASKS
    graded = select_tasks(args.tasks) or list(TASKS)
    total = sum(rubric.task_points(t) for t in graded)
    limits = container_limits(Path(args.rubric or PROJECT / "grader" / "rubric.toml"), args.container_mb)
    print(f"total: {total:g} points (the rubric's, for the {len(graded)} tasks graded): set the "
          f"assignment's total points on Gradescope to {total:g}, else a full score shows as "
          f"{total:g} out of another number")
    print(f"limits for a {args.container_mb} MB container: one task at a time, each with at most "
          f"{limits['memory_mb']} MiB (its processes together); if you give the assignment more "
          f"memory on Gradescope, rebuild with --container-mb")
    secret = resolve(rubric.secret)
    if secret is not None:
        print(f"its hidden cases come from course secret {secret.fingerprint} ({secret.origin}); "
              f"keep the zip private: it holds that secret")
    print("then run 'Test Autograder' with a correct submission; see docs/instructor-guide.md")
    return 0


def register(sub, common):
    """Add the `gradescope` subcommand to the grader's parser."""
    from .options import add_build_arguments, positive_int
    p = sub.add_parser("gradescope", help="build a Gradescope autograder zip")
    add_build_arguments(p, "the zip to write (OUT.zip)", "the exercise project")
    p.add_argument("--timeout", type=positive_int, default=540,
                   help="seconds before run_autograder stops the grader (default 540; keep it "
                        "below the assignment's Gradescope timeout)")
    p.add_argument("--container-mb", type=positive_int, default=CONTAINER_MB,
                   help=f"memory of the assignment's Gradescope container in MB (default {CONTAINER_MB}, "
                        f"Gradescope's default): the zip grades one task at a time, each task with "
                        f"what the grader leaves free")
    p.add_argument("--allow-fallback", action="store_true",
                   help="grade even where bubblewrap does not work (weaker sandbox)")
    common(p)
    p.set_defaults(func=cmd_gradescope)
