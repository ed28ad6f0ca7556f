"""Submissions whose code is suspiciously similar, by copydetect.

copydetect (winnowing over the tokenized code, variable and function names
replaced) fingerprints each module file; the code handed out in the stubs
(assignments/) is boilerplate and does not count. Two students' files of the
same module are compared; a file's similarity is the share of its tokens
found in the other's file, and a pair is reported when, for some module,
that share is at least the threshold in both directions.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_THRESHOLD = 0.8
NOISE_TOKENS = 25          # copydetect's noise threshold (k-gram length)
WINDOW = 1                 # guarantee threshold = noise threshold
MAX_FILE_BYTES = 512 << 10
STUBS = Path(__file__).resolve().parent.parent.parent / "assignments"


@dataclass
class SimilarPair:
    first: str
    second: str
    modules: list[tuple[str, float]] = field(default_factory=list)  # (module file, similarity)

    @property
    def score(self) -> float:
        return max(s for _, s in self.modules)


def _read_code(path: Path) -> str | None:
    """The file's text if it is a regular file (not a link, a pipe or a
    device: cnn_checks.walk.read_regular) of sane size, in UTF-8."""
    from cnn_checks.walk import read_regular
    data = read_regular(path, MAX_FILE_BYTES)
    if data is None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _fingerprint(name: str, code: str, boilerplate):
    from copydetect import CodeFingerprint
    return CodeFingerprint(name, NOISE_TOKENS, WINDOW, boilerplate, True, "python", fp=io.StringIO(code))


def _boilerplate(modules: list[str]):
    import numpy as np
    hashes: list = []
    for name in modules:
        code = _read_code(STUBS / name)
        if code is not None:
            hashes.extend(_fingerprint(name, code, None).hashes)
    return np.unique(np.array(hashes))


def similar_pairs(folders: dict[str, Path], modules: list[str],
                  threshold: float = DEFAULT_THRESHOLD) -> list[SimilarPair]:
    """Pairs of students with at least one module file at least `threshold`
    similar both ways, most similar first."""
    from copydetect import compare_files

    from cnn_checks.implementations import module_dir
    boilerplate = _boilerplate(modules)
    pairs: dict[tuple[str, str], SimilarPair] = {}
    for module in modules:
        prints = {}
        for student, folder in sorted(folders.items()):
            code = _read_code(module_dir(folder) / module)
            if code is None or not code.strip():
                continue
            fp = _fingerprint(module, code, boilerplate)
            if len(fp.hashes):
                prints[student] = fp
        students = sorted(prints)
        for i, a in enumerate(students):
            for b in students[i + 1:]:
                _, (sim_a, sim_b), _ = compare_files(prints[a], prints[b])
                sim = float(min(sim_a, sim_b))
                if sim >= threshold:
                    pairs.setdefault((a, b), SimilarPair(a, b)).modules.append((module, round(sim, 3)))
    return sorted(pairs.values(), key=lambda p: (-len(p.modules), -p.score, p.first, p.second))
