# Attack: reach the hidden reference at run time, by routes the static check
# cannot see: the import system's finders called directly (past the runtime
# import guard), the absolute paths of the project's solutions/ and rubrics,
# and the folder the installed project points at. Returns the reference's
# answer if any route works, else a wrong one.
import importlib.util
import os
import sys

_reference_conv2d = conv2d  # noqa: F821
_ROOT = "@@ROOT@@"
_NAME = "solu" + "tions"


def _load(spec):
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.conv2d


def _steal():
    for finder in list(sys.meta_path):
        try:
            package = finder.find_spec(_NAME, None)
            if package is not None and package.submodule_search_locations:
                path = os.path.join(list(package.submodule_search_locations)[0], "conv.py")
                if os.path.exists(path):
                    return _load(importlib.util.spec_from_file_location("stolen_conv", path))
        except Exception:
            pass
    for path in (os.path.join(_ROOT, _NAME, "conv.py"), os.path.join(_ROOT, "grader", "rubric.toml"),
                 os.path.join(_ROOT, "tests", "test_adversarial.py"), "@@RUBRIC@@"):
        try:
            with open(path) as fh:
                fh.read(1)
        except OSError:
            continue
        if path.endswith("conv.py"):
            try:
                return _load(importlib.util.spec_from_file_location("stolen_conv", path))
            except Exception:
                pass
        return _reference_conv2d  # the file is readable: that alone is a leak
    return None


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
    stolen = _steal()
    if stolen is not None:
        return stolen(x, w, b, stride, padding, dilation)
    return _reference_conv2d(x, w, b, stride, padding, dilation) * 0.0 - 1.0
