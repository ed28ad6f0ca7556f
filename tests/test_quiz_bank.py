"""The quiz bank and its variants, without nbgrader (fast).

* the bank: size, topics, parametrised share, catalogued misconceptions;
* every question against the lecture it cites (the lectures' own numbers),
  and every computation, for many students' numbers, against the reference
  solutions (solutions/*) or PyTorch, distractors included where a
  reference computes the misconception too;
* the variants: per-student numbers and orders, the same quiz on every
  regrade, drawn by the notebook's own code, every topic covered, a fixed
  draw for an exam;
* no key in the notebook (a bank whose key is swapped builds the very same
  notebook), no letter sequence equal to lecture 000's printed key;
* scoring: all correct, all wrong (with the misconception), tolerance,
  tampered answers; the structural checks; the per-question report.
"""
from __future__ import annotations

import copy
import json
import math
import string
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import nbformat  # noqa: E402

from course import checks, quiz, quiz_pool, quiz_report, quiz_variant  # noqa: E402
from solutions import backprop, conv, losses, optim, padding, pooling  # noqa: E402

LECTURE_KEY = "DCADBABCDACCCCCBDBBC"   # lecture 000: "20231005 Exercise: 1. D 2. C 3. A ..."
STUDENTS = [f"s{i:03d}" for i in range(40)]

BANK = quiz.load_bank()
PUBLIC = quiz.public_bank(BANK)
BY_ID = {q["id"]: q for q in BANK["question"] + BANK["numeric"]}


def value(qid, names, expr=None):
    """A bank expression (the correct one by default) at the given numbers,
    with the question's derived values computed first."""
    q = BY_ID[qid]
    names = dict(names)
    for name, e in q.get("define", []):
        names[name] = quiz_pool.evaluate(e, names)
    return quiz_pool.evaluate(expr or q.get("correct") or q["answer"], names)


def distractor(qid, misconception):
    return next(d[0] for d in BY_ID[qid]["distractors"] if d[1] == misconception)


def a(x):
    return np.asarray(x, dtype=np.float64)


# ---------------------------------------------------------------- the bank

def test_bank_shape():
    mc = BANK["question"]
    topics = Counter(q["topic"] for q in mc)
    assert len(mc) >= 40 and len(BANK["topics"]) == 10
    assert set(topics) == set(BANK["topics"]) and min(topics.values()) >= BANK["per_topic"]
    assert quiz.quiz_length(BANK) == 20
    parametrised = [q for q in mc if "params" in q]
    assert 2 * len(parametrised) >= len(mc)
    for q in mc:
        assert q["source"].startswith(("lecture", "SPEC")), q["id"]
        assert all(m in BANK["misconceptions"] for _, m in q["distractors"])
    print(f"\nbank: {len(mc)} multiple-choice questions ({len(parametrised)} parametrised, "
          f"{len(parametrised) / len(mc):.0%}), {len(BANK['numeric'])} free-answer, "
          f"{len(topics)} topics {dict(topics)}")


# ---------------------------------------------------------------- the lectures' own numbers

LECTURE_CASES = [
    # (question, numbers, expected, what the lecture prints)
    ("conv-value", dict(x=[[4, 5, 8, 7], [1, 8, 8, 8], [3, 6, 6, 4], [6, 5, 7, 8]],
                        w=[[1, 4, 1], [1, 4, 3], [3, 3, 1]], b=0, r=1, c=1), 122, "004: u(1,1) = 122"),
    ("conv-value", dict(x=[[4, 5, 8, 7], [1, 8, 8, 8], [3, 6, 6, 4], [6, 5, 7, 8]],
                        w=[[1, 4, 1], [1, 4, 3], [3, 3, 1]], b=0, r=1, c=2), 148, "004: u(1,2) = 148"),
    ("conv-value", dict(x=[[4, 5, 8, 7], [1, 8, 8, 8], [3, 6, 6, 4], [6, 5, 7, 8]],
                        w=[[1, 4, 1], [1, 4, 3], [3, 3, 1]], b=0, r=2, c=1), 126, "004: u(2,1) = 126"),
    ("conv-value", dict(x=[[4, 5, 8, 7], [1, 8, 8, 8], [3, 6, 6, 4], [6, 5, 7, 8]],
                        w=[[1, 4, 1], [1, 4, 3], [3, 3, 1]], b=0, r=2, c=2), 134, "004: u(2,2) = 134"),
    ("conv-output-shape", dict(C=3, K=6, H=32, f=5), "6x28x28", "004: six 3x5x5 filters -> 6x28x28"),
    ("valid-size", dict(n=6, f=3), 4, "002: 6x6 * 3x3 -> 4x4"),
    ("valid-size", dict(n=32, f=5), 28, "004: (32 - 5)/1 + 1 = 28"),
    ("same-padding", dict(k=5, d=1), 2, "004: F = 5 -> zero pad with 2"),
    ("same-padding", dict(k=3, d=2), 2, "000: dilation 2 gives a 3x3 kernel a 5x5 field"),
    ("padded-size", dict(n=7, p=1, f=3), 7, "004: (7 - 3 + 2(1))/1 + 1 = 7"),
    ("padded-size", dict(n=32, p=2, f=5), 32, "004: (32 - 5 + 2(2))/1 + 1 = 32"),
    ("strided-size", dict(n=7, f=3, s=2, p=0), 3, "002: (7 + 0 - 3)/2 + 1 = 3"),
    ("strided-size", dict(n=7, f=3, s=3, p=0), 2, "004: (7 - 3)/3 + 1 = 2.33, floored"),
    ("dilated-span", dict(k=3, d=2), 5, "000: same field of view as a 5x5 filter"),
    ("dilated-weights", dict(k=3, d=2, c=1), 9, "000: only 9 parameters instead of 25"),
    ("max-pool-value", dict(x=[[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]], i=1, j=2), 8,
     "003: max pool -> [[6, 8], [3, 4]]"),
    ("max-pool-value", dict(x=[[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]], i=2, j=1), 3,
     "003: max pool -> [[6, 8], [3, 4]]"),
    ("avg-pool-value", dict(x=[[1, 2, 0, 0], [3, 4, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]], i=1, j=1), 2.5,
     "000: average pooling of [1, 2; 3, 4] = 2.5"),
    ("conv-pool-chain", dict(n=28, f=3), 5, "001: 28 -> 26 -> 13 -> 11 -> 5"),
    ("conv-params", dict(c_in=3, c_out=10, k=3), 280, "002: 280 parameters"),
    ("conv-params", dict(c_in=3, c_out=10, k=5), 760, "004: 76 x 10 = 760"),
    ("conv-params", dict(c_in=1, c_out=32, k=3), 320, "001: conv2d_22, 320"),
    ("conv-params", dict(c_in=32, c_out=64, k=3), 18496, "001: conv2d_23, 18496"),
    ("fc-params", dict(n=7, h=25), 1250, "001: 49 x 25 + 25 = 1250"),
    ("shared-params", dict(n=7, f=3), 10, "001: 9 shared weights + 1 bias = 10"),
    ("mnist-total", dict(f1=32, f2=64, h=64), 93322, "001: Total params: 93,322"),
    ("sigmoid-value", dict(x=-0.35), 0.413, "004 Example 1: 0.413"),
    ("sigmoid-value", dict(x=1.35), 0.794, "004 Example 1: 0.794"),
    ("softmax-probability", dict(z=[1, 2, 3], j=3), 0.6652, "solutions.losses: [0.0900, 0.2447, 0.6652]"),
    ("cross-entropy-value", dict(a=66, b=24, t=1), 0.4155, "004: -ln 0.66 (0.6 in bits)"),
    ("cross-entropy-value", dict(a=10, b=66, t=1), 2.3026, "004: -ln 0.10 (3.32 in bits)"),
    ("momentum-three-steps", dict(p0=0.0, g=1.0, m=0.9, lr=0.1), -0.561, "solutions.optim.SGD: -0.561"),
    ("annealed-rate", dict(alpha=0.1, eps=0.5, t=0), 0.2, "004: alpha(0) = alpha/eps"),
    ("annealed-rate", dict(alpha=1, eps=1, t=9), 0.1, "solutions.optim.annealed_lr: 0.1"),
]


@pytest.mark.parametrize("qid,names,expected,where", LECTURE_CASES,
                         ids=[f"{c[0]}:{c[3][:3]}" for c in LECTURE_CASES])
def test_lecture_numbers(qid, names, expected, where):
    got = value(qid, names)
    if isinstance(expected, float):
        assert got == pytest.approx(expected, abs=6e-4), where
    else:
        assert got == expected, where


def test_lecture_slips_are_distractors():
    # 004 computes cross-entropy in bits: its 0.6 and 3.32 are the log2 distractor
    log2 = distractor("cross-entropy-value", "log2-not-ln")
    assert value("cross-entropy-value", dict(a=66, b=24, t=1), log2) == pytest.approx(0.6, abs=0.01)
    assert value("cross-entropy-value", dict(a=10, b=66, t=1), log2) == pytest.approx(3.32, abs=0.01)
    # 004's 2.33 (not floored) is the no-floor distractor
    assert value("strided-size", dict(n=7, f=3, s=3, p=0), distractor("strided-size", "no-floor")) == 2.33
    # 002's slip (depth n_c) is the depth-is-input-channels distractor
    assert value("conv-output-shape", dict(C=3, K=6, H=32, f=5),
                 distractor("conv-output-shape", "depth-is-input-channels")) == "3x28x28"
    # 000: a 3x3 kernel with dilation 2 would have 25 weights if dilation added weights
    adds = distractor("dilated-weights", "dilation-adds-weights")
    assert value("dilated-weights", dict(k=3, d=2, c=1), adds) == 25


# ---------------------------------------------------------------- every computation vs the references

def _torch_count(module) -> int:
    return sum(p.numel() for p in module.parameters())


def _mnist(f1, f2, h):
    import torch.nn as nn
    return nn.Sequential(nn.Conv2d(1, f1, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(f1, f2, 3), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Conv2d(f2, f2, 3), nn.Flatten(), nn.LazyLinear(h), nn.ReLU(),
                         nn.Linear(h, 10))


def _mnist_count(f1, f2, h):
    import torch
    net = _mnist(f1, f2, h)
    net(torch.zeros(1, 1, 28, 28))   # LazyLinear learns its input size
    return _torch_count(net)


def _step(opt_cls, p0, grads, **kw):
    p = a([p0])
    opt = opt_cls([p], **kw)
    for g in grads:
        opt.step([a([g])])
    return float(p[0])


def _shape(x):
    return x.shape[-1]


def _receptive_field(k, dil):
    n = 1 + 2 * sum(d * (k - 1) for d in dil) + 8
    x = np.zeros((1, 1, n, n))
    x[0, 0, n // 2, n // 2] = 1.0
    for d in dil:
        x = conv.conv2d(x, np.ones((1, 1, k, k)), dilation=d)
    cols = np.nonzero(x[0, 0].any(axis=0))[0]        # outputs the one input pixel reaches
    return int(cols.max() - cols.min() + 1)          # = the span of one output's field


def img(v):
    """A single image (1, 1, H, W) from nested lists."""
    return a([[v]])


def cell(out, n, i="i", j="j"):
    """out[0, 0, n[i] - 1, n[j] - 1]: a 1-based position of a question."""
    return out[0, 0, n[i] - 1, n[j] - 1]


def zeros(*shape):
    return np.zeros(shape)


def _mlp(nm):
    g = backprop.mlp_backward(a([nm["x"]]), a([[nm["y"]]]), a(nm["W1"]), a([nm["b1"]]),
                              a([[v] for v in nm["W2"]]), a([[nm["b2"]]]))
    return g


REFERENCE = {
    "conv-value": lambda n: cell(conv.conv2d(img(n["x"]), img(n["w"]), a([n["b"]])), n, "r", "c"),
    "conv-output-shape": lambda n: "x".join(map(str, conv.conv2d(
        np.zeros((1, n["C"], n["H"], n["H"])), np.zeros((n["K"], n["C"], n["f"], n["f"]))).shape[1:])),
    "valid-size": lambda n: conv.conv_output_size(n["n"], n["f"]),
    "same-padding": lambda n: conv.same_padding(n["k"], n["d"])[0],
    "padded-size": lambda n: conv.conv_output_size(n["n"], n["f"], padding=n["p"]),
    "padded-corner": lambda n: conv.conv2d(padding.pad2d(img(n["x"]), 1), img(n["w"]))[0, 0, 0, 0],
    "strided-size": lambda n: conv.conv_output_size(n["n"], n["f"], n["s"], n["p"]),
    "dilated-size": lambda n: conv.conv_output_size(n["n"], n["k"], n["s"], n["p"], n["d"]),
    "dilated-span": lambda n: 100 - conv.conv_output_size(100, n["k"], dilation=n["d"]) + 1,
    "dilated-weights": lambda n: torch.nn.Conv2d(n["c"], 1, n["k"], dilation=n["d"], bias=False,
                                                 device="meta").weight.numel(),
    "pool-size": lambda n: _shape(pooling.max_pool2d(np.zeros((1, 1, n["n"], n["n"])), n["f"], n["s"])),
    "max-pool-value": lambda n: cell(pooling.max_pool2d(img(n["x"]), 2), n),
    "avg-pool-value": lambda n: cell(pooling.avg_pool2d(img(n["x"]), 2), n),
    "conv-pool-chain": lambda n: _shape(pooling.max_pool2d(conv.conv2d(pooling.max_pool2d(conv.conv2d(
        zeros(1, 1, n["n"], n["n"]), zeros(1, 1, n["f"], n["f"])), 2), zeros(1, 1, n["f"], n["f"])), 2)),
    "conv-params": lambda n: _torch_count(torch.nn.Conv2d(n["c_in"], n["c_out"], n["k"], device="meta")),
    "fc-params": lambda n: _torch_count(torch.nn.Linear(n["n"] ** 2, n["h"], device="meta")),
    "shared-params": lambda n: _torch_count(torch.nn.Conv2d(1, 1, n["f"], device="meta")),
    "mnist-total": lambda n: _mnist_count(n["f1"], n["f2"], n["h"]),
    "sigmoid-value": lambda n: backprop.sigmoid(a(n["x"])),
    "leaky-relu-value": lambda n: backprop.leaky_relu(a(n["x"]), slope=n["a"]),
    "relu-gradient": lambda n: [int(v) for v in backprop.relu_backward(a(n["g"]), a(n["x"]))],
    "sigmoid-derivative": lambda n: backprop.sigmoid_backward(a(1.0), a(n["x"])),
    "softmax-probability": lambda n: losses.softmax(a(n["z"]))[n["j"] - 1],
    "cross-entropy-value": lambda n: losses.cross_entropy(np.log(a([n["p"]])), np.array([n["t"] - 1])),
    "cross-entropy-gradient": lambda n: backprop.cross_entropy_backward(a([n["z"]]), np.array([n["t"] - 1]))[
        0, n["t"] - 1],
    "mlp-dW1": lambda n: _mlp(n)["dW1"][n["i"] - 1, n["j"] - 1],
    "mlp-dW2": lambda n: _mlp(n)["dW2"][n["j"] - 1, 0],
    "central-difference": lambda n: backprop.numerical_gradient(lambda v: float((v ** 3).sum()), a([n["x0"]]),
                                                                 h=n["h"])[0],
    "linear-dx": lambda n: backprop.linear_backward(a([n["dout"]]), a([n["x"]]), a(n["W"]))[0][0, n["i"] - 1],
    "adam-first-step": lambda n: _step(optim.Adam, n["p0"], [n["g"]], lr=n["lr"]),
    "adam-second-step": lambda n: _step(optim.Adam, n["p0"], [n["g1"], n["g2"]], lr=n["lr"]),
    "rmsprop-step": lambda n: _step(optim.RMSprop, n["p0"], [n["g"]], lr=n["lr"], alpha=n["alpha"],
                                    eps=n["eps"]),
    "adagrad-two-steps": lambda n: _step(optim.Adagrad, n["p0"], [n["g1"], n["g2"]], lr=n["lr"],
                                         eps=n["eps"]),
    "momentum-three-steps": lambda n: _step(optim.SGD, n["p0"], [n["g"]] * 3, lr=n["lr"], momentum=n["m"]),
    "annealed-rate": lambda n: optim.annealed_lr(n["alpha"], n["eps"], n["t"]),
    # L2: the term whose gradient is lam * W, the weight decay solutions.optim.SGD applies
    "l2-term": lambda n: 0.5 * n["lam"] * float(np.sum(a(n["W"]) ** 2)),
    "l1-term": lambda n: n["lam"] * float(np.sum(np.abs(a(n["W"])))),
    "weight-decay-step": lambda n: _step(optim.SGD, n["p0"], [n["g"]], lr=n["lr"], weight_decay=n["wd"]),
    # free-answer questions
    "receptive-field": lambda n: _receptive_field(n["k"], n["dil"]),
    "conv-then-pool": lambda n: _shape(pooling.max_pool2d(conv.conv2d(
        zeros(1, 1, n["n"], n["n"]), zeros(1, 1, n["f"], n["f"]), stride=n["s"], padding=n["p"]), 2)),
    "cross-entropy-from-logits": lambda n: losses.cross_entropy(a([n["z"]]), np.array([n["t"] - 1])),
}

# misconceptions a reference computes too
REFERENCE_DISTRACTORS = {
    ("padded-corner", "replicate-padding"):
        lambda n: conv.conv2d(padding.pad2d(a([[n["x"]]]), 1, mode="replicate"), a([[n["w"]]]))[0, 0, 0, 0],
    ("padded-corner", "reflect-padding"):
        lambda n: conv.conv2d(padding.pad2d(a([[n["x"]]]), 1, mode="reflect"), a([[n["w"]]]))[0, 0, 0, 0],
    ("padded-corner", "valid-position"): lambda n: conv.conv2d(a([[n["x"]]]), a([[n["w"]]]))[0, 0, 0, 0],
    ("conv-value", "flips-kernel"):
        lambda n: cell(conv.conv2d(img(n["x"]), img(n["w"])[:, :, ::-1, ::-1], a([n["b"]])), n, "r", "c"),
    ("max-pool-value", "average-not-max"): lambda n: cell(pooling.avg_pool2d(img(n["x"]), 2), n),
    ("max-pool-value", "min-not-max"): lambda n: cell(pooling.min_pool2d(img(n["x"]), 2), n),
    ("avg-pool-value", "max-not-average"): lambda n: cell(pooling.max_pool2d(img(n["x"]), 2), n),
    ("cross-entropy-value", "log2-not-ln"):
        lambda n: losses.cross_entropy(np.log(a([n["p"]])), np.array([n["t"] - 1])) / math.log(2),
    # PyTorch's ceil_mode (whose last window must start inside the input)
    ("pool-size", "ceil-not-floor"): lambda n: None if n["s"] > n["f"] else _shape(
        torch.nn.MaxPool2d(n["f"], n["s"], ceil_mode=True)(torch.zeros(1, 1, n["n"], n["n"]))),
}


def test_every_computation_has_a_reference():
    computed = {q["id"] for q in BANK["question"] if "params" in q} | {q["id"] for q in BANK["numeric"]}
    assert computed == set(REFERENCE)


@pytest.mark.parametrize("qid", sorted(REFERENCE))
def test_answers_match_the_references(qid):
    q = BY_ID[qid]
    for k in range(15):   # 15 versions of the question's pool
        if qid in {n["id"] for n in BANK["numeric"]}:
            entry = quiz_pool.numeric_entry(q, "", k)
        else:
            entry = quiz_pool.mc_entry(q, "", k)
        names = entry.names
        want = REFERENCE[qid](names)
        got = value(qid, names)
        if isinstance(got, (str, list)):
            assert got == want, (qid, names)
        else:
            assert float(got) == pytest.approx(float(want), rel=1e-9, abs=1e-12), (qid, names)
        if qid in {n["id"] for n in BANK["numeric"]}:
            continue
        # the option the grader keys as right is the reference, as shown
        fmt = q.get("format", "text")
        key = entry.options[entry.roles.index(None)]
        if fmt.startswith(".") and fmt.endswith("f"):
            # a float option is the reference rounded (a float-rounding tie may go either way)
            half = 0.5 * 10 ** -int(fmt[1:-1]) + 1e-9
            assert abs(float(key) - float(want)) <= half, (qid, want, entry.options)
        else:
            shown = quiz_pool.show(want if not isinstance(want, np.floating) else float(want), fmt)
            assert shown == key, (qid, shown, entry.options)
        for (did, mis), ref in REFERENCE_DISTRACTORS.items():
            if did == qid and ref(names) is not None:
                wrong = value(qid, names, distractor(qid, mis))
                assert float(wrong) == pytest.approx(float(ref(names))), (qid, mis)


# ---------------------------------------------------------------- variants

def test_every_family_varies_and_shows_four_distinct_options():
    for q in PUBLIC["questions"]:
        variants = [quiz_variant.variant(q, s) for s in STUDENTS]
        for v in variants:
            assert len(set(v["options"])) == 4 and sorted(v["order"]) == [0, 1, 2, 3]
        orders = Counter(tuple(v["order"]) for v in variants)
        assert len(orders) >= 10, (q["id"], orders)            # options shuffled per student
        if len(q["versions"]) > 1:
            texts = {v["text"] for v in variants}
            assert len(texts) >= 20, (q["id"], len(texts))      # numbers per student


def test_two_students_differ_and_regrades_agree():
    alice = quiz.student_key(BANK, "alice")
    bob = quiz.student_key(BANK, "bob")
    assert [it.text for it in alice] == [it.text for it in quiz.student_key(BANK, "alice")]
    assert [it.correct for it in alice] == [it.correct for it in quiz.student_key(BANK, "alice")]
    assert [it.text for it in alice] != [it.text for it in bob]
    # every parametrised question (free answers included): different numbers
    for q in PUBLIC["questions"]:
        if len(q["versions"]) > 1:
            va, vb = quiz_variant.variant(q, "alice"), quiz_variant.variant(q, "bob")
            assert va["version"] != vb["version"] and va["text"] != vb["text"], q["id"]
    for k in range(3):
        assert alice[20 + k].text != bob[20 + k].text
    # ...and, with the same questions for both (a fixed draw), different orders
    fixed = [q["id"] for q in BANK["question"]][:20]
    fa, fb = quiz.student_key(BANK, "alice", fixed=fixed), quiz.student_key(BANK, "bob", fixed=fixed)
    assert [it.id for it in fa][:20] == [it.id for it in fb][:20] == fixed
    assert sum(x.text != y.text for x, y in zip(fa, fb, strict=True)) >= 18


def test_a_course_seed_changes_every_students_quiz():
    plain = quiz.student_key(BANK, "alice")
    seeded = quiz.student_key(BANK, "alice", seed="2027-spring")
    assert [it.text for it in plain] != [it.text for it in seeded]
    again = quiz.student_key(BANK, "alice", seed="2027-spring")
    assert [it.text for it in seeded] == [it.text for it in again]


def test_draw_covers_every_topic():
    for s in STUDENTS:
        items = quiz.student_key(BANK, s)
        mc = [it for it in items if it.name.startswith("q")]
        assert len(mc) == 20 and len({it.id for it in mc}) == 20
        assert Counter(it.topic for it in mc) == {t: 2 for t in BANK["topics"]}
    draws = {tuple(quiz_variant.draw(PUBLIC, s)) for s in STUDENTS}
    assert len(draws) == len(STUDENTS)


def test_fixed_draw():
    fixed = [q["id"] for q in BANK["question"]][-20:]
    for s in STUDENTS[:5]:
        assert [it.id for it in quiz.student_key(BANK, s, fixed=fixed)][:20] == fixed
    with pytest.raises(ValueError):
        quiz.check_draw(BANK, fixed[:-1])
    with pytest.raises(ValueError):
        quiz.check_draw(BANK, fixed[:-1] + ["no-such-question"])


def test_no_letter_sequence_is_the_lectures_key():
    per_question = {}
    for s in [f"x{i}" for i in range(150)]:
        items = quiz.student_key(BANK, s)
        letters = "".join(str(it.correct) for it in items[:20])
        assert letters != LECTURE_KEY
        for it in items[:20]:
            per_question.setdefault(it.id, Counter())[it.correct] += 1
    # every question's right letter varies between students
    for qid, letters in per_question.items():
        if sum(letters.values()) >= 8:
            assert len(letters) >= 2, (qid, letters)


# ---------------------------------------------------------------- the notebook holds no key

def _swapped_key(bank):
    """The same bank with every question's right answer swapped with one of
    its distractors, and every numeric answer changed."""
    b = copy.deepcopy(bank)
    for q in b["question"]:
        (d, mis), rest = q["distractors"][0], q["distractors"][1:]
        q["distractors"] = [[q["correct"], mis]] + rest
        q["correct"] = d
    for q in b["numeric"]:
        q["answer"] = "0"
    return b


def _cells(nb):
    return json.dumps([{k: v for k, v in c.items() if k != "id"} for c in nb.cells], sort_keys=True)


def _rotated_key(bank, r):
    """The same bank with every question's right answer the r-th of its
    four candidates (the others its distractors)."""
    b = copy.deepcopy(bank)
    for q in b["question"]:
        values = [q["correct"]] + [d[0] for d in q["distractors"]]
        roles = [d[1] for d in q["distractors"]]
        values = values[r:] + values[:r]
        q["correct"], q["distractors"] = values[0], [[v, m] for v, m in zip(values[1:], roles, strict=True)]
    return b


def test_notebook_is_the_same_whatever_the_key():
    nb = quiz.quiz_notebook(BANK)
    assert _cells(nb) == _cells(quiz.quiz_notebook(_swapped_key(BANK)))
    text = "\n".join(c.source for c in nb.cells)
    for word in ("correct", "distractor", "misconception", "answer =", "tolerance", "source"):
        assert f"'{word}'" not in text and f'"{word}"' not in text, word
    for q in BANK["question"]:
        assert q["source"] not in text
    for q in BANK["numeric"]:
        assert q["answer"] not in text


def test_released_questions_are_the_same_whichever_candidate_is_right():
    """What a student receives (the notebook and quiz_questions.json) is
    byte for byte the same whichever of its four candidates each question
    calls right: no procedure over it can do better than chance without
    judging the options themselves."""
    public = quiz.public_file(BANK, "s1")
    assert public == quiz.public_file(_swapped_key(BANK), "s1")
    keys = {r: [it.correct for it in quiz.student_key(_rotated_key(BANK, r), "alice", "s1")[:20]]
            for r in range(4)}
    assert all(len({keys[r][i] for r in keys}) == 4 for i in range(20))  # four different keys
    for r in (1, 2, 3):
        rotated = _rotated_key(BANK, r)
        assert quiz.public_file(rotated, "s1") == public, r
    assert _cells(quiz.quiz_notebook(_rotated_key(BANK, 1), "s1")) == _cells(quiz.quiz_notebook(BANK, "s1"))


def test_released_questions_hold_no_expression():
    """The options come pre-rendered: no expression behind an option, no
    derived value the text does not show, no rule of the draw."""
    data = json.loads(quiz.public_file(BANK, "s1"))
    versions = {q["id"]: json.dumps(q["versions"]) for q in data["questions"] + data["numeric"]}
    for q in BANK["question"] + BANK["numeric"]:
        if "params" not in q:
            continue
        hidden = [q.get("correct"), q.get("answer"), *(d[0] for d in q.get("distractors", []))]
        hidden += q.get("require", []) + [e for _, e in q.get("define", [])]
        for expr in hidden:
            if expr and len(expr) >= 4:
                assert json.dumps(expr)[1:-1] not in versions[q["id"]], (q["id"], expr)
    for q in data["questions"] + data["numeric"]:
        assert set(q) == {"id", "topic", "text", "versions"}, q["id"]
        for entry in q["versions"]:
            assert set(entry) <= {"values", "options"}
            assert set(entry["values"]) <= {f for _, f, _, _ in string.Formatter().parse(q["text"]) if f}
            assert entry.get("options", []) == sorted(entry.get("options", []))


def test_the_notebooks_own_code_draws_the_graders_quiz(tmp_path, monkeypatch):
    nb = quiz.quiz_notebook(BANK, seed="s1")
    (tmp_path / quiz.QUESTIONS_FILE).write_text(quiz.public_file(BANK, "s1"))
    monkeypatch.chdir(tmp_path)
    by_id = {c.metadata["nbgrader"]["grade_id"]: c.source for c in nb.cells}
    for student in ("alice", "bob"):
        ns: dict = {}
        exec(by_id[quiz.SETUP_ID], ns)
        ns["STUDENT_ID"] = student
        exec(by_id[quiz.BUILD_ID], ns)
        shown = [ns["render"](q, i) for i, q in enumerate(ns["QUIZ"]["mc"], 1)]
        free = zip(ns["QUIZ"]["numeric"], quiz.NUMERIC, strict=True)
        shown += [ns["render_numeric"](q, n) for q, n in free]
        assert shown == [it.text for it in quiz.student_key(BANK, student, seed="s1")]


# ---------------------------------------------------------------- scoring

def _notebook(answers: dict):
    nb = quiz.quiz_notebook(BANK)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell.source = answers[gid]
    return nb


def _right(student):
    out = {}
    for it in quiz.student_key(BANK, student):
        answer = it.correct if it.tolerance == 0 else round(it.correct, 3)
        out[it.name] = f"{it.name} = {answer!r}"
    return out


def _wrong(student):
    out = {}
    for it in quiz.student_key(BANK, student):
        if it.name.startswith("q"):
            out[it.name] = f"{it.name} = {sorted(it.misconceptions)[0]!r}"
        else:
            out[it.name] = f"{it.name} = {it.correct + 1!r}"
    return out


def test_all_correct_all_wrong():
    right = quiz.score_quiz(_notebook(_right("alice")), "alice")
    assert sum(v[0] for v in right.values()) == 23
    assert all("is correct" in v[1] for v in right.values())
    outcomes = quiz.grade_quiz(_notebook(_wrong("alice")), "alice")
    assert sum(o.points for o in outcomes) == 0
    assert all(o.misconception in BANK["misconceptions"] for o in outcomes if o.item.name.startswith("q"))
    # alice's right answers are bob's (mostly) wrong ones
    assert sum(v[0] for v in quiz.score_quiz(_notebook(_right("alice")), "bob").values()) < 12


def test_numeric_tolerance():
    items = {it.name: it for it in quiz.student_key(BANK, "carol")}
    n3, n1 = items["n3"], items["n1"]
    assert n3.tolerance == 0.001 and n1.tolerance == 0
    assert quiz.judge(n3, round(n3.correct, 3), 1).correct
    assert quiz.judge(n3, n3.correct + 0.0009, 1).correct
    assert not quiz.judge(n3, n3.correct + 0.002, 1).correct
    assert quiz.judge(n1, n1.correct, 1).correct
    assert not quiz.judge(n1, float(n1.correct), 1).correct      # an integer question wants an int
    assert not quiz.judge(n1, str(n1.correct), 1).correct


def test_tampered_answers_score_zero():
    right = _right("dave")
    tampered = dict(right)
    tampered["q1"] = ("class S(str):\n    def __eq__(self, other):\n        return True\n\n"
                      f"q1 = S({right['q1'].split(' = ')[1]})")
    tampered["q2"] = f"q2 = {right['q2'].split(' = ')[1]}.lower().upper()"
    tampered["q3"] = "import json\nq3 = json.load(open('course/quiz_bank.toml'))"
    tampered["n1"] = f"n1 = {right['n1'].split(' = ')[1]} + 0"
    scores = quiz.score_quiz(_notebook(tampered), "dave")
    assert [scores[f"test_{n}"][0] for n in ("q1", "q2", "q3", "n1")] == [0, 0, 0, 0]
    assert sum(v[0] for v in scores.values()) == 19


def test_comments_never_give_the_right_answer():
    items = quiz.student_key(BANK, "erin")
    scores = quiz.score_quiz(_notebook(_wrong("erin")), "erin")
    for it in items:
        text = scores[f"test_{it.name}"][1]
        if it.name.startswith("q"):
            assert repr(it.correct) not in text
        else:
            assert f"{it.correct}" not in text
    note = quiz.score_quiz(_notebook({**_right("erin"), "student_id": 'STUDENT_ID = "frank"'}), "erin")
    assert "'frank'" in note["test_q1"][1] and note["test_q1"][0] == 1


# ---------------------------------------------------------------- structural checks and the report

def test_structural_checks(tmp_path):
    released = tmp_path / "released.ipynb"
    nb = quiz.quiz_notebook(BANK)
    nbformat.write(nb, str(released))
    fake = copy.deepcopy(nb)
    cell = nbformat.v4.new_code_cell("q99 = 'A'")
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": "bonus", "points": 50}
    fake.cells.append(cell)
    dup = copy.deepcopy(nb)
    i = next(k for k, c in enumerate(dup.cells) if c.metadata["nbgrader"]["grade_id"] == "q4")
    dup.cells.insert(i, copy.deepcopy(dup.cells[i]))
    cases = {"ok": nb, "fake": fake, "dup": dup}
    for name, book in cases.items():
        nbformat.write(book, str(tmp_path / f"{name}.ipynb"))
    (tmp_path / "junk.ipynb").write_text("{not json")
    assert checks.notebook_problems(tmp_path / "ok.ipynb", released) == []
    assert "'bonus'" in checks.notebook_problems(tmp_path / "fake.ipynb", released)[0]
    assert "'q4' appears 2 times" in checks.notebook_problems(tmp_path / "dup.ipynb", released)[0]
    assert "not a readable notebook" in checks.notebook_problems(tmp_path / "junk.ipynb", released)[0]


def test_per_question_report(tmp_path):
    for s in ("u1", "u2", "u3"):
        answers = _wrong(s) if s != "u3" else _right(s)
        quiz_report.save_outcomes(tmp_path, s, quiz.grade_quiz(_notebook(answers), s))
    rows = quiz_report.aggregate(tmp_path)
    assert sum(r["students"] for r in rows) == 3 * 23
    by_q = {r["question"]: r for r in rows}
    n3 = by_q["cross-entropy-from-logits"]
    assert n3["students"] == 3 and n3["share_correct"] == pytest.approx(1 / 3, abs=1e-3)
    wrong = [r for r in rows if r["top_wrong"]]
    assert wrong and all(r["misconception"] == BANK["misconceptions"][r["top_wrong"]] for r in wrong)
    csv_path, png_path = quiz_report.write_report(tmp_path)
    assert csv_path.read_text().startswith("question,topic,kind,students,correct,share_correct")
    assert png_path.read_bytes()[:4] == b"\x89PNG"
