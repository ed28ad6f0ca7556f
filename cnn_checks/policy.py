"""Which libraries a task may not use, and what to use instead: the one
policy that the static check (cnn_checks.forbidden), the runtime guard in
the grader's child (cnn_checks.import_guard) and the sandbox's hidden
folders (grader.sandbox.HIDDEN_PACKAGES) all read.

A name forbids itself and every name below it: "scipy.signal" forbids
"scipy.signal.correlate2d". The instructor adds names per module or task in
the rubric (grader/rubric.toml, [forbidden]).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Rules:
    """Forbidden dotted names: `everywhere` for every task, plus `extra`
    lists keyed by module name ("losses") or task name
    ("backprop.cross_entropy_backward"). A name forbids itself and every
    name below it ("scipy.signal" forbids "scipy.signal.correlate2d")."""

    everywhere: tuple[str, ...]
    extra: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


#: Libraries that compute convolutions, pooling, losses or gradients for the
#: student, or that reach the hidden reference. NumPy stays allowed, with
#: numpy.lib.stride_tricks.sliding_window_view, einsum and tensordot.
EVERYWHERE = (
    "torch", "torchvision", "functorch",                      # PyTorch
    "tensorflow", "keras", "jax", "jaxlib", "flax",           # other frameworks
    "cupy", "cupyx", "mxnet", "paddle", "chainer", "theano",
    "autograd",                                               # computes gradients
    "cv2", "skimage",                                         # image filtering and pooling
    "scipy.signal", "scipy.ndimage",                          # convolve / correlate / filters
    "array_api_compat.torch", "array_api_compat.cupy",        # PyTorch and CuPy by another name
    "numba",                                                  # compiled code no check can follow
    "solutions",                                              # the hidden reference
    "cnn_checks.oracle",                                      # PyTorch's answers
)

#: The grader's own packages: a student never imports them, and the sandbox
#: hides them with the forbidden libraries.
GRADER_PACKAGES = ("grader", "nbgrader")

#: Packages that hold the network's data set with its labels (and train
#: networks): the grader loads the digits and hands the child arrays.
DATA_PACKAGES = ("sklearn",)

SOFTMAX_HELPERS = ("scipy.special.softmax", "scipy.special.log_softmax",
                   "scipy.special.logsumexp")

DEFAULT_RULES = Rules(
    everywhere=EVERYWHERE,
    extra={
        "losses": SOFTMAX_HELPERS,
        "backprop.cross_entropy_backward": SOFTMAX_HELPERS,
        "backprop.sigmoid": ("scipy.special.expit",),
        "backprop.sigmoid_backward": ("scipy.special.expit",),
        # scikit-learn trains networks (MLPClassifier) and holds the digits
        # with their labels: the grader loads the data, the student trains
        "network": ("sklearn",) + SOFTMAX_HELPERS,
        "backprop.numerical_gradient": ("scipy.optimize.approx_fprime",
                                        "scipy.optimize.check_grad",
                                        "scipy.differentiate", "numdifftools"),
    },
)

#: What to use instead, by task name or module name (the first match wins).
ADVICE = {
    "backprop.numerical_gradient": "loop over the entries of x (np.nditer or np.ndindex) and take "
                                   "centred differences (f(x + h) - f(x - h)) / (2h) yourself",
    "backprop.cross_entropy_backward": "compute the softmax with NumPy (subtract the row max, "
                                       "then numpy.exp) and subtract the one-hot target",
    "backprop.sigmoid": "use numpy.exp: 1 / (1 + exp(-x))",
    "backprop.sigmoid_backward": "use numpy.exp: s = 1 / (1 + exp(-x)), then s * (1 - s)",
    "padding": "build the padded array with NumPy (numpy.zeros / numpy.full and slicing)",
    "conv": "write the sliding window yourself: numpy.lib.stride_tricks.sliding_window_view, "
            "einsum or loops are allowed",
    "pooling": "take the windows yourself (numpy.lib.stride_tricks.sliding_window_view, slicing "
               "or loops) and reduce them with numpy's max / mean / min",
    "losses": "subtract the max and use numpy.exp (and numpy.log for the log-probabilities)",
    "backprop": "compute the gradient with NumPy by the chain rule, reusing your own forward "
                "functions; numpy.lib.stride_tricks.sliding_window_view, einsum and loops are allowed",
    "optim": "apply the update formula from the docstring with NumPy arrays, in place",
    "network": "build the network from your own conv, pooling, losses, backprop and optim "
               "functions; the images and labels are handed to train() and predict()",
}
DEFAULT_ADVICE = "use NumPy and your own functions"


def _scopes(task_name: str) -> tuple[str, str]:
    module = task_name.split(".", 1)[0]
    return task_name, module


def forbidden_for(task_name: str, rules: Rules = DEFAULT_RULES) -> list[str]:
    """The dotted names `task_name` ("conv.conv2d") may not use."""
    names = list(rules.everywhere)
    for scope in reversed(_scopes(task_name)):  # module extras, then the task's own
        names += [n for n in rules.extra.get(scope, ()) if n not in names]
    return names


def advice_for(task_name: str) -> str:
    """What a student should use instead of a forbidden library."""
    for scope in _scopes(task_name):
        if scope in ADVICE:
            return ADVICE[scope]
    return DEFAULT_ADVICE


def is_forbidden(name: str, forbidden: Iterable[str]) -> bool:
    """True when `name` is a forbidden name or lies below one."""
    return any(name == f or name.startswith(f + ".") for f in forbidden)


def hidden_packages(rules: Rules = DEFAULT_RULES) -> tuple[str, ...]:
    """The folders, relative to site-packages, that the sandboxed child must
    not even find on disk: every library forbidden for every task
    ("scipy.signal" -> "scipy/signal"), the grader's own packages and the
    data set's."""
    return tuple(name.replace(".", "/")
                 for name in rules.everywhere + GRADER_PACKAGES + DATA_PACKAGES)
