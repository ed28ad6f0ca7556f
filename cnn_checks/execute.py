"""Call an implementation on one case and turn the result into plain data.

This runs wherever the implementation runs: in the test process for the
public tests, in the grader's own process for the reference solution, and
inside the sandboxed child (grader/child.py) for a submission being graded.
Its answer is data (`Returned` or `Failed`), never the student's objects.
"""
from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .cases import Case
from .kinds import Kind
from .outputs import Value, WrongStructure, to_values
from .task import Task


@dataclass
class Returned:
    """The call returned: one Value per output, and the inputs it changed."""

    values: list[Value]
    modified: list[str] = field(default_factory=list)
    seconds: float = 0.0
    #: CPU time of the call (this process, all threads); the grader puts
    #: its own measurement of the sandboxed child here where it matters
    cpu_seconds: float = 0.0


@dataclass
class Failed:
    """The call did not return a result.

    kind: a cnn_checks.kinds.Kind; here NOT_IMPLEMENTED, MISSING, EXCEPTION,
    MODIFIED (wrote into a read-only input), STRUCTURE (wrong number or
    kind of returned values), EXIT or MEMORY; the
    child adds IMPORT and FORBIDDEN, the grader's sandbox TIMEOUT, CRASH,
    OUTPUT and PROCESS.
    fatal: no further case is worth trying (the grader stops the part).
    """

    kind: str
    message: str
    fatal: bool = False
    seconds: float = 0.0


def find_callable(module: Any, task: Task):
    """The task's function or class in `module`, or a Failed saying why not."""
    fn = getattr(module, task.function, None)
    if fn is None:
        return Failed(Kind.MISSING, f"{task.module}.py has no `{task.function}`: check the "
                                    f"spelling and that it is defined at the top level", fatal=True)
    if not callable(fn):
        return Failed(Kind.MISSING, f"`{task.module}.{task.function}` is a "
                                    f"{type(fn).__name__}, not a function or class", fatal=True)
    return fn


def prepare(case: Case, xp: str = "numpy", device: str = "cpu") -> dict[str, Any]:
    """Fresh input arrays for one call, in the case's memory layout (NumPy),
    or as float tensors on `device` (xp="torch", for the reference on a GPU)."""
    if xp == "numpy":
        return {name: case.array(name) for name in case.arrays}
    import torch
    return {name: torch.as_tensor(np.array(a), device=device) for name, a in case.arrays.items()}


def execute(task: Task, fn: Any, case: Case, prepared: dict[str, Any] | None = None,
            measure_cpu: bool = True) -> Returned | Failed:
    """Call `fn` on `case` (NumPy inputs: fresh copies, or `prepared`, e.g.
    the grader's read-only inputs); never raises for the callee's faults.
    `measure_cpu`: fill Returned.cpu_seconds (this process's CPU time, two
    system calls; the grader's child leaves it to the grader)."""
    arrays = prepare(case) if prepared is None else prepared
    start, cpu_start = time.perf_counter(), time.process_time() if measure_cpu else 0.0
    try:
        result = task.call(fn, arrays, dict(case.params))
    except WrongStructure as exc:
        return Failed(Kind.STRUCTURE, str(exc), seconds=time.perf_counter() - start)
    except NotImplementedError as exc:
        return Failed(Kind.NOT_IMPLEMENTED, f"not implemented yet ({exc})" if str(exc)
                      else "not implemented yet (raises NotImplementedError)", fatal=True)
    except SystemExit as exc:
        return Failed(Kind.EXIT, f"called sys.exit({exc.code!r}) during the call", fatal=True)
    except MemoryError:
        return Failed(Kind.MEMORY, "ran out of memory (MemoryError) during the call", fatal=True)
    except Exception as exc:  # the callee's fault: report it, keep going
        if _wrote_to_readonly(exc):
            return Failed(Kind.MODIFIED, f"tried to change an input in place ({describe_exception(exc)}): "
                                         f"work on a copy (functions never modify their inputs)",
                          seconds=time.perf_counter() - start)
        return Failed(Kind.EXCEPTION, describe_exception(exc), seconds=time.perf_counter() - start)
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start if measure_cpu else 0.0
    values = to_values(result, task.outputs)
    if isinstance(values, str):
        return Failed(Kind.STRUCTURE, values, seconds=seconds)
    modified = [name for name, a in arrays.items()
                if name not in task.mutable and not _unchanged(a, case.arrays[name])]
    return Returned(values, modified, seconds, cpu_seconds)


def _wrote_to_readonly(exc: BaseException) -> bool:
    """NumPy's complaint about writing into a read-only array (the grader
    hands the inputs over read-only)."""
    return isinstance(exc, ValueError) and "read-only" in str(exc)


def _unchanged(a: Any, original: np.ndarray) -> bool:
    if a is original:  # the very array (the grader's child hands over read-only inputs, kept as they are)
        return True
    return type(a) is np.ndarray and a.shape == original.shape and bool(
        np.array_equal(a, original, equal_nan=True))


def describe_exception(exc: BaseException) -> str:
    """`ValueError: ... (conv.py, line 12, in conv2d)`: the last frame that is
    not part of this package, i.e. the student's own line."""
    frames = traceback.extract_tb(exc.__traceback__)
    here = str(Path(__file__).parent)
    own = [f for f in frames if not f.filename.startswith(here)]
    where = ""
    if own:
        f = own[-1]
        where = f" ({Path(f.filename).name}, line {f.lineno}, in {f.name}: `{(f.line or '').strip()}`)"
    text = str(exc)
    if len(text) > 300:
        text = text[:300] + "..."
    return f"raised {type(exc).__name__}: {text}{where}"


def describe_import_error(module: str, exc: BaseException, folder: str | Path | None = None) -> str:
    """Why `module`.py could not be imported, pointing at the line; when the
    file itself is missing, say so and list the files that were found."""
    if isinstance(exc, ModuleNotFoundError) and (exc.name or "").split(".")[-1] == module:
        found = ""
        if folder is not None:
            from .walk import SubmissionTooLarge, python_files, readable
            try:
                names = [readable(n, 80) for n in python_files(folder) if n != "__init__.py"]
            except SubmissionTooLarge:
                names = []
            found = f" (found: {', '.join(names)})" if names else " (found no .py files)"
        return (f"{module}.py is missing from the submission{found}: hand in {module}.py "
                f"with the module's functions, named exactly so")
    if isinstance(exc, SyntaxError):
        where = f"{Path(exc.filename or module + '.py').name}, line {exc.lineno}"
        return f"{module}.py cannot be imported: SyntaxError ({where}): {exc.msg}"
    return f"{module}.py cannot be imported: {describe_exception(exc)}"
