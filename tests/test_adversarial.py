"""The grader against an adversarial corpus (tests/adversarial/).

Every attack is the reference solution with one task (or one module, for
attacks at import time) replaced by hostile code. The grader runs on each,
restricted to the attacked module plus one other, and must:

  complete       exit 0 and write complete, valid results (every entry);
  no_gain        give the attacked task nothing (or, for attacks that by
                 design fail only some inputs, less than full marks), and
                 say what happened;
  others_full    keep full marks on every other task;
  no_strays      leave no process behind;
  nothing_written  write nothing outside the sandbox: no fake results, no
                 change to the submission, nothing reached on the network.

All grader runs happen once, concurrently, in a module fixture; each check
is then its own test, so that a known weakness (marked xfail, strict) hides
nothing else about the same attack.
"""
from __future__ import annotations

import json
import os
import re
import socket
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from adversarial import (
    ATTACKS,
    BY_NAME,
    CALL_SECONDS,
    ROOT,
    build_attack,
    expected_tests,
    grade,
    make_rubric,
    snapshot,
    wait_gone,
)

from grader.sandbox import bwrap_path

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(bwrap_path() is None,
                       reason="the adversarial corpus needs bubblewrap: several "
                              "attacks (kill -1, fork bombs) are only safe inside it"),
]

CHECKS = ("complete", "no_gain", "others_full", "no_strays", "nothing_written")
PARALLEL = 4


class Listener:
    """A TCP server on the host's loopback that records who connects."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.hits: list[bytes] = []
        self.stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.hits.append(conn.recv(100))
                except OSError:
                    self.hits.append(b"")

    def close(self):
        self.stop = True
        self.thread.join(2)
        self.sock.close()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    token = f"ADVSECRET{uuid.uuid4().hex[:12]}"
    base = tmp_path_factory.mktemp("adversarial")  # no secret here: the sandbox may see this path
    rubric = make_rubric(base / f"rubric-{token}.toml")
    listener = Listener()
    host_tmp_before = set(os.listdir("/tmp"))
    autograder_existed = os.path.exists("/autograder")
    jobs = {}
    for attack in ATTACKS:
        folder = base / attack.name
        sub, outdir = folder / "submission", folder / f"results-{token}"
        outdir.mkdir(parents=True)
        out = outdir / "results.json"
        values = {"ROOT": ROOT, "TOKEN": token, "OUT": out, "OUTDIR": outdir, "SUBMISSION": sub,
                  "PORT": listener.port, "RUBRIC": rubric}
        build_attack(attack.name, sub, values)
        own = make_rubric(folder / f"rubric-{token}.toml", **attack.settings) if attack.settings else rubric
        jobs[attack.name] = dict(sub=sub, out=out, outdir=outdir, before=snapshot(sub), rubric=own)

    def run(attack):
        job = jobs[attack.name]
        job["run"] = grade(job["sub"], attack.tasks_arg, attack.examples,
                           None if attack.stdout else job["out"], job["rubric"], timeout=attack.timeout,
                           env={"ADV_SECRET": token})
        # this attack's processes: its sandbox (the bwrap command line names the
        # submission folder) and the markers of what it started
        job["strays"] = wait_gone([str(job["sub"]), *attack.markers])
        job["after"] = snapshot(job["sub"])
        job["outdir_files"] = sorted(os.listdir(job["outdir"]))

    start = time.monotonic()
    # slowest first, so that the pool finishes together
    order = sorted(ATTACKS, key=lambda a: -a.cost)
    with ThreadPoolExecutor(PARALLEL) as pool:
        list(pool.map(run, order))
    elapsed = time.monotonic() - start
    if os.environ.get("ADV_TIMINGS"):
        for name, job in sorted(jobs.items(), key=lambda kv: -kv[1]["run"].seconds):
            print(f"{name:28s} {job['run'].seconds:6.1f} s  rc={job['run'].rc}", file=sys.stderr)
        print(f"corpus: {elapsed:.1f} s", file=sys.stderr)
    listener.close()
    leaked_tmp = sorted(n for n in set(os.listdir("/tmp")) - host_tmp_before if token in n)
    yield dict(jobs=jobs, token=token, listener_hits=listener.hits, leaked_tmp=leaked_tmp,
               autograder_created=os.path.exists("/autograder") and not autograder_existed,
               elapsed=elapsed)


def _params():
    for attack in ATTACKS:
        for check in CHECKS:
            marks = []
            if check in attack.weak:
                marks.append(pytest.mark.xfail(strict=True, reason=attack.weak[check]))
            yield pytest.param(attack.name, check, id=f"{attack.name}-{check}", marks=marks)


@pytest.mark.parametrize("name, check", list(_params()))
def test_attack(corpus, name, check):
    attack = BY_NAME[name]
    job = corpus["jobs"][name]
    run = job["run"]
    expected = expected_tests(attack.tasks_arg)
    context = f"attack {name} ({attack.why})\n{run.describe()}"
    if check == "complete":
        assert not run.timed_out, f"the grader did not finish within {attack.timeout} s\n{context}"
        assert run.rc == 0, context
        assert run.results is not None, f"no valid results JSON\n{context}"
        got = run.tests()
        assert set(got) == set(expected), f"missing {set(expected) - set(got)}, extra " \
                                          f"{set(got) - set(expected)}\n{context}"
        for entry in run.results["tests"]:
            assert entry["max_score"] == pytest.approx(expected[entry["name"]]), entry
            assert entry["status"] in ("passed", "failed") and isinstance(entry["output"], str)
        assert run.results["score"] == pytest.approx(sum(t["score"] for t in run.results["tests"]))
        assert run.results["max_score"] == pytest.approx(sum(expected.values()))
        return
    if check in ("no_gain", "others_full"):
        assert run.results is not None, f"no results to judge\n{context}"
        got = run.tests()
        attacked = {n: t for n, t in got.items() if attack.attacked(n)}
        others = {n: t for n, t in got.items() if not attack.attacked(n)}
        assert attacked and others, \
            f"expected entries for both the attacked and the other tasks: {sorted(got)}"
        if check == "no_gain":
            score = sum(t["score"] for t in attacked.values())
            full = sum(t["max_score"] for t in attacked.values())
            report = "\n".join(f"{n}: {t['score']}/{t['max_score']} {t['output'][:200]!r}"
                               for n, t in attacked.items())
            if attack.partial:
                assert score < full, f"the attacked task kept full marks\n{report}"
                failing = [t for t in attacked.values() if t["status"] == "failed"]
                assert all("smallest failing input" in t["output"] for t in failing), report
            else:
                assert score == 0, f"the attacked task gained {score}/{full}\n{report}"
                assert all(t["status"] == "failed" for t in attacked.values()), report
            outputs = "\n".join(t["output"] for t in attacked.values())
            for fragment in attack.kinds:
                assert fragment in outputs, f"{fragment!r} not in the feedback\n{report}"
            if attack.leak:
                every = json.dumps(run.results)
                assert attack.leak not in every, f"{attack.leak!r} reached the results\n{report}"
                assert len(every) < 1_000_000, f"results of {len(every)} bytes\n{report}"
        else:
            lost = {n: (t["score"], t["max_score"], t["output"][:300]) for n, t in others.items()
                    if t["score"] != t["max_score"]}
            assert not lost, f"tasks the attack is not in lost points: {lost}\n{context}"
        return
    if check == "no_strays":
        assert not job["strays"], f"processes left behind: {job['strays']}"
        return
    if check == "nothing_written":
        assert job["after"] == job["before"], "the submission folder changed: " + str(
            {k: (job["before"].get(k), job["after"].get(k)) for k in set(job["before"]) | set(job["after"])
             if job["before"].get(k) != job["after"].get(k)})
        # the grader's own results.json at most (none if it did not finish)
        assert set(job["outdir_files"]) <= {"results.json"}, f"the results folder holds {job['outdir_files']}"
        assert not corpus["leaked_tmp"], f"files in the host's /tmp: {corpus['leaked_tmp']}"
        assert not corpus["autograder_created"], "/autograder was created on the host"
        hits = corpus["listener_hits"]
        assert not hits, f"the host's loopback listener was reached: {hits}"
        if run.results is not None:
            assert run.results["max_score"] < 1000
            assert all(t["max_score"] < 1000 for t in run.results["tests"])
        return
    raise AssertionError(check)


def test_corpus_is_broad():
    """At least 16 attacks, each with its fragment files present."""
    assert len(ATTACKS) >= 16
    for attack in ATTACKS:
        folder = Path(__file__).parent / "adversarial" / attack.name
        assert any(folder.glob("*.py")), attack.name
        assert attack.module in ("padding", "conv", "pooling", "losses", "backprop", "optim", "network")
        assert attack.other != attack.module


def test_no_sandbox_process_survives(corpus):
    """After the whole corpus: nothing started by any attack is running."""
    base = str(Path(corpus["jobs"][ATTACKS[0].name]["sub"]).parent.parent)
    markers = [m for a in ATTACKS for m in a.markers]
    assert not wait_gone([base, *markers], 5.0)


def test_hang_costs_about_one_call_limit_per_part(corpus):
    attack = BY_NAME["infinite_loop"]
    run = corpus["jobs"]["infinite_loop"]["run"]
    parts = sum(1 for n in expected_tests([attack.target]))
    budget = parts * CALL_SECONDS * 2 + 10  # a limit per call, generous overhead
    assert run.seconds < budget, f"{run.seconds:.0f} s for {parts} parts of a hanging task " \
                                 f"(call limit {CALL_SECONDS} s, {attack.examples} examples)"


def test_fork_bomb_meets_the_process_limit(corpus):
    from grader.isolation import Limits, TaskCgroup
    probe = TaskCgroup(10, 256)
    writable = "pids" in probe.paths
    probe.remove()
    if not writable and os.getuid() == 0:
        pytest.xfail("no writable pids cgroup here: as root, RLIMIT_NPROC does not bind the "
                     "sandbox (bwrap maps its uid to 0), so only the call limit stops a fork bomb")
    run = corpus["jobs"]["fork_bomb"]["run"]
    outputs = " ".join(t["output"] for t in run.tests().values())
    extra = [int(n) for n in re.findall(r"\((\d+) extra\)", outputs)]
    assert extra, outputs[:500]
    assert max(extra) <= Limits().processes, f"{max(extra)} processes started (limit {Limits().processes})"

