"""Your implementations. Fill in each function of each module; run the
public tests with `pytest -m <module>` (for example `pytest -m conv`)."""
