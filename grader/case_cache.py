"""The cases each part draws, computed once and kept.

A part's cases depend only on its strategy, its seed and the number of
examples (see cnn_checks.runner.generate_cases), so every submission graded
with the same seed sees the same ones. The grader's seeds come from the
course secret (grader/course_secret.py). Drawing the cases costs most of a
grading run, so they are kept in memory and on disk (as .npz and JSON,
never pickles), keyed by a hash of the checks' source code, the Hypothesis
version and the seed: any change to a strategy invalidates the cache, and
the key never holds the secret or the seed itself, only a hash of the seed.
The cache folder is private to the grader's user (mode 0700); it must lie
outside what the sandbox shows a submission.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import hypothesis
import numpy as np

from cnn_checks.cases import Case
from cnn_checks.runner import generate_cases
from cnn_checks.task import Part, Task

_MEMORY: dict[str, list[Case]] = {}
_SOURCE_HASH: str | None = None


def cache_dir() -> Path:
    base = os.environ.get("CNN_GRADER_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "cnn-grader")
    return Path(base)


def source_hash() -> str:
    """sha256 of the checks' source (cnn_checks/) and the Hypothesis version, 16 hex digits."""
    global _SOURCE_HASH
    if _SOURCE_HASH is None:
        h = hashlib.sha256(hypothesis.__version__.encode())
        root = Path(__file__).resolve().parent.parent / "cnn_checks"
        for path in sorted(root.rglob("*.py")):
            h.update(path.relative_to(root).as_posix().encode())
            h.update(path.read_bytes())
        _SOURCE_HASH = h.hexdigest()[:16]
    return _SOURCE_HASH


def seed_tag(seed: int | None) -> str:
    """A name for the seed in a cache key: sha256 of it, 12 hex digits
    ("public" for the public seeds)."""
    if seed is None:
        return "public"
    return hashlib.sha256(f"cnn-grader seed:{seed}".encode()).hexdigest()[:12]


def cases_for(task: Task, part: Part, examples: int, seed: int | None = None) -> list[Case]:
    """The part's cases drawn with `seed` (None: the public part_seed)."""
    key = f"{source_hash()}-{seed_tag(seed)}-{task.name}-{part.name}-{examples}"
    if key in _MEMORY:
        return _MEMORY[key]
    path = cache_dir() / f"{key}.npz"
    cases = _load(path)
    if cases is None:
        cases = generate_cases(task, part, examples, seed)
        _save(path, cases)
    _MEMORY[key] = cases
    return cases


def _save(path: Path, cases: list[Case]) -> None:
    meta = [{"names": list(c.arrays), "params": c.params, "layout": c.layout} for c in cases]
    arrays = {f"{i}:{n}": a for i, c in enumerate(cases) for n, a in c.arrays.items()}
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
        np.savez(tmp, meta=np.array(json.dumps(meta)), **arrays)  # type: ignore[arg-type]
        os.replace(tmp, path)
    except OSError:
        pass  # no cache: grading still works, only slower


def _load(path: Path) -> list[Case] | None:
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            return [Case({n: data[f"{i}:{n}"] for n in m["names"]}, m["params"], m["layout"])
                    for i, m in enumerate(meta)]
    except (OSError, KeyError, ValueError):
        return None
