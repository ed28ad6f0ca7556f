"""One policy for the forbidden libraries: the static check, the runtime
guard and the sandbox's hidden folders all read cnn_checks.policy."""
from cnn_checks.policy import (
    DEFAULT_RULES,
    GRADER_PACKAGES,
    Rules,
    advice_for,
    forbidden_for,
    hidden_packages,
    is_forbidden,
)
from grader.sandbox import HIDDEN_PACKAGES


def test_sandbox_hides_every_library_forbidden_everywhere_and_the_grader():
    assert hidden_packages() == HIDDEN_PACKAGES
    for name in DEFAULT_RULES.everywhere + GRADER_PACKAGES:
        assert name.replace(".", "/") in HIDDEN_PACKAGES
    for name in ("torch", "numba", "cv2", "skimage", "scipy/signal", "solutions", "grader"):
        assert name in HIDDEN_PACKAGES


def test_a_name_forbids_what_lies_below_it():
    assert is_forbidden("scipy.signal.correlate2d", ["scipy.signal"])
    assert is_forbidden("torch", ["torch"])
    assert not is_forbidden("scipy.special", ["scipy.signal"])
    assert not is_forbidden("torchvision", ["torch"])  # a prefix of the name is not enough


def test_extras_by_module_then_by_task():
    rules = Rules(("a",), {"m": ("b",), "m.f": ("c", "b")})
    assert forbidden_for("m.f", rules) == ["a", "b", "c"]
    assert forbidden_for("n.f", rules) == ["a"]
    assert "scipy.special.softmax" in forbidden_for("losses.softmax")
    assert "scipy.special.softmax" not in forbidden_for("conv.conv2d")


def test_advice_by_task_then_module():
    assert "centred differences" in advice_for("backprop.numerical_gradient")
    assert "chain rule" in advice_for("backprop.relu_backward")
    assert advice_for("nosuch.task") == "use NumPy and your own functions"
