"""The stubs fail every task, with the not-implemented message and nothing else."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_every_public_test_fails_as_not_implemented():
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/public/test_tasks.py", "--impl", "assignments", "-q",
         "-rf", "--tb=line", "--no-header", "-p", "no:randomly"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={**os.environ, "COLUMNS": "1000", "CI": "1"})
    out = proc.stdout
    summary = out.strip().splitlines()[-1]
    assert " passed" not in summary and " error" not in summary, summary
    failed = [line for line in out.splitlines() if line.startswith("FAILED ")]
    assert failed, out[-2000:]
    wrong = [line for line in failed if "not implemented" not in line]
    assert not wrong, "\n".join(wrong[:10])
    n_failed = int(re.search(r"(\d+) failed", summary).group(1))
    assert n_failed == len(failed)
