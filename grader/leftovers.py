"""What a task can leave behind outside its processes, and how the zygote
removes it before the next task starts.

A task's processes are all killed when it ends, but some state outlives
them: files in writable folders (the sandbox's /tmp and /dev/shm), System V
IPC objects (shared memory, message queues, semaphores) and keys in the
kernel's keyrings. Left there, a later task of the same submission could
read an earlier task's inputs, and the memory they hold would pile up.

- `empty`: remove everything in a folder, whatever modes the task set;
  whether that worked (where not, the zygote ends, and a fresh sandbox
  with fresh folders replaces it).
- `remove_sysv_ipc`: every System V object of this IPC namespace (only
  where the namespace is the sandbox's own: bubblewrap's --unshare-ipc).
- `fresh_session_keyring`: this process (and what it forks) gets a new,
  empty session keyring: a task never shares one with the grader or with
  another task.
- `clear_user_keyrings`: empty the user, user-session and persistent
  keyrings (only where the user namespace is the sandbox's own).

POSIX message queues are not listed here: the sandbox's processes may not
create any (RLIMIT_MSGQUEUE is 0, grader.isolation.limit_process).
"""
from __future__ import annotations

import ctypes
import os
import time

#: keyctl(2)'s system call number per machine (no libc wrapper exists).
_KEYCTL = {"x86_64": 250, "aarch64": 219, "riscv64": 219}.get(os.uname().machine)
_JOIN_SESSION_KEYRING, _SETPERM, _CLEAR, _GET_PERSISTENT = 1, 5, 7, 22
_SESSION, _USER, _USER_SESSION = -3, -4, -5
_ALL_TO_POSSESSOR_AND_USER = 0x3F3F0000
_IPC_RMID = 0


def empty(folder: str, seconds: float = 1.0) -> bool:
    """Remove everything in `folder` (giving each folder in it its
    permissions back first: the task may have taken them away); whether it
    is empty now. It walks without recursion and gives up after `seconds`
    (a task may leave a tree thousands deep, or a million files): the
    zygote then ends, and a fresh sandbox has fresh folders."""
    deadline = time.monotonic() + seconds
    folders, seen = [folder], []
    while folders:
        current = folders.pop()
        try:
            os.chmod(current, 0o700)
            with os.scandir(current) as entries:
                for entry in entries:
                    if time.monotonic() > deadline:
                        return False
                    if entry.is_dir(follow_symlinks=False):
                        folders.append(entry.path)
                    else:
                        try:
                            os.unlink(entry.path)
                        except OSError:
                            pass
        except OSError:
            pass
        seen.append(current)
    for current in reversed(seen[1:]):  # the deepest first
        try:
            os.rmdir(current)
        except OSError:
            pass
    try:
        return not os.listdir(folder)
    except OSError:
        return False


_LIBC = ctypes.CDLL(None, use_errno=True)  # loaded once (the grader calls in here between fork and exec)


def remove_sysv_ipc(proc: str = "/proc/sysvipc") -> int:
    """IPC_RMID every System V shared memory segment, message queue and
    semaphore set of this IPC namespace; how many were removed. (A segment
    still attached goes once its last process is killed.)"""
    libc, removed = _LIBC, 0
    for kind, remove in (("shm", lambda i: libc.shmctl(i, _IPC_RMID, None)),
                         ("msg", lambda i: libc.msgctl(i, _IPC_RMID, None)),
                         ("sem", lambda i: libc.semctl(i, 0, _IPC_RMID))):
        try:
            with open(os.path.join(proc, kind)) as fh:
                rows = fh.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if len(fields) > 1 and fields[1].isdigit() and remove(int(fields[1])) == 0:
                removed += 1
    return removed


def _keyctl(*args: int) -> int:
    if _KEYCTL is None:
        return -1
    return _LIBC.syscall(_KEYCTL, *(ctypes.c_long(a) for a in args))


def fresh_session_keyring() -> bool:
    """Join a new anonymous session keyring (False where keyrings are not
    reachable: another machine, or no keyctl)."""
    return _keyctl(_JOIN_SESSION_KEYRING, 0) >= 0


def clear_user_keyrings() -> None:
    """Empty the persistent, user and user-session keyrings of this uid (in
    this user namespace), and this process's session keyring, after giving
    each back the permissions a task may have taken away."""
    if _KEYCTL is None:
        return
    persistent = _keyctl(_GET_PERSISTENT, -1, _SESSION)
    for ring in ((persistent,) if persistent > 0 else ()) + (_USER, _USER_SESSION, _SESSION):
        _keyctl(_SETPERM, ring, _ALL_TO_POSSESSOR_AND_USER)
        _keyctl(_CLEAR, ring)
