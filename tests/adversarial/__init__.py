"""An adversarial corpus for the grader, and the helpers that run it.

Each folder here is one attack: `<module>.py` fragments that are appended to
a copy of the reference module of that name (so the fragment's definitions
replace the reference's, and `_reference_x = x` at its top keeps the real
one at hand). Strings `@@NAME@@` in a fragment are filled in when the
submission is built (the results path, a secret token, ...), which is how
an attack learns what it would need to know to do harm.

`ATTACKS` says, for each folder, which task it attacks (a task, or a module
for attacks at import time), which other module is graded alongside it, and
what the grader must report. tests/test_adversarial.py runs them;
tests/test_grader.py uses the same helpers for the failure taxonomy.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SOLUTIONS = ROOT / "solutions"
MODULES = ("padding", "conv", "pooling", "losses", "backprop", "optim")
GRADER = [str(Path(sys.executable).with_name("grader"))]
if not Path(GRADER[0]).exists():  # pragma: no cover - an install without the console script
    GRADER = [sys.executable, "-m", "grader.cli"]

#: The grader's per-call limit in the rubric the tests use (the default is
#: 10 s; hanging attacks would make the suite slow).
CALL_SECONDS = 2
#: The time budget of one task in that rubric (the default is 120 s; ample,
#: so that a loaded machine never turns another failure into a timeout).
TASK_SECONDS = 60


#: Rubric settings for attacks on the network's training: its own limits
#: (make_rubric sets every `call_seconds` line, [limits."network.train"]'s
#: too) and a budget below the reference's 7 s of CPU time.
_TRAINING = {"call_seconds": 300, "task_seconds": 420, "budget_seconds": 3}


@dataclass(frozen=True)
class Attack:
    name: str                    # its folder under tests/adversarial/
    target: str                  # attacked task ("conv.conv2d"), or a module for import-time attacks
    other: str                   # a module graded alongside, which must keep full marks
    why: str                     # what the attack tries
    kinds: tuple[str, ...] = ()  # text expected in the attacked entries' output
    partial: bool = False        # by design only some parts can fail: expect less than full
    examples: int = 20
    stdout: bool = False         # grade to standard output instead of --out
    timeout: float = 150.0       # the test's limit on the whole grader run
    markers: tuple[str, ...] = ()  # command-line text of processes the attack starts
    weak: dict = field(default_factory=dict)  # check -> reason: a known grader weakness (xfail)
    cost: float = 5.0            # rough seconds the grader takes (the slowest start first)
    settings: dict = field(default_factory=dict)  # rubric settings of its own (make_rubric)
    alone: bool = False          # grade the attacked task alone, not its whole module (the network's)
    leak: str = ""               # a marker the attack's answers carry: no output may hold it
    parts: tuple[str, ...] = ()  # the attacked parts of the target (empty: all of them)

    @property
    def module(self) -> str:
        return self.target.split(".")[0]

    @property
    def tasks_arg(self) -> list[str]:
        return [self.target if self.alone else self.module, self.other]

    def attacked(self, test_name: str) -> bool:
        task, _, part = test_name.partition(": ")
        hit = task == self.target or task.split(".")[0] == self.target
        return hit and (not self.parts or part in self.parts)


ATTACKS = [
    Attack("monkeypatch_numpy", "conv.conv2d", "losses",
           "patch np.allclose / array_equal / isclose / numpy.testing to always agree, wrong values",
           kinds=("wrong values",)),
    Attack("inplace_hidden", "losses.softmax", "padding",
           "modify the input in place and patch np.array_equal so the child's check misses it",
           kinds=("modified its input", "read-only")),
    Attack("inplace_grads", "optim.SGD", "padding",
           "replace the child's 'inputs unchanged' check, then scale the gradients handed to step() "
           "in place after a correct update", kinds=("modified its input",)),
    Attack("base_interpreter_scipy", "conv.conv2d", "padding",
           "drop the import guard from sys.meta_path, append the base interpreter's and the "
           "system's site-packages, resolve scipy.signal.correlate with pkgutil.resolve_name",
           kinds=("scipy",)),
    Attack("memory_fork", "losses.softmax", "padding",
           "fork three children; four processes fill 400 MiB each (the limit is 1 GiB a task)",
           kinds=("memory limit",), examples=2, cost=40,
           # filling memory is slow on a loaded machine: a call limit that never decides it
           settings={"memory_mb": 1024, "call_seconds": 60, "task_seconds": 100}),
    Attack("slow_calls", "pooling.min_pool2d", "padding",
           "sleep 1.8 s in every call (its call limit is 3 s), then the right answer",
           kinds=("time budget",), cost=30, settings={"call_seconds": 3, "task_seconds": 15}),
    Attack("ndarray_subclass", "padding.pad2d", "losses",
           "an ndarray subclass with wrong data whose __eq__/__array__/ufuncs report the right one",
           kinds=("wrong type",)),
    Attack("array_like_object", "pooling.max_pool2d", "losses",
           "an object instead of an array: __eq__ always True, __array__ wrong, shape attribute",
           kinds=("wrong type",)),
    Attack("lying_scalar", "losses.cross_entropy", "padding",
           "a float64 subclass claiming module numpy, equal to everything, holding a wrong value"),
    Attack("forge_values", "padding.pad2d", "losses",
           "replace the child's answering code so every call answers 'returned' with no values",
           ),
    Attack("forge_recursion", "padding.pad2d", "losses",
           "write a frame with a 200000-deep JSON header straight to the answer pipe"),
    Attack("forge_partial_frame", "pooling.global_avg_pool2d", "padding",
           "write the first bytes of an answer frame, then stall forever",
           examples=2, timeout=60, cost=60),
    Attack("import_solutions_static", "conv.conv2d", "padding",
           "`from solutions.conv import conv2d` inside the function", kinds=("forbidden",)),
    Attack("read_reference", "conv.conv2d", "padding",
           "import solutions by a computed name; read solutions/conv.py and the rubrics by "
           "absolute path"),
    Attack("read_proc", "pooling.avg_pool2d", "padding",
           "scan /proc/*/cmdline, environ and cwd (pid 1, the grader) for the results path, the "
           "rubric, the secret"),
    Attack("read_env", "losses.cross_entropy", "padding",
           "look for the grader's secret environment variable, USER, tokens, VIRTUAL_ENV"),
    Attack("fake_results", "padding.pad2d", "losses",
           "write a perfect results.json to the --out path, /autograder, /tmp and the submission; "
           "print one; at import and in the function"),
    Attack("fake_stdout", "losses.softmax", "padding",
           "print a perfect results.json while the grader writes its results to stdout",
           stdout=True),
    Attack("sys_exit_function", "conv.conv2d", "losses", "sys.exit(0) during the call",
           kinds=("exited", "sys.exit")),
    Attack("os_exit_function", "pooling.max_pool2d", "losses", "os._exit(0) during the call",
           kinds=("exited", "exit status 0")),
    Attack("sys_exit_import", "losses", "padding", "sys.exit(0) at import: the module's tasks",
           kinds=("cannot be imported", "SystemExit")),
    Attack("os_exit_import", "pooling", "losses", "os._exit(0) at import: the module's tasks",
           kinds=("exit status 0",)),
    Attack("infinite_loop", "pooling.global_avg_pool2d", "padding", "while True: n += 1",
           kinds=("timed out", f"{CALL_SECONDS} s"), examples=5, cost=40),
    Attack("loop_ignoring_signals", "optim.annealed_lr", "padding",
           "ignore SIGINT/TERM/HUP/QUIT/XCPU/ALRM/USR/PIPE, then loop",
           kinds=("timed out",), examples=2, cost=20),
    Attack("kill_parent", "conv.conv2d", "losses",
           "kill(getppid()), kill(1), kill(-1), `kill -9 -1`, then wrong values"),
    Attack("killpg_self", "losses.cross_entropy", "padding",
           "killpg of the parent's group, then of its own", kinds=("crashed",)),
    Attack("fork_bomb", "pooling.global_avg_pool2d", "losses",
           "200 forks that exec `sleep 61.0201`, then the right answer",
           kinds=("left a process running",), markers=("61.0201",), cost=30,
           examples=3),  # a batch runs every case before looking for strays: 200 forks each
    Attack("daemon", "conv.conv2d", "losses",
           "double fork + setsid + closed streams, `sleep 61.0301`, then the right answer",
           kinds=("left a process running",), markers=("61.0301",), cost=15,
           examples=3),
    Attack("memory_bomb", "losses.softmax", "padding", "allocate 8 GiB",
           kinds=("memory limit",)),
    Attack("output_flood", "padding.pad2d", "losses", "print 50 MB on stdout and stderr",
           kinds=("output flood",)),
    Attack("network", "pooling.avg_pool2d", "losses",
           "connect to a listener on the host's 127.0.0.1, to 1.1.1.1:53, 8.8.8.8:443; resolve "
           "example.com"),
    Attack("write_submission", "conv.conv2d", "losses",
           "create, append to, chmod, rename, delete and symlink files of the submission"),
    Attack("fast_path_first_n", "padding.pad2d", "losses",
           "right for the first 10 calls only"),
    Attack("fast_path_large_only", "losses.softmax", "padding",
           "right only for inputs of 16 elements or more", partial=True),
    Attack("lookup_table", "pooling.max_pool2d", "padding",
           "no implementation: a table of PyTorch's answers to the cases redrawn at home from "
           "the public strategies and seeds, keyed by a hash of the arguments",
           kinds=("not implemented",)),
    Attack("fifo_module", "padding.pad2d", "losses",
           "zz_notes.py is a named pipe: a grader reading every *.py blocks opening it",
           timeout=90),
    Attack("link_outside", "losses.softmax", "padding",
           "notes.py -> /dev/stdin and helper.py -> a named pipe outside the submission",
           timeout=90),
    # reports: student text rendered into the views (tests/test_report_injection.py reads them)
    Attack("markdown_fence_escape", "padding.pad2d", "losses",
           "an exception message that closes the feedback's Markdown fence and renders a fake "
           "score line and a link", kinds=("raised an exception",)),
    Attack("forged_likely_cause", "padding.pad2d", "losses",
           "an exception message holding its own `likely cause:` line for the class report",
           kinds=("raised an exception",)),
    # the answers that come out of the child: count, kinds, sizes, `modified`
    Attack("short_answer_init", "network.init_params", "padding",
           "all-zero parameters; the child's answering code wrapped to send no values at all",
           kinds=("returned the wrong structure", "expected 16"), alone=True, examples=3),
    Attack("short_answer_grads", "network.loss_and_grads", "padding",
           "the loss without a backward pass; the child's answers wrapped to carry the loss alone",
           kinds=("returned the wrong structure", "expected 9"), alone=True, examples=3),
    Attack("empty_answer_predict", "network.predict", "padding",
           "the child's answering code wrapped so that every predict answer has an empty values list",
           kinds=("returned the wrong structure", "expected 1"), alone=True, examples=3),
    Attack("short_answer_train", "network.train", "padding",
           "no training; the child's answer to the training case wrapped to carry the predictions "
           "and history alone, without the parameters", kinds=("returned the wrong structure",),
           alone=True, partial=True, cost=30),
    Attack("modified_leak", "losses.softmax", "padding",
           "`modified` entries carrying every hidden case the child has seen (thousands) out "
           "into the feedback", kinds=("crashed",), leak="LEAK"),
    # the sandbox keeps nothing between tasks
    Attack("shared_state", "losses.softmax", "padding",
           "pad2d (right) stashes its inputs in files under /, /var/tmp, /run, /dev, /dev/shm, "
           "/tmp, System V shm, a POSIX message queue and the keyrings; softmax answers right "
           "only when it reads one back",
           kinds=("not implemented", "no earlier task"), settings={"workers": 1}),
    # the capstone's training: its CPU budget and what it trains on
    Attack("train_grandchild", "network.train", "padding",
           "train in a double-forked grandchild that exits before train() returns (7 s of CPU "
           "against a 3 s budget)", kinds=("budget",), parts=("digits",), timeout=300, cost=90,
           settings=_TRAINING),
    Attack("home_weights", "network.train", "padding",
           "train() returns weights trained at home on the public digits, and a made-up history",
           kinds=("test accuracy",), parts=("digits",), timeout=300, cost=60, settings=_TRAINING),
    Attack("home_weights_relabel", "network.train", "padding",
           "weights trained at home, their output layer reordered to the labelling the given "
           "training labels use (read off with the home weights)", parts=("digits",), timeout=300,
           cost=60, settings=_TRAINING,
           weak={"no_gain": "the digits are public: the training labels reveal any relabelling to "
                            "weights trained at home on all of them"}),
    # nothing shipped to students can be wired into a passing task
    Attack("release_optimizers", "optim", "padding",
           "the optimizer classes wired from the release's NumPy optimizer of the catalogue of "
           "mistakes (_optimizer(kind), no mistake flag), copied as the release holds it",
           kinds=("not implemented",)),
    Attack("release_conv_assign", "backprop.conv2d_backward", "padding",
           "conv2d_backward's dx from the release's '=' variant of the dx loop (_conv_assign), "
           "copied with '=' turned into '+='", kinds=("not implemented",)),
    Attack("release_pool_assign", "backprop.max_pool2d_backward", "padding",
           "max_pool2d_backward from the release's '=' variant (_pool_assign('max')), copied "
           "with '=' turned into '+='", kinds=("not implemented",)),
    Attack("import_grader_catalogue", "optim.Adam", "padding",
           "Adam from the grader's own NumPy optimizer (grader.misconceptions._optimizer, never "
           "released), imported by name inside the child", kinds=("grader",)),
]
BY_NAME = {a.name: a for a in ATTACKS}


# ---------------------------------------------------------------------------
# building submissions

def copy_reference(dest: Path) -> Path:
    """The reference's module files, as a student would submit them."""
    dest.mkdir(parents=True, exist_ok=True)
    for src in sorted(SOLUTIONS.glob("*.py")):  # the modules and their helpers (xp.py)
        if src.name != "__init__.py":
            shutil.copy(src, dest / src.name)
    return dest


def fill(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace(f"@@{key}@@", str(value))
    left = re.findall(r"@@[A-Z]+@@", text)
    if left:
        raise ValueError(f"unfilled placeholders {left}")
    return text


def build_attack(name: str, dest: Path, values: dict[str, str], examples: int | None = None) -> Path:
    """A submission: the reference with the attack's fragments appended
    (and, for the attacks in BUILDERS, what the fragments alone cannot make)."""
    copy_reference(dest)
    for fragment in sorted((HERE / name).glob("*.py")):
        target = dest / fragment.name
        base = target.read_text() if target.exists() else ""
        target.write_text(base + "\n\n# ---- attack: " + name + "\n" + fill(fragment.read_text(), values))
    if name in BUILDERS:
        BUILDERS[name](dest, examples or BY_NAME[name].examples)
    return dest


def _lookup_table(dest: Path, examples: int) -> None:
    from adversarial.home_table import build_table
    build_table("pooling.max_pool2d", examples, dest / "max_pool2d_table.npz")


def _fifo_module(dest: Path, examples: int) -> None:
    os.mkfifo(dest / "zz_notes.py")


def _link_outside(dest: Path, examples: int) -> None:
    outside = dest.parent / "outside-pipe"
    if not outside.exists():
        os.mkfifo(outside)
    (dest / "notes.py").symlink_to("/dev/stdin")
    (dest / "helper.py").symlink_to(outside)


def _home_weights(dest: Path, examples: int) -> None:
    """home_weights.npz: the reference trained on the public digits, as a
    student could at home (built once per process)."""
    if "home_weights" not in _BUILT:
        import io

        import numpy as np

        from cnn_checks.digits import load_split
        from solutions.network import train
        split = load_split()
        params, _ = train(split.X_train, split.y_train)
        buffer = io.BytesIO()
        np.savez(buffer, **params)
        _BUILT["home_weights"] = buffer.getvalue()
    (dest / "home_weights.npz").write_bytes(_BUILT["home_weights"])


_BUILT: dict[str, bytes] = {}



def released_function(release: Path, name: str) -> str | None:
    """The source of top-level function `name` in the student release's
    check package (`release`: a folder `grader release` wrote), or None."""
    import ast
    for path in sorted((release / "cnn_checks").rglob("*.py")):
        source = path.read_text()
        for node in ast.parse(source).body:
            if isinstance(node, ast.FunctionDef) and node.name == name:
                return ast.get_source_segment(source, node)
    return None


def _copy_from_release(module: str, names: tuple[str, ...], edit: tuple[str, str] | None = None):
    """A builder that appends to `module`.py the functions `names` as the
    student release holds them (what a student with the release can copy),
    with one textual `edit` (old, new), each renamed `_released_<name>` (so
    that the module's own functions of the same name stay); a function the
    release lacks becomes a stub raising NotImplementedError."""
    def build(dest: Path, examples: int) -> None:
        import tempfile

        from grader.release import build_release
        with tempfile.TemporaryDirectory() as tmp:
            release = build_release(Path(tmp) / "release")
            sources = {name: released_function(release, name) for name in names}
        text = ""
        for name, source in sources.items():
            if source is None:
                source = (f"def {name}(*args, **kwargs):\n"
                          f"    raise NotImplementedError('the release holds no {name}')\n")
            elif edit is not None:
                source = source.replace(*edit)
            for old in names:
                source = re.sub(rf"\b{old}\b", "_released_" + old.lstrip("_"), source)
            text += "\n\n" + source + "\n"
        with open(dest / f"{module}.py", "a") as fh:
            fh.write("\n\n# ---- copied from the student release" + text)
    return build


#: Attacks that need more than appended fragments: name -> builder(dest, examples)
BUILDERS = {"lookup_table": _lookup_table, "fifo_module": _fifo_module,
            "link_outside": _link_outside, "home_weights": _home_weights,
            "home_weights_relabel": _home_weights,
            "release_optimizers": _copy_from_release("optim", ("_optimizer",)),
            "release_conv_assign": _copy_from_release(
                "backprop", ("as_pair", "_conv_assign"),
                ("dx[:, :, rows, cols] = ", "dx[:, :, rows, cols] += ")),
            "release_pool_assign": _copy_from_release(
                "backprop", ("as_pair", "_pool_geometry", "_pool_assign"),
                ("dx[n, ch, r + a, c + b] = ", "dx[n, ch, r + a, c + b] += "))}


def make_rubric(dest: Path, **settings) -> Path:
    """grader/rubric.toml (same points) with a short per-call limit."""
    text = (ROOT / "grader" / "rubric.toml").read_text()
    settings = {"call_seconds": CALL_SECONDS, "task_seconds": TASK_SECONDS, **settings}
    for key, value in settings.items():
        text, n = re.subn(rf"(?m)^{key}\s*=\s*[^#\n]*", f"{key} = {value}   ", text)
        if not n:
            text = text.replace("[settings]\n", f"[settings]\n{key} = {value}\n")
    dest.write_text(text)
    return dest


def snapshot(folder: Path) -> dict[str, tuple]:
    """Every entry below folder: its type, mode and content hash."""
    found = {}
    for path in sorted(folder.rglob("*")):
        st = path.lstat()
        if path.is_symlink():
            found[str(path.relative_to(folder))] = ("link", os.readlink(path))
        elif path.is_file():
            found[str(path.relative_to(folder))] = ("file", st.st_mode, hashlib.sha256(path.read_bytes()).hexdigest())
        else:
            found[str(path.relative_to(folder))] = ("dir", st.st_mode)
    return found


# ---------------------------------------------------------------------------
# running the grader

@dataclass
class Run:
    rc: int | None
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool
    results: dict | None

    def tests(self) -> dict[str, dict]:
        return {t["name"]: t for t in (self.results or {}).get("tests", [])}

    def describe(self) -> str:
        return (f"rc={self.rc} timed_out={self.timed_out} seconds={self.seconds:.1f}\n"
                f"stderr tail: {self.stderr[-1500:]}")


def grade(submission: Path, tasks: list[str], examples: int, out: Path | None, rubric: Path | None = None,
          timeout: float = 150.0, extra: tuple[str, ...] = (), env: dict | None = None) -> Run:
    """Run `grader grade` in its own session; kill the session on timeout."""
    cmd = GRADER + ["grade", str(submission), "--examples", str(examples), "--tasks", *tasks]
    if out is not None:
        cmd += ["--out", str(out)]
    if rubric is not None:
        cmd += ["--rubric", str(rubric)]
    cmd += list(extra)
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=str(ROOT),
                            env={**os.environ, **(env or {})}, start_new_session=True)
    timed_out = False
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        stdout, stderr = proc.communicate()
    seconds = time.monotonic() - start
    results = None
    text = None
    if out is not None:
        if Path(out).exists():
            text = Path(out).read_text()
    else:
        text = stdout
    if text:
        try:
            results = json.loads(text)
        except ValueError:
            results = None
    return Run(proc.returncode, stdout, stderr, seconds, timed_out, results)


def expected_tests(tasks: list[str]) -> dict[str, float]:
    """Every test entry the grader must write for --tasks, with its points."""
    from cnn_checks.tasks import TASKS
    from grader.rubric import Rubric
    rubric = Rubric.load()
    names = {}
    for task in TASKS:
        if any(task == s or task.startswith(s + ".") for s in tasks):
            for part, pts in rubric.part_points(task).items():
                names[f"{task}: {part}"] = pts
    return names


def processes_with(needles: list[str]) -> list[tuple[int, str]]:
    """Live processes whose command line contains one of `needles`."""
    me = os.getpid()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                cmdline = fh.read().replace(b"\0", b" ").decode(errors="replace")
            with open(f"/proc/{entry}/stat") as fh:
                state = fh.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state == "Z":
            continue
        if any(n in cmdline for n in needles):
            found.append((int(entry), cmdline[:300]))
    return found


def wait_gone(needles: list[str], seconds: float = 5.0) -> list[tuple[int, str]]:
    """Processes matching `needles` still alive after up to `seconds`."""
    deadline = time.monotonic() + seconds
    left = processes_with(needles)
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = processes_with(needles)
    return left
