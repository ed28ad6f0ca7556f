"""The test options every run of the property tests understands, as a
pytest plugin (loaded by `-p cnn_checks.pytest_plugin` in the pyproject's
addopts, so the options exist whichever folder pytest is pointed at):

    pytest                         the implementation named by the `cnn_impl` setting
    pytest --impl assignments      your assignments/ package
    pytest --impl path/to/folder   a folder with assignments/ or the module files at its top
    pytest --examples 100          more Hypothesis examples per property

The `cnn_impl` setting ([tool.pytest.ini_options] of pyproject.toml) is
"assignments" in a student's repository (and by default), "solutions" in
the course project; the environment variable CNN_IMPL overrides it.
"""
from __future__ import annotations

import os

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("cnn exercises")
    group.addoption("--impl", default=None,
                    help="implementation to test: solutions, assignments, or a folder "
                         "(default: the cnn_impl setting, else assignments)")
    group.addoption("--examples", type=int, default=None,
                    help="Hypothesis examples per property (public tests: 10)")
    parser.addini("cnn_impl", "the implementation tested when --impl is not given",
                  default="assignments")


def chosen_impl(config: pytest.Config) -> str:
    """--impl, else CNN_IMPL, else the cnn_impl setting."""
    return (config.getoption("--impl") or os.environ.get("CNN_IMPL")
            or str(config.getini("cnn_impl")) or "assignments")


@pytest.fixture(scope="session")
def impl_package(pytestconfig: pytest.Config):
    """The implementation under test (cnn_checks.implementations.resolve)."""
    from cnn_checks.implementations import resolve
    return resolve(chosen_impl(pytestconfig))


@pytest.fixture(scope="session")
def examples(pytestconfig: pytest.Config):
    """--examples, or None (each test's own number)."""
    return pytestconfig.getoption("--examples")
