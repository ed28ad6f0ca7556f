# Attack on the wire protocol: the child process is the student's, so the
# student can replace the code that answers the grader. Here every later
# call answers "returned, with no values at all".
import sys


def pad2d(x, padding, mode="constant", value=0.0):
    child = sys.modules.get("grader.child")
    if child is not None:
        returned = sys.modules["cnn_checks.execute"].Returned
        child.run_one = lambda *args, **kwargs: returned([], [], 0.0)
    return x
