"""The capstone's data: scikit-learn's 8x8 handwritten digits and the fixed
train/test split every check uses.

`sklearn.datasets.load_digits` ships the 1,797 images inside the package
(no download). Pixels are integers 0..16; here they are scaled to [0, 1]
and shaped (N, 1, 8, 8), one channel, like every image of the course.

The split is stratified and fixed: from each class, a fixed random fifth
(a NumPy Generator seeded with SPLIT_SEED) is held out for testing. The
grader trains on the training part and measures the accuracy on the held-
out part itself; the test labels never reach a student's process.
scikit-learn is imported here only, on the grader's side.
"""
from __future__ import annotations

from dataclasses import dataclass

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


def load_images() -> tuple[np.ndarray, np.ndarray]:
    """All 1,797 digits: images (N, 1, 8, 8) scaled to [0, 1], labels (N,)."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    X = (np.asarray(digits.images, dtype=np.float64) / 16.0)[:, None, :, :]
    return X, np.asarray(digits.target, dtype=np.int64)


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
