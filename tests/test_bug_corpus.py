"""The bug corpus: every realistic one-bug submission must lose points on its
own task, and only there.

For each bug in tests/corpus/bugs/ a submission is built from the reference
solutions with that one function replaced (tests/corpus/build.py), and every
part of every task is checked against PyTorch:

- at least one part of the bug's task fails (the properties catch it);
- no part of any other task fails (a bug costs nothing elsewhere, and no
  property fails a correct implementation).

The causes are the grader's (check_part with the whole catalogue of
misconceptions, grader/misconceptions.py), not only the public ones.

Speed: a part's cases depend only on its strategy and seed, so they are
drawn once (grader.case_cache, the grader's own cache) and PyTorch's answers
are computed once per session; each submission is then run on them in a
batch and judged (cnn_checks.runner.check_cases, the grader's fast path).
Where that batch fails, `check_part` (the same cases, same seed) confirms
the verdict and shrinks the failure, exactly as the grader does.

The slow tests grade a few bug submissions end to end with the `grader`
command line and check that the lost points are exactly the bug task's.
"""
from __future__ import annotations

import json
import subprocess
import sys
import warnings
from collections import Counter
from pathlib import Path

import pytest

from cnn_checks.feedback import part_feedback
from cnn_checks.implementations import in_process, load_package
from cnn_checks.oracle import oracle_expected
from cnn_checks.runner import check_cases, check_part
from cnn_checks.tasks import MODULES, TASKS
from grader.case_cache import cases_for
from grader.misconceptions import CATALOGUE

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus.build import BUGS, describe_bug, expected_cause, load_bug, make_submission

ROOT = Path(__file__).resolve().parents[1]

#: Hypothesis examples per part (the grader uses 100; the public tests 10)
EXAMPLES = 30

#: one bug per module, graded end to end through the grader's command line
GRADED = ("pad2d_reflect_symmetric", "conv2d_ignores_dilation", "max_pool2d_default_stride_one",
          "cross_entropy_mean_over_nk", "conv2d_backward_assign", "adam_no_bias_correction")

PARTS = [(task, part) for task in TASKS.values() for part in task.parts]
_REFERENCE: dict = {}


def _reference(task, part):
    """The part's cases and PyTorch's answer for each, computed once."""
    key = (task.name, part.name)
    if key not in _REFERENCE:
        cases = cases_for(task, part, EXAMPLES)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            answers = {id(c): oracle_expected(task, c) for c in cases}
        _REFERENCE[key] = (cases, answers)
    return _REFERENCE[key]


def failing_parts(package: str, causes: dict | None = None,
                  training: bool = True) -> dict[str, dict[str, str]]:
    """{task: {part: feedback}} for every part the implementation fails;
    `causes` receives {task: the first failing part's cause line}.

    Each part runs first on its cached cases (the grader's fast path); a
    task's first failing part is confirmed and shrunk by `check_part`, with
    PyTorch as the oracle, and its feedback kept for the assertion message.
    Parts with fixed cases (the network's training run, seconds each) run
    only with `training`; parts the grader alone measures (speed) never."""
    failures: dict[str, dict[str, str]] = {}
    for task in TASKS.values():
        run = in_process(package, task)
        for part in task.parts:
            if part.grader_only or (part.cases is not None and not training):
                continue
            cases, answers = _reference(task, part)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                outcomes = [run(c) for c in cases]
                if check_cases(task, part, cases, outcomes, lambda c, a=answers: a[id(c)]) is not None:
                    continue
                if task.name in failures:
                    # the task already has a confirmed failure: spare the shrinking
                    failures[task.name][part.name] = "fails on the same cases"
                    continue
                result = check_part(task, part, run, lambda c, t=task: oracle_expected(t, c),
                                    max_examples=EXAMPLES, catalogue=CATALOGUE)
            if not result.passed:
                failures.setdefault(task.name, {})[part.name] = part_feedback(task, result)
                if causes is not None:
                    causes[task.name] = result.cause
    return failures


# --------------------------------------------------------------------------
# the corpus itself


def test_corpus_size_and_coverage():
    assert len(BUGS) >= 30, f"only {len(BUGS)} bugs"
    per_module = Counter(load_bug(b)[1] for b in BUGS)
    assert set(per_module) == set(MODULES), f"modules without a bug: {set(MODULES) - set(per_module)}"
    thin = {m: n for m, n in per_module.items() if n < 4}
    assert not thin, f"modules with fewer than 4 bugs: {thin}"
    for bug in BUGS:
        task, _ = load_bug(bug)
        assert task in TASKS, f"{bug.name}: unknown task {task!r}"
        assert describe_bug(bug).strip(), f"{bug.name}: no docstring describing the mistake"


@pytest.mark.slow
def test_reference_passes_everything(tmp_path):
    """The fast path's premise: the unmodified reference fails nothing."""
    from corpus.build import make_reference
    package = load_package(make_reference(tmp_path / "reference"), name="corpus_reference")
    assert failing_parts(package) == {}


# --------------------------------------------------------------------------
# every bug, in process


@pytest.mark.slow
@pytest.mark.parametrize("bug", BUGS, ids=[b.stem for b in BUGS])
def test_bug_fails_its_task_only(bug, tmp_path):
    """The bug loses points on its task only, and the feedback's `likely
    cause:` line names it (the bug file's CAUSE phrase)."""
    task, module = load_bug(bug)
    folder = make_submission(bug, tmp_path / "submission")
    package = load_package(folder, name=f"corpus_{bug.stem}")
    causes: dict = {}
    # a bug elsewhere cannot reach the network's training run: the submission's
    # network module calls the reference under its hidden name (corpus/build.py)
    failures = failing_parts(package, causes, training=module == "network")
    others = {t: parts for t, parts in failures.items() if t != task}
    assert task in failures, (f"{bug.stem} ({describe_bug(bug)}) passes every part of {task}: "
                              f"no property catches it")
    assert not others, (f"{bug.stem} is a bug in {task} but also fails "
                        + "; ".join(f"{t}: {', '.join(p)}" for t, p in others.items())
                        + "\n\n" + "\n\n".join(f for p in others.values() for f in p.values()))
    want = expected_cause(bug)
    if want is not None:
        got = causes.get(task) or ""
        assert got.startswith("likely cause: ") and want in got, (
            f"{bug.stem}: the likely cause should name {want!r}, got {got!r}\n\n"
            + "\n\n".join(failures[task].values()))
        feedback = next(f for f in failures[task].values() if "likely cause:" in f)
        lines = feedback.splitlines()
        cause_at = next(i for i, line in enumerate(lines) if "likely cause:" in line)
        hint_at = next(i for i, line in enumerate(lines) if line.strip().startswith("hint:"))
        assert cause_at < hint_at, feedback


def test_causes_cover_the_corpus():
    """At least 90% of the one-bug submissions have their cause named (each
    asserted in test_bug_fails_its_task_only)."""
    named = [b for b in BUGS if expected_cause(b) is not None]
    assert len(named) >= 0.9 * len(BUGS), f"{len(named)} of {len(BUGS)}"


def test_every_misconception_has_a_bug():
    """Every catalogued misconception (the public ones and the grader's) is
    one bug of the corpus whose cause line names it."""
    phrases = [(TASKS[load_bug(b)[0]].name, expected_cause(b)) for b in BUGS]
    missing = [(task, m.name) for task, ms in CATALOGUE.items() for m in ms
               if not any(t == task and c and c in m.name for t, c in phrases)]
    assert not missing, missing


@pytest.mark.slow  # grades a submission end to end
def test_square_kernel_only_keeps_every_other_part(tmp_path):
    """A convolution that handles only square kernels loses the 'nonsquare'
    part of conv2d and keeps every other one."""
    bug = next(b for b in BUGS if b.stem == "conv2d_square_kernel_only")
    package = load_package(make_submission(bug, tmp_path / "s"), name="corpus_square_only")
    assert set(failing_parts(package).get("conv.conv2d", {})) == {"nonsquare"}


# --------------------------------------------------------------------------
# a few bugs, through the grader's command line


def grade(submission: Path, out: Path, *extra: str) -> dict:
    proc = subprocess.run([sys.executable, "-m", "grader.cli", "grade", str(submission),
                           "--out", str(out), *extra],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"grader exited {proc.returncode}:\n{proc.stderr[-3000:]}"
    return json.loads(out.read_text())


def lost_points(results: dict) -> dict[str, float]:
    """{test name: points lost} for every entry that lost points."""
    return {t["name"]: t["max_score"] - t["score"] for t in results["tests"]
            if t["score"] < t["max_score"]}


@pytest.mark.slow
@pytest.mark.parametrize("name", GRADED)
def test_grader_charges_only_the_bug_task(name, tmp_path):
    bug = next(b for b in BUGS if b.stem == name)
    task, _ = load_bug(bug)
    results = grade(make_submission(bug, tmp_path / "submission"), tmp_path / "results.json",
                    "--examples", str(EXAMPLES))
    lost = lost_points(results)
    assert lost, f"the grader gave {name} full marks"
    elsewhere = {n: v for n, v in lost.items() if n.split(": ", 1)[0] != task}
    assert not elsewhere, f"{name} lost points outside {task}: {elsewhere}"
    names = {t["name"].split(": ", 1)[0] for t in results["tests"]}
    assert names == set(TASKS), f"tasks missing from the results: {set(TASKS) - names}"
    assert results["score"] < results["max_score"]
    for t in results["tests"]:
        if t["score"] < t["max_score"]:
            assert t["score"] == 0 and t["output"].strip(), t


#: bugs whose cause only the grader's half of the catalogue names
GRADER_ONLY_CAUSES = ("conv2d_backward_assign", "adam_no_bias_correction")


@pytest.mark.slow  # grades one task end to end
@pytest.mark.parametrize("name", GRADER_ONLY_CAUSES)
def test_grader_names_the_causes_students_cannot_compute(name, tmp_path):
    """The misconceptions that need a task's own computation are not in the
    student release (grader/misconceptions.py), yet `grader grade` names
    them; the public catalogue alone does not."""
    from cnn_checks.misconceptions import MISCONCEPTIONS
    bug = next(b for b in BUGS if b.stem == name)
    task, _ = load_bug(bug)
    want = expected_cause(bug)
    assert want is not None
    assert not any(want in m.name for m in MISCONCEPTIONS.get(task, ())), \
        f"{want!r} is in the public catalogue"
    assert any(want in m.name for m in CATALOGUE[task])
    results = grade(make_submission(bug, tmp_path / "submission"), tmp_path / "results.json",
                    "--tasks", task, "--examples", str(EXAMPLES))
    causes = [line.strip() for t in results["tests"] if t["score"] < t["max_score"]
              for line in t["output"].splitlines() if "likely cause:" in line]
    assert causes and all(want in c for c in causes), causes
