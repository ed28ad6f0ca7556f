"""The example submissions through the grader's command line.

examples/loops_submission (every task in plain loops) must get full marks
but for the capstone's training run, which plain loops cannot finish within
the CPU-time budget; examples/sample_submission must lose points on exactly
its three documented mistakes and that same training run (examples/README.md).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cnn_checks.tasks import TASKS

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

#: the tasks in which examples/sample_submission has its three mistakes, and
#: its network's training run (on its loops convolution: over the budget)
SAMPLE_MISTAKES = {"conv.conv2d", "pooling.max_pool2d", "optim.Adam", "network.train"}

#: what plain loops lose: training the network takes far more than the budget
LOOPS_LOSE = {"network.train: digits"}


def grade(submission: Path, out: Path) -> dict:
    proc = subprocess.run([sys.executable, "-m", "grader.cli", "grade", str(submission),
                           "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"grader exited {proc.returncode}:\n{proc.stderr[-3000:]}"
    return json.loads(out.read_text())


def failed(results: dict) -> dict[str, str]:
    return {t["name"]: t["output"] for t in results["tests"] if t["score"] < t["max_score"]}


@pytest.mark.slow
def test_loops_submission_keeps_every_point_but_training(tmp_path):
    results = grade(EXAMPLES / "loops_submission", tmp_path / "loops.json")
    lost = failed(results)
    assert set(lost) == LOOPS_LOSE, "the loops submission lost points:\n" + "\n\n".join(
        f"{name}\n{out}" for name, out in lost.items() if name not in LOOPS_LOSE)
    training = lost["network.train: digits"]
    assert "budget" in training and "the reference trains in" in training, training
    assert {t["name"].split(": ", 1)[0] for t in results["tests"]} == set(TASKS)


@pytest.mark.slow
def test_sample_submission_loses_points_on_its_three_mistakes(tmp_path):
    results = grade(EXAMPLES / "sample_submission", tmp_path / "sample.json")
    lost = failed(results)
    assert {name.split(": ", 1)[0] for name in lost} == SAMPLE_MISTAKES
    for name, output in lost.items():
        assert output.strip(), f"{name} lost points without feedback"
    assert results["score"] < results["max_score"]
