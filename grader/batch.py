"""grader batch (being written)."""


def register(sub, common):
    """Add the `batch` subcommand to the grader's parser."""
