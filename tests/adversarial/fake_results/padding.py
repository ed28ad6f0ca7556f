# Attack: write a perfect Gradescope results.json wherever the grader might
# read one (the real --out path, Gradescope's path, /tmp), leave files in the
# submission folder, and print one on standard output; at import and in the
# function. Returns wrong values.
import json
import os
import sys

_reference_pad2d = pad2d  # noqa: F821
_FAKE = json.dumps({"score": 1000.0, "max_score": 1000.0, "tests": [
    {"name": "padding.pad2d: basic", "score": 1000.0, "max_score": 1000.0, "status": "passed"}]})
_TARGETS = ("@@OUT@@", "@@OUTDIR@@/pwned.json", "/autograder/results/results.json",
            "/tmp/@@TOKEN@@-pwned.json", "@@SUBMISSION@@/pwned.json", "/submission/pwned.json",
            os.path.join(os.path.dirname(os.path.abspath(__file__)), "pwned.json"))


def _fake_everything():
    for path in _TARGETS:
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as fh:
                fh.write(_FAKE)
        except OSError:
            pass
    print(_FAKE)
    sys.stdout.flush()


_fake_everything()


def pad2d(x, padding, mode="constant", value=0.0):
    _fake_everything()
    return _reference_pad2d(x, padding, mode, value) + 1.0
