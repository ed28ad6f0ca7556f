# Attack on the answer's count: the child's answering code is wrapped so that
# every predict answer is "returned" with an empty list of values; a check
# that reads values[0] raises in the grader itself.
import sys


def _empty_answers():
    child = sys.modules.get("grader.child")
    if child is None or getattr(child, "_empty_answers", False):
        return
    honest = child.run_one

    def run_one(*args, **kwargs):
        outcome = honest(*args, **kwargs)
        if hasattr(outcome, "values"):
            outcome.values = []
        return outcome

    child.run_one = run_one
    child._empty_answers = True


_empty_answers()
