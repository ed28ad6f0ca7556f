"""What graded: the grader's version and the versions of everything a
score can depend on (NumPy's rounding, Hypothesis' draws, PyTorch's
answers). Every report states them, so that two scores can be compared
and a changed score traced to a changed environment; requirements.lock
pins them all."""
from __future__ import annotations

import platform
import tomllib
from importlib import metadata
from pathlib import Path

from .render import md_inline

#: The distributions whose versions a report states, by display name.
PACKAGES = {"numpy": "numpy", "hypothesis": "hypothesis", "torch": "torch"}
DISTRIBUTION = "cnn-exercises"


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution).split("+")[0]
    except metadata.PackageNotFoundError:
        return "not installed"


def grader_version() -> str:
    """The project's version: from pyproject.toml in a checkout (an editable
    install's metadata keeps the version it was installed with), else from
    the installed distribution's metadata."""
    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    try:
        project = tomllib.loads(pyproject.read_text()).get("project", {})
    except (OSError, tomllib.TOMLDecodeError):
        project = {}
    if project.get("name") == DISTRIBUTION and "version" in project:
        return str(project["version"])
    return _version(DISTRIBUTION)


def environment() -> dict[str, str]:
    """{"grader": ..., "python": ..., "numpy": ..., "hypothesis": ..., "torch": ...,
    "checks": a hash of the checks' source and Hypothesis' version}."""
    from .case_cache import source_hash
    found = {"grader": grader_version(), "python": platform.python_version()}
    found.update({name: _version(dist) for name, dist in PACKAGES.items()})
    found["checks"] = source_hash()
    return found


def environment_line(cases: str = "") -> str:
    """One Markdown line: the versions, and how the cases were drawn (as
    inline code: it may name the student, whose id is a folder's name)."""
    env = environment()
    text = (f"grader {env['grader']} (checks {env['checks']}), Python {env['python']}, "
            f"NumPy {env['numpy']}, Hypothesis {env['hypothesis']}, PyTorch {env['torch']}")
    if cases:
        text += f"; cases: {md_inline(cases)}"
    return f"_Graded with {text}._"
