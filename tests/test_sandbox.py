"""The sandbox's parts, one at a time: read-only inputs (grader.wire), the
zygote that forks a fresh child per task, what a child can import, the task
time budget, and where the grader decides that an input was modified.

These drive grader.sandbox directly with tiny submissions, so each test
takes a second or two; tests/test_adversarial.py and tests/test_grader.py
run the same guarantees end to end through `grader grade`.
"""
from __future__ import annotations

import mmap
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from cnn_checks.cases import Case, lay_out
from cnn_checks.execute import Failed, Returned
from grader.isolation import Limits
from grader.sandbox import Sandbox, bwrap_path
from grader.wire import readonly_inputs, sealed_inputs

BWRAP = bwrap_path() is not None
#: the tests that start sandboxes are slow; the read-only-inputs ones are not
slow = pytest.mark.slow
MODES = [pytest.param(None, id="bubblewrap", marks=pytest.mark.skipif(not BWRAP, reason="needs bwrap")),
         pytest.param(False, id="fallback")]


# ---------------------------------------------------------------- read-only inputs

@pytest.mark.parametrize("layout", ["contiguous", "fortran", "strided"])
def test_sealed_inputs_keep_values_and_layout_and_cannot_be_written(layout):
    rng = np.random.default_rng(0)
    arrays = {"x": lay_out(rng.standard_normal((2, 3, 4, 5)), layout),
              "w": lay_out(rng.standard_normal((3, 4)).astype(np.float32), layout),
              "s": np.array(1.5), "e": np.zeros((0, 3)), "t": np.array([1, 2], np.int64)}
    fd, specs = sealed_inputs(arrays)
    got = readonly_inputs(os.dup(fd), specs)
    for name, a in arrays.items():
        assert got[name].dtype == a.dtype and got[name].shape == a.shape
        assert np.array_equal(got[name], a)
        assert got[name].flags.c_contiguous == a.flags.c_contiguous
        assert got[name].flags.f_contiguous == a.flags.f_contiguous
        assert not got[name].flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        got["x"][...] = 0
    with pytest.raises(ValueError):
        got["x"].setflags(write=True)
    with pytest.raises(ValueError, match="read-only"):
        np.multiply(got["w"], 2, out=got["w"])
    # the kernel refuses any write to the sealed memory, from any process
    with pytest.raises(PermissionError):
        os.write(fd, b"x")
    with pytest.raises(PermissionError):
        mmap.mmap(fd, 64, flags=mmap.MAP_SHARED, prot=mmap.PROT_READ | mmap.PROT_WRITE)
    os.close(fd)


@slow
def test_a_write_through_ctypes_faults():
    """Not even ctypes can write into the mapped inputs: the process dies."""
    code = textwrap.dedent("""
        import ctypes, os, numpy as np
        from grader.wire import readonly_inputs, sealed_inputs
        fd, specs = sealed_inputs({"x": np.ones(1000)})
        x = readonly_inputs(fd, specs)["x"]
        ctypes.memset(x.ctypes.data, 0, 8)
        print("wrote")
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parent.parent)
    assert proc.returncode == -signal.SIGSEGV, (proc.returncode, proc.stdout, proc.stderr[-500:])
    assert "wrote" not in proc.stdout


# ---------------------------------------------------------------- the sandbox

def _submission(folder: Path, **modules: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, code in modules.items():
        (folder / f"{name}.py").write_text(textwrap.dedent(code))
    return folder


SOFTMAX_CASE = Case({"z": np.array([[1.0, 2.0, 3.0]])}, {}, "contiguous")


@slow
@pytest.mark.parametrize("use_bwrap", MODES)
def test_each_task_starts_fresh(tmp_path, use_bwrap):
    """State a task leaves behind (module globals, numpy attributes, files
    in its working folder) is not there for the next task: each is a fresh
    fork of a zygote that never imported the submission."""
    sub = _submission(tmp_path / "sub", losses="""
        import os
        import numpy as np
        np.grader_seen = getattr(np, "grader_seen", 0) + 1
        def softmax(z, axis=-1):
            seen = np.grader_seen + len(os.listdir("."))
            open(f"left-{os.getpid()}", "w").close()
            return np.full(z.shape, float(seen))
        def log_softmax(z, axis=-1):
            return softmax(z, axis)
    """)
    with Sandbox(sub, Limits(), use_bwrap) as sandbox:
        for task in ("losses.softmax", "losses.log_softmax", "losses.softmax"):
            child = sandbox.start(task, [])
            assert not isinstance(child, Failed), child
            outcome = child.call(SOFTMAX_CASE)
            child.close()
            assert isinstance(outcome, Returned), outcome
            assert outcome.values[0].array.ravel()[0] == 1.0, (task, outcome.values[0].array)


@slow
@pytest.mark.parametrize("use_bwrap", MODES)
def test_writing_into_an_input_is_reported_by_the_grader(tmp_path, use_bwrap):
    """The child's own check is replaced and array_equal patched: the write
    still fails, because the input is read-only memory."""
    sub = _submission(tmp_path / "sub", losses="""
        import sys
        import numpy as np
        np.array_equal = lambda *a, **k: True
        sys.modules["cnn_checks.execute"]._unchanged = lambda *a, **k: True
        def softmax(z, axis=-1):
            z -= z.max(axis=axis, keepdims=True)
            np.exp(z, out=z)
            z /= z.sum(axis=axis, keepdims=True)
            return z
    """)
    with Sandbox(sub, Limits(), use_bwrap) as sandbox:
        child = sandbox.start("losses.softmax", [])
        outcome = child.call(SOFTMAX_CASE)
        child.close()
    assert isinstance(outcome, Failed) and outcome.kind == "modified", outcome
    assert "read-only" in outcome.message


@slow
def test_optimizer_parameters_stay_writable_gradients_do_not(tmp_path):
    sub = _submission(tmp_path / "sub", optim="""
        class SGD:
            def __init__(self, params, lr=0.01, **kw):
                self.params, self.lr = params, lr
            def step(self, grads):
                for p, g in zip(self.params, grads):
                    p -= self.lr * g
    """)
    case = Case({"p0": np.ones(3), "p1": np.ones(2), "g0_0": np.ones(3), "g0_1": np.ones(2)},
                {"lr": 0.5, "steps": 1}, "contiguous")
    with Sandbox(sub, Limits(), use_bwrap=None if BWRAP else False) as sandbox:
        child = sandbox.start("optim.SGD", [])
        outcome = child.call(case)
        child.close()
    assert isinstance(outcome, Returned), outcome
    assert np.allclose(outcome.values[0].array, 0.5) and np.allclose(outcome.values[1].array, 0.5)


@slow
@pytest.mark.skipif(not BWRAP, reason="the fallback sandbox shows the whole file system")
def test_no_route_to_another_package(tmp_path):
    """Inside bubblewrap only the standard library, NumPy and array-api-compat
    exist: no site-packages of the base interpreter, the system or the
    virtual environment, whatever the code adds to sys.path."""
    sub = _submission(tmp_path / "sub", losses="""
        import glob, importlib, sys
        import numpy as np
        sys.meta_path[:] = [f for f in sys.meta_path if "guard" not in type(f).__module__]
        for pattern in ("/usr/lib/python3*/*-packages", "/usr/local/lib/python3*/*-packages",
                        sys.base_prefix + "/lib/python3*/site-packages", "/*/*/.venv/lib/*/site-packages",
                        "/work/*/*/.venv/lib/python3*/site-packages",
                        "/root/.pyenv/versions/*/lib/*/site-packages"):
            sys.path.extend(glob.glob(pattern))
        def softmax(z, axis=-1):
            found = []
            for name in ("scipy", "torch", "jinja2", "solutions", "pytest", "sklearn", "grader.grade"):
                try:
                    importlib.import_module(name)
                    found.append(name)
                except ImportError:
                    pass
            if found:
                raise RuntimeError("found " + ", ".join(found))
            return np.zeros(z.shape)
    """)
    with Sandbox(sub, Limits(), use_bwrap=True) as sandbox:
        child = sandbox.start("losses.softmax", [])
        outcome = child.call(SOFTMAX_CASE)
        child.close()
    assert isinstance(outcome, Returned), outcome


@slow
def test_a_task_with_its_own_time_limits_shares_the_sandbox(tmp_path):
    """A task's own call limit holds in the sandbox's child; limits the
    zygote's processes inherit (CPU time, memory) cannot differ there."""
    sub = _submission(tmp_path / "sub", losses="""
        import time
        import numpy as np
        def softmax(z, axis=-1):
            time.sleep(1.5)
            return np.zeros(z.shape)
    """)
    with Sandbox(sub, Limits(call_seconds=0.5), None if BWRAP else False) as sandbox:
        child = sandbox.start("losses.softmax", [], limits=Limits(call_seconds=5))
        assert not isinstance(child, Failed), child
        outcome = child.call(SOFTMAX_CASE)  # the task's 5 s, not the sandbox's 0.5 s
        child.close()
        assert isinstance(outcome, Returned), outcome
        child = sandbox.start("losses.softmax", [])
        outcome = child.call(SOFTMAX_CASE)  # the sandbox's own 0.5 s
        child.close()
        assert isinstance(outcome, Failed) and outcome.kind == "timeout", outcome
        with pytest.raises(ValueError, match="sandbox of its own"):
            sandbox.start("losses.softmax", [], limits=Limits(call_seconds=0.5, cpu_seconds=5))


@slow
@pytest.mark.parametrize("use_bwrap", MODES)
def test_the_task_budget_ends_a_slow_task(tmp_path, use_bwrap):
    sub = _submission(tmp_path / "sub", losses="""
        import time
        import numpy as np
        def softmax(z, axis=-1):
            time.sleep(0.4)
            return np.zeros(z.shape)
    """)
    import time
    limits = Limits(call_seconds=5, task_seconds=1.5)
    with Sandbox(sub, limits, use_bwrap) as sandbox:
        child = sandbox.start("losses.softmax", [])
        assert not isinstance(child, Failed), child
        start = time.monotonic()
        child.deadline = start + limits.task_seconds  # from here, whatever starting cost
        outcomes = [child.call(SOFTMAX_CASE) for _ in range(8)]
        child.close()
        elapsed = time.monotonic() - start
    assert child.over_budget
    failed = [o for o in outcomes if isinstance(o, Failed)]
    assert failed and failed[0].kind == "timeout" and "time budget" in failed[0].message
    assert elapsed < 4, elapsed


def test_the_zygote_reads_only_regular_files_when_it_looks_ahead(tmp_path):
    """What the zygote imports ahead depends on the submission's text; a
    named pipe, a link to a device or to a file elsewhere is never opened
    for reading (a pipe would block the zygote, and every task with it)."""
    import threading

    from grader.zygote import _mentions
    sub = tmp_path / "sub"
    sub.mkdir()
    os.mkfifo(sub / "a_pipe.py")
    (sub / "b_device.py").symlink_to("/dev/zero")
    (tmp_path / "elsewhere.py").write_text("import array_api_compat\n")
    (sub / "c_link.py").symlink_to(tmp_path / "elsewhere.py")
    (sub / "conv.py").write_text("import numpy as np\n")
    found: list[bool] = []
    reader = threading.Thread(target=lambda: found.append(_mentions(str(sub), "array_api_compat")),
                              daemon=True)
    reader.start()
    reader.join(10)
    assert found == [False]  # finished, and the linked file was not read
    (sub / "d_real.py").write_text("from array_api_compat import array_namespace\n")
    assert _mentions(str(sub), "array_api_compat")


@slow
@pytest.mark.parametrize("lazily", [False, True], ids=["named", "imported-during-a-call"])
def test_every_call_draws_from_freshly_seeded_generators(tmp_path, lazily):
    """Code that draws from Python's and NumPy's global generators gets the
    same draws at every call, in a batch as alone: the child reseeds before
    each call of code that mentions `random`, also when that code is a
    helper module first imported during a call; code that mentions neither
    is seeded once, when its module loads."""
    draws = """
        import random
        import numpy as np
        def draws():
            return [random.random(), float(np.random.rand())]
    """
    if lazily:  # losses.py never names the generators; its helper does, imported at the first call
        sub = _submission(tmp_path / "sub", helper=draws, losses="""
            import numpy as np
            def softmax(z, axis=-1):
                import helper
                return np.array(helper.draws())
        """)
    else:
        sub = _submission(tmp_path / "sub", losses=draws + """
        def softmax(z, axis=-1):
            return np.array(draws())
        """)
    case = SOFTMAX_CASE
    with Sandbox(sub, Limits(), None if BWRAP else False) as sandbox:
        child = sandbox.start("losses.softmax", [])
        assert not isinstance(child, Failed), child
        outcomes = [child.call(case), *child.batch([case] * 4), child.call(case)]
        child.close()
    import random
    random.seed(0)
    np.random.seed(0)
    seeded = [random.random(), float(np.random.rand())]
    for outcome in outcomes:
        assert isinstance(outcome, Returned), outcome
        assert outcome.values[0].array.tolist() == seeded


# ---------------------------------------------------------------- nothing survives a task

#: A task that leaves a marker wherever it can (files in every folder it
#: may write, System V shared memory and a queue, a POSIX message queue,
#: the keyrings; with `lock`, then takes their permissions away), and one
#: that looks. Where the namespaces are the host's (the fallback), only
#: the task's own folders and the session keyring are tried among files
#: and keyrings: the rest is the host's.
LEAVE_AND_LOOK = """
    import ctypes, os, tempfile
    import numpy as np
    PRIVATE = {private}
    LIBC = ctypes.CDLL(None, use_errno=True)
    LIBC.shmat.restype = ctypes.c_void_p
    KEYS = {{"x86_64": (248, 249, 250), "aarch64": (217, 218, 219)}}.get(os.uname().machine)
    HERE = os.getcwd()
    FILES = [os.path.join(HERE, "stash"), os.path.join(tempfile.gettempdir(), "stash"),
             os.path.expanduser("~/stash"), os.path.join(HERE, "locked", "stash")]
    if PRIVATE:
        FILES += ["/stash", "/var/tmp/stash", "/run/stash", "/dev/stash", "/dev/shm/stash",
                  "/pyenv/stash.py", "/dev/shm/locked/stash"]
    def softmax(z, axis=-1, lock=False):
        for path in FILES:
            try:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "w") as fh:
                    fh.write("left")
            except OSError:
                pass
        rt = ctypes.CDLL("librt.so.1", use_errno=True)
        rt.mq_open(b"/stash", 0o102, 0o600, None)
        if KEYS:
            add_key, _, keyctl = KEYS
            rings = [-3]
            if PRIVATE:
                rings += [-4, -5, LIBC.syscall(keyctl, 22, ctypes.c_long(-1), ctypes.c_long(-4))]
        shm = LIBC.shmget(0x5EED, 4096, 0o1600)
        if shm >= 0:
            ctypes.memmove(LIBC.shmat(shm, None, 0), b"left", 4)
        LIBC.msgget(0x5EED, 0o1600)
        if KEYS:
            for ring in rings:
                LIBC.syscall(add_key, b"user", b"stash", b"left", 4, ctypes.c_long(ring))
                # SETPERM: view, read and search, no write (clearing needs write)
                LIBC.syscall(keyctl, 5, ctypes.c_long(ring), ctypes.c_long(0x0B0B0000))
        if lock:
            shm = ["/dev/shm/locked", "/dev/shm"] if PRIVATE else []
            for folder in [os.path.join(HERE, "locked"), *shm]:
                os.chmod(folder, 0)
            os.chmod(HERE, 0o500)
        return np.zeros(z.shape)
    def log_softmax(z, axis=-1):
        found = []
        for path in FILES:
            try:
                os.chmod(os.path.dirname(path), 0o700)
            except OSError:
                pass
            if os.path.exists(path):
                found.append(path)
        rt = ctypes.CDLL("librt.so.1", use_errno=True)
        if rt.mq_open(b"/stash", 0) >= 0:
            found.append("message queue")
        if LIBC.shmget(0x5EED, 0, 0) >= 0:
            found.append("System V shm")
        if LIBC.msgget(0x5EED, 0) >= 0:
            found.append("System V message queue")
        if PRIVATE and open("/proc/sysvipc/shm").read().count("\\n") > 1:
            found.append("/proc/sysvipc/shm")
        if KEYS:
            _, request_key, keyctl = KEYS
            rings = [-3, -4, -5, LIBC.syscall(keyctl, 22, ctypes.c_long(-1), ctypes.c_long(-3))]
            if LIBC.syscall(request_key, b"user", b"stash", None, ctypes.c_long(0)) > 0 or any(
                    LIBC.syscall(keyctl, 10, ctypes.c_long(ring), b"user", b"stash", ctypes.c_long(0)) > 0
                    for ring in rings):  # KEYCTL_SEARCH
                found.append("keyring")
        if found:
            raise RuntimeError("left by the task before: " + ", ".join(found))
        return np.zeros(z.shape)
"""


LOCKING_CASE = Case({"z": np.array([[1.0, 2.0, 3.0]])}, {"lock": True}, "contiguous")


@slow
@pytest.mark.parametrize("use_bwrap", MODES)
def test_nothing_a_task_leaves_reaches_the_next(tmp_path, use_bwrap):
    """Files in every writable folder (locked ones too), System V objects,
    a POSIX message queue and keys outlive a task's processes: none of them
    is there for the next task of the same sandbox (in bubblewrap the root
    and /dev are read-only, /tmp and /dev/shm emptied, System V objects and
    keys removed; in the fallback its own folders and keyring at least)."""
    import ctypes
    libc = ctypes.CDLL(None)  # the fallback's queues and System V objects are the host's: none from before
    ctypes.CDLL("librt.so.1").mq_unlink(b"/stash")
    for get, ctl in ((libc.shmget, libc.shmctl), (libc.msgget, libc.msgctl)):
        if get(0x5EED, 0, 0) >= 0:
            ctl(get(0x5EED, 0, 0), 0, None)  # IPC_RMID
    sub = _submission(tmp_path / "sub", losses=LEAVE_AND_LOOK.format(private=use_bwrap is None))
    with Sandbox(sub, Limits(), use_bwrap) as sandbox:
        for task, case in (("losses.softmax", SOFTMAX_CASE), ("losses.log_softmax", SOFTMAX_CASE),
                           ("losses.softmax", LOCKING_CASE), ("losses.log_softmax", SOFTMAX_CASE)):
            child = sandbox.start(task, [])
            assert not isinstance(child, Failed), child
            outcome = child.call(case)
            child.close()
            assert isinstance(outcome, Returned), (task, outcome)


FILL_SHM = """
    import os
    import numpy as np
    def softmax(z, axis=-1):
        written = 0
        try:
            for i in range(1000):  # 15 MiB a file (RLIMIT_FSIZE is 16 MiB)
                with open(f"/dev/shm/fill-{i}", "wb") as fh:
                    for _ in range(15):
                        fh.write(bytes(1 << 20))
                        fh.flush()
                        written += 1
        except OSError:
            pass
        return np.full(z.shape, float(written))
    def log_softmax(z, axis=-1):
        shm = os.statvfs("/dev/shm")
        return np.full(z.shape, float((shm.f_blocks - shm.f_bfree) * shm.f_frsize >> 20))
"""


@slow
@pytest.mark.skipif(not BWRAP, reason="the fallback's /dev/shm is the host's")
def test_dev_shm_is_private_bounded_charged_and_emptied(tmp_path):
    """A task fills /dev/shm: it gets SHM_BYTES at most, charged to its
    memory cgroup (where there is one), and the next task finds it empty
    (the memory is back)."""
    from grader.isolation import SHM_BYTES
    sub = _submission(tmp_path / "sub", losses=FILL_SHM)
    with Sandbox(sub, Limits(), None) as sandbox:
        for _ in range(3):
            child = sandbox.start("losses.softmax", [])
            assert not isinstance(child, Failed), child
            filled = child.call(SOFTMAX_CASE)
            memory = child.cgroup.paths.get("memory")
            charged = None
            if memory:
                with open(os.path.join(memory, "memory.stat")) as fh:
                    charged = int(dict(line.split() for line in fh)["shmem"])
            child.close()
            assert isinstance(filled, Returned), filled
            written = filled.values[0].array.ravel()[0]
            assert (SHM_BYTES >> 20) - 16 <= written <= SHM_BYTES >> 20, written
            if charged is not None:
                assert charged >= written * (1 << 20), (charged, written)
            child = sandbox.start("losses.log_softmax", [])
            used = child.call(SOFTMAX_CASE)
            child.close()
            assert isinstance(used, Returned) and used.values[0].array.ravel()[0] == 0, used


DEEP_TREE = """
    import os
    import numpy as np
    def softmax(z, axis=-1):
        os.chdir("/dev/shm")
        for _ in range(3000):  # deeper than a path may be long
            os.mkdir("d")
            os.chdir("d")
        open("stash", "w").close()
        return np.zeros(z.shape)
    def log_softmax(z, axis=-1):
        return np.full(z.shape, float(len(os.listdir("/dev/shm"))))
"""


@slow
@pytest.mark.skipif(not BWRAP, reason="the fallback's /dev/shm is the host's")
def test_a_tree_the_zygote_cannot_empty_ends_the_sandbox(tmp_path):
    """A folder tree too deep to remove (or too big to remove in a second)
    ends the zygote: the next task runs in a fresh sandbox and finds no
    trace of it."""
    sub = _submission(tmp_path / "sub", losses=DEEP_TREE)
    with Sandbox(sub, Limits(), None) as sandbox:
        child = sandbox.start("losses.softmax", [])
        zygote = sandbox.zygote
        assert isinstance(child.call(SOFTMAX_CASE), Returned)
        child.close()
        child = sandbox.start("losses.log_softmax", [])
        seen = child.call(SOFTMAX_CASE)
        child.close()
        assert sandbox.zygote is not zygote
    assert isinstance(seen, Returned) and seen.values[0].array.ravel()[0] == 0, seen


REFUSED_CALLS = """
    import ctypes, errno, os
    import numpy as np
    LIBC = ctypes.CDLL(None, use_errno=True)
    KEYS = {"x86_64": (248, 249, 250), "aarch64": (217, 218, 219)}[os.uname().machine]
    def softmax(z, axis=-1):
        calls = {"add_key": lambda: LIBC.syscall(KEYS[0], b"user", b"k", b"v", 1, ctypes.c_long(-3)),
                 "request_key": lambda: LIBC.syscall(KEYS[1], b"user", b"k", None, ctypes.c_long(0)),
                 "keyctl": lambda: LIBC.syscall(KEYS[2], 0, ctypes.c_long(-3), 0),  # GET_KEYRING_ID
                 "shmget": lambda: LIBC.shmget(0, 4096, 0o1600),
                 "msgget": lambda: LIBC.msgget(0, 0o1600),
                 "semget": lambda: LIBC.semget(0, 1, 0o1600)}
        remove = {"shmget": LIBC.shmctl, "msgget": LIBC.msgctl}  # what a failing test would leave
        allowed = []
        for name, call in calls.items():
            ctypes.set_errno(0)
            got = call()
            if got != -1 or ctypes.get_errno() != errno.EPERM:
                allowed.append(name)
                if got >= 0 and name in remove:
                    remove[name](got, 0, None)  # IPC_RMID
                elif got >= 0 and name == "semget":
                    LIBC.semctl(got, 0, 0)
        if allowed:
            raise RuntimeError("allowed: " + ", ".join(allowed))
        return np.zeros(z.shape)
"""


@slow
@pytest.mark.skipif(os.uname().machine not in ("x86_64", "aarch64"), reason="no filter for this machine")
@pytest.mark.parametrize("use_bwrap", MODES)
def test_keyrings_and_system_v_ipc_are_refused(tmp_path, use_bwrap):
    """State that outlives processes and that the zygote could not always
    remove (a task can lock a key against anyone without CAP_SYS_ADMIN)
    is refused: the keyring and System V IPC calls fail with EPERM."""
    sub = _submission(tmp_path / "sub", losses=REFUSED_CALLS)
    with Sandbox(sub, Limits(), use_bwrap) as sandbox:
        child = sandbox.start("losses.softmax", [])
        outcome = child.call(SOFTMAX_CASE)
        child.close()
    assert isinstance(outcome, Returned), outcome



# ---------------------------------------------------------------- CPU time of a task

#: softmax burns `seconds` of CPU in a double-forked grandchild that exits
#: before the call returns (it reports through a pipe, then is left a zombie
#: or reaped by the zygote): none of the task's processes is alive to show it
GRANDCHILD_BURNS = """
    import os
    import time
    import numpy as np
    def _burn(seconds):
        start = time.process_time()
        while time.process_time() - start < seconds:
            pass
    def softmax(z, axis=-1):
        r, w = os.pipe()
        middle = os.fork()
        if middle == 0:
            if os.fork() == 0:
                _burn(1.0)
                os.write(w, str(os.getpid()).encode())
                os._exit(0)
            os._exit(0)
        os.close(w)
        os.waitpid(middle, 0)
        pid = int(os.read(r, 64))
        while os.read(r, 64):
            pass
        while True:
            try:
                with open(f"/proc/{pid}/stat") as fh:
                    if fh.read().rsplit(")", 1)[1].split()[0] in "ZX":
                        break
            except OSError:
                break
            time.sleep(0.001)
        return np.zeros(z.shape)
"""


def _cgroup_counts() -> bool:
    from grader.isolation import TaskCgroup
    probe = TaskCgroup(8, 64)
    found = "cpuacct" in probe.paths
    probe.remove()
    return found


@slow
@pytest.mark.parametrize("use_bwrap", MODES)
@pytest.mark.parametrize("source", ["cgroup", "proc"])
def test_cpu_time_counts_the_processes_that_exited(tmp_path, use_bwrap, source):
    """The CPU time of a call counts every process the task started, also
    one that exited before the call returned: from the task's cgroup, and
    from /proc (the zygote's count of what it reaped, zombies below it)
    where there is no cgroup."""
    from grader.measured import child_cpu_seconds
    if source == "cgroup" and not _cgroup_counts():
        pytest.skip("no writable CPU-accounting cgroup here")
    sub = _submission(tmp_path / "sub", losses=GRANDCHILD_BURNS)
    with Sandbox(sub, Limits(call_seconds=30), use_bwrap) as sandbox:
        child = sandbox.start("losses.softmax", [])
        assert not isinstance(child, Failed), child
        if source == "proc":
            child.cgroup.joined.clear()  # as if the task had no CPU-accounting cgroup
            assert child.cgroup.cpu_seconds() is None
        else:
            assert child.cgroup.cpu_seconds() is not None
        before = child_cpu_seconds(child)
        outcome = child.call(SOFTMAX_CASE)
        after = child_cpu_seconds(child)
        child.close()
    assert isinstance(outcome, Returned), outcome
    assert before is not None and after is not None
    assert after - before >= 0.9, (before, after)


@slow
def test_a_task_uses_one_cpu_at_a_time(tmp_path):
    """The task's cgroup holds all its processes to one CPU (RLIMIT_CPU alone
    is per process): its quota is one period per period, and two busy
    processes for 1.5 s of wall-clock time use at most about 1.5 s of CPU
    time, not 3 (on a busy machine they may get less anyway: the quota
    check is the one that fails without the limit there)."""
    from grader.isolation import TaskCgroup
    from grader.measured import child_cpu_seconds
    probe = TaskCgroup(8, 64)
    quota = "cpu" in probe.paths or \
        (probe.unified and os.path.exists(os.path.join(probe.paths.get("pids", ""), "cpu.max")))
    probe.remove()
    if not quota:
        pytest.skip("no writable CPU-bandwidth cgroup here")
    sub = _submission(tmp_path / "sub", losses="""
        import os
        import time
        import numpy as np
        def softmax(z, axis=-1):
            pid = os.fork()
            end = time.monotonic() + 1.5
            while time.monotonic() < end:
                pass
            if pid == 0:
                os._exit(0)
            os.waitpid(pid, 0)
            return np.zeros(z.shape)
    """)
    import time
    with Sandbox(sub, Limits(call_seconds=30), None if BWRAP else False) as sandbox:
        child = sandbox.start("losses.softmax", [])
        assert not isinstance(child, Failed), child
        if child.cgroup.unified:
            with open(os.path.join(child.cgroup.paths["pids"], "cpu.max")) as fh:
                assert fh.read().split() == ["100000", "100000"]
        else:
            with open(os.path.join(child.cgroup.paths["cpu"], "cpu.cfs_quota_us")) as fh:
                assert int(fh.read()) == 100000
        before, start = child_cpu_seconds(child), time.monotonic()
        outcome = child.call(SOFTMAX_CASE)
        wall, after = time.monotonic() - start, child_cpu_seconds(child)
        child.close()
    assert isinstance(outcome, Returned), outcome
    assert before is not None and after is not None
    assert after - before <= 1.1 * wall + 0.1, (after - before, wall)
