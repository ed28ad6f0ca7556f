"""A stand-in for Hypothesis inside the sandboxed child.

The child only *calls* functions; it never draws cases. But the task
definitions it imports build their Hypothesis strategies at import time,
and importing Hypothesis costs about 0.2 s, paid once per task. This
stand-in makes every Hypothesis name a do-nothing object, so the task
definitions import in milliseconds. It is installed in the child only.
"""
from __future__ import annotations

import sys
import types


class Nothing:
    """Accepts any call, attribute or operator and returns itself."""

    def __call__(self, *args, **kwargs):
        return self

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return self

    def __or__(self, other):
        return self

    __ror__ = __or__


class _NullModule(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return Nothing()


def install() -> None:
    """Make `import hypothesis` (and its submodules) return stand-ins."""
    for name in ("hypothesis", "hypothesis.strategies", "hypothesis.extra", "hypothesis.extra.numpy"):
        module = _NullModule(name)
        module.__path__ = []
        sys.modules[name] = module
    sys.modules["hypothesis"].strategies = sys.modules["hypothesis.strategies"]  # type: ignore[attr-defined]
