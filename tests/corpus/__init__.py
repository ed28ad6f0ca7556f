"""A corpus of realistic one-bug submissions (see build.py and bugs/)."""
