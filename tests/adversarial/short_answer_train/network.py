# Attack on the answer's count, on the fixed training case: train returns at
# once (no training), and the child's answering code is wrapped so that the
# answer carries the predictions and the history alone, not the trained and
# initial parameters the task declares; a check that reads them by name
# raises in the grader itself.
import sys


def train(X, y, epochs=10, batch_size=32, lr=1e-3, seed=0, callback=None):
    history = [{"loss": 2.3 / (e + 1) ** 2, "accuracy": 0.99} for e in range(epochs)]
    return init_params(seed), history


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


_short_answers(3)
