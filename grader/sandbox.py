"""Run student code in a child process the grader can always stop.

With bubblewrap (`bwrap`, Debian package bubblewrap) the child gets:
  - a read-only view of only what it needs: /usr, the Python installation,
    the virtual environment (minus the forbidden libraries' folders), the
    child's runtime code and the submission; not the project (solutions/,
    tests, rubric), not the results, not other submissions;
  - a private /tmp, no network, its own pid namespace (it cannot see or
    signal the grader), a new session, no capabilities, an unprivileged
    uid (65534) when the grader runs as root;
  - limits on CPU time, address space, processes (a pids cgroup where one
    is writable, else RLIMIT_NPROC), file size and open files;
  - a minimal environment.
Without bwrap (the documented fallback) the child is a plain process with
the same resource limits, a minimal environment, an empty working folder
and its own session, killed as a group; it can read what the grader's user
can read and reach the network, so use the fallback only for trusted runs.

Whatever happens, the child is killed after its task; a call that does not
answer in time is killed too.
"""
from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from cnn_checks.cases import Case
from cnn_checks.execute import Failed, Returned
from cnn_checks.kinds import CHILD_KINDS
from cnn_checks.outputs import Value
from cnn_checks.policy import hidden_packages

from .wire import jsonable, read_frame, write_frame

#: Folders under site-packages the child must not even find on disk: the
#: forbidden libraries and the grader's own packages (cnn_checks.policy).
HIDDEN_PACKAGES = hidden_packages()


@dataclass(frozen=True)
class Limits:
    call_seconds: float = 10.0       # wall-clock time for one call
    cpu_seconds: int = 60            # CPU time for one child (one part of a task)
    memory_mb: int = 2048            # address space per process
    processes: int = 16              # processes the child may add
    output_bytes: int = 1 << 20      # what the child may print (stdout + stderr)
    file_bytes: int = 16 << 20       # largest file it may write in its /tmp
    load_seconds: float = 20.0       # time to start and import the submission


def bwrap_path() -> str | None:
    """bwrap if it is installed and works here."""
    path = shutil.which("bwrap")
    if not path:
        return None
    ok = subprocess.run([path, "--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "true"],
                        capture_output=True, timeout=10).returncode == 0
    return path if ok else None


def _uid_processes() -> int:
    uid, n = os.getuid(), 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    n += 1
            except OSError:
                pass
    return n


_PIDS_ROOTS = ("/sys/fs/cgroup/pids", "/sys/fs/cgroup")


def _pids_cgroup(max_pids: int) -> str | None:
    """A fresh cgroup whose pids.max caps the child's processes, where the
    pids controller is writable (RLIMIT_NPROC does not bind processes that
    are root outside the sandbox). None where there is none."""
    for root in _PIDS_ROOTS:
        path = os.path.join(root, f"grader-{os.getpid()}-{time.monotonic_ns()}")
        try:
            os.mkdir(path)
        except OSError:
            continue
        try:
            with open(os.path.join(path, "pids.max"), "w") as fh:
                fh.write(str(max_pids))
            return path
        except OSError:
            os.rmdir(path)
    return None


def _remove_cgroup(path: str | None) -> None:
    if path:
        for _ in range(50):
            try:
                os.rmdir(path)
                return
            except OSError:
                time.sleep(0.02)


def _limit_child(limits: Limits, nproc: int, cgroup: str | None = None):
    """preexec_fn: resource limits, applied in the child before exec."""
    def apply():
        if cgroup:
            with open(os.path.join(cgroup, "cgroup.procs"), "w") as fh:
                fh.write(str(os.getpid()))
        mem = limits.memory_mb << 20
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
        resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))
    return apply


CHILD_ENV = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8", "PYTHONHASHSEED": "0",
             "PYTHONDONTWRITEBYTECODE": "1", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
             "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg"}

BOOT = ("import sys; sys.path.insert(0, sys.argv[4]); sys.argv = sys.argv[:4]; "
        "from grader.child import main; main()")


def _bwrap_command(bwrap: str, runtime: Path, submission: Path) -> list[str]:
    venv = Path(sys.prefix)
    base = Path(sys.base_prefix)
    site = Path(sysconfig.get_paths()["purelib"])
    # /tmp first: a virtual environment or submission that lives under /tmp
    # is then bound on top of the private /tmp instead of being hidden by it.
    cmd = [bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
           "--clearenv", "--proc", "/proc", "--dev", "/dev", "--size", str(64 << 20), "--tmpfs", "/tmp",
           "--ro-bind", "/usr", "/usr"]
    for link in ("bin", "lib", "lib64", "sbin"):
        p = Path("/") / link
        if p.is_symlink():
            cmd += ["--symlink", os.readlink(p), str(p)]
        elif p.is_dir():
            cmd += ["--ro-bind", str(p), str(p)]
    if Path("/etc/ld.so.cache").exists():
        cmd += ["--ro-bind", "/etc/ld.so.cache", "/etc/ld.so.cache"]
    for prefix in dict.fromkeys([base, venv]):
        cmd += ["--ro-bind", str(prefix), str(prefix)]
    for name in HIDDEN_PACKAGES:
        if (site / name).is_dir():
            cmd += ["--tmpfs", str(site / name)]
    cmd += ["--ro-bind", str(runtime), "/runtime", "--ro-bind", str(submission), "/submission",
            "--chdir", "/tmp"]
    if os.getuid() == 0:
        cmd += ["--unshare-user", "--uid", "65534", "--gid", "65534"]
    for k, v in CHILD_ENV.items():
        cmd += ["--setenv", k, v]
    return cmd


class Sandbox:
    """Starts sandboxed children for one submission."""

    def __init__(self, submission: Path, limits: Limits = Limits(), use_bwrap: bool | None = None):
        self.submission = Path(submission).resolve()
        self.limits = limits
        self.bwrap = bwrap_path() if use_bwrap in (None, True) else None
        if use_bwrap and not self.bwrap:
            raise RuntimeError("bubblewrap (bwrap) is not available")
        self._tmp = tempfile.TemporaryDirectory(prefix="grader-")
        from .runtime import build_runtime
        self.runtime = build_runtime(Path(self._tmp.name) / "runtime")

    def close(self) -> None:
        self._tmp.cleanup()

    def start(self, task_name: str, forbidden: list[str]) -> Child | Failed:
        """A child serving `task_name`, its module imported; or why not."""
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        out = tempfile.TemporaryFile(dir=self._tmp.name)  # noqa: SIM115 (the Child closes it)
        nproc = _uid_processes() + self.limits.processes
        # bwrap's two processes and the child's interpreter, plus the allowance
        cgroup = _pids_cgroup(self.limits.processes + 3)
        if self.bwrap:
            cmd = _bwrap_command(self.bwrap, self.runtime, self.submission) + [
                sys.executable, "-I", "-c", BOOT, str(to_child_r), str(from_child_w), "/submission",
                "/runtime"]
            env, cwd = {}, None
        else:
            cwd = tempfile.mkdtemp(dir=self._tmp.name)
            cmd = [sys.executable, "-I", "-c", BOOT, str(to_child_r), str(from_child_w),
                   str(self.submission), str(self.runtime)]
            env = dict(CHILD_ENV, HOME=cwd)
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=out, env=env,
                                    cwd=cwd, pass_fds=(to_child_r, from_child_w),
                                    start_new_session=True,
                                    preexec_fn=_limit_child(self.limits, nproc, cgroup))
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        child = Child(proc, to_child_w, from_child_r, out, self.limits, cgroup)
        loaded = child.request({"op": "load", "task": task_name, "forbidden": forbidden}, {},
                               self.limits.load_seconds)
        if isinstance(loaded, Failed):
            child.close()
            return loaded
        header, _ = loaded
        if header.get("status") != "ready":
            child.close()
            return _failed_from(header, fatal=True)
        child.baseline = child.descendants()
        return child


def _failed_from(header: dict, fatal: bool = False) -> Failed:
    kind = str(header["kind"]) if header.get("kind") in KNOWN_FAILURES else "exception"
    return Failed(kind, str(header.get("message", ""))[:2000], fatal=fatal or bool(header.get("fatal")),
                  seconds=_seconds(header))


def _seconds(header: dict) -> float:
    s = header.get("seconds", 0.0)
    return float(s) if isinstance(s, (int, float)) and 0 <= s < 1e6 else 0.0


KNOWN_FAILURES = CHILD_KINDS
VALUE_KINDS = {"array", "scalar", "int", "other"}


class Child:
    """One sandboxed process serving one task's calls."""

    def __init__(self, proc: subprocess.Popen, fd_to: int, fd_from: int, out, limits: Limits,
                 cgroup: str | None = None):
        self.proc, self.fd_to, self.fd_from, self.out, self.limits = proc, fd_to, fd_from, out, limits
        self.cgroup = cgroup
        self.baseline: set[int] = set()
        self.dead: Failed | None = None

    # -- one round trip ---------------------------------------------------
    def request(self, header: dict, arrays: dict, timeout: float):
        """Send a request and wait for the answer; a Failed when the child
        died, hung, flooded its output or answered garbage."""
        if self.dead:
            return self.dead
        try:
            write_frame(self.fd_to, header, arrays)
        except OSError:
            return self._died("the process ended before the call")
        try:
            answer = read_frame(self.fd_from, time.monotonic() + timeout)
        except TimeoutError:
            self._kill()
            self.dead = Failed("timeout", f"did not return within {timeout:g} s (the time limit): "
                                          f"look for a loop that never ends", fatal=True)
            return self.dead
        except (EOFError, OSError):
            return self._died("the process ended during the call")
        except Exception as exc:  # WireError, or anything a malformed frame provokes
            self._kill()
            self.dead = Failed("crash", f"the child's answer was malformed ({type(exc).__name__})",
                               fatal=True)
            return self.dead
        return self._output_flood() or answer

    def call(self, case: Case) -> Returned | Failed:
        """check_part's `run`: one case through the child."""
        header = {"op": "call", "params": jsonable(dict(case.params)), "layout": case.layout}
        answer = self.request(header, dict(case.arrays), self.limits.call_seconds)
        if isinstance(answer, Failed):
            return answer
        header, arrays = answer
        stray = self.strays()
        if stray:
            self._kill()
            self.dead = Failed("process", f"started a process that was still running when the call "
                                          f"returned ({len(stray)} extra): wait for every process "
                                          f"you start, or better, start none", fatal=True)
            return self.dead
        if header.get("status") == "failed":
            return _failed_from(header)
        return _returned_from(header, arrays)

    def batch(self, cases: list[Case]) -> list[Returned | Failed] | Failed:
        """Many cases in one round trip (the fast path for passing code).
        A Failed when the child hung, died or left a process behind."""
        specs, arrays = [], {}
        for i, case in enumerate(cases):
            specs.append({"names": list(case.arrays), "params": jsonable(dict(case.params)),
                          "layout": case.layout})
            arrays.update({f"{i}:{name}": a for name, a in case.arrays.items()})
        # A hang in a batch costs a few call limits, not one per case: the
        # caller then retries case by case, where each call gets its limit.
        answer = self.request({"op": "batch", "cases": specs}, arrays,
                              self.limits.call_seconds * min(3, max(1, len(cases))))
        if isinstance(answer, Failed):
            return answer
        header, out = answer
        if self.strays():
            self._kill()
            self.dead = Failed("process", "started a process that was still running when the call "
                                          "returned", fatal=True)
            return self.dead
        outcomes = header.get("outcomes")
        if not isinstance(outcomes, list) or len(outcomes) > len(cases):
            return Failed("crash", "the child's answer was malformed (batch)", fatal=True)
        results: list[Returned | Failed] = []
        for i, h in enumerate(outcomes):
            if not isinstance(h, dict):
                return Failed("crash", "the child's answer was malformed (batch)", fatal=True)
            if h.get("status") == "failed":
                results.append(_failed_from(h))
            else:
                prefix = f"{i}:"
                results.append(_returned_from(h, {k[len(prefix):]: v for k, v in out.items()
                                                  if k.startswith(prefix)}))
        return results

    # -- what the child is doing --------------------------------------------
    def descendants(self) -> set[int]:
        """Every process below the child (through /proc)."""
        found, todo = set(), [self.proc.pid]
        while todo:
            pid = todo.pop()
            try:
                tids = os.listdir(f"/proc/{pid}/task")
            except OSError:
                continue
            for tid in tids:
                try:
                    with open(f"/proc/{pid}/task/{tid}/children") as fh:
                        kids = [int(k) for k in fh.read().split()]
                except OSError:
                    continue
                for k in kids:
                    if k not in found:
                        found.add(k)
                        todo.append(k)
        return found

    def strays(self) -> set[int]:
        return self.descendants() - self.baseline

    def _output_flood(self) -> Failed | None:
        size = os.fstat(self.out.fileno()).st_size
        if size > self.limits.output_bytes:
            self._kill()
            self.dead = Failed("output", f"printed {size} bytes, more than the limit of "
                                         f"{self.limits.output_bytes} bytes: remove the prints "
                                         f"from your functions", fatal=True)
            return self.dead
        return None

    def _died(self, when: str) -> Failed:
        try:
            self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            pass
        self._kill()
        self.dead = self._output_flood() or Failed(*_death(self.proc.returncode, when, self.limits),
                                                  fatal=True)
        return self.dead

    def _kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass

    def close(self) -> None:
        """Ask the child to leave, then kill its whole process group."""
        if self.proc.poll() is None:
            try:
                write_frame(self.fd_to, {"op": "bye"})
            except OSError:
                pass
        self._kill()
        _remove_cgroup(self.cgroup)
        for fd in (self.fd_to, self.fd_from):
            try:
                os.close(fd)
            except OSError:
                pass
        self.out.close()


def _death(returncode: int | None, when: str, limits: Limits) -> tuple[str, str]:
    """(kind, message) for a child that ended: which limit, which signal."""
    sig = -returncode if returncode is not None and returncode < 0 else (
        returncode - 128 if returncode is not None and returncode > 128 else None)
    if sig == signal.SIGXCPU:
        return "timeout", f"used more than {limits.cpu_seconds} s of CPU time (the limit): {when}"
    if sig == signal.SIGKILL:
        return "crash", f"was killed (SIGKILL; memory exhausted?): {when}"
    if sig in (signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT):
        return "crash", f"crashed with {signal.Signals(sig).name} ({when}); memory limit is " \
                        f"{limits.memory_mb} MiB"
    if sig is not None:
        return "crash", f"was ended by signal {signal.Signals(sig).name}: {when}"
    return "exit", (f"{when} with exit status {returncode}: do not call exit(), sys.exit() or "
                    f"os._exit() in your functions")


def _returned_from(header: dict, arrays: dict) -> Returned | Failed:
    """Rebuild Values from the child's answer, trusting nothing in it."""
    values = []
    specs = header.get("values")
    if not isinstance(specs, list):
        return Failed("crash", "the child's answer was malformed (no values)", fatal=True)
    for i, spec in enumerate(specs):
        if not isinstance(spec, dict) or spec.get("kind") not in VALUE_KINDS:
            return Failed("crash", "the child's answer was malformed (value kind)", fatal=True)
        array = arrays.get(f"v{i}")
        if (spec["kind"] == "other") != (array is None):
            return Failed("crash", "the child's answer was malformed (value data)", fatal=True)
        values.append(Value(spec["kind"], array, str(spec.get("type_name", "?"))[:200]))
    modified = header.get("modified", [])
    modified = [str(m)[:50] for m in modified] if isinstance(modified, list) else []
    return Returned(values, modified, _seconds(header))
