"""One locked environment: requirements.lock pins every package, agrees with
pyproject's dependencies and with what is installed here, and every way of
installing uses it (install.sh, the student release, the Gradescope image,
the Classroom workflow)."""
from __future__ import annotations

import tomllib
import zipfile
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock"


def locked() -> dict[str, str]:
    pins = {}
    for line in LOCK.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        assert sep and version and " " not in version, f"not an exact pin: {line!r}"
        pins[canonicalize_name(name)] = version
    return pins


def test_lock_satisfies_every_dependency_of_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        requirements += extra
    pins = locked()
    for text in requirements:
        req = Requirement(text)
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is a dependency but not in requirements.lock"
        assert req.specifier.contains(pins[name], prereleases=True), \
            f"requirements.lock pins {req.name}=={pins[name]}, pyproject asks {req.specifier}"
        for extra in req.extras:  # e.g. dask[distributed]
            assert canonicalize_name(extra) in pins, f"{req.name}[{extra}] is not in the lock"


def test_what_grades_here_is_what_the_lock_says():
    pins = locked()
    for name in ("numpy", "hypothesis", "torch", "array-api-compat", "pytest", "scikit-learn"):
        assert metadata.version(name).split("+")[0] == pins[name], name


def test_install_script_uses_the_lock():
    text = (ROOT / "install.sh").read_text()
    assert "LOCK=requirements.lock" in text
    installs = [line for line in text.splitlines() if "pip install" in line and "-q" in line]
    assert installs and all('-c "$LOCK"' in line for line in installs), installs


def test_student_release_ships_the_lock_and_installs_with_it(tmp_path):
    from grader.release import build_release
    out = build_release(tmp_path / "release")
    assert (out / "requirements.lock").read_bytes() == LOCK.read_bytes()
    readme = (out / "README.md").read_text()
    assert "pip install --no-deps -c requirements.lock torch==2.13.0" in readme
    assert "pip install -c requirements.lock -e ." in readme
    assert "-c requirements.lock" in (out / "pyproject.toml").read_text()
    workflow = (out / ".github" / "workflows" / "classroom.yml").read_text()
    installs = [line for line in workflow.splitlines() if "pip install" in line]
    assert len(installs) == 2 and all("-c requirements.lock" in line for line in installs), installs


def test_gradescope_image_installs_with_the_lock(tmp_path, monkeypatch):
    from grader.gradescope import build_zip
    monkeypatch.setenv("CNN_GRADER_SECRET", "lock test")
    with zipfile.ZipFile(build_zip(tmp_path / "autograder.zip")) as zf:
        assert zf.read("requirements.lock") == LOCK.read_bytes()
        setup = zf.read("setup.sh").decode()
        names = set(zf.namelist())
        pyproject = tomllib.loads(zf.read("pyproject.toml").decode())
    # setup.sh pip-installs the zip's source: every package its pyproject names must be in it
    packages = pyproject["tool"]["setuptools"]["packages"]
    missing = [p for p in packages if f"{p.replace('.', '/')}/__init__.py" not in names]
    assert not missing, f"the zip lacks packages its pyproject installs: {missing}"
    installs = [line for line in setup.splitlines() if "pip install" in line and "--upgrade pip" not in line]
    assert installs and all('-c "$SOURCE/requirements.lock"' in line for line in installs), installs
