"""The tests' options (--impl, --examples) and fixtures (impl_package,
examples) come from the pytest plugin cnn_checks.pytest_plugin, which the
pyproject's addopts loads, so that `pytest --impl assignments` works from
the repository's folder without naming this one. Which implementation runs
by default is the `cnn_impl` setting of pyproject.toml."""
