"""grader gradescope (being written)."""


def register(sub, common):
    """Add the `gradescope` subcommand to the grader's parser."""
