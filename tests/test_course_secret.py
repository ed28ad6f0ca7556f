"""The hidden cases: seeded by the course secret, the same wherever and
however the grader is installed, and leaving nothing next to it.

- the secret's resolution order (environment, rubric, instructor's file);
- seeds and cases differ between secrets (and students), agree for one;
- the case cache never holds the secret or a seed in clear;
- Hypothesis' harvested constants do not change the draws (an editable
  checkout, whose solutions/ and grader/ are "local" to Hypothesis, draws
  the same cases as an install that does not import them), and nothing is
  written to .hypothesis/ in the working folder.
"""
from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cnn_checks.runner import generate_cases
from cnn_checks.tasks import TASKS
from grader import case_cache
from grader.course_secret import ENV, FILE_ENV, CourseSecret, resolve

ROOT = Path(__file__).resolve().parents[1]


def fingerprint(cases) -> str:
    """A hash of everything in a list of cases (arrays' bytes included)."""
    h = hashlib.sha256()
    for c in cases:
        for name, a in sorted(c.arrays.items()):
            h.update(f"{name}{a.dtype}{a.shape}".encode() + a.tobytes())
        h.update(repr(sorted(c.params.items())).encode() + c.layout.encode())
    return h.hexdigest()


# ---------------------------------------------------------------------------
# where the secret comes from

@pytest.fixture
def no_secret(monkeypatch, tmp_path):
    monkeypatch.delenv(ENV, raising=False)
    monkeypatch.setenv(FILE_ENV, str(tmp_path / "config" / "course-secret"))
    return tmp_path / "config" / "course-secret"


def test_environment_wins_over_rubric_and_file(no_secret, monkeypatch):
    monkeypatch.setenv(ENV, "from-env")
    got = resolve("from-rubric")
    assert (got.value, got.origin) == ("from-env", "environment")
    assert not no_secret.exists()


def test_rubric_wins_over_file_and_empty_environment(no_secret, monkeypatch):
    monkeypatch.setenv(ENV, "  ")  # an unset GitHub secret arrives as ""
    got = resolve("from-rubric")
    assert (got.value, got.origin) == ("from-rubric", "rubric")


def test_missing_secret_is_created_private_and_reused(no_secret, capsys):
    first = resolve(None)
    assert first.origin == f"file {no_secret}" and len(first.value) == 64
    assert stat.S_IMODE(no_secret.stat().st_mode) == 0o600
    assert "created a course secret" in capsys.readouterr().err
    assert resolve(None) == first
    assert resolve(None, create=False) == first


def test_no_secret_without_create(no_secret):
    assert resolve(None, create=False) is None
    assert not no_secret.exists()


def test_repr_and_fingerprint_hide_the_secret():
    secret = CourseSecret("s3cr3t-value-1234", "rubric")
    assert "s3cr3t" not in repr(secret) and "s3cr3t" not in secret.fingerprint
    assert secret.fingerprint == CourseSecret("s3cr3t-value-1234", "environment").fingerprint
    assert secret.fingerprint != CourseSecret("other", "rubric").fingerprint


# ---------------------------------------------------------------------------
# seeds and cases

def test_seeds_depend_on_secret_task_part_and_student():
    a, b = CourseSecret("course A", "rubric"), CourseSecret("course B", "rubric")
    seeds = {a.part_seed("conv.conv2d", "basic"), b.part_seed("conv.conv2d", "basic"),
             a.part_seed("conv.conv2d", "stride"), a.part_seed("padding.pad2d", "basic"),
             a.part_seed("conv.conv2d", "basic", "alice"), a.part_seed("conv.conv2d", "basic", "bob")}
    assert len(seeds) == 6
    assert a.part_seed("conv.conv2d", "basic") == CourseSecret("course A", "env").part_seed(
        "conv.conv2d", "basic")
    assert all(0 <= s < 2 ** 128 for s in seeds)


def test_two_secrets_draw_different_cases_one_secret_the_same(tmp_path, monkeypatch):
    monkeypatch.setenv("CNN_GRADER_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(case_cache, "_MEMORY", {})
    task = TASKS["pooling.max_pool2d"]
    part = task.parts[0]
    a, b = (CourseSecret(v, "rubric").part_seed(task.name, part.name) for v in ("course A", "course B"))
    cases_a = case_cache.cases_for(task, part, 20, a)
    cases_b = case_cache.cases_for(task, part, 20, b)
    public = case_cache.cases_for(task, part, 20)
    assert len({fingerprint(cases_a), fingerprint(cases_b), fingerprint(public)}) == 3
    monkeypatch.setattr(case_cache, "_MEMORY", {})  # from disk this time
    assert fingerprint(case_cache.cases_for(task, part, 20, a)) == fingerprint(cases_a)
    assert fingerprint(generate_cases(task, part, 20, a)) == fingerprint(cases_a)


def test_cache_holds_neither_secret_nor_seed(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("CNN_GRADER_CACHE", str(cache))
    monkeypatch.setattr(case_cache, "_MEMORY", {})
    secret = CourseSecret("very-secret-course-key-42", "rubric")
    task = TASKS["padding.pad2d"]
    seed = secret.part_seed(task.name, task.parts[0].name)
    case_cache.cases_for(task, task.parts[0], 5, seed)
    files = list(cache.iterdir())
    assert files and stat.S_IMODE(cache.stat().st_mode) == 0o700
    for path in files:
        blob = path.name.encode() + path.read_bytes()
        for needle in (secret.value, str(seed), f"{seed:x}"):
            assert needle.encode() not in blob, (path.name, needle)


# ---------------------------------------------------------------------------
# independent of the installation: Hypothesis' harvested constants

DRAW = textwrap.dedent("""
    import hashlib, sys
    import cnn_checks.runner as runner
    if sys.argv[1] == "harvest":  # what the grader did before: keep Hypothesis' default
        runner.without_local_constants = lambda: None
    if sys.argv[2] == "checkout":  # what an editable checkout loads besides the checks
        import grader.grade, solutions.conv, solutions.backprop  # noqa: F401
    from cnn_checks.tasks import TASKS
    task = TASKS["conv.conv2d"]
    h = hashlib.sha256()
    for part in task.parts[:3]:
        for c in runner.generate_cases(task, part, 100, seed_value=1):
            for name, a in sorted(c.arrays.items()):
                h.update(name.encode() + a.tobytes())
            h.update(repr(sorted(c.params.items())).encode() + c.layout.encode())
    print(h.hexdigest())
""")


def _draw(tmp_path: Path, mode: str, loaded: str) -> tuple[str, bool]:
    """Hash of the drawn cases, and whether .hypothesis/ appeared in the cwd."""
    cwd = tmp_path / f"{mode}-{loaded}"
    cwd.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HYPOTHESIS")}
    env["PYTHONPATH"] = str(ROOT)
    out = subprocess.run([sys.executable, "-c", DRAW, mode, loaded], cwd=cwd, env=env,
                         capture_output=True, text=True, timeout=300, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.strip(), (cwd / ".hypothesis").exists()


@pytest.mark.slow
def test_draws_do_not_depend_on_what_is_installed_or_loaded(tmp_path):
    bare, bare_wrote = _draw(tmp_path, "isolated", "bare")
    checkout, checkout_wrote = _draw(tmp_path, "isolated", "checkout")
    assert bare == checkout
    assert not bare_wrote and not checkout_wrote, "Hypothesis wrote .hypothesis/ in the working folder"
    # The test can fail: with Hypothesis' default, the constants of whatever
    # local modules are loaded change the draws and land in .hypothesis/.
    # (An install under site-packages has no local modules: it draws as the
    # isolated runs do.)
    harvested_bare, harvest_wrote = _draw(tmp_path, "harvest", "bare")
    harvested_checkout, _ = _draw(tmp_path, "harvest", "checkout")
    assert len({harvested_bare, harvested_checkout, checkout}) == 3
    assert harvest_wrote


# ---------------------------------------------------------------------------
# the secret reaches every channel

def test_with_secret_sets_replaces_or_adds_the_course_table():
    import tomllib

    from grader.course_secret import with_secret
    plain = '[points]\n"conv.conv2d" = 14\n'
    commented = '[course]\n# secret = "..."\nper_student = true\n\n[forbidden]\n'
    existing = '[course]\nsecret = "old"\n[forbidden]\nconv = ["x"]\n'
    for text in (plain, commented, existing):
        data = tomllib.loads(with_secret(text, 'new "one"'))
        assert data["course"]["secret"] == 'new "one"'
    assert tomllib.loads(with_secret(commented, "s"))["course"]["per_student"] is True
    assert tomllib.loads(with_secret(existing, "s"))["forbidden"] == {"conv": ["x"]}


def test_gradescope_zip_carries_the_secret(tmp_path, monkeypatch):
    import tomllib
    import zipfile

    from grader.gradescope import build_zip
    monkeypatch.setenv(ENV, "the gradescope course")
    with zipfile.ZipFile(build_zip(tmp_path / "autograder.zip")) as zf:
        rubric = tomllib.loads(zf.read("grader/rubric.toml").decode())
    assert rubric["course"]["secret"] == "the gradescope course"
    assert rubric["points"] == tomllib.loads((ROOT / "grader" / "rubric.toml").read_text())["points"]


def test_settings_seed_per_course_and_per_student(tmp_path, monkeypatch):
    from grader.records import Settings
    from grader.rubric import Rubric
    monkeypatch.setenv(ENV, "settings course secret")
    rubric_file = tmp_path / "rubric.toml"
    rubric_file.write_text((ROOT / "grader" / "rubric.toml").read_text().replace(
        "# per_student = true", "per_student = true"))
    course = Settings.from_rubric(Rubric.load())
    per_student = Settings.from_rubric(Rubric.load(rubric_file))
    task = TASKS["conv.conv2d"]
    part = task.parts[0]
    assert course.for_student("alice") is course  # course-wide cases unless per_student
    alice, bob = per_student.for_student("alice"), per_student.for_student("bob")
    seeds = {s.part_seed(task, part) for s in (course, per_student, alice, bob)}
    assert len(seeds) == 3  # the course's (twice), alice's, bob's
    assert course.cases_label == f"course secret {course.secret.fingerprint}"
    assert alice.cases_label.endswith(", student alice")
    assert "settings course secret" not in alice.cases_label + repr(alice)
    course.secret = None
    assert course.part_seed(task, part) is None and "public seeds" in course.cases_label
