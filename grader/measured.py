"""Parts judged from measured runs rather than Hypothesis draws: training
the capstone network on the digits (one run, its own time limits, a CPU-
time budget), and the speed tier (the student's conv2d and conv2d_backward
timed against the reference on the same input, in the same run).

Times that decide a verdict are measured here, outside the student's
process, from the kernel's accounting, which the child cannot fake: the
CPU time of every process the task has had, exited ones included, and the
wall time of each round trip. The reference runs in this process, on one
BLAS thread like the child.

Where the task has a CPU-accounting cgroup (grader.isolation.TaskCgroup),
its count is the task's CPU time: every process the task starts is born
in it and cannot leave it, however it forks, detaches or exits. Without
one (no writable cgroups), the count is read from /proc under the zygote,
a subreaper that every orphan of the task falls back to: each process
below it (zombies too) with the children it has waited for, plus the
zygote's own count of reaped children. What that fallback cannot see: a
process whose parent ignores SIGCHLD is reaped by the kernel without
adding its time to anyone's count, so CPU spent in such a child before it
exits is lost (a grade measured there is only as strong as the cgroup-less
sandbox, which is for trusted runs).
"""
from __future__ import annotations

import os
import time
from dataclasses import replace

from cnn_checks.cases import Case
from cnn_checks.execute import Failed, Returned, execute, find_callable
from cnn_checks.implementations import load_module
from cnn_checks.kinds import Kind
from cnn_checks.runner import PartResult, judge_outcome
from cnn_checks.tasks import TASKS

from .isolation import children

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _ticks(pid: int) -> tuple[int, int]:
    """(its own, its waited-for children's) utime + stime of a process, in
    clock ticks; zeros when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        # fields[0] is the state (field 3); utime..cstime are fields 14..17
        return int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14])
    except (OSError, IndexError, ValueError):
        return 0, 0


def _below(root: int) -> set[int]:
    """Every process below `root`, zombies included (a zombie's time is not
    yet in its parent's count)."""
    found: set[int] = set()
    todo = [root]
    while todo:
        for pid in children(todo.pop()):
            if pid not in found:
                found.add(pid)
                todo.append(pid)
    return found


def tree_cpu_seconds(root: int) -> float:
    """CPU seconds of the processes below `root` (a subreaper), those that
    have exited included: `root`'s count of the children it reaped, and for
    each process below it, living or a zombie, its own time and that of the
    children it has waited for. Only a process reaped without being waited
    for (its parent ignores SIGCHLD) is missed."""
    total = _ticks(root)[1]
    for pid in _below(root):
        own, waited = _ticks(pid)
        total += own + waited
    return total / _TICKS


def child_cpu_seconds(child) -> float | None:
    """CPU seconds used so far by every process of a sandboxed child's task,
    exited ones included: its cgroup's count where it has one, else /proc's
    under the zygote (tree_cpu_seconds); None where neither can be read."""
    cgroup = getattr(child, "cgroup", None)
    counted = cgroup.cpu_seconds() if cgroup is not None else None
    if counted is not None:
        return counted
    sandbox = getattr(child, "sandbox", None)
    zygote = sandbox.zygote_process() if sandbox is not None else None
    if not zygote or not os.path.isdir(f"/proc/{zygote}"):
        return None
    return tree_cpu_seconds(zygote)


class one_thread:
    """BLAS and OpenMP limited to one thread (as in the child) while timing
    the reference in this process."""

    def __enter__(self):
        try:
            from threadpoolctl import threadpool_limits
            self._limits = threadpool_limits(1)
        except ImportError:
            self._limits = None
        return self

    def __exit__(self, *exc):
        if self._limits is not None:
            self._limits.unregister()


def reference_seconds(task_name: str, case: Case, repeats: int = 1) -> float:
    """The reference's best CPU time for one call on `case` (this process,
    one thread)."""
    clock = time.process_time
    task = TASKS[task_name]
    fn = find_callable(load_module("solutions", task.module), task)
    best = float("inf")
    with one_thread():
        for _ in range(repeats):
            start = clock()
            outcome = execute(task, fn, case)
            best = min(best, clock() - start)
            if isinstance(outcome, Failed):
                raise RuntimeError(f"the reference failed on {task_name}: {outcome.message}")
    return best


# --------------------------------------------------------------------------
# one training run


def grade_fixed_part(task, part, child, expected, budget: float | None, seed: int | None = None):
    """Run the part's fixed cases (those of the course secret's `seed`, else
    the public ones) through `child` one by one, the child's CPU time
    measured from outside; the first failure is the verdict (no shrinking: a
    training run has no smaller input). Returns the result and the child
    (the caller replaces it when it died)."""
    examples = 0
    seconds = 0.0
    for case in (part.cases() if seed is None else part.cases(seed)):
        examples += 1
        if budget is not None:
            case = replace(case, params={**case.params, "budget_seconds": budget})
        cpu_before = child_cpu_seconds(child)
        start = time.monotonic()
        outcome = child.call(case)
        wall = time.monotonic() - start
        cpu_after = child_cpu_seconds(child)
        seconds += wall
        if isinstance(outcome, Returned):
            if cpu_before is not None and cpu_after is not None:
                outcome.cpu_seconds = cpu_after - cpu_before
            else:
                outcome.cpu_seconds = wall
        elif outcome.kind == Kind.TIMEOUT and budget is not None:
            outcome = _stopped(task.name, case, outcome, wall, budget,
                               None if cpu_before is None or cpu_after is None else cpu_after - cpu_before)
        problem = judge_outcome(task, case, outcome, expected)
        if problem is not None:
            kind, message, mismatch = problem
            if kind == "slow" and isinstance(outcome, Returned):
                ref = reference_seconds(task.name, case)
                message += (f"\n  The reference trains in {ref:.1f} s of CPU time here, "
                            f"{outcome.cpu_seconds / max(ref, 1e-3):.1f}x faster.")
            result = PartResult(task.name, part.name, False, examples, kind, message, case,
                                mismatch, seconds)
            return result, child
    summary = f"{seconds:.1f} s"
    if task.summary is not None and isinstance(outcome, Returned):
        summary = task.summary(case, expected(case), outcome)
    return PartResult(task.name, part.name, True, examples, message=summary,
                      seconds_inside=seconds), child


def _stopped(task_name: str, case: Case, outcome: Failed, wall: float, budget: float,
             used: float | None) -> Failed:
    """What a training run stopped by a limit tells the student: over the
    CPU-time budget (the CPU limit stopped it, or the wall-clock limit after
    the budget was spent), or, when the wall-clock limit struck first on a
    busy machine, that nothing could be measured."""
    ref = reference_seconds(task_name, case)
    if used is not None and used < budget:
        return Failed(Kind.SLOW, (
            f"training was stopped by the wall-clock limit after {wall:.0f} s, having used only "
            f"{used:.0f} s of CPU time (the budget is {budget:g} s): the grading machine was too "
            f"busy to tell whether it fits; ask for a regrade. The reference trains in {ref:.1f} s "
            f"of CPU time."), fatal=True)
    spent = f"{used:.0f} s of CPU time" if used is not None else f"{wall:.0f} s"
    return Failed(Kind.SLOW, (
        f"training was stopped after {spent}, before it finished ({outcome.message}); the budget "
        f"is {budget:g} s of CPU time and the reference trains in {ref:.1f} s, so yours needs "
        f"more than {int(budget / max(ref, 1e-3))}x the reference's time. Vectorize conv2d, "
        f"conv2d_backward and max_pool2d_backward over the batch and channels (see the speed "
        f"part)"), fatal=True)


# --------------------------------------------------------------------------
# the speed tier


def _timed_rounds(child, task_name: str, case: Case, rounds: int = 3, per_batch: int = 8):
    """(student, reference, failure): the best time per call of a few
    rounds, each a batch of `per_batch` calls in one round trip to the child
    (so that the round trip's own latency is shared out) and as many
    reference calls on the same input, interleaved so that both see the same
    load on the machine. Code that needs more than a second per call is
    timed on that one call."""
    task = TASKS[task_name]
    fn = find_callable(load_module("solutions", task.module), task)
    start = time.perf_counter()
    first = child.call(case)
    took = time.perf_counter() - start
    if isinstance(first, Failed):
        return took, 0.0, first
    student, reference = took, float("inf")
    with one_thread():
        for _ in range(rounds):
            if took < 1.0:
                start = time.perf_counter()
                outcomes = child.batch([case] * per_batch)
                if isinstance(outcomes, Failed):
                    return student, reference, outcomes
                failed = next((o for o in outcomes if isinstance(o, Failed)), None)
                if failed is not None:
                    return student, reference, failed
                student = min(student, (time.perf_counter() - start) / per_batch)
            start = time.perf_counter()
            for _ in range(per_batch):
                execute(task, fn, case)
            reference = min(reference, (time.perf_counter() - start) / per_batch)
    return student, reference, None


def grade_speed_part(task, part, sandbox, rubric, ratio_limit: float, limits=None) -> PartResult:
    """Time each of the part's cases (one per timed task: `timed_task` in
    its params) in a child serving that task, with the grading task's
    `limits` (the sandbox's by default), and the reference on the same
    input; the part passes when every ratio is within `ratio_limit`."""
    limits = limits or sandbox.limits
    lines, passed, examples = [], True, 0
    for case in part.cases():
        name = case.params["timed_task"]
        examples += 1
        child = sandbox.start(name, rubric.forbidden_for(name), limits=limits)
        if isinstance(child, Failed):
            return PartResult(task.name, part.name, False, examples, child.kind,
                              f"{name} could not be timed: {child.message}", case)
        try:
            student, reference, failed = _timed_rounds(child, name, case)
        finally:
            child.close()
        if failed is not None and failed.kind == Kind.TIMEOUT:
            reference = reference_seconds(name, case, repeats=3)
            passed = False
            lines.append(f"{name}: more than {limits.call_seconds / max(reference, 1e-6):.0f}x "
                         f"the reference's time (stopped after {limits.call_seconds:g} s; "
                         f"the reference needs {reference * 1e3:.1f} ms)")
            continue
        if failed is not None:
            return PartResult(task.name, part.name, False, examples, failed.kind,
                              f"{name} could not be timed: {failed.message}", case)
        ratio = student / max(reference, 1e-6)
        ok = ratio <= ratio_limit
        passed &= ok
        lines.append(f"{name}: {ratio:.1f}x the reference's time ({student * 1e3:.1f} ms vs "
                     f"{reference * 1e3:.1f} ms){'' if ok else f', more than {ratio_limit:g}x'}")
    verdict = (f"within {ratio_limit:g}x of the reference" if passed
               else f"slower than {ratio_limit:g}x the reference")
    message = f"{verdict} (layer 2's shapes, a batch of 8):\n  " + "\n  ".join(lines)
    return PartResult(task.name, part.name, passed, examples, None if passed else Kind.SLOW, message,
                      None if passed else part.cases()[0])
