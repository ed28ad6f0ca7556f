"""Isolation: what a sandboxed process may see, what it may use, and how
everything it started is found and killed.

- `bwrap_command`: the bubblewrap command line. The process sees /usr (with
  every Python site-packages/dist-packages folder in it emptied), the base
  interpreter's standard library (its site-packages emptied), NumPy alone
  and array-api-compat at /pyenv (`student_site`), the runtime at /runtime and the submission at
  /submission, all read-only; a private /tmp and /dev/shm (size-limited,
  emptied between tasks: grader.leftovers), nothing else writable; no
  keyrings or System V IPC (grader.syscall_filter); no network; its own
  pid, ipc and user namespaces; no capabilities; uid 65534 when the
  grader is root.
  The virtual environment itself is not there, so neither the grader, nor
  the reference solutions, nor SciPy, PyTorch or any other package can be
  imported or read, whatever the student does to sys.path or sys.meta_path.
- `TaskCgroup`: one cgroup per task (pids, memory and CPU controllers, where
  /sys/fs/cgroup is writable): the task's processes *together* may hold
  `memory_mb`, start `processes` and use one CPU at a time; every process
  of the task is listed there, however it detached itself, and killed at
  the end; the CPU time of all of them, exited ones included, is counted
  there (`cpu_seconds`).
- `descendants`, `kill_tree`: the same through /proc where there are no
  cgroups; the zygote is a child subreaper, so an orphan of a task stays
  below it (double fork and setsid included).
- `become_subreaper`, `kill_foreign_children`: the grader itself becomes a
  subreaper in the fallback sandbox, so processes that outlive a killed
  zygote come back to it and are killed.
"""
from __future__ import annotations

import ctypes
import glob
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cnn_checks.policy import hidden_packages

from .syscall_filter import installer

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36

#: Folders under site-packages the child must not find (cnn_checks.policy):
#: the forbidden libraries and the grader's own packages. In bubblewrap no
#: site-packages is visible at all, only STUDENT_PACKAGES (minus these).
HIDDEN_PACKAGES = hidden_packages()


@dataclass(frozen=True)
class Limits:
    call_seconds: float = 10.0       # wall-clock time for one call
    cpu_seconds: int = 60            # CPU time for one process
    memory_mb: int = 2048            # memory of a task (all its processes); address space per process
    processes: int = 16              # processes a task may add
    output_bytes: int = 1 << 20      # what a task may print (stdout + stderr)
    file_bytes: int = 16 << 20       # largest file it may write in its /tmp
    load_seconds: float = 20.0       # time to start and import the submission
    task_seconds: float = 120.0      # wall-clock budget of one task, all its calls together

    def inherited(self) -> tuple:
        """The limits the zygote's resource limits carry, which every task
        it forks inherits (CPU time, address space, file size, processes):
        a task whose own differ needs a sandbox of its own. The others
        (time limits, output, the task cgroup's memory) hold per task."""
        return (self.cpu_seconds, self.memory_mb, self.file_bytes, self.processes)


def prctl(option: int, value: int) -> bool:
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.prctl(option, value, 0, 0, 0) == 0


def bwrap_path() -> str | None:
    """bwrap if it is installed and works here."""
    path = shutil.which("bwrap")
    if not path:
        return None
    ok = subprocess.run([path, "--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "true"],
                        capture_output=True, timeout=10).returncode == 0
    return path if ok else None


# ---------------------------------------------------------------- what the child sees

#: The only third-party packages a student's process can import: NumPy, and
#: array-api-compat (NumPy's array-API namespace; the reference solutions
#: use it, and its PyTorch/CuPy parts find nothing to wrap in the sandbox).
STUDENT_PACKAGES = ("numpy", "array_api_compat")


def student_folders() -> list[Path]:
    """The installed top-level folders of STUDENT_PACKAGES (numpy.libs too)."""
    import importlib.util
    found = []
    for name in STUDENT_PACKAGES:
        if name.replace(".", "/") in HIDDEN_PACKAGES:
            continue  # the policy has the last word
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.origin:
            continue
        package = Path(spec.origin).resolve().parent
        found += [p for p in (package, package.with_name(f"{name}.libs")) if p.is_dir()]
    return found


def student_site(dest: Path) -> Path:
    """A folder holding only STUDENT_PACKAGES (symbolic links), for the
    fallback sandbox's sys.path; bubblewrap binds the same folders at /pyenv."""
    dest.mkdir(parents=True, exist_ok=True)
    for folder in student_folders():
        link = dest / folder.name
        if not link.exists():
            link.symlink_to(folder, target_is_directory=True)
    return dest


def package_folders() -> list[str]:
    """Every site-packages / dist-packages folder the sandbox's /usr or base
    interpreter would show: emptied in the sandbox."""
    roots = dict.fromkeys(["/usr", "/usr/local", sys.base_prefix, sys.prefix])
    found = []
    for root in roots:
        for pattern in ("lib/python3*/site-packages", "lib/python3*/dist-packages",
                        "lib/python3/dist-packages",
                        "lib64/python3*/site-packages", "local/lib/python3*/dist-packages"):
            found += glob.glob(os.path.join(root, pattern))
    return sorted(p for p in dict.fromkeys(found) if os.path.isdir(p) and not os.path.islink(p))


def interpreter() -> str:
    """The base interpreter (the virtual environment is not in the sandbox)."""
    return os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)


#: Sizes of the sandbox's private /tmp and /dev/shm (tmpfs: memory, which
#: the task's memory cgroup is charged for as it writes).
TMP_BYTES = 64 << 20
SHM_BYTES = 64 << 20
#: The folders (besides the working folder, /tmp) the zygote empties after
#: every task in bubblewrap: nothing else there is writable.
BWRAP_SCRATCH = ("/dev/shm",)

CHILD_ENV = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8", "PYTHONHASHSEED": "0",
             "PYTHONDONTWRITEBYTECODE": "1", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
             "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg"}


def bwrap_command(bwrap: str, runtime: Path, submission: Path, seccomp_fd: int | None = None) -> list[str]:
    """The sandbox: only /tmp and /dev/shm are writable (private tmpfs of
    TMP_BYTES and SHM_BYTES, emptied between tasks); the root and /dev,
    bubblewrap's own tmpfs, are made read-only once everything is mounted.
    `seccomp_fd` holds grader.syscall_filter's program, which bubblewrap
    loads."""
    base = Path(sys.base_prefix)
    # /tmp first: a base interpreter or submission under /tmp is then bound
    # on top of the private /tmp instead of being hidden by it.
    cmd = [bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
           "--clearenv", "--proc", "/proc", "--dev", "/dev", "--size", str(SHM_BYTES), "--tmpfs", "/dev/shm",
           "--size", str(TMP_BYTES), "--tmpfs", "/tmp", "--ro-bind", "/usr", "/usr"]
    for link in ("bin", "lib", "lib64", "sbin"):
        p = Path("/") / link
        if p.is_symlink():
            cmd += ["--symlink", os.readlink(p), str(p)]
        elif p.is_dir():
            cmd += ["--ro-bind", str(p), str(p)]
    if Path("/etc/ld.so.cache").exists():
        cmd += ["--ro-bind", "/etc/ld.so.cache", "/etc/ld.so.cache"]
    if not str(base).startswith("/usr/"):
        cmd += ["--ro-bind", str(base), str(base)]
    for folder in package_folders():
        if folder.startswith(("/usr/", str(base) + "/")):
            cmd += ["--tmpfs", folder, "--remount-ro", folder]
    for package in student_folders():
        cmd += ["--ro-bind", str(package), f"/pyenv/{package.name}"]
    cmd += ["--ro-bind", str(runtime), "/runtime", "--ro-bind", str(submission), "/submission",
            "--remount-ro", "/dev", "--remount-ro", "/", "--chdir", "/tmp"]
    if os.getuid() == 0:
        cmd += ["--unshare-user", "--uid", "65534", "--gid", "65534"]
    for k, v in CHILD_ENV.items():
        cmd += ["--setenv", k, v]
    if seccomp_fd is not None:
        cmd += ["--seccomp", str(seccomp_fd)]
    return cmd


def limit_process(limits: Limits, nproc: int, die_with_parent: bool, syscall_filter: bytes | None = None):
    """preexec_fn of the zygote: resource limits, inherited by every task,
    no POSIX message queue (RLIMIT_MSGQUEUE 0: a queue would outlive the
    task), and `syscall_filter` (grader.syscall_filter) where given (the
    fallback sandbox; bubblewrap loads it itself)."""
    install_filter = installer(syscall_filter) if syscall_filter else None

    def apply():
        if die_with_parent:
            prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        resource.setrlimit(resource.RLIMIT_MSGQUEUE, (0, 0))
        mem = limits.memory_mb << 20
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
        resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))
        if install_filter:
            install_filter()
    return apply


def uid_processes() -> int:
    uid, n = os.getuid(), 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    n += 1
            except OSError:
                pass
    return n


# ---------------------------------------------------------------- cgroups

CGROUP_ROOT = "/sys/fs/cgroup"


#: CPU bandwidth of a task (all its processes together): one CPU, as
#: (quota, period) in microseconds. A task's CPU time then never exceeds
#: its wall-clock time, which its time limits bound; the child runs NumPy
#: on one thread, so honest code is never throttled.
CPU_QUOTA = (100_000, 100_000)


class TaskCgroup:
    """A task's cgroups, v1 or v2, wherever they are writable: pids
    (pids.max), memory (limit_in_bytes), CPU accounting (cpuacct.usage, or
    v2's cpu.stat, kept for exited processes too) and CPU bandwidth (one CPU:
    cpu.cfs_quota_us, or v2's cpu.max where the cpu controller is enabled);
    `available` is False where none is."""

    def __init__(self, processes: int, memory_mb: int):
        self.paths: dict[str, str] = {}
        #: the controllers `add` put the task's first process in
        self.joined: set[str] = set()
        self.unified = False
        name = f"grader-{os.getpid()}-{time.monotonic_ns()}"
        unified = os.path.join(CGROUP_ROOT, "cgroup.controllers")
        quota, period = CPU_QUOTA
        if os.path.exists(unified):
            path = self._make(CGROUP_ROOT, name, {"pids.max": processes, "memory.max": memory_mb << 20,
                                                  "memory.swap.max": 0, "cpu.max": f"{quota} {period}"})
            if path:  # cpu.stat (usage_usec) is kept in every v2 cgroup, with or without the cpu controller
                self.paths = {"pids": path, "memory": path, "cpuacct": path}
                self.unified = True
            return
        for controller, settings in (("pids", {"pids.max": processes}),
                                     ("memory", {"memory.limit_in_bytes": memory_mb << 20,
                                                 "memory.memsw.limit_in_bytes": memory_mb << 20}),
                                     ("cpuacct", {}),
                                     ("cpu", {"cpu.cfs_period_us": period, "cpu.cfs_quota_us": quota})):
            path = self._make(self._hierarchy(controller), name, settings)
            if path:
                self.paths[controller] = path

    @staticmethod
    def _hierarchy(controller: str) -> str:
        """Where a v1 controller is mounted: its own folder, or one shared
        with another controller (cpu,cpuacct)."""
        own = os.path.join(CGROUP_ROOT, controller)
        if os.path.isdir(own):
            return own
        for shared in ("cpu,cpuacct", "cpuacct,cpu"):
            if controller in shared.split(",") and os.path.isdir(os.path.join(CGROUP_ROOT, shared)):
                return os.path.join(CGROUP_ROOT, shared)
        return own

    @staticmethod
    def _make(root: str, name: str, settings: dict) -> str | None:
        path = os.path.join(root, name)
        try:
            os.mkdir(path)
        except OSError:
            return None
        first = True
        for key, value in settings.items():
            try:
                with open(os.path.join(path, key), "w") as fh:
                    fh.write(str(value))
            except OSError:
                if first:  # the controller's main setting is required
                    remove_cgroup(path)
                    return None
            first = False
        return path

    @property
    def available(self) -> bool:
        return bool(self.paths)

    def add(self, pid: int) -> bool:
        """Move `pid` (before it starts anything) into every cgroup of the
        task; what it starts later is born there."""
        ok = True
        for path in dict.fromkeys(self.paths.values()):
            try:
                with open(os.path.join(path, "cgroup.procs"), "w") as fh:
                    fh.write(str(pid))
            except OSError:
                ok = False
            else:
                self.joined |= {c for c, p in self.paths.items() if p == path}
        return ok

    def cpu_seconds(self) -> float | None:
        """CPU seconds used by every process the task has had, exited ones
        included (the kernel's count, v1 cpuacct.usage or v2 cpu.stat's
        usage_usec); None where the task is not in a CPU-accounting cgroup."""
        path = self.paths.get("cpuacct")
        if not path or "cpuacct" not in self.joined:
            return None
        try:
            if self.unified:
                with open(os.path.join(path, "cpu.stat")) as fh:
                    for line in fh:
                        key, _, value = line.partition(" ")
                        if key == "usage_usec":
                            return int(value) / 1e6
                return None
            with open(os.path.join(path, "cpuacct.usage")) as fh:
                return int(fh.read()) / 1e9
        except (OSError, ValueError):
            return None

    def pids(self) -> set[int]:
        found: set[int] = set()
        for path in dict.fromkeys(self.paths.values()):
            try:
                with open(os.path.join(path, "cgroup.procs")) as fh:
                    found.update(int(p) for p in fh.read().split())
            except OSError:
                pass
        return {p for p in found if alive(p)}

    def memory_exceeded(self) -> bool:
        """True once the task's processes together reached the limit (the
        kernel then reclaims, stalls or kills one of them)."""
        path = self.paths.get("memory")
        if not path:
            return False
        try:
            with open(os.path.join(path, "memory.failcnt")) as fh:
                if int(fh.read()) > 0:
                    return True
        except (OSError, ValueError):
            pass
        for name in ("memory.events", "memory.oom_control"):
            try:
                with open(os.path.join(path, name)) as fh:
                    for line in fh:
                        key, _, value = line.partition(" ")
                        if key in ("oom_kill", "max") and int(value) > 0:
                            return True
            except (OSError, ValueError):
                continue
        return False

    def kill(self) -> None:
        """SIGKILL every process of the task until none is left."""
        kill_until_none(self.pids, 200)

    def remove(self) -> None:
        self.kill()
        for path in dict.fromkeys(self.paths.values()):
            remove_cgroup(path)
        self.paths = {}


def remove_cgroup(path: str | None) -> None:
    if path:
        for _ in range(100):
            try:
                os.rmdir(path)
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.02)


# ---------------------------------------------------------------- process trees

def alive(pid: int) -> bool:
    """Running (not a zombie, not gone)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False


def children(pid: int) -> set[int]:
    found: set[int] = set()
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                found.update(int(k) for k in fh.read().split())
        except OSError:
            continue
    return found


def descendants(pid: int) -> set[int]:
    """Every living process below `pid` (through /proc)."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        for k in children(todo.pop()):
            if k not in found:
                found.add(k)
                todo.append(k)
    return {p for p in found if alive(p)}


def outer_pid(parent: int, inner: int) -> int | None:
    """The pid, as this process sees it, of `parent`'s child whose pid in
    its own namespace is `inner` (NSpid; the same number without one)."""
    for pid in children(parent):
        try:
            with open(f"/proc/{pid}/status") as fh:
                for line in fh:
                    if line.startswith("NSpid:"):
                        if int(line.split()[-1]) == inner:
                            return pid
                        break
        except (OSError, ValueError):
            continue
    return None


def kill_until_none(find: Callable[[], set[int]], rounds: int) -> None:
    """SIGKILL what `find()` lists, again and again, until it lists nothing
    (a process may fork while its siblings are being killed)."""
    for i in range(rounds):
        left = find()
        if not left:
            return
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(min(0.005, 0.0005 * 2 ** i))  # a killed process is usually gone within a millisecond


def kill_tree(root: int, keep: frozenset[int] = frozenset(), rounds: int = 100) -> None:
    """SIGKILL every process below `root` (not `root`) until none is left
    but those in `keep`."""
    kill_until_none(lambda: descendants(root) - keep, rounds)


def session_of(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return int(fh.read().rsplit(")", 1)[1].split()[3])
    except (OSError, IndexError, ValueError):
        return None


_SUBREAPER = False


def become_subreaper() -> None:
    """Orphans of this process's descendants come back to this process."""
    global _SUBREAPER
    if not _SUBREAPER:
        _SUBREAPER = prctl(PR_SET_CHILD_SUBREAPER, 1)


def kill_foreign_children(known: set[int]) -> None:
    """As a subreaper: kill and reap this process's children that are not in
    `known` and live in another session than ours (the sandbox's orphans;
    what this process starts itself shares its session)."""
    if not _SUBREAPER:
        return
    me, mine = os.getpid(), os.getsid(0)
    for pid in children(me) - known:
        if session_of(pid) not in (None, mine):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                continue
            for _ in range(100):
                try:
                    if os.waitpid(pid, os.WNOHANG)[0]:
                        break
                except ChildProcessError:
                    break
                time.sleep(0.005)
