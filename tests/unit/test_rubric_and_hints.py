"""Points per part (the rubric) and the hint drawn from which parts fail."""
from fractions import Fraction

import pytest

from cnn_checks.feedback import describe_failure, hint, part_feedback
from cnn_checks.kinds import TITLES, Kind
from cnn_checks.runner import PartResult
from cnn_checks.tasks import TASKS
from grader.records import TaskReport
from grader.rubric import Rubric


@pytest.fixture(scope="module")
def rubric() -> Rubric:
    return Rubric.load()


def test_part_points_add_up_exactly_to_the_task_points(rubric):
    for name in TASKS:
        shares = rubric.part_points(name)
        assert list(shares) == [p.name for p in TASKS[name].parts]
        # exact in floating point, summed in order (as Gradescope and Classroom add them)
        total = 0.0
        for v in shares.values():
            total += v
        assert total == rubric.task_points(name)
        # quarter points (a smaller power of 1/2 where quarters would leave a part at 0 or
        # below): exact binary floats
        for v in shares.values():
            d = Fraction(v).denominator
            assert v >= 0 and d & (d - 1) == 0 and d <= 1024, shares  # a power of 2
        weights = rubric.weights.get(name, {})
        assert all(v > 0 for part, v in shares.items() if weights.get(part, 1) > 0), shares


def test_weights_share_the_points():
    rubric = Rubric({"conv.conv2d": 10}, {"conv.conv2d": {"basic": 3}})
    shares = rubric.part_points("conv.conv2d")
    n = len(shares)
    assert shares["basic"] == pytest.approx(10 * 3 / (n + 2), abs=0.25)  # within one quarter
    others = [v for k, v in shares.items() if k != "basic"]
    assert all(v == pytest.approx(10 / (n + 2), abs=0.25) for v in others)
    assert max(others) - min(others) <= 0.25
    assert sum(shares.values()) == 10


def test_one_third_shares_round_and_still_add_up():
    task = next(t for t in TASKS.values() if len(t.parts) == 3)
    shares = Rubric({task.name: 1}).part_points(task.name)
    assert list(shares.values()) == [0.5, 0.25, 0.25]  # the earlier part wins the tie
    many = next(t for t in TASKS.values() if len(t.parts) > 4)  # 1 point, more parts than quarters
    shares = Rubric({many.name: 1}).part_points(many.name)
    assert all(v > 0 for v in shares.values()) and sum(shares.values()) == 1


def test_default_points_settings_and_forbidden(rubric):
    assert Rubric({}).task_points("conv.conv2d") == 1.0
    assert Rubric({}, settings={"examples": "7"}).setting("examples", 100) == 7
    extra = Rubric({}, forbidden={"conv": ["numpy.convolve"]}).forbidden_for("conv.conv2d")
    assert "numpy.convolve" in extra and "torch" in extra
    assert "numpy.convolve" not in Rubric({}).forbidden_for("conv.conv2d")


def test_unknown_task_in_a_rubric_is_refused(tmp_path):
    path = tmp_path / "rubric.toml"
    path.write_text('[points]\n"conv.nosuch" = 3\n')
    with pytest.raises(ValueError, match="unknown tasks"):
        Rubric.load(path)


def test_task_report_scores_the_passing_parts():
    report = TaskReport("t.f", [PartResult("t.f", "a", True), PartResult("t.f", "b", False)],
                        {"a": 1.5, "b": 0.25})
    assert report.score == 1.5 and report.max_score == 1.75


CONV = TASKS["conv.conv2d"]


def results(failing: set[str]) -> list[PartResult]:
    return [PartResult(CONV.name, p.name, True, 5) if p.name not in failing
            else PartResult(CONV.name, p.name, False, 5, Kind.VALUE, "off")
            for p in CONV.parts]


def test_hint_names_what_sets_the_failing_parts_apart():
    assert hint(CONV, results(set())) == ""
    second = CONV.parts[1]
    assert hint(CONV, results({second.name})) == f"fails only when {second.condition}: {second.advice}"
    basic = CONV.parts[0]
    assert hint(CONV, results({basic.name, second.name})) == basic.advice


def test_every_kind_has_a_title_and_failures_read_well():
    assert set(TITLES) == set(Kind)
    failed = PartResult(CONV.name, CONV.parts[1].name, False, 3, Kind.VALUE, "the result is wrong")
    text = describe_failure(failed)
    assert text.startswith(f"conv.conv2d: {CONV.parts[1].name} - wrong values")
    assert "hint: " in part_feedback(CONV, failed)
    missing = PartResult(CONV.name, CONV.parts[0].name, False, 0, Kind.MISSING, "conv.py has no `conv2d`")
    assert "hint" not in part_feedback(CONV, missing)
