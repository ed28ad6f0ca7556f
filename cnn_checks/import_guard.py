"""The runtime half of the forbidden-library rule, for the grader's sandboxed
child: `install(forbidden, task_name)` runs before the student's code is
imported.

Importing a forbidden module (or a submodule of one) then succeeds but
yields a stand-in, so that an unused module-level `import torch` does not
break the file's other tasks; any *use* of the stand-in (an attribute, a
call) raises ForbiddenImportError, which fails only the task that uses it.
A forbidden attribute of an allowed module ("scipy.special.softmax") is
replaced by a function that raises the same error, when that module is
imported or at once if it already is.

`import x`, `importlib.import_module("x")` and `__import__("x")` all go
through sys.meta_path once `x` is out of sys.modules, so the finder put
first on sys.meta_path sees them all. This stops honest shortcuts; the
sandbox also hides the packages' files, and the static check
(cnn_checks.forbidden) names the offending line.
"""
from __future__ import annotations

import dis
import importlib
import importlib.abc
import importlib.util
import sys
import types
from collections.abc import Sequence

from .policy import advice_for

_IMPORT_MACHINERY = ("importlib._bootstrap", "_frozen_importlib")
_IMPORT_FROM = dis.opmap["IMPORT_FROM"]


class ForbiddenImportError(ImportError):
    """A task used a library that its exercise asks the student to replace."""


def forbidden_message(name: str, task_name: str) -> str:
    """Why `name` fails in `task_name`, and what to use instead."""
    return (f"{name} is not allowed in {task_name}: the exercise is to write it "
            f"yourself. Instead, {advice_for(task_name)}.")


def _blocked_name(fullname: str, forbidden: Sequence[str]) -> bool:
    return any(fullname == f or fullname.startswith(f + ".") for f in forbidden)


class _StandIn(types.ModuleType):
    """What a forbidden module imports as: any use raises ForbiddenImportError.

    Dunder look-ups raise AttributeError as for any module. So does a
    look-up by the import machinery itself (`from torch import nn` asks
    `hasattr(torch, "nn")`), which then imports `torch.nn` as another
    stand-in instead of failing the whole file at import time.
    """

    __task__ = "this task"

    def __getattr__(self, attr: str):
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)
        name = f"{self.__name__}.{attr}"
        caller = sys._getframe(1)
        if caller.f_globals.get("__name__") in _IMPORT_MACHINERY:
            raise AttributeError(attr)
        if _importing_from(caller):  # the IMPORT_FROM of `from torch import nn`
            return importlib.import_module(name)
        raise ForbiddenImportError(forbidden_message(name, self.__task__))

    def __setattr__(self, attr: str, value) -> None:
        """Submodule stand-ins are not kept as attributes, so that
        `torch.zeros` still raises after `from torch import zeros`."""
        if isinstance(value, _StandIn) and not attr.startswith("__"):
            return
        super().__setattr__(attr, value)

    def __call__(self, *args, **kwargs):
        raise ForbiddenImportError(forbidden_message(self.__name__, self.__task__))


def _importing_from(frame) -> bool:
    """True when `frame` is executing the IMPORT_FROM of a `from ... import`
    (or of `import a.b as c`)."""
    try:
        return frame.f_code.co_code[frame.f_lasti] == _IMPORT_FROM
    except (AttributeError, IndexError):
        return False


class _StandInLoader(importlib.abc.Loader):
    def __init__(self, task_name: str):
        self.task_name = task_name

    def create_module(self, spec):
        module = _StandIn(spec.name)
        module.__task__ = self.task_name
        return module

    def exec_module(self, module):
        pass


class _PatchingLoader(importlib.abc.Loader):
    """Runs the real loader, then replaces forbidden attributes."""

    def __init__(self, loader, attrs: Sequence[str], task_name: str):
        self.loader, self.attrs, self.task_name = loader, list(attrs), task_name

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        self.loader.exec_module(module)
        _replace_attributes(module, self.attrs, self.task_name)

    def __getattr__(self, attr):  # get_resource_reader, is_package, ...
        return getattr(self.loader, attr)


def _raiser(name: str, task_name: str):
    def forbidden(*args, **kwargs):
        raise ForbiddenImportError(forbidden_message(name, task_name))
    forbidden.__name__ = name.rsplit(".", 1)[-1]
    forbidden.__qualname__ = forbidden.__name__
    forbidden.__doc__ = f"{name} is forbidden in {task_name}."
    return forbidden


def _replace_attributes(module, attrs: Sequence[str], task_name: str) -> None:
    """Replace the forbidden attributes a module defines (not its submodules:
    "scipy.signal" is a module, which the finder itself turns away)."""
    defined = vars(module)
    for attr in attrs:
        if attr in defined and not isinstance(defined[attr], types.ModuleType):
            setattr(module, attr, _raiser(f"{module.__name__}.{attr}", task_name))


class ForbiddenFinder(importlib.abc.MetaPathFinder):
    """First on sys.meta_path: stand-ins for forbidden modules, and a
    patching loader for the allowed modules that hold forbidden attributes
    (the parent "scipy.special" of "scipy.special.softmax")."""

    def __init__(self, forbidden: Sequence[str], task_name: str):
        self.forbidden = list(forbidden)
        self.task_name = task_name
        self.attributes: dict[str, list[str]] = {}
        for name in self.forbidden:
            parent, _, attr = name.rpartition(".")
            if parent and not _blocked_name(parent, self.forbidden):
                self.attributes.setdefault(parent, []).append(attr)

    def find_spec(self, fullname, path=None, target=None):
        if _blocked_name(fullname, self.forbidden):
            return importlib.util.spec_from_loader(
                fullname, _StandInLoader(self.task_name), is_package=True)
        if fullname in self.attributes:
            spec = self._real_spec(fullname, path, target)
            if spec is not None and spec.loader is not None:
                spec.loader = _PatchingLoader(spec.loader, self.attributes[fullname], self.task_name)
            return spec
        return None

    def _real_spec(self, fullname, path, target):
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                return spec
        return None


def install(forbidden: Sequence[str], task_name: str) -> ForbiddenFinder:
    """Make the names of `forbidden` unusable in this process for `task_name`.

    Forbidden modules already imported leave sys.modules (their parents'
    attributes become stand-ins too), so the next import of them goes
    through the finder; forbidden attributes of imported modules are
    replaced now. Installing again replaces the previous guard.
    """
    uninstall()
    finder = ForbiddenFinder(forbidden, task_name)
    sys.meta_path.insert(0, finder)
    _evict_imported(finder)
    for parent, attrs in finder.attributes.items():
        module = sys.modules.get(parent)
        if module is not None and not isinstance(module, _StandIn):
            _replace_attributes(module, attrs, task_name)
    importlib.invalidate_caches()
    return finder


def uninstall() -> None:
    """Remove any installed guard's finder (stand-ins already imported stay)."""
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, ForbiddenFinder)]


def _evict_imported(finder: ForbiddenFinder) -> None:
    """Drop imported forbidden modules; a parent that is still allowed gets
    a stand-in in place of its attribute (scipy.signal on scipy)."""
    gone = sorted((name for name in list(sys.modules)
                   if _blocked_name(name, finder.forbidden)), key=len)
    for name in gone:
        sys.modules.pop(name, None)
    for name in gone:
        parent, _, child = name.rpartition(".")
        if parent and parent in sys.modules and not _blocked_name(parent, finder.forbidden):
            try:
                setattr(sys.modules[parent], child, importlib.import_module(name))
            except Exception:  # a read-only module object: the finder still guards imports
                pass
