"""What a task leaves behind outside its processes, and how the zygote
removes it before the next task starts.

A task's processes are all killed when it ends, but files outlive them.
In bubblewrap only the sandbox's /tmp and /dev/shm are writable; the
zygote empties both after every task (`empty`), so a later task of the
same submission cannot read an earlier task's inputs, and the memory those
tmpfs hold is freed. Whatever `empty` cannot remove in time ends the
zygote: a fresh sandbox, with fresh folders, replaces it.

The other state that could outlive a task is refused rather than removed:
POSIX message queues (RLIMIT_MSGQUEUE is 0, grader.isolation.limit_process),
keyrings and System V IPC (grader.syscall_filter).
"""
from __future__ import annotations

import os
import time


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
