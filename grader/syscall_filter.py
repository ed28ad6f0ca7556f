"""A seccomp filter for the sandbox: the system calls through which a task
could leave state that outlives its processes, and that no emptied folder
holds, fail with EPERM.

- the kernel's keyrings (add_key, request_key, keyctl): a key outlives the
  process that added it, and a task can take away the permissions anyone
  without CAP_SYS_ADMIN would need to remove it;
- System V IPC (shared memory, message queues, semaphores): objects
  outlive their processes too, and without bubblewrap they are the host's.

Neither NumPy nor the standard library needs them (multiprocessing's
locks and shared memory are POSIX, files in /dev/shm). System calls of
another ABI than the machine's own (i386 through int 0x80, x32) fail
too, so no other numbering reaches the same calls. The filter exists for
x86-64 and AArch64; elsewhere `program()` is None and nothing is filtered.

bubblewrap loads it (`--seccomp FD`, grader.isolation.bwrap_command); the
fallback sandbox installs it itself before it starts the zygote
(`install`). Every process of the sandbox inherits it.
"""
from __future__ import annotations

import ctypes
import errno
import os
import struct

_DENIED = {
    # AUDIT_ARCH, then the numbers of add_key, request_key, keyctl and
    # shmget, shmat, shmctl, shmdt, semget, semop, semctl, semtimedop,
    # msgget, msgsnd, msgrcv, msgctl
    "x86_64": (0xC000003E, (248, 249, 250, 29, 30, 31, 67, 64, 65, 66, 220, 68, 69, 70, 71)),
    "aarch64": (0xC00000B7, (217, 218, 219, 194, 196, 195, 197, 190, 193, 191, 192, 186, 189, 188, 187)),
}
_X32_SYSCALL_BIT = 0x40000000

_LD_W_ABS, _JEQ_K, _JGE_K, _RET_K = 0x20, 0x15, 0x35, 0x06
_NR, _ARCH = 0, 4  # offsets in struct seccomp_data
_ALLOW, _ERRNO = 0x7FFF0000, 0x00050000
_PR_SET_NO_NEW_PRIVS, _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 38, 22, 2


def _op(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def program(machine: str | None = None) -> bytes | None:
    """The filter as classic BPF (an array of struct sock_filter), for this
    machine; None where it has none."""
    machine = machine or os.uname().machine
    arch, numbers = _DENIED.get(machine, (None, ()))
    if arch is None:
        return None
    checks = [(_JGE_K, _X32_SYSCALL_BIT)] if machine == "x86_64" else []
    checks += [(_JEQ_K, nr) for nr in numbers]
    # a check that matches jumps over the checks after it and ALLOW, to DENY
    body = [_op(code, k, jt=len(checks) - i) for i, (code, k) in enumerate(checks)]
    head = [_op(_LD_W_ABS, _ARCH), _op(_JEQ_K, arch, jt=1, jf=0), _op(_RET_K, _ERRNO | errno.EPERM),
            _op(_LD_W_ABS, _NR)]
    return b"".join(head + body + [_op(_RET_K, _ALLOW), _op(_RET_K, _ERRNO | errno.EPERM)])


class _Fprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def installer(code: bytes | None):
    """A function that installs `code` in the calling process (no new
    privileges, then the filter); for a preexec_fn, so everything is
    prepared before the fork. Returns whether it worked."""
    if code is None:
        return lambda: False
    libc = ctypes.CDLL(None, use_errno=True)
    buffer = ctypes.create_string_buffer(code, len(code))
    fprog = _Fprog(len(code) // 8, ctypes.addressof(buffer))

    def install(_code=buffer) -> bool:  # (the closure keeps the program alive)
        return (libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 and
                libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) == 0)
    return install


def program_fd(code: bytes) -> int:
    """A file descriptor to read `code` from (for bubblewrap's --seccomp)."""
    fd = os.memfd_create("grader-seccomp", os.MFD_CLOEXEC)
    os.write(fd, code)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd
