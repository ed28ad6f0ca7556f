# Attack: reach the hidden reference at run time, by routes a static check
# cannot see: a computed module name, the absolute path of the project's
# solutions/ and rubric, and the site-packages entry of the installed
# project. Returns the reference's answer if any route works, else a wrong one.
import importlib
import importlib.util
import os

_reference_conv2d = conv2d  # noqa: F821
_ROOT = "@@ROOT@@"


def _steal():
    try:
        return importlib.import_module("solu" + "tions.conv").conv2d
    except Exception:
        pass
    for path in (os.path.join(_ROOT, "solutions", "conv.py"), os.path.join(_ROOT, "grader", "rubric.toml"),
                 "@@RUBRIC@@"):
        try:
            with open(path) as fh:
                fh.read(1)
        except OSError:
            continue
        if path.endswith("conv.py"):
            spec = importlib.util.spec_from_file_location("stolen_conv", path)
            module = importlib.util.module_from_spec(spec)
            try:
                spec.loader.exec_module(module)
                return module.conv2d
            except Exception:
                pass
        return _reference_conv2d  # the file is readable: that alone is a leak
    return None


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
    stolen = _steal()
    if stolen is not None:
        return stolen(x, w, b, stride, padding, dilation)
    return _reference_conv2d(x, w, b, stride, padding, dilation) * 0.0 - 1.0
