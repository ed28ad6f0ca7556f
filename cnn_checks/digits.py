"""The capstone's data: scikit-learn's 8x8 handwritten digits and the fixed
train/test split every check uses.

scikit-learn ships the 1,797 images inside its package (no download), as
`sklearn/datasets/data/digits.csv.gz`: one row per image, its 64 pixels
(integers 0..16, row by row) and then its label. `load_images` reads that
file as `sklearn.datasets.load_digits` does, without importing scikit-learn
(whose import alone takes seconds: the grader would pay it on every
submission). Pixels are scaled to [0, 1] and shaped (N, 1, 8, 8), one
channel, like every image of the course.

The split is stratified and fixed: from each class, a fixed random fifth
(a NumPy Generator seeded with SPLIT_SEED) is held out for testing. The
grader trains on the training part and measures the accuracy on the held-
out part itself; the test labels never reach a student's process.
The data is read here only, on the grader's side.

The images are public, and so are their labels: weights trained on them at
home would pass a check on this split without any training. The grader
therefore relabels the classes (`relabelled`) with a permutation drawn
from the course secret (`label_permutation`, a derangement: no class keeps
its label), the same for every grading under one secret. An honest train()
learns the relabelled classes as well as the plain ones; weights trained on
the plain labels classify almost every held-out image wrongly. (Weights
trained at home whose output layer is reordered to the labels a case
carries still fit: the images are public, so the given labels reveal any
relabelling. Only data the student cannot have would close that.)
"""
from __future__ import annotations

import gzip
import hashlib
import importlib.util
import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SPLIT_SEED = 0
TEST_FRACTION = 0.2


@dataclass(frozen=True)
class Split:
    """Training and test images (float64, (N, 1, 8, 8), in [0, 1]) and labels (int64, (N,))."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def digits_file() -> Path:
    """scikit-learn's digits.csv.gz, found without importing scikit-learn."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("the capstone's digits come with scikit-learn, which is not installed")
    return Path(spec.origin).parent / "datasets" / "data" / "digits.csv.gz"


def load_images() -> tuple[np.ndarray, np.ndarray]:
    """All 1,797 digits: images (N, 1, 8, 8) scaled to [0, 1], labels (N,)."""
    with gzip.open(digits_file(), "rt", encoding="utf-8") as fh:
        rows = np.loadtxt(fh, delimiter=",")
    X = (rows[:, :-1].reshape(-1, 1, 8, 8) / 16.0).astype(np.float64)
    return X, rows[:, -1].astype(np.int64)


_SPLIT: Split | None = None


def load_split() -> Split:
    """The fixed stratified split: about 80 % training, 20 % test."""
    global _SPLIT
    if _SPLIT is None:
        X, y = load_images()
        rng = np.random.default_rng(SPLIT_SEED)
        test = []
        for label in range(10):
            members = np.flatnonzero(y == label)
            chosen = rng.permutation(members)[: int(round(TEST_FRACTION * len(members)))]
            test.extend(chosen.tolist())
        is_test = np.zeros(len(y), dtype=bool)
        is_test[test] = True
        # the training images in a fixed shuffled order (not sorted by class)
        train = rng.permutation(np.flatnonzero(~is_test))
        test_idx = np.flatnonzero(is_test)
        _SPLIT = Split(X[train], y[train], X[test_idx], y[test_idx])
    return _SPLIT


CLASSES = 10


def label_permutation(seed: int) -> np.ndarray:
    """A permutation of the ten classes (int64, no class left in place)
    drawn from `seed`: the classes sorted by SHA-256 keys of the seed, drawn
    again until none keeps its place. Hashes, not a NumPy generator (whose
    streams may change between versions): the same seed gives the same
    permutation wherever and whenever it is graded."""
    for attempt in itertools.count():
        keys = [hashlib.sha256(f"digits labels:{seed}:{attempt}:{label}".encode()).digest()
                for label in range(CLASSES)]
        permutation = np.array(sorted(range(CLASSES), key=keys.__getitem__), dtype=np.int64)
        if not np.any(permutation == np.arange(CLASSES)):
            return permutation
    raise AssertionError("unreachable")


def relabelled(split: Split, permutation: np.ndarray) -> Split:
    """`split` with class c labelled permutation[c] (same images, same order)."""
    return Split(split.X_train, permutation[split.y_train], split.X_test, permutation[split.y_test])


def permutation_of(split: Split, y_train: np.ndarray) -> np.ndarray | None:
    """The permutation that turns `split`'s training labels into `y_train`
    (the relabelling a training case carries); None when there is none."""
    y_train = np.asarray(y_train)
    if y_train.shape != split.y_train.shape or y_train.dtype.kind not in "iu":
        return None
    permutation = np.full(CLASSES, -1, dtype=np.int64)
    for label in range(CLASSES):
        given = np.unique(y_train[split.y_train == label])
        if given.size != 1:
            return None
        permutation[label] = given[0]
    if sorted(permutation.tolist()) != list(range(CLASSES)):
        return None
    return permutation
