"""grader release (being written)."""


def register(sub, common):
    """Add the `release` subcommand to the grader's parser."""
