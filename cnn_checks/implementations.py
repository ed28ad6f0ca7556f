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

PACKAGES = ("solutions", "assignments")


def module_dir(folder: Path) -> Path:
    """The folder that holds the module files of a submission."""
    folder = Path(folder)
    inner = folder / "assignments"
    return inner if inner.is_dir() else folder


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
    return load_package(folder)


def load_module(package: str, module: str) -> ModuleType:
    """Import `package.module`; raises whatever the module raises on import."""
    return importlib.import_module(f"{package}.{module}")


def in_process(package: str, task):
    """A `run(case)` for check_part that calls the implementation in this
    process (the project's tests and the students' public tests)."""
    from .execute import Failed, describe_import_error, execute, find_callable

    try:
        found = find_callable(load_module(package, task.module), task)
    except Exception as exc:  # the module itself is broken: every case fails the same way
        found = Failed("import", describe_import_error(task.module, exc), fatal=True)

    def run(case):
        return found if isinstance(found, Failed) else execute(task, found, case)

    return run
