"""`grader batch --scheduler ADDRESS` on a real Dask distributed cluster: a
LocalCluster with several worker processes, started here. The cluster's
gradebook is byte for byte the local batch's, a worker killed in the
middle of the batch loses no submission (its task runs again elsewhere),
and the hostile folders of test_batch_hostile.py are their own error rows
there too."""
from __future__ import annotations

import json
import logging
import os
import re
import signal
import subprocess
import sys
import time

import pytest
from hostile_submissions import remove_tree
from test_batch import FAST, ROOT, SOLUTIONS, STUDENTS, batch, make_submissions
from test_batch_hostile import ONE_MODULE, check_hostile_gradebook, hostile_class

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (SOLUTIONS / "conv.py").is_file(), reason="needs the reference solutions"),
]
@pytest.fixture(scope="module")
def cluster():
    import distributed  # imported here: collecting the fast tier never pays for it
    with distributed.LocalCluster(n_workers=3, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=logging.ERROR) as c:
        yield c


def _busy_workers(client) -> dict[str, list[str]]:
    """worker address -> the grading tasks it is running or holds."""
    return {w: [str(k) for k in keys if str(k).startswith("grade-")]
            for w, keys in client.processing().items() if any(str(k).startswith("grade-") for k in keys)}


def _student_of(key: str) -> str:
    return key[len("grade-"):].rsplit("-", 1)[0]


def _without_time(path) -> dict:
    data = json.loads(path.read_text())
    data.pop("execution_time")
    return data


def test_cluster_batch_same_scores_and_a_killed_worker_loses_nothing(tmp_path, cluster):
    subs = make_submissions(tmp_path / "subs")
    local = tmp_path / "local"
    run = batch(subs, local, "--jobs", "2")
    assert run.returncode == 0, run.stderr

    out = tmp_path / "cluster"
    cmd = [sys.executable, "-m", "grader.cli", "batch", str(subs), "--out", str(out), *FAST,
           "--scheduler", cluster.scheduler_address]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    import distributed
    try:
        with distributed.Client(cluster.scheduler_address, set_as_default=False) as client:
            deadline = time.monotonic() + 120
            while not (busy := _busy_workers(client)):
                assert proc.poll() is None, proc.communicate()[1]
                assert time.monotonic() < deadline, "no grading task reached a worker"
                time.sleep(0.05)
            time.sleep(0.5)  # inside the grading of its submission
            busy = _busy_workers(client) or busy
            victim, keys = next(iter(busy.items()))
            assert proc.poll() is None, "the batch finished before a worker could be killed"
            pid = client.run(os.getpid, workers=[victim])[victim]
            os.kill(pid, signal.SIGKILL)
            lost = {_student_of(k) for k in keys}
        _, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    # Every submission graded, each killed task by another worker.
    for student in STUDENTS:
        m = re.search(rf"^graded {student}: .* on (\S+) pid (\d+)\)$", err, re.MULTILINE)
        assert m, f"{student} was not graded:\n{err}"
        if student in lost:
            assert (m.group(1), int(m.group(2))) != (victim, pid), f"{student} came from the killed worker"
    # Same scores as the local batch, byte for byte; same feedback.
    assert (out / "gradebook.csv").read_bytes() == (local / "gradebook.csv").read_bytes()
    for student in STUDENTS:
        assert _without_time(out / "results" / f"{student}.json") == \
            _without_time(local / "results" / f"{student}.json")
        assert (out / "feedback" / f"{student}.md").read_bytes() == \
            (local / "feedback" / f"{student}.md").read_bytes()
    # Resumable: a rerun on the cluster reuses every result.
    rerun = batch(subs, out, "--scheduler", cluster.scheduler_address)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{len(STUDENTS)} reused (unchanged since graded), 0 to grade" in rerun.stderr


def test_cluster_batch_of_hostile_folders(tmp_path, cluster):
    """The deep tree, the sparse file and the names that are not UTF-8 are
    examined and packed on this machine within the walk's bounds: the same
    rows as the local batch, the others graded on the workers."""
    subs = hostile_class(tmp_path / "subs")
    out = tmp_path / "out"
    try:
        start = time.monotonic()
        run = subprocess.run([sys.executable, "-m", "grader.cli", "batch", str(subs), "--out", str(out),
                              *ONE_MODULE, "--scheduler", cluster.scheduler_address], cwd=ROOT,
                             capture_output=True, text=True, errors="replace", timeout=300)
        seconds = time.monotonic() - start
    finally:
        remove_tree(subs / "deep")
    assert run.returncode == 0, run.stderr
    check_hostile_gradebook(out, run.stderr)
    for student in ("alice", "badname", "stud\ufffdnt"):
        assert re.search(rf"^graded {student}: .* on \S+ pid \d+\)$", run.stderr, re.MULTILINE), run.stderr
    print(f"hostile batch on the cluster: {seconds:.1f} s")
