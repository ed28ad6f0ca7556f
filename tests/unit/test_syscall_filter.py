"""grader.syscall_filter's BPF program, run by a small interpreter of the
instructions it uses (the real kernel runs it in tests/test_sandbox.py)."""
from __future__ import annotations

import errno
import struct

import pytest

from grader.syscall_filter import _DENIED, program

ALLOW, DENY = 0x7FFF0000, 0x00050000 | errno.EPERM


def run(code: bytes, arch: int, nr: int) -> int:
    """What the filter returns for system call `nr` of ABI `arch`."""
    ops = [struct.unpack("=HBBI", code[i:i + 8]) for i in range(0, len(code), 8)]
    data = {0: nr, 4: arch}
    pc, acc = 0, 0
    while True:
        op, jt, jf, k = ops[pc]
        if op == 0x20:
            acc = data[k]
        elif op == 0x15:
            pc += jt if acc == k else jf
        elif op == 0x35:
            pc += jt if acc >= k else jf
        elif op == 0x06:
            return k
        else:
            raise AssertionError(f"unexpected instruction {op:#x}")
        pc += 1


@pytest.mark.parametrize("machine", sorted(_DENIED))
def test_the_denied_calls_fail_and_the_others_pass(machine):
    arch, denied = _DENIED[machine]
    code = program(machine)
    assert code and len(code) % 8 == 0
    for nr in denied:
        assert run(code, arch, nr) == DENY, nr
    for nr in set(range(450)) - set(denied):
        assert run(code, arch, nr) == ALLOW, nr
    assert run(code, 0x40000003, 0) == DENY  # i386 through int 0x80: another ABI
    if machine == "x86_64":
        assert run(code, arch, 0x40000000 | 250) == DENY  # x32


def test_no_filter_where_the_numbers_are_unknown():
    assert program("sparc64") is None
