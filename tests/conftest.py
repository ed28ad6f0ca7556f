"""Options shared by every test: which implementation, how many examples.

    pytest                         the reference when it is present, else your assignments/
    pytest --impl assignments      your assignments/ package
    pytest --impl path/to/folder   a folder with assignments/ or the module files at its top
    pytest --examples 100          more Hypothesis examples per property
    pytest -m conv                 one module's tasks
"""
import importlib.util
import os

import pytest


def default_impl() -> str:
    if os.environ.get("CNN_IMPL"):
        return os.environ["CNN_IMPL"]
    return "solutions" if importlib.util.find_spec("solutions") else "assignments"


def pytest_addoption(parser):
    group = parser.getgroup("cnn exercises")
    group.addoption("--impl", default=None,
                    help="implementation to test: solutions, assignments, or a folder")
    group.addoption("--examples", type=int, default=None,
                    help="Hypothesis examples per property (public tests: 10)")


@pytest.fixture(scope="session")
def impl_package(pytestconfig):
    from cnn_checks.implementations import resolve
    return resolve(pytestconfig.getoption("--impl") or default_impl())


@pytest.fixture(scope="session")
def examples(pytestconfig):
    return pytestconfig.getoption("--examples")
