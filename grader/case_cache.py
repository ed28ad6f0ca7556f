"""The cases each part draws, computed once and kept.

A part's cases depend only on its strategy, its seed and the number of
examples (see cnn_checks.runner.generate_cases), so every submission graded
with the same seed sees the same ones. The grader's seeds come from the
course secret (grader/course_secret.py). Drawing the cases costs most of a
grading run, so they are kept in memory and on disk (one file per part: a
JSON header and the arrays' raw bytes, never pickles, read in one go),
keyed by a hash of the checks' source code, the Hypothesis version and the
seed: any change to a strategy invalidates the cache, and the key never
holds the secret or the seed itself, only a hash of the seed. The
reference's expected outputs for those cases are kept the same way
(`expected_for`), keyed also by the reference solutions' source. The cache
folder is private to the grader's user (mode 0700); it must lie outside
what the sandbox shows a submission.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import struct
from collections.abc import Sequence
from pathlib import Path
from typing import overload

import hypothesis
import numpy as np

from cnn_checks.cases import Case
from cnn_checks.outputs import Expected
from cnn_checks.runner import generate_cases
from cnn_checks.task import Part, Task

_MEMORY: dict[str, Sequence[Case]] = {}
_EXPECTED: dict[str, list[list[Expected]]] = {}
_SOURCE_HASH: str | None = None
_SOLUTIONS_HASH: str | None = None


def cache_dir() -> Path:
    base = os.environ.get("CNN_GRADER_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "cnn-grader")
    return Path(base)


def source_hash() -> str:
    """sha256 of the checks' source (cnn_checks/) and the Hypothesis version, 16 hex digits."""
    global _SOURCE_HASH
    if _SOURCE_HASH is None:
        _SOURCE_HASH = _folder_hash("cnn_checks", hypothesis.__version__)
    return _SOURCE_HASH


def _folder_hash(folder: str, salt: str = "") -> str:
    """sha256 of the project folder's Python sources (names and bytes), 16 hex digits."""
    h = hashlib.sha256(salt.encode())
    root = Path(__file__).resolve().parent.parent / folder
    for path in sorted(root.rglob("*.py")):
        h.update(path.relative_to(root).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def seed_tag(seed: int | None) -> str:
    """A name for the seed in a cache key: sha256 of it, 12 hex digits
    ("public" for the public seeds)."""
    if seed is None:
        return "public"
    return hashlib.sha256(f"cnn-grader seed:{seed}".encode()).hexdigest()[:12]


def cases_for(task: Task, part: Part, examples: int, seed: int | None = None) -> Sequence[Case]:
    """The part's cases drawn with `seed` (None: the public part_seed)."""
    key = f"{source_hash()}-{seed_tag(seed)}-{task.name}-{part.name}-{examples}"
    if key in _MEMORY:
        return _MEMORY[key]
    path = cache_dir() / f"{key}.cases"
    cases = _load(path)
    if cases is None:
        cases = generate_cases(task, part, examples, seed)
        _save(path, cases)
    _MEMORY[key] = cases
    return cases


_HEAD = struct.Struct("<Q")


def _write_blob(path: Path, meta, arrays: dict[str, np.ndarray]) -> None:
    """[8-byte header length][JSON: meta and array specs][raw bytes], atomically."""
    specs, blobs, offset = {}, [], 0
    for name, a in arrays.items():
        a = np.asarray(a, order="C")
        specs[name] = [a.dtype.str, list(a.shape), offset]
        blobs.append(a.tobytes())
        offset += a.nbytes
    head = json.dumps({"meta": meta, "arrays": specs}).encode()
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            fh.write(_HEAD.pack(len(head)) + head + b"".join(blobs))
        os.replace(tmp, path)
    except OSError:
        pass  # no cache: grading still works, only slower


def _read_blob(path: Path):
    """(meta, arrays) from _write_blob's file; None if absent or damaged."""
    try:
        data = path.read_bytes()
        (n,) = _HEAD.unpack_from(data)
        header = json.loads(data[_HEAD.size:_HEAD.size + n])
        body = memoryview(data)[_HEAD.size + n:]
        arrays = {}
        for name, (dtype, shape, offset) in header["arrays"].items():
            dt = np.dtype(dtype)
            if dt.hasobject:
                return None
            count = math.prod(shape)
            arrays[name] = np.frombuffer(body, dt, count, offset).reshape(shape)
        return header["meta"], arrays
    except (OSError, KeyError, ValueError, TypeError, struct.error):
        return None


def _save(path: Path, cases: list[Case]) -> None:
    meta = [{"names": list(c.arrays), "params": c.params, "layout": c.layout} for c in cases]
    _write_blob(path, meta, {f"{i}:{n}": a for i, c in enumerate(cases) for n, a in c.arrays.items()})


class StoredCases(Sequence[Case]):
    """A part's cases as read from its file, each rebuilt on first access
    (a part whose first case already fails never builds the others)."""

    def __init__(self, meta: list, specs: dict, body: memoryview):
        self.meta, self.specs, self.body = meta, specs, body
        self.built: dict[int, Case] = {}

    def __len__(self) -> int:
        return len(self.meta)

    @overload
    def __getitem__(self, i: int) -> Case: ...

    @overload
    def __getitem__(self, i: slice) -> list[Case]: ...

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        if i not in self.built:
            m = self.meta[i]
            arrays = {}
            for n in m["names"]:
                dtype, shape, offset = self.specs[f"{i}:{n}"]
                arrays[n] = np.frombuffer(self.body, np.dtype(dtype), math.prod(shape), offset).reshape(shape)
            self.built[i] = Case(arrays, m["params"], m["layout"])
        return self.built[i]


def _load(path: Path) -> Sequence[Case] | None:
    try:
        data = path.read_bytes()
        (n,) = _HEAD.unpack_from(data)
        header = json.loads(data[_HEAD.size:_HEAD.size + n])
        meta, specs = header["meta"], header["arrays"]
        if any(np.dtype(dtype).hasobject for dtype, _, _ in specs.values()):
            return None
        cases = StoredCases(meta, specs, memoryview(data)[_HEAD.size + n:])
        cases[0] if len(cases) else None  # a damaged file fails here, not later
        return cases
    except (OSError, KeyError, ValueError, TypeError, IndexError, struct.error):
        return None


# ---------------------------------------------------------------------------
# expected values, stored with the cases they belong to

def _solutions_hash() -> str:
    """The reference solutions' source: expected values depend on it too."""
    global _SOLUTIONS_HASH
    if _SOLUTIONS_HASH is None:  # and how their answers become Expected values (grader/compare.py)
        _SOLUTIONS_HASH = _folder_hash("solutions", (Path(__file__).parent / "compare.py").read_text())
    return _SOLUTIONS_HASH


def expected_for(task: Task, part: Part, examples: int, cases: Sequence[Case],
                 compute, seed: int | None = None) -> list[list[Expected]]:
    """The expected outputs of `cases` (cases_for's list for the same part,
    examples and seed), computed with `compute(case)` once and kept next to
    the cases, keyed also by the reference solutions' source."""
    key = f"{source_hash()}-{_solutions_hash()}-{seed_tag(seed)}-{task.name}-{part.name}-{examples}-expected"
    if key in _EXPECTED and len(_EXPECTED[key]) == len(cases):
        return _EXPECTED[key]
    path = cache_dir() / f"{key}.expected"
    expected = _load_expected(path)
    if expected is None or len(expected) != len(cases):
        expected = [list(compute(case)) for case in cases]
        _save_expected(path, expected)
    _EXPECTED[key] = expected
    return expected


def _save_expected(path: Path, expected: list[list[Expected]]) -> None:
    meta = [[{"name": e.name, "kind": e.kind} for e in row] for row in expected]
    arrays = {f"{i}:{j}": e.array for i, row in enumerate(expected) for j, e in enumerate(row)}
    _write_blob(path, meta, arrays)


def _load_expected(path: Path) -> list[list[Expected]] | None:
    blob = _read_blob(path)
    if blob is None:
        return None
    meta, arrays = blob
    try:
        return [[Expected(m["name"], m["kind"], arrays[f"{i}:{j}"]) for j, m in enumerate(row)]
                for i, row in enumerate(meta)]
    except (KeyError, TypeError):
        return None
