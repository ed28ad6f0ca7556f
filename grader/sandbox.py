"""Run student code in processes the grader can always stop.

One sandbox per submission (and grading worker): a zygote (grader.zygote)
starts inside it once, imports NumPy and the child's code, and forks a
fresh child for every task; it never runs student code itself. What the
sandbox isolates and how (grader.isolation):

With bubblewrap (`bwrap`, Debian package bubblewrap):
  - a read-only view of only what the child needs: /usr and the base
    interpreter's standard library with every site-packages emptied, NumPy
    alone, the child's runtime code and the submission; not the virtual
    environment, not the project (solutions/, tests, rubric), not the
    results, not other submissions;
  - nothing writable but a private /tmp and /dev/shm (64 MiB each,
    emptied between tasks), no keyrings, System V IPC or POSIX message
    queues (a seccomp filter, an rlimit), so no task finds state of the
    one before; no network, its own pid namespace (it cannot see or
    signal the grader), a new session, no capabilities, an unprivileged
    uid (65534) when the grader runs as root;
  - limits on CPU time and address space per process, on the memory,
    processes and CPU share (one CPU) of a task as a whole (a cgroup, where
    one is writable; else RLIMIT_NPROC), on file size, open files and
    output; the task's CPU time, exited processes included, is counted in
    that cgroup (grader.measured);
  - a minimal environment.
Without bwrap (the documented fallback) the children are plain processes
with the same limits, the same seccomp filter, a minimal environment, an
emptied working folder (HOME and TMPDIR too) and their own session; the
grader becomes a child subreaper, so whatever a task started is found and
killed. It can read what the grader's user can read, write where that
user can write (/dev/shm, /var/tmp: never emptied) and reach the network,
so use the fallback only for trusted runs.

Whatever happens, every process of a task is killed after the task; a call
that does not answer in time, or a task past its time budget, is killed too.
"""
from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from cnn_checks.execute import Failed
from cnn_checks.kinds import Kind
from cnn_checks.tasks import TASKS

from . import syscall_filter
from .answers import failed_from
from .channel import Child, Request
from .isolation import (
    BWRAP_SCRATCH,
    CHILD_ENV,
    HIDDEN_PACKAGES,
    Limits,
    TaskCgroup,
    become_subreaper,
    bwrap_command,
    bwrap_path,
    children,
    descendants,
    interpreter,
    kill_foreign_children,
    kill_tree,
    limit_process,
    outer_pid,
    student_site,
    uid_processes,
)
from .wire import recv_frame, send_frame

__all__ = ["HIDDEN_PACKAGES", "Limits", "Sandbox", "bwrap_path", "Child"]

BOOT = ("import sys; sys.path[:0] = sys.argv[3:5]; del sys.argv[3:5]; "
        "from grader.zygote import main; main()")

_ZYGOTES: set[int] = set()  # every zygote this process started (for the subreaper)
_PIDS_WRITABLE: list[bool] = []


def _pids_cgroups_writable() -> bool:
    if not _PIDS_WRITABLE:
        probe = TaskCgroup(8, 64)
        _PIDS_WRITABLE.append("pids" in probe.paths)
        probe.remove()
    return _PIDS_WRITABLE[0]


class Sandbox:
    """A zygote for one submission, started on first use, and the children
    it forks, one per task."""

    def __init__(self, submission: Path, limits: Limits | None = None, use_bwrap: bool | None = None,
                 runtime: Path | None = None):
        self.submission = Path(submission).resolve()
        self.limits = limits or Limits()
        self.bwrap = bwrap_path() if use_bwrap in (None, True) else None
        if use_bwrap and not self.bwrap:
            raise RuntimeError("bubblewrap (bwrap) is not available")
        self._tmp = tempfile.TemporaryDirectory(prefix="grader-")
        if runtime is None:
            from .runtime import build_runtime
            runtime = build_runtime(Path(self._tmp.name) / "runtime")
        self.runtime = Path(runtime)
        self.zygote: subprocess.Popen | None = None
        self.ctl: socket.socket | None = None
        if not self.bwrap:
            become_subreaper()

    # -- the zygote ----------------------------------------------------------
    def _start_zygote(self) -> Failed | None:
        self._stop_zygote()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        # Where task cgroups cap processes, RLIMIT_NPROC (which counts every
        # process of the grader's uid, also those started later by others)
        # only keeps a margin; elsewhere it is the cap.
        margin = 4096 if _pids_cgroups_writable() else self.limits.processes + 4
        nproc = uid_processes() + margin
        code = syscall_filter.program()
        passed = [theirs.fileno()]
        if self.bwrap:
            if code:
                passed.append(syscall_filter.program_fd(code))
            cmd = bwrap_command(self.bwrap, self.runtime, self.submission, passed[1] if code else None) + [
                interpreter(), "-I", "-S", "-c", BOOT, str(theirs.fileno()), "/submission", "/runtime",
                "/pyenv", *BWRAP_SCRATCH]
            env, cwd = {}, None
        else:
            cwd = tempfile.mkdtemp(dir=self._tmp.name)
            site = student_site(Path(self._tmp.name) / "site")
            cmd = [interpreter(), "-I", "-S", "-c", BOOT, str(theirs.fileno()), str(self.submission),
                   str(self.runtime), str(site)]
            env = dict(CHILD_ENV, HOME=cwd, TMPDIR=cwd)
        self._log = tempfile.TemporaryFile(dir=self._tmp.name)  # noqa: SIM115 (closed with the zygote)
        try:
            self.zygote = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log,
                                           env=env, cwd=cwd, pass_fds=tuple(passed), start_new_session=True,
                                           preexec_fn=limit_process(self.limits, nproc, not self.bwrap,
                                                                    None if self.bwrap else code))
        except OSError as exc:
            ours.close()
            return Failed(Kind.CRASH, f"the sandbox could not start ({exc})", fatal=True)
        finally:
            theirs.close()
            for fd in passed[1:]:
                os.close(fd)
        _ZYGOTES.add(self.zygote.pid)
        self.ctl = ours
        return None

    def _stop_zygote(self) -> None:
        if self.ctl is not None:
            self.ctl.close()
            self.ctl = None
        if self.zygote is not None:
            self.kill_tasks()
            try:
                self.zygote.kill()
                self.zygote.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                pass
            _ZYGOTES.discard(self.zygote.pid)
            self.zygote = None
            self._log.close()
        kill_foreign_children(_ZYGOTES)

    def _zygote_pid(self) -> int | None:
        """The zygote as this process sees it (inside bwrap, below bwrap's
        own processes): the shallowest process running grader.zygote."""
        if self.zygote is None or self.zygote.poll() is not None:
            return None
        level = [self.zygote.pid]
        for _ in range(4):
            for pid in level:
                try:
                    with open(f"/proc/{pid}/cmdline", "rb") as fh:
                        argv = fh.read().split(b"\0")
                    if b"bwrap" not in Path(argv[0].decode(errors="replace")).name.encode() and \
                            any(b"grader.zygote" in a for a in argv):
                        return pid
                except OSError:
                    continue
            level = [k for pid in level for k in sorted(children(pid))]
        return None

    def _ask(self, header: dict, fds: tuple[int, ...] = (), seconds: float = 10.0) -> dict | None:
        """One request to the zygote; None if it is gone or does not answer."""
        if self.ctl is None:
            return None
        try:
            send_frame(self.ctl, header, None, list(fds))
            answer, _, got = recv_frame(self.ctl, time.monotonic() + seconds)
        except (OSError, EOFError, TimeoutError, ValueError):
            self._stop_zygote()
            return None
        for fd in got:
            os.close(fd)
        return answer

    # -- what the children do ------------------------------------------------
    def task_processes(self) -> set[int]:
        """Every living process below the zygote (the current task's)."""
        pid = self._zygote_cache()
        return descendants(pid) if pid else set()

    def zygote_process(self) -> int | None:
        """The zygote's pid as this process sees it (None when it is not
        running): every process of a task, orphans included, is below it."""
        return self._zygote_cache()

    def _zygote_cache(self) -> int | None:
        if self.zygote is None:
            return None
        cached = getattr(self, "_zpid", None)
        if cached and cached[0] == self.zygote.pid:
            return cached[1]
        pid = self._zygote_pid()
        if pid:
            self._zpid = (self.zygote.pid, pid)
        return pid

    def kill_tasks(self) -> None:
        """SIGKILL every process below the zygote (not the zygote)."""
        pid = self._zygote_cache()
        if pid:
            kill_tree(pid)
        if not self.bwrap:
            kill_foreign_children(_ZYGOTES)

    def exit_status(self, inner: int, seconds: float) -> int | None:
        answer = self._ask({"op": "wait", "pid": inner, "seconds": seconds}, seconds=seconds + 5)
        status = answer.get("status") if answer else None
        return status if isinstance(status, int) else None

    def clean(self) -> None:
        """Remove what the last task left (grader.zygote's "clean"); where
        that fails, the sandbox is stopped, and the next task starts a fresh
        one."""
        answer = self._ask({"op": "clean"})
        if not answer or answer.get("ok") is not True:
            self._stop_zygote()

    # -- a task --------------------------------------------------------------
    def start(self, task_name: str, forbidden: list[str], deadline: float | None = None,
              limits: Limits | None = None) -> Child | Failed:
        """A child serving `task_name`, its module imported; or why not.
        `deadline` (time.monotonic()) ends the task's time budget; `limits`
        are the task's (the sandbox's by default; those the zygote's
        resource limits carry, Limits.inherited, must be the sandbox's)."""
        limits = limits or self.limits
        if limits.inherited() != self.limits.inherited():
            raise ValueError(f"{task_name} needs a sandbox of its own: its limits differ in "
                             f"{limits.inherited()} from the sandbox's {self.limits.inherited()}")
        for _attempt in range(2):
            if self.zygote is None or self.zygote.poll() is not None:
                failed = self._start_zygote()
                if failed:
                    return failed
            child = self._spawn(task_name, deadline, limits)
            if child is not None:
                break
        else:
            return Failed(Kind.CRASH, "the sandbox did not start: " + self._log_tail(), fatal=True)
        loaded = child.request(Request.of({"op": "load", "task": task_name, "forbidden": forbidden}),
                               limits.load_seconds)
        if isinstance(loaded, Failed):
            child.close()
            return loaded
        header, _ = loaded
        if header.get("status") != "ready":
            child.close()
            return failed_from(header, fatal=True)
        child.baseline = child.processes() - {child.outer}
        return child

    def _spawn(self, task_name: str, deadline: float | None, limits: Limits) -> Child | None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        out = tempfile.TemporaryFile(dir=self._tmp.name)  # noqa: SIM115 (the Child closes it)
        try:
            answer = self._ask({"op": "spawn", "task": task_name}, (theirs.fileno(), out.fileno()),
                               seconds=limits.load_seconds)
        finally:
            theirs.close()
        inner = answer.get("pid") if answer else None
        zygote = self._zygote_cache()
        outer = outer_pid(zygote, inner) if isinstance(inner, int) and zygote else None
        if outer is None or not isinstance(inner, int):
            ours.close()
            out.close()
            self._stop_zygote()
            return None
        # the task's cgroup holds the child before it runs any student code
        # (it imports the submission only on "load")
        cgroup = TaskCgroup(limits.processes + 1, limits.memory_mb)
        if cgroup.available:
            cgroup.add(outer)
        return Child(self, ours, inner, outer, out, limits, cgroup, TASKS[task_name], deadline)

    def _log_tail(self) -> str:
        try:
            self._log.seek(0)
            return self._log.read()[-500:].decode(errors="replace")
        except (OSError, ValueError, AttributeError):
            return "(no output)"

    def close(self) -> None:
        self._stop_zygote()
        self._tmp.cleanup()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

