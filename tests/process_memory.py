"""The peak memory of a process tree, as a container's memory limit counts
it: the proportional set size (PSS, shared pages split among the processes
that share them) of every living descendant, summed, sampled every 20 ms."""
from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path


def tree(pid: int) -> set[int]:
    """pid and every living descendant of it (all threads' children)."""
    found, frontier = {pid}, [pid]
    while frontier:
        p = frontier.pop()
        try:
            threads = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for t in threads:
            try:
                kids = Path(f"/proc/{p}/task/{t}/children").read_text().split()
            except OSError:
                continue
            for k in map(int, kids):
                if k not in found:
                    found.add(k)
                    frontier.append(k)
    return found


def pss_bytes(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def run_measured(argv: list[str], interval: float = 0.02, **popen) -> tuple[subprocess.CompletedProcess, int]:
    """Run argv to its end (subprocess.run's keywords: env, cwd, timeout,
    ...); (its CompletedProcess, the peak summed PSS of its tree in bytes)."""
    timeout = popen.pop("timeout", None)
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, sum(pss_bytes(p) for p in tree(proc.pid)))
            time.sleep(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    finally:
        done.set()
        sampler.join()
    return subprocess.CompletedProcess(argv, proc.returncode, stdout, stderr), peak
