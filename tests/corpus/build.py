"""Build a submission with exactly one bug from the reference solutions.

Each file in bugs/ holds, after a one-sentence docstring describing the
mistake, `TASK = "module.function"` (the task it must fail), `MODULE =
"module"`, and the complete buggy definition of that one function or class.

`make_submission(bug, dest)` copies solutions/*.py (not __init__.py) into
`dest` as a folder of module files (the layout a student hands in) and
appends the bug's source to dest/<MODULE>.py, so that the buggy definition
replaces the reference one under the graded name.

The reference's own definition is kept under `_reference_<name>`, and every
other use of that name in the copied modules (a call from another function,
`from .conv import conv_output_size`, ...) is pointed at it: the submission
then has exactly one wrong function, as if the student had written all the
others independently and correctly. Without this a bug in a shared helper
(conv_output_size, pad2d, relu_backward, linear_backward) would also break
the reference functions built on it, and the corpus could not check that a
bug costs points on its own task only.
"""
from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
BUG_DIR = Path(__file__).resolve().parent / "bugs"

BUGS = sorted(p for p in BUG_DIR.glob("*.py") if not p.name.startswith("_"))


def _constants(path: Path) -> dict:
    tree = ast.parse(Path(path).read_text(), filename=str(path))
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name) \
                and node.targets[0].id in ("TASK", "MODULE", "CAUSE"):
            found[node.targets[0].id] = ast.literal_eval(node.value)
    return found


def load_bug(path: Path) -> tuple[str, str]:
    """(task, module) of a bug file, e.g. ("conv.conv2d", "conv")."""
    c = _constants(path)
    task, module = c["TASK"], c["MODULE"]
    if task.split(".", 1)[0] != module:
        raise ValueError(f"{path.name}: TASK {task!r} is not in MODULE {module!r}")
    return task, module


def expected_cause(path: Path) -> str | None:
    """The phrase the `likely cause:` line must contain for this bug."""
    return _constants(path).get("CAUSE")


def describe_bug(path: Path) -> str:
    """The bug's one-sentence description (its docstring)."""
    return ast.get_docstring(ast.parse(Path(path).read_text())) or ""


def bug_source(path: Path) -> str:
    """The bug's code without its docstring and its TASK/MODULE lines."""
    text = Path(path).read_text()
    tree = ast.parse(text)
    drop = set()
    for node in tree.body:
        is_doc = (node is tree.body[0] and isinstance(node, ast.Expr)
                  and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str))
        is_meta = (isinstance(node, ast.Assign) and len(node.targets) == 1
                   and isinstance(node.targets[0], ast.Name)
                   and node.targets[0].id in ("TASK", "MODULE", "CAUSE"))
        if is_doc or is_meta:
            drop.update(range(node.lineno, node.end_lineno + 1))
    lines = text.splitlines()
    return "\n".join(line for i, line in enumerate(lines, 1) if i not in drop).strip() + "\n"


def make_submission(bug_path: Path, dest: Path) -> Path:
    """Write the one-bug submission for `bug_path` into `dest`; return `dest`."""
    task, module = load_bug(bug_path)
    name = task.split(".", 1)[1]
    hidden = f"_reference_{name}"
    pattern = re.compile(rf"\b{re.escape(name)}\b")
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for src in sorted(SOLUTIONS.glob("*.py")):
        if src.name == "__init__.py":
            continue
        text = pattern.sub(hidden, src.read_text())
        if src.stem == module:
            if hidden not in text:
                raise ValueError(f"{bug_path.name}: solutions/{src.name} defines no {name}")
            text = (text.rstrip("\n") + f"\n\n\n# {name}, as the student wrote it\n\n"
                    + bug_source(bug_path))
        (dest / src.name).write_text(text)
    return dest


def make_reference(dest: Path) -> Path:
    """The reference solutions as a folder of module files (no bug)."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for src in sorted(SOLUTIONS.glob("*.py")):
        if src.name != "__init__.py":
            shutil.copyfile(src, dest / src.name)
    return dest


if __name__ == "__main__":  # python -m tests.corpus.build BUG DEST
    import sys
    print(make_submission(Path(sys.argv[1]), Path(sys.argv[2])))
