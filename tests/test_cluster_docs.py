"""docs/cluster.md's one-machine recipe, run as written: every socket the
scheduler and the workers listen on is bound to the loopback address."""
from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from process_memory import tree

pytestmark = pytest.mark.slow
DOC = Path(__file__).resolve().parent.parent / "docs" / "cluster.md"
BIN = Path(sys.executable).parent


def recipe() -> list[str]:
    """The `dask scheduler` and `dask worker` lines of the one-machine recipe."""
    text = DOC.read_text()
    section = text[text.index("## Trying it on one machine"):]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    return [line.rstrip(" &") for line in block.splitlines() if line.startswith(".venv/bin/dask ")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(pids: set[int]) -> list[str]:
    """The local addresses ("ip:port") of the TCP sockets these processes listen on."""
    inodes = set()
    for pid in pids:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        except OSError:
            continue
    found = []
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        for row in Path(table).read_text().splitlines()[1:]:
            fields = row.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and inode in inodes:  # LISTEN
                address, port = local.split(":")
                raw = bytes.fromhex(address)
                # /proc shows each 32-bit word in host (little-endian) order
                raw = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
                ip = socket.inet_ntop(socket.AF_INET if width == 8 else socket.AF_INET6, raw)
                found.append(f"{ip}:{int(port, 16)}")
    return found


def test_one_machine_recipe_listens_on_loopback_only():
    lines = recipe()
    assert [shlex.split(x)[1] for x in lines] == ["scheduler", "worker"]
    port, dashboard = free_port(), free_port()
    procs = []
    try:
        for line in lines:
            line = line.replace("8786", str(port)).replace("8787", str(dashboard))
            argv = shlex.split(line)
            argv[0] = str(BIN / "dask")
            procs.append(subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                          start_new_session=True))
            time.sleep(0.5)
        deadline = time.monotonic() + 60
        addresses: list[str] = []
        while time.monotonic() < deadline:  # the scheduler, its dashboard, and two worker ports at least
            addresses = listening(set().union(*(tree(p.pid) for p in procs)))
            if len(addresses) >= 4:
                break
            time.sleep(0.5)
        assert len(addresses) >= 4, addresses
        assert f"127.0.0.1:{port}" in addresses and f"127.0.0.1:{dashboard}" in addresses
        assert all(a.startswith("127.0.0.1:") for a in addresses), addresses
    finally:
        for p in procs:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
