"""The zygote: one per sandbox, it imports NumPy (and array-api-compat, when
the submission's files mention it) and the child's code once, then forks a
fresh child for every task. It never imports or runs student
code itself, so every task starts from the same clean state.

    python -I -S -c "..." CONTROL_FD SUBMISSION_DIR [SCRATCH_DIR...]

The scratch folders (the working folder, and e.g. /dev/shm) are emptied
between tasks.

Requests on the control socket (wire frames, from the grader):
  {"op": "spawn"} + descriptors [task socket, output file]: fork a child
      (own session, stdout/stderr to the file) that serves the task on the
      socket (grader.child.serve); answer {"pid": its pid here}.
  {"op": "wait", "pid", "seconds"}: that child's exit status (waitpid), or
      None if it has not ended within `seconds`.
  {"op": "clean"}: reap every ended process and empty the scratch folders
      (grader.leftovers: the private /tmp and /dev/shm), so no task sees
      files of the one before. If a folder cannot be emptied the zygote
      answers {"ok": False} and ends: the grader then starts a fresh
      sandbox, with fresh folders.
The zygote is a child subreaper (an orphan of a task stays below it, where
the grader finds and kills it) and not dumpable (a task cannot ptrace it).
"""
from __future__ import annotations

import ctypes
import gc
import os
import signal
import socket
import sys
import time

from grader import leftovers

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36


def _prctl(option: int, value: int) -> None:
    ctypes.CDLL(None).prctl(option, value, 0, 0, 0)


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _wait(pid: int, seconds: float):
    deadline = time.monotonic() + max(0.0, min(seconds, 30.0))
    while True:
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return None
        if done:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.005)


def _mentions(folder: str, word: str, most_bytes: int = 4 << 20, most_files: int = 256,
              most_entries: int = 4096) -> bool:
    """Whether any regular .py file below `folder` holds `word` (read as
    bytes, never run): what the zygote imports ahead for every child. The
    folder is walked with cnn_checks.walk (no link followed, no named pipe
    or device opened, bounded depth); the look stops after `most_files`
    .py files, `most_bytes` read or `most_entries` names seen (a folder of
    thousands gets no look-ahead)."""
    from cnn_checks.walk import Bounds, SubmissionTooLarge, read_regular, walk
    left, files = most_bytes, 0
    try:
        for entry in walk(folder, Bounds(entries=most_entries), deeper="skip"):
            if entry.is_dir or not entry.name.endswith(".py"):
                continue
            if left <= 0 or files >= most_files:
                return False
            files += 1
            text = read_regular(entry.path, left)
            if text is None:
                continue
            left -= len(text)
            if word.encode() in text:
                return True
    except SubmissionTooLarge:
        return False
    return False


def _task(ctl: socket.socket, task_fd: int, out_fd: int, submission: str, scratch: str) -> None:
    """In the forked child: detach, redirect output, serve the task."""
    code = 0
    try:
        ctl.close()
        os.setsid()
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        _prctl(PR_SET_DUMPABLE, 1)
        os.dup2(out_fd, 1)
        os.dup2(out_fd, 2)
        os.close(out_fd)
        os.chdir(scratch)
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        from grader import child
        child.serve(socket.socket(fileno=task_fd), submission)
    except BaseException:
        code = 1
    finally:
        try:
            sys.stdout.flush()
        except BaseException:
            pass
        os._exit(code)


def main(argv=None) -> None:
    ctl_fd, submission, *more = argv or sys.argv[1:]
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    _prctl(PR_SET_DUMPABLE, 0)
    import numpy  # noqa: F401  (imported once here, shared by every fork)

    if _mentions(submission, "array_api_compat"):
        try:  # the allowed array-API layer (a quarter of a second), imported by array_namespace()
            import array_api_compat.numpy  # noqa: F401
        except ImportError:
            pass

    import cnn_checks.import_guard  # noqa: F401  (and the forbidden-library policy)
    from grader import child  # noqa: F401  (cnn_checks and the task definitions)
    from grader.wire import recv_frame, send_frame

    gc.freeze()  # the imported modules stay out of every child's garbage collections (no copy-on-write)

    ctl = socket.socket(fileno=int(ctl_fd))
    scratch = [os.getcwd(), *more]
    while True:
        try:
            header, _, fds = recv_frame(ctl)
        except (EOFError, OSError):
            break
        op = header.get("op")
        if op == "spawn" and len(fds) == 2:
            _reap()
            pid = os.fork()
            if pid == 0:
                _task(ctl, fds[0], fds[1], submission, scratch[0])
            for fd in fds:
                os.close(fd)
            send_frame(ctl, {"pid": pid})
            continue
        for fd in fds:
            os.close(fd)
        if op == "wait":
            send_frame(ctl, {"status": _wait(int(header.get("pid", 0)), float(header.get("seconds", 0)))})
        elif op == "clean":
            _reap()
            emptied = all([leftovers.empty(folder) for folder in scratch])
            send_frame(ctl, {"ok": emptied})
            if not emptied:
                break
        else:
            break
    os._exit(0)


if __name__ == "__main__":
    main()
