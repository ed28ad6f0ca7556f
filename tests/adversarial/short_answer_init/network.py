# Attack on the answer's count: init_params returns all-zero parameters, and
# the child's answering code is wrapped so that every answer carries fewer
# values than the task declares (none at all). A check that pairs outputs
# with zip() and never counts them finds nothing wrong.
import sys

import numpy as _np


def init_params(seed=0):
    return {name: _np.zeros(shape) for name, shape in SHAPES.items()}


def _short_answers(keep):
    child = sys.modules.get("grader.child")
    if child is None or getattr(child, "_short_answers", False):
        return
    honest = child.run_one

    def run_one(*args, **kwargs):
        outcome = honest(*args, **kwargs)
        if hasattr(outcome, "values"):
            outcome.values = outcome.values[:keep]
        return outcome

    child.run_one = run_one
    child._short_answers = True


_short_answers(0)
