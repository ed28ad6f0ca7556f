"""The project's own test runs grade with a fixed course secret, so that
the grader's hidden cases are the same on every machine (a grading run
otherwise takes the instructor's secret: grader/course_secret.py). Not part
of the student release."""
import os

os.environ.setdefault("CNN_GRADER_SECRET", "cnn-exercises project tests")

#: The test files that take longest, longest first: the minutes-long ones of
#: the full suite, then the longest of the fast tier. The test command runs
#: the files on two worker processes (pytest-xdist, --dist loadfile
#: --no-loadscope-reorder), which take the files in collection order:
#: starting these first keeps one long file from running alone at the end.
LONGEST_FIRST = (
    "test_gradescope.py", "test_bug_corpus.py", "test_install_equivalence.py", "test_adversarial.py",
    "test_loops_submission.py", "test_grader.py", "test_batch_reuse.py", "test_nbgrader_course.py",
    "test_class_report.py", "test_nbgrader_network.py", "test_batch_cluster.py", "test_batch.py",
    "test_part_features.py", "test_tasks.py", "test_quiz_bank.py", "test_network.py",
)


def pytest_collection_modifyitems(items):
    """The long files first (LONGEST_FIRST), each file's tests in their order."""
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))
