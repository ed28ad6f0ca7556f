"""Find an implementation's modules: the `solutions` or `assignments`
package, or a student's folder that holds either an `assignments/` package
or the module files (conv.py, pooling.py, ...) at its top."""
from __future__ import annotations

import importlib
import importlib.util
import sys
import zlib
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .walk import Bounds

PACKAGES = ("solutions", "assignments")


#: Where a search for misplaced files stops (folders below the submission).
_SEARCH_DEPTH = 4
#: How many misplaced files a layout message names.
_SHOWN = 6


class LayoutError(ValueError):
    """A submission folder holds none of the module files (conv.py, ...)."""


def module_names() -> tuple[str, ...]:
    """The exercise's module files, without .py: padding, conv, pooling, ..."""
    from .tasks import MODULES
    return MODULES


def _has_modules(folder: Path) -> bool:
    return any((folder / f"{m}.py").is_file() for m in module_names())


def module_dir(folder: Path) -> Path:
    """The folder that holds the module files of a submission: its
    `assignments/` package when there is one with module files (or when the
    top holds none), else the folder itself."""
    folder = Path(folder)
    inner = folder / "assignments"
    if inner.is_dir() and (_has_modules(inner) or not _has_modules(folder)):
        return inner
    return folder


def _files_below(folder: Path) -> list[str]:
    """Every file under `folder` (hidden and cache folders and links
    skipped, at most _SEARCH_DEPTH levels; the walk's bounds on the count),
    as paths relative to it that UTF-8 can hold, Python files first."""
    from .walk import Bounds, SubmissionTooLarge, readable, walk
    found: list[str] = []
    try:
        for e in walk(folder, Bounds(depth=_SEARCH_DEPTH - 1), deeper="skip",
                      skip=frozenset({"__pycache__"}), skip_hidden=True):
            if e.is_file:
                found.append(readable(e.rel, 120))
    except SubmissionTooLarge:
        pass  # the files found so far are enough for a message
    modules = {f"{m}.py" for m in module_names()}
    return sorted(found, key=lambda rel: (rel.rsplit("/", 1)[-1] not in modules,
                                          not rel.endswith(".py"), rel.count("/"), rel))


def holds_modules(folder: Path) -> bool:
    """Whether `folder` is laid out as one submission: module files at its
    top or in its `assignments/` folder."""
    return Path(folder).is_dir() and _has_modules(module_dir(folder))


def bounds_problem(folder: Path, bounds: Bounds | None = None) -> str | None:
    """None when the submission `folder` stays within the bounds of
    cnn_checks.walk (folder depth, number of files and folders, bytes, a
    deadline; `bounds`: its defaults unless given); otherwise a message for
    the student, e.g. "the submission has a folder tree deeper than 32
    levels". Everything counts, hidden files included: what the grader
    fingerprints and sends to a cluster."""
    from .walk import SubmissionTooLarge, measure
    try:
        measure(folder, bounds)
    except SubmissionTooLarge as exc:
        return str(exc)
    return None


def layout_problem(folder: Path) -> str | None:
    """None when `folder` holds module files (at its top or in
    `assignments/`); otherwise a message for the student that says what was
    found instead, e.g. "no module files found; found hw/conv.py, ...".
    `grader grade`, `grader batch`, Gradescope and `pytest --impl FOLDER`
    all report this message rather than a score of 0 without a reason."""
    folder = Path(folder)
    if not folder.is_dir():
        return f"no module files found: {folder.name or folder} is not a folder"
    if _has_modules(module_dir(folder)):
        return None
    expected = ", ".join(f"{m}.py" for m in module_names())
    files = _files_below(folder)
    if not files:
        return (f"no module files found: the submission is empty (expected {expected}, "
                "at its top or in an assignments/ folder)")
    shown = ", ".join(files[:_SHOWN]) + (f" and {len(files) - _SHOWN} more" if len(files) > _SHOWN else "")
    deeper = sorted({rel.rsplit("/", 1)[0] for rel in files
                     if "/" in rel and rel.rsplit("/", 1)[1] in {f"{m}.py" for m in module_names()}})
    advice = (f"the module files sit one folder too deep (in {', '.join(d + '/' for d in deeper)}): "
              "submit the files themselves, or a folder named assignments/"
              if deeper else f"expected {expected}, at the top of the submission or in assignments/")
    return f"no module files found; found {shown}. {advice[0].upper()}{advice[1:]}."


def check_layout(folder: Path) -> None:
    """Raise LayoutError with the message of layout_problem, or of
    bounds_problem (the grader's check of an untrusted folder), when there
    is one."""
    problem = layout_problem(folder) or bounds_problem(folder)
    if problem is not None:
        raise LayoutError(problem)


def load_package(folder: Path, name: str | None = None) -> str:
    """Import a submission's folder as a package (relative imports such as
    `from .padding import pad2d` work) and return the package's name. Plain
    `import padding` works too: the folder also goes on sys.path."""
    where = module_dir(folder).resolve()
    name = name or f"submission_{zlib.crc32(str(where).encode()):08x}"
    if name in sys.modules:
        return name
    init = where / "__init__.py"
    if init.is_file():
        spec = importlib.util.spec_from_file_location(name, init, submodule_search_locations=[str(where)])
    else:
        spec = importlib.util.spec_from_loader(name, loader=None, is_package=True)
    if spec is None:
        raise ImportError(f"cannot make a package of {where}")
    package = importlib.util.module_from_spec(spec)
    package.__path__ = [str(where)]
    sys.modules[name] = package
    if spec.loader is not None:
        spec.loader.exec_module(package)
    if str(where) not in sys.path:
        sys.path.insert(0, str(where))
    return name


def resolve(impl: str) -> str:
    """The importable package name for "solutions", "assignments" or a folder."""
    if impl in PACKAGES:
        return impl
    folder = Path(impl)
    if not folder.is_dir():
        raise SystemExit(f"--impl {impl!r}: not 'solutions', 'assignments' or a folder")
    problem = layout_problem(folder)
    if problem is not None:
        raise SystemExit(f"--impl {impl}: {problem}")
    return load_package(folder)


def load_module(package: str, module: str) -> ModuleType:
    """Import `package.module`; raises whatever the module raises on import."""
    return importlib.import_module(f"{package}.{module}")


def in_process(package: str, task):
    """A `run(case)` for check_part that calls the implementation in this
    process (the project's tests and the students' public tests)."""
    from .execute import Failed, describe_import_error, execute, find_callable
    from .kinds import Kind

    try:
        found = find_callable(load_module(package, task.module), task)
    except Exception as exc:  # the module itself is broken: every case fails the same way
        folder = (getattr(sys.modules.get(package), "__path__", None) or [None])[0]
        found = Failed(Kind.IMPORT, describe_import_error(task.module, exc, folder), fatal=True)

    def run(case):
        return found if isinstance(found, Failed) else execute(task, found, case)

    return run
