"""network.init_params, forward, loss_and_grads, predict and train: the
capstone convnet (SPEC.md, section `network`).

Every part is checked against PyTorch building the same network from the
same parameters, never against the student's other functions:

- init_params: the keys, shapes and dtype; two seeds differ; a seed repeats.
- forward: the logits equal PyTorch's.
- loss_and_grads: the loss and every gradient equal autograd's (a whole-
  network gradient check); the gradients are compared layer by layer in
  backward order, so the feedback names the first layer that disagrees.
- predict: the index of the largest logit.
- train: the student's own train() with the SPEC's defaults, on the fixed
  training split of the digits; the held-out images go only to predict()
  and the accuracy is measured outside the student's process. The speed
  part (measured by the grader only) compares the time of the student's
  conv2d and conv2d_backward with the reference's on the same input.
"""
from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import numpy as np
from hypothesis import strategies as st

from ..cases import Case
from ..kinds import Kind
from ..outputs import Expected, Value, WrongStructure, judge
from ..strategies import FLOAT32, FLOAT64, layouts, seeds
from ..task import Part, Task
from ..tolerances import Mismatch, tolerance

#: the parameters in forward order, with their shapes (SPEC.md)
SHAPES = {
    "W1": (16, 1, 3, 3), "b1": (16,),
    "W2": (32, 16, 3, 3), "b2": (32,),
    "W3": (128, 64), "b3": (64,),
    "W4": (64, 10), "b4": (10,),
}
NAMES = tuple(SHAPES)
WEIGHTS = ("W1", "W2", "W3", "W4")
#: the order in which backpropagation produces the gradients
BACKWARD = ("W4", "b4", "W3", "b3", "W2", "b2", "W1", "b1")
FAN_IN = {"W1": 9, "W2": 144, "W3": 128, "W4": 64}

LAYERS = {
    "4": "layer 4 (the output layer: linear 64 -> 10)",
    "3": "layer 3 (linear 128 -> 64, then ReLU)",
    "2": "layer 2 (conv 16 -> 32, 3x3, padding 1, then ReLU and 2x2 max-pool)",
    "1": "layer 1 (conv 1 -> 16, 3x3, padding 1, then ReLU and 2x2 max-pool)",
}

#: what lies between a layer's gradient and the last layer whose gradient
#: agrees: where to look when this layer is the first to disagree
BETWEEN = {
    "4": "the loss gradient dlogits = (softmax(logits) - onehot(y)) / N (cross_entropy_backward, "
         "mean over the batch) and linear_backward of layer 4 (dW4 = a3.T @ dlogits, "
         "db4 = dlogits summed over the batch)",
    "3": "da3 = dlogits @ W4.T, the ReLU mask of layer 3 (relu_backward with the pre-activation "
         "z3 = flat @ W3 + b3) and linear_backward of layer 3 (dW3 = flat.T @ dz3)",
    "2": "dflat = dz3 @ W3.T, the un-flatten (reshape dflat back to the pooled shape (N, 32, 2, 2): "
         "the flatten is C, H, W order, plain reshape(N, -1)), max_pool2d_backward (each window's "
         "gradient goes to its maximum, in the ReLU output a2), the ReLU mask of layer 2 "
         "(relu_backward with z2) and conv2d_backward of layer 2 (padding 1)",
    "1": "dx of layer 2's conv2d_backward (the gradient for the pooled p1, padding 1 cropped), "
         "max_pool2d_backward of layer 1, the ReLU mask of layer 1 (relu_backward with z1) and "
         "conv2d_backward of layer 1 (padding 1)",
}

#: the capstone's training budget: CPU seconds for train() with the SPEC's
#: defaults on the training split (the grader's rubric may change it)
TRAIN_BUDGET_SECONDS = 60.0
#: the accuracy train() must reach on the held-out images
TARGET_ACCURACY = 0.94
#: SPEC defaults of train()
EPOCHS = 10

#: Hypothesis examples per part at most: the network is a composition of
#: layers that their own tasks test with many more; a few random networks
#: show whether they are put together right (and loops stay affordable)
EXAMPLES = 12

#: a pre-activation closer to 0 than this (or two pooled values closer than
#: this) would let float32 rounding flip a ReLU mask or a max-pool winner
KINK_MARGIN = 3e-5


# --------------------------------------------------------------------------
# cases
# --------------------------------------------------------------------------

def random_params(rng: np.random.Generator, dtype) -> dict[str, np.ndarray]:
    """He-scaled weights and small non-zero biases (a zero bias would hide a
    wrong bias gradient)."""
    out = {}
    for name, shape in SHAPES.items():
        if name.startswith("W"):
            out[name] = rng.standard_normal(shape) * np.sqrt(2.0 / FAN_IN[name])
        else:
            out[name] = rng.standard_normal(shape) * 0.1
    return {k: v.astype(dtype) for k, v in out.items()}


def _torch_activations(arrays):
    """Every pre-activation and pooled map of the network, by PyTorch in float64."""
    import torch.nn.functional as F

    from ..oracle import tensors
    t = tensors(arrays, "cpu")
    z1 = F.conv2d(t["X"], t["W1"], t["b1"], padding=1)
    a1 = F.relu(z1)
    z2 = F.conv2d(F.max_pool2d(a1, 2), t["W2"], t["b2"], padding=1)
    a2 = F.relu(z2)
    z3 = F.max_pool2d(a2, 2).reshape(a2.shape[0], -1) @ t["W3"] + t["b3"]
    return (z1, a1), (z2, a2), z3


def _clear_of_kinks(arrays) -> bool:
    """No pre-activation within KINK_MARGIN of 0, and in every 2x2 pooling
    window with a positive maximum the runner-up is KINK_MARGIN below it."""
    import torch
    (z1, a1), (z2, a2), z3 = _torch_activations(arrays)
    for z in (z1, z2, z3):
        if bool((z.abs() < KINK_MARGIN).any()):
            return False
    for a in (a1, a2):
        N, C, H, W = a.shape
        windows = a.reshape(N, C, H // 2, 2, W // 2, 2).permute(0, 1, 2, 4, 3, 5).reshape(-1, 4)
        top2 = torch.topk(windows, 2, dim=1).values
        close = (top2[:, 0] > 0) & (top2[:, 0] - top2[:, 1] < KINK_MARGIN)
        if bool(close.any()):
            return False
    return True


@st.composite
def network_cases(draw, *, dtype=FLOAT64, n=(1, 2), labels=True, layout=False):
    """Images X (N, 1, 8, 8) with pixels in [0, 1] like the digits, random
    parameters, and (with `labels`) class indices y (N,)."""
    N = draw(st.integers(*n))
    rng = np.random.default_rng(draw(seeds))
    arrays = {"X": rng.uniform(0.0, 1.0, size=(N, 1, 8, 8)).astype(dtype)}
    if labels:
        arrays["y"] = rng.integers(0, 10, size=N).astype(np.int64)
    arrays.update(random_params(rng, dtype))
    return Case(arrays, {}, draw(layouts) if layout else "contiguous")


def float32_cases(**kwargs):
    """float32 cases with no ReLU or max-pool decision within float32 rounding."""
    return network_cases(dtype=FLOAT32, **kwargs).filter(lambda c: _clear_of_kinks(c.arrays))


@st.composite
def seed_cases(draw, *, same: bool):
    s = draw(st.integers(0, 2**31 - 1))
    other = s if same else draw(st.integers(0, 2**31 - 1).filter(lambda v: v != s))
    return Case({}, {"seed": s, "second_seed": other})


def digits_cases(seed: int | None = None) -> list[Case]:
    """The training split, and the held-out images (their labels stay here).
    With `seed` (the grader's secret seed of the part), the classes are
    relabelled with the permutation the seed draws (cnn_checks.digits):
    weights trained at home on the public labels then fail."""
    from ..digits import label_permutation, load_split, relabelled
    split = load_split()
    if seed is not None:
        split = relabelled(split, label_permutation(seed))
    return [Case({"X": split.X_train, "y": split.y_train, "X_test": split.X_test}, {})]


#: the speed part: layer 2's convolution on a batch of 8, forward and backward
SPEED_SHAPES = {"x": (8, 16, 4, 4), "w": (32, 16, 3, 3), "b": (32,), "dout": (8, 32, 4, 4)}
SPEED_TASKS = ("conv.conv2d", "backprop.conv2d_backward")


def speed_cases() -> list[Case]:
    """One case per timed task: layer 2's shapes, padding 1."""
    rng = np.random.default_rng(0)
    a = {k: rng.standard_normal(s) for k, s in SPEED_SHAPES.items()}
    geometry = {"stride": 1, "padding": 1, "dilation": 1}
    return [Case({"x": a["x"], "w": a["w"], "b": a["b"]}, {**geometry, "timed_task": SPEED_TASKS[0]}),
            Case({"dout": a["dout"], "x": a["x"], "w": a["w"]}, {**geometry, "timed_task": SPEED_TASKS[1]})]


# --------------------------------------------------------------------------
# calling the student's functions
# --------------------------------------------------------------------------

def _params_of(arrays) -> dict:
    return {name: arrays[name] for name in NAMES}


def require_params(obj, what: str) -> dict:
    """`obj` must be a dict with exactly the eight parameter keys."""
    if type(obj) is not dict:
        raise WrongStructure(f"{what} is a {type(obj).__name__}; expected a dict with the keys "
                             f"{' '.join(NAMES)}")
    missing = [k for k in NAMES if k not in obj]
    extra = sorted(str(k) for k in obj if k not in SHAPES)
    if missing or extra:
        parts = ([f"lacks {missing}"] if missing else []) + ([f"has extra keys {extra}"] if extra else [])
        raise WrongStructure(f"{what} {' and '.join(parts)}: expected exactly the keys "
                             f"{' '.join(NAMES)}")
    return obj


def _call_init(fn, arrays, p):
    first = require_params(fn(seed=p["seed"]), f"init_params(seed={p['seed']})")
    second = require_params(fn(seed=p["second_seed"]), f"init_params(seed={p['second_seed']})")
    return {**{k: first[k] for k in NAMES}, **{k + "'": second[k] for k in NAMES}}


def _call_forward(fn, arrays, p):
    return fn(arrays["X"], _params_of(arrays))


def _call_loss(fn, arrays, p):
    result = fn(arrays["X"], arrays["y"], _params_of(arrays))
    if type(result) not in (tuple, list) or len(result) != 2:
        what = f"{len(result)} values" if type(result) in (tuple, list) else type(result).__name__
        raise WrongStructure(f"loss_and_grads returned {what}; expected a pair (loss, grads)")
    loss, grads = result
    require_params(grads, "the grads returned by loss_and_grads")
    return (loss,) + tuple(grads[k] for k in BACKWARD)


def _call_predict(fn, arrays, p):
    return fn(arrays["X"], _params_of(arrays))


def _sibling(fn, name: str):
    """The function `name` of the module that defines `fn` (the student's
    network module)."""
    module = sys.modules.get(getattr(fn, "__module__", None) or "")
    found = getattr(module, name, None)
    if found is None:
        raise WrongStructure(f"network.py has no `{name}`, which the training check calls")
    return found


def _history(history) -> tuple[np.ndarray, np.ndarray]:
    if type(history) not in (list, tuple):
        raise WrongStructure(f"train's history is a {type(history).__name__}; expected a list with "
                             f"one dict per epoch")
    losses, accuracies = [], []
    for e, entry in enumerate(history):
        if type(entry) is not dict or "loss" not in entry or "accuracy" not in entry:
            keys = f" with the keys {sorted(map(str, entry))}" if type(entry) is dict else ""
            raise WrongStructure(f"history[{e}] is a {type(entry).__name__}{keys}; expected a "
                                 f"dict with 'loss' and 'accuracy'")
        try:
            losses.append(float(entry["loss"]))
            accuracies.append(float(entry["accuracy"]))
        except (TypeError, ValueError):
            raise WrongStructure(f"history[{e}]: 'loss' and 'accuracy' must be numbers") from None
    return np.array(losses, dtype=np.float64), np.array(accuracies, dtype=np.float64)


TRAIN_OUTPUTS = ("predictions", "losses", "accuracies") + NAMES + tuple(k + "@init" for k in NAMES)


def _call_train(fn, arrays, p):
    """train() with the SPEC's defaults, then predict() on the held-out
    images with the trained parameters, and init_params(0) (the start)."""
    result = fn(arrays["X"], arrays["y"])
    if type(result) not in (tuple, list) or len(result) != 2:
        what = f"{len(result)} values" if type(result) in (tuple, list) else type(result).__name__
        raise WrongStructure(f"train returned {what}; expected a pair (params, history)")
    params = require_params(result[0], "the params returned by train")
    losses, accuracies = _history(result[1])
    predictions = _sibling(fn, "predict")(arrays["X_test"], params)
    start = require_params(_sibling(fn, "init_params")(seed=0), "init_params(seed=0)")
    return (predictions, losses, accuracies) + tuple(params[k] for k in NAMES) \
        + tuple(start[k] for k in NAMES)


# --------------------------------------------------------------------------
# PyTorch: the same network from the same parameters
# --------------------------------------------------------------------------

def torch_model(params, device: str = "cpu"):
    """The network as a torch.nn.Sequential holding copies of `params` (float64)."""
    from torch import nn

    from ..oracle import torch_precise
    torch = torch_precise()
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10),
    ).to(device=device, dtype=torch.float64)
    layers: dict[str, Any] = {"1": model[0], "2": model[3], "3": model[7], "4": model[9]}
    with torch.no_grad():
        for k, layer in layers.items():
            w = torch.as_tensor(np.asarray(params[f"W{k}"], dtype=np.float64), device=device)
            layer.weight.copy_(w if k in "12" else w.T)       # Linear keeps (out, in)
            layer.bias.copy_(torch.as_tensor(np.asarray(params[f"b{k}"], dtype=np.float64),
                                             device=device))
    return model, layers


def torch_logits(X, params, device: str = "cpu") -> np.ndarray:
    from ..oracle import tensors, to_numpy, torch_precise
    torch = torch_precise()
    model, _ = torch_model(params, device)
    with torch.no_grad():
        return to_numpy(model(tensors({"X": X}, device)["X"]))


def _from_layers(layers, tensor) -> dict[str, np.ndarray]:
    """Our parameter layout from torch layers: `tensor(layer)` gives the
    (weight, bias) pair to read; Linear weights are stored (out, in)."""
    from ..oracle import to_numpy
    pairs = {k: tuple(to_numpy(t) for t in tensor(layer)) for k, layer in layers.items()}
    weights = {f"W{k}": w if k in "12" else w.T for k, (w, _) in pairs.items()}
    biases = {f"b{k}": b for k, (_, b) in pairs.items()}
    return {**weights, **biases}


def _oracle_init(arrays, p, device):
    """Only the shapes matter: PyTorch's layers, Kaiming-initialised."""
    from ..oracle import torch_precise
    torch = torch_precise()
    out = []
    for seed in (p["seed"], p["second_seed"]):
        torch.manual_seed(seed)
        _, layers = torch_model({k: np.zeros(s) for k, s in SHAPES.items()}, device)
        params = _from_layers(layers, lambda layer: (
            torch.nn.init.kaiming_normal_(layer.weight, nonlinearity="relu"),
            torch.zeros_like(layer.bias)))
        out += [params[k] for k in NAMES]
    return out


def _oracle_forward(arrays, p, device):
    return [torch_logits(arrays["X"], arrays, device)]


def _oracle_loss(arrays, p, device):
    import torch.nn.functional as F

    from ..oracle import tensors, to_numpy
    model, layers = torch_model(arrays, device)
    t = tensors({"X": arrays["X"]}, device)
    y = tensors({"y": arrays["y"]}, device)["y"].long()
    loss = F.cross_entropy(model(t["X"]), y)
    loss.backward()
    grads = _from_layers(layers, lambda layer: (layer.weight.grad, layer.bias.grad))
    return [to_numpy(loss)] + [grads[k] for k in BACKWARD]


def _oracle_train(arrays, p, device):
    """The held-out labels (the case's X_test is the fixed split's), relabelled
    as the case's training labels are, as the expected `predictions`; the
    other outputs have no expected value (the verdict on them is
    _verify_train's), so they get empty placeholders."""
    from ..digits import load_split, permutation_of
    split = load_split()
    if arrays["X_test"].shape != split.X_test.shape:
        raise ValueError("the training case is not the fixed digits split")
    permutation = permutation_of(split, arrays["y"])
    if permutation is None:
        raise ValueError("the training case's labels are not a relabelling of the digits split")
    return [permutation[split.y_test]] + [np.zeros(0)] * (len(TRAIN_OUTPUTS) - 1)


# --------------------------------------------------------------------------
# verdicts
# --------------------------------------------------------------------------

def _judge_array(expected: Expected, got: Value, dtype, label: str) -> Mismatch | None:
    return judge([Expected(label, expected.kind, expected.array)], [got], dtype)


def _verify_init(case: Case, expected: Sequence[Expected], outcome) -> Mismatch | None:
    values = outcome.values
    first, second = values[:8], values[8:]
    for name, exp, got in zip(NAMES, expected[:8], first, strict=True):
        if got.kind != "array":
            return Mismatch("type", f"init_params()['{name}'] is a {got.type_name}; expected a "
                                    f"numpy.ndarray")
        if got.array.shape != exp.array.shape:
            return Mismatch("shape", f"init_params()['{name}'] has shape {got.array.shape}; "
                                     f"expected {exp.array.shape}")
        if got.array.dtype.kind != "f":
            return Mismatch("dtype", f"init_params()['{name}'] has dtype {got.array.dtype}; "
                                     f"expected a floating dtype (float64)")
        if not np.all(np.isfinite(got.array)):
            return Mismatch("nan", f"init_params()['{name}'] holds NaN or infinity")
    for name, got in zip(NAMES, first, strict=True):
        if name in WEIGHTS and np.ptp(got.array) == 0:
            return Mismatch("value", f"every entry of {name} is {got.array.flat[0]:g}: identical "
                                     f"weights get identical gradients and never become "
                                     f"different (the symmetry is never broken); draw random "
                                     f"weights")
    s1, s2 = case.params["seed"], case.params["second_seed"]
    pairs = [(name, a.array, b.array) for name, a, b in zip(NAMES, first, second, strict=True)]
    if s1 == s2:
        differ = [name for name, a, b in pairs if a.shape != b.shape or not np.array_equal(a, b)]
        if differ:
            return Mismatch("value", f"init_params(seed={s1}) called twice gave different "
                                     f"{', '.join(differ)}: draw from a generator seeded with "
                                     f"`seed` (np.random.default_rng(seed)), never from the "
                                     f"global, unseeded one")
    else:
        same = [name for name, a, b in pairs
                if name in WEIGHTS and a.shape == b.shape and np.array_equal(a, b)]
        if same:
            return Mismatch("value", f"init_params(seed={s1}) and init_params(seed={s2}) give the "
                                     f"same {', '.join(same)}: the seed must choose the random "
                                     f"numbers (np.random.default_rng(seed))")
    return None


def _judge_loss(expected: Expected, got: Value, dtype) -> Mismatch | None:
    """The loss: a float or a 0-d floating array (a Python float is fine
    for float32 inputs too), equal to PyTorch's."""
    if got.kind == "scalar" and got.type_name == "float" and got.array is not None:
        from ..tolerances import compare_values
        return compare_values(expected.array, got.array, dtype, "the loss", tolerance(dtype))
    return _judge_array(expected, got, dtype, "the loss")


def _verify_loss(case: Case, expected: Sequence[Expected], outcome) -> Mismatch | None:
    dtype = case.dtype
    values = outcome.values
    problem = _judge_loss(expected[0], values[0], dtype)
    if problem is not None:
        return Mismatch(problem.stage, f"{problem.message}. The loss comes before any gradient: "
                                       f"check the forward pass (the `network.forward` parts) and "
                                       f"the mean cross-entropy (natural log, divided by N)",
                        problem.expected, problem.got, problem.index)
    agree: list[str] = []
    for name, exp, got in zip(BACKWARD, expected[1:], values[1:], strict=True):
        problem = _judge_array(exp, got, dtype, f"grads['{name}']")
        if problem is not None:
            layer = name[1]
            fine = f"The gradients of the later layers ({', '.join(agree)}) agree with PyTorch's; " \
                if agree else ""
            where = (f"{fine}the first gradient that disagrees, going backward, is {name} of "
                     f"{LAYERS[layer]}. Look at what lies between: {BETWEEN[layer]}")
            if name.startswith("b") and f"W{layer}" in agree:
                where = (f"{fine}grads['{name}'] is the first that disagrees (its weight "
                         f"gradient W{layer} is right): a bias gradient is the layer's upstream "
                         f"gradient summed over the batch (and, for a convolution, over every "
                         f"position: axes 0, 2, 3)")
            return Mismatch(problem.stage, f"{problem.message}\n  {where}",
                            problem.expected, problem.got, problem.index)
        agree.append(name)
    return None


def _cause_loss(case: Case, expected: Sequence[Expected], outcome) -> str | None:
    """The first gradient, going backward, that disagrees with PyTorch's, and
    its layer: where a wrong layer shows first."""
    if _judge_loss(expected[0], outcome.values[0], case.dtype) is not None:
        return None
    for name, exp, got in zip(BACKWARD, expected[1:], outcome.values[1:], strict=True):
        if _judge_array(exp, got, case.dtype, f"grads['{name}']") is not None:
            return f"grads['{name}'] is the first gradient that disagrees, in {LAYERS[name[1]]}"
    return None


def _verify_predict(case: Case, expected: Sequence[Expected], outcome) -> Mismatch | None:
    got = outcome.values[0]
    logits = expected[0].array
    N = logits.shape[0]
    if got.kind != "array":
        return Mismatch("type", f"predict returned a {got.type_name}; expected a numpy.ndarray "
                                f"of class indices")
    if got.array.shape != (N,):
        return Mismatch("shape", f"predict returned shape {got.array.shape}; expected ({N},): one "
                                 f"class index per image (argmax over axis 1 of the logits)")
    if got.array.dtype.kind not in "iu":
        return Mismatch("dtype", f"predict returned dtype {got.array.dtype}; expected integer "
                                 f"class indices (np.argmax gives int64)")
    classes = got.array.astype(np.int64)
    if np.any((classes < 0) | (classes > 9)):
        return Mismatch("value", "predict returned indices outside 0..9")
    rtol, atol = tolerance(case.dtype)
    chosen = logits[np.arange(N), classes]
    best = logits.max(axis=1)
    slack = atol * np.maximum(1.0, np.abs(logits).max(axis=1)) + rtol * np.abs(best)
    wrong = np.flatnonzero(chosen < best - 2 * slack)
    if wrong.size:
        i = int(wrong[0])
        return Mismatch("value", f"image {i}: predicted class {classes[i]}, but the largest logit "
                                 f"is class {int(np.argmax(logits[i]))} ({best[i]:.6g} > "
                                 f"{chosen[i]:.6g}); {wrong.size} of {N} predictions are off",
                        expected=np.argmax(logits, axis=1).astype(np.float64),
                        got=classes.astype(np.float64), index=(i,))
    return None


def _decreasing(losses: np.ndarray) -> str | None:
    if losses[-1] >= 0.5 * losses[0]:
        return (f"the training loss does not go down: {losses[0]:.4g} in the first epoch, "
                f"{losses[-1]:.4g} in the last (expected below half the first)")
    rises = [e for e in range(1, len(losses)) if losses[e] > 1.1 * losses[e - 1]]
    if rises:
        e = rises[0]
        return (f"the training loss rises from {losses[e - 1]:.4g} (epoch {e}) to {losses[e]:.4g} "
                f"(epoch {e + 1}): with a correct gradient and lr=1e-3 it falls epoch after epoch")
    return None


def _trained_params(values: dict) -> tuple[dict, dict, list[str]]:
    """(trained, initial, problems): the returned parameters, those of
    init_params(0), and what is wrong with their shapes."""
    params, start, problems = {}, {}, []
    for name in NAMES:
        v, s = values[name], values[name + "@init"]
        if v.kind != "array" or v.array.shape != SHAPES[name] or v.array.dtype.kind != "f":
            what = f"{v.type_name} {v.array.shape if v.array is not None else ''}".strip()
            problems.append(f"the trained {name} is a {what}; expected a floating array of shape "
                            f"{SHAPES[name]}")
        else:
            params[name], start[name] = v.array, s.array
    return params, start, problems


def held_out_accuracy(case: Case, y_test: np.ndarray, pred: Value, params: dict):
    """(accuracy, note): the accuracy of the student's predict() on the
    held-out images when its classes are those of the trained parameters;
    otherwise (predict is wrong: its own task says how) the accuracy of the
    trained parameters themselves, by PyTorch, and a note saying so. A
    predict that ignores the parameters (a lookup table) cannot raise it."""
    logits = torch_logits(case.arrays["X_test"], params)
    own = np.argmax(logits, axis=1)
    if pred.array is not None and pred.kind == "array" and pred.array.shape == y_test.shape \
            and pred.array.dtype.kind in "iu":
        theirs = pred.array.astype(np.int64)
        if np.all((theirs >= 0) & (theirs < 10)):
            gap = logits.max(axis=1) - logits[np.arange(len(theirs)), theirs]
            near = 1e-6 * np.maximum(1.0, np.abs(logits).max(axis=1))
            if np.all(gap <= near):
                return float(np.mean(theirs == y_test)), ""
    return float(np.mean(own == y_test)), ("predict() does not give the classes of the trained "
                                           "parameters (see network.predict), so the accuracy "
                                           "is that of the parameters themselves")


def _verify_train(case: Case, expected: Sequence[Expected], outcome) -> Mismatch | None:
    """Everything wrong with one training run, in one message."""
    values = {name: v for name, v in zip(TRAIN_OUTPUTS, outcome.values, strict=True)}
    y_test = expected[0].array.astype(np.int64)
    problems: list[tuple[str, str]] = []
    losses, accuracies = values["losses"].array, values["accuracies"].array
    if losses.shape != (EPOCHS,):
        problems.append(("structure", f"the history has {losses.shape[0]} entries; expected one "
                                      f"per epoch ({EPOCHS}, the default epochs)"))
    elif not np.all(np.isfinite(losses)):
        problems.append(("nan", "the training loss became NaN or infinite: look for exp() of "
                                "large numbers, log(0), or a learning rate other than lr"))
    else:
        message = _decreasing(losses)
        if message:
            problems.append(("value", message))
    if accuracies.size and (not np.all(np.isfinite(accuracies))
                            or np.any((accuracies < 0) | (accuracies > 1))):
        problems.append(("value", "the history's 'accuracy' must be a fraction in [0, 1]"))
    params, start, shape_problems = _trained_params(values)
    problems += [("shape", m) for m in shape_problems]
    accuracy, note = None, ""
    if not shape_problems:
        still = [n for n in NAMES if start[n] is not None and start[n].shape == params[n].shape
                 and np.array_equal(start[n], params[n])]
        if still:
            problems.append(("value", f"{', '.join(still)} never changed from init_params(0): "
                                      f"give the optimizer every parameter (biases included) and "
                                      f"update the arrays in place"))
        accuracy, note = held_out_accuracy(case, y_test, values["predictions"], params)
        if accuracy < TARGET_ACCURACY:
            problems.append(("value", f"test accuracy {accuracy:.1%} "
                                      f"({int(round(accuracy * len(y_test)))}/{len(y_test)}) is "
                                      f"below {TARGET_ACCURACY:.0%}"))
    budget = float(case.params.get("budget_seconds", TRAIN_BUDGET_SECONDS))
    used = outcome.cpu_seconds
    if used > budget:
        problems.append((Kind.SLOW, f"training took {used:.1f} s of CPU time, {used / budget:.1f}x the "
                                 f"{budget:g} s budget: vectorize conv2d, conv2d_backward and the "
                                 f"pooling backward over the batch and channels"))
    if not problems:
        return None
    done = f"test accuracy {accuracy:.1%}, " if accuracy is not None else ""
    summary = f"training ({done}{used:.1f} s CPU):"
    lines = [m for _, m in problems] + ([f"(note: {note})"] if note else [])
    return Mismatch(problems[0][0], summary + "".join(f"\n  - {m}" for m in lines))


def _summary_train(case: Case, expected: Sequence[Expected], outcome) -> str:
    values = {name: v for name, v in zip(TRAIN_OUTPUTS, outcome.values, strict=True)}
    y_test = expected[0].array.astype(np.int64)
    params, _, _ = _trained_params(values)
    accuracy, note = held_out_accuracy(case, y_test, values["predictions"], params)
    budget = float(case.params.get("budget_seconds", TRAIN_BUDGET_SECONDS))
    return (f"test accuracy {accuracy:.1%} ({int(round(accuracy * len(y_test)))}/{len(y_test)}), "
            f"{outcome.cpu_seconds:.1f} s of CPU time (budget {budget:g} s), final training "
            f"loss {values['losses'].array[-1]:.3g}" + (f" ({note})" if note else ""))


# --------------------------------------------------------------------------
# the tasks
# --------------------------------------------------------------------------

_F32 = "the inputs are float32"
_KEEP32 = ("float32 images and parameters give float32 results: allocate with dtype=X.dtype and "
           "do not mix in float64 constants arrays")

init_params = Task(
    "network", "init_params", _call_init, _oracle_init, verify=_verify_init,
    graded_by_oracle=True, max_examples=EXAMPLES,
    outputs=tuple(f"[{k}]" for k in NAMES) + tuple(f"[{k}']" for k in NAMES),
    parts=(
        Part("shapes", seed_cases(same=True), "",
             "return a dict with exactly the keys W1 b1 W2 b2 W3 b3 W4 b4 and the shapes of "
             "SPEC.md: W1 (16, 1, 3, 3), b1 (16,), W2 (32, 16, 3, 3), b2 (32,), W3 (128, 64), "
             "b3 (64,), W4 (64, 10), b4 (10,); random weights (He: normal * sqrt(2 / fan_in)), "
             "biases may be zero"),
        Part("seeds", seed_cases(same=False), "two different seeds are given",
             "use the seed: rng = np.random.default_rng(seed), then draw every weight from rng"),
        Part("repeat", seed_cases(same=True), "the same seed is given twice",
             "draw only from np.random.default_rng(seed): the global np.random state (or a "
             "generator made once at import) gives other numbers on the next call"),
    ),
)

forward = Task(
    "network", "forward", _call_forward, _oracle_forward,
    graded_by_oracle=True, max_examples=EXAMPLES,
    parts=(
        Part("basic", network_cases(labels=False), "",
             "conv(W1, b1, padding=1) -> ReLU -> max-pool 2 -> conv(W2, b2, padding=1) -> ReLU -> "
             "max-pool 2 -> flatten with reshape(N, -1) (C, H, W order) -> @ W3 + b3 -> ReLU -> "
             "@ W4 + b4; no softmax on the logits"),
        Part("batch", network_cases(labels=False, n=(1, 4)),
             "the batch has up to 4 images (and non-contiguous arrays)",
             "keep the batch axis apart: flatten with X.shape[0] rows, never reshape(-1) alone"),
        Part("float32", float32_cases(labels=False, n=(1, 3)), _F32, _KEEP32),
    ),
)

loss_and_grads = Task(
    "network", "loss_and_grads", _call_loss, _oracle_loss, verify=_verify_loss, cause=_cause_loss,
    graded_by_oracle=True, max_examples=EXAMPLES, outputs=("loss",) + BACKWARD,
    parts=(
        Part("basic", network_cases(), "",
             "loss = cross_entropy(forward(X), y) (mean); then backward through every layer in "
             "reverse order, each backward function fed the gradient of the layer after it"),
        Part("batch", network_cases(n=(1, 4)),
             "the batch has up to 4 images (and non-contiguous arrays)",
             "gradients of the parameters sum over the batch; the 1/N of the mean comes in once, "
             "in dlogits"),
        Part("float32", float32_cases(n=(1, 3)), _F32, _KEEP32),
    ),
)

predict = Task(
    "network", "predict", _call_predict, _oracle_forward, verify=_verify_predict,
    graded_by_oracle=True, max_examples=EXAMPLES,
    parts=(
        Part("basic", network_cases(labels=False, n=(1, 4)), "",
             "the class of each image is the index of its largest logit: "
             "np.argmax(forward(X, params), axis=1)"),
        Part("float32", float32_cases(labels=False, n=(1, 3)), _F32,
             "return integer class indices (np.argmax), one per image"),
    ),
)

train = Task(
    "network", "train", _call_train, _oracle_train,
    verify=_verify_train, summary=_summary_train, graded_by_oracle=True, outputs=TRAIN_OUTPUTS,
    parts=(
        Part("digits", None, "",
             f"train(X, y) with the defaults (epochs=10, batch_size=32, lr=1e-3, seed=0) on the "
             f"training split must reach {TARGET_ACCURACY:.0%} test accuracy: start from "
             f"init_params(seed), shuffle every epoch, one optimizer step (Adam or RMSprop "
             f"with lr) per batch on all eight parameters, within the CPU-time budget",
             cases=digits_cases),
        Part("speed", None, "the speed of conv2d and conv2d_backward is measured",
             "within 10x of the reference's time: vectorize over the batch and channels (one "
             "einsum or matrix product per kernel tap, or im2col), loop at most over the 3x3 taps",
             cases=speed_cases, grader_only=True),
    ),
)

TASKS = (init_params, forward, loss_and_grads, predict, train)
