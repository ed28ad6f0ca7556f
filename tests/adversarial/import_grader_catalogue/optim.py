# Attack: Adam taken from the grader's own half of the catalogue of mistakes
# (grader/misconceptions.py, never released): its NumPy Adam with no mistake
# flag, imported by its fixed name from inside the sandboxed child. Each
# step() recomputes every step so far and writes the answer in place.
import numpy as np


class _Case:
    def __init__(self, arrays, params):
        self.arrays, self.params = arrays, params


class Adam:
    def __init__(self, params, **hyper):
        self.params, self.hyper, self.grads = params, hyper, []
        self.first = [np.array(p, dtype=np.float64) for p in params]

    def step(self, grads):
        from grader.misconceptions import _optimizer
        self.grads.append([np.array(g, dtype=np.float64) for g in grads])
        arrays = {f"p{i}": p for i, p in enumerate(self.first)}
        for s, step_grads in enumerate(self.grads):
            arrays.update({f"g{s}_{i}": g for i, g in enumerate(step_grads)})
        answer = _optimizer("Adam")(None, _Case(arrays, {**self.hyper, "steps": len(self.grads)}))
        for p, new in zip(self.params, answer):
            p[...] = new
