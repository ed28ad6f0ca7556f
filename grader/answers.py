"""Validation of what a sandboxed child answers: nothing in an answer is
trusted; malformed answers become a `Failed` ("crash"), never an exception
in the grader."""
from __future__ import annotations

import signal

from cnn_checks.execute import Failed, Returned
from cnn_checks.kinds import CHILD_KINDS, Kind
from cnn_checks.outputs import Value

#: What the child may report: its own kinds, and a write into a read-only input.
KNOWN_FAILURES = CHILD_KINDS | {Kind.MODIFIED}
VALUE_KINDS = {"array", "scalar", "int", "other"}


def failed_from(header: dict, fatal: bool = False) -> Failed:
    kind = Kind(header["kind"]) if header.get("kind") in KNOWN_FAILURES else Kind.EXCEPTION
    return Failed(kind, str(header.get("message", ""))[:2000], fatal=fatal or bool(header.get("fatal")),
                  seconds=seconds_of(header))


def seconds_of(header: dict) -> float:
    s = header.get("seconds", 0.0)
    return float(s) if isinstance(s, (int, float)) and 0 <= s < 1e6 else 0.0


def returned_from(header: dict, arrays: dict) -> Returned | Failed:
    """Rebuild Values from the child's answer, trusting nothing in it."""
    values = []
    specs = header.get("values")
    if not isinstance(specs, list):
        return Failed(Kind.CRASH, "the child's answer was malformed (no values)", fatal=True)
    for i, spec in enumerate(specs):
        if not isinstance(spec, dict) or spec.get("kind") not in VALUE_KINDS:
            return Failed(Kind.CRASH, "the child's answer was malformed (value kind)", fatal=True)
        array = arrays.get(f"v{i}")
        if (spec["kind"] == "other") != (array is None):
            return Failed(Kind.CRASH, "the child's answer was malformed (value data)", fatal=True)
        values.append(Value(spec["kind"], array, str(spec.get("type_name", "?"))[:200]))
    modified = header.get("modified", [])
    modified = [str(m)[:50] for m in modified] if isinstance(modified, list) else []
    return Returned(values, modified, seconds_of(header))


def batch_from(header: dict, arrays: dict, n_cases: int) -> list[Returned | Failed] | Failed:
    """A batch answer: one outcome per case run (at most `n_cases`)."""
    outcomes = header.get("outcomes")
    if not isinstance(outcomes, list) or len(outcomes) > n_cases:
        return Failed(Kind.CRASH, "the child's answer was malformed (batch)", fatal=True)
    by_case: dict[str, dict] = {}  # "<case>:v<j>" -> by_case["<case>"]["v<j>"]
    for key, value in arrays.items():
        case, _, name = key.partition(":")
        by_case.setdefault(case, {})[name] = value
    results: list[Returned | Failed] = []
    for i, h in enumerate(outcomes):
        if not isinstance(h, dict):
            return Failed(Kind.CRASH, "the child's answer was malformed (batch)", fatal=True)
        if h.get("status") == "failed":
            results.append(failed_from(h))
        else:
            results.append(returned_from(h, by_case.get(str(i), {})))
    return results


def death(returncode: int | None, when: str, memory_mb: int, cpu_seconds: int,
          out_of_memory: bool = False) -> tuple[str, str]:
    """(kind, message) for a child that ended: which limit, which signal."""
    if out_of_memory:
        return Kind.MEMORY, (f"used more than {memory_mb} MiB (the memory limit, all the processes "
                          f"it started together): {when}")
    sig = -returncode if returncode is not None and returncode < 0 else (
        returncode - 128 if returncode is not None and returncode > 128 else None)
    if returncode is None:
        return Kind.CRASH, f"ended, killed from inside the sandbox: {when}"
    if sig == signal.SIGXCPU:
        return Kind.TIMEOUT, f"used more than {cpu_seconds} s of CPU time (the limit): {when}"
    if sig == signal.SIGKILL:
        return Kind.CRASH, f"was killed (SIGKILL; memory exhausted?): {when}"
    if sig in (signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT):
        return Kind.CRASH, (f"crashed with {signal.Signals(sig).name} ({when}); memory limit is "
                            f"{memory_mb} MiB")
    if sig is not None:
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = str(sig)
        return Kind.CRASH, f"was ended by signal {name}: {when}"
    return Kind.EXIT, (f"{when} with exit status {returncode}: do not call exit(), sys.exit() or "
                    f"os._exit() in your functions")
