"""The project's own test runs grade with a fixed course secret, so that
the grader's hidden cases are the same on every machine (a grading run
otherwise takes the instructor's secret: grader/course_secret.py). Not part
of the student release."""
import os

os.environ.setdefault("CNN_GRADER_SECRET", "cnn-exercises project tests")
