"""Coding-task notebooks, generated from the stub modules in assignments/
(their source is read at build time: no second copy of a docstring or stub),
and the reverse: a submitted notebook assembled back into a module file.

One notebook per module (padding.ipynb, conv.ipynb, ...):
  * a locked header cell: the stub module's imports (the module docstring
    goes into the first markdown cell);
  * per top-level function/class of the stub: an answer cell holding its
    exact source (signature, docstring, `raise NotImplementedError`), and,
    for graded tasks, a test cell worth the rubric's points that runs the
    lecture's worked examples (visible checks; no hidden tests).
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
STUBS = REPO / "assignments"
HEADER_ID = "header"


def cell_meta(grade_id, *, solution=False, grade=False, locked=False, points=None):
    """A cell's nbgrader metadata: its id, whether the student writes it
    (solution), whether it is graded (and its points), whether it is locked."""
    meta = {"grade_id": grade_id, "solution": solution, "grade": grade, "locked": locked,
            "schema_version": 3}
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def stub_parts(module: str):
    """(docstring, import source, [(name, source)]) of assignments/<module>.py."""
    source = (STUBS / f"{module}.py").read_text()
    tree = ast.parse(source)
    doc = ast.get_docstring(tree) or ""
    imports, defs = [], []
    for node in tree.body:
        if isinstance(node, ast.Expr) and isinstance(getattr(node, "value", None), ast.Constant) \
                and node is tree.body[0]:
            continue
        if _is_main_block(node):  # `python -m assignments.network` only; a notebook is __main__
            continue
        segment = ast.get_source_segment(source, node, padded=False) or ""
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            start = min([d.lineno for d in node.decorator_list] + [node.lineno])
            segment = "\n".join(source.splitlines()[start - 1:node.end_lineno])
            defs.append((node.name, segment))
        else:
            imports.append(segment)
    return doc, "\n".join(imports), defs


def _is_main_block(node: ast.stmt) -> bool:
    """`if __name__ == "__main__":` at the top of a stub module."""
    test = getattr(node, "test", None)
    return (isinstance(node, ast.If) and isinstance(test, ast.Compare)
            and isinstance(test.left, ast.Name) and test.left.id == "__name__"
            and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in test.comparators))


def task_cell_id(module: str, name: str) -> str:
    return f"test_{module}_{name}"


def answer_cell_id(module: str, name: str) -> str:
    return f"{module}_{name}"


def test_source(task) -> str:
    lines = [f"# Visible checks: the lectures' worked examples for {task.name}.",
             "# (Your score comes from the full grader after submission, not from this cell.)",
             "from visible_checks import check_examples",
             f"check_examples({task.name!r}, {task.function})"]
    return "\n".join(lines)


def module_notebook(module: str, rubric) -> nbformat.NotebookNode:
    from cnn_checks.tasks import TASKS
    doc, imports, defs = stub_parts(module)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    intro = (f"# `{module}`\n\n{doc}\n\nFill in each function below (keep the names and "
             "signatures). Each answer cell becomes part of the module `" + module + ".py` "
             "that the grader tests with many more cases than the visible checks here. "
             "To reuse another notebook's functions, write `%run padding.ipynb` in a cell "
             "(the grader turns it into `from padding import *`).")
    nb.cells.append(nbformat.v4.new_markdown_cell(intro, metadata=cell_meta(f"{module}_intro", locked=True)))
    nb.cells.append(nbformat.v4.new_code_cell(imports, metadata=cell_meta(HEADER_ID, locked=True)))
    for name, src in defs:
        nb.cells.append(nbformat.v4.new_code_cell(src, metadata=cell_meta(answer_cell_id(module, name),
                                                                       solution=True)))
        task = TASKS.get(f"{module}.{name}")
        if task is not None:
            pts = rubric.task_points(task.name)
            nb.cells.append(nbformat.v4.new_code_cell(
                test_source(task), metadata=cell_meta(task_cell_id(module, name), grade=True,
                                                  locked=True, points=pts)))
    return nb


_RUN = re.compile(r"^\s*%run\s+(?:-\S+\s+)*([A-Za-z_][A-Za-z0-9_]*)\.(?:ipynb|py)\s*$")


def _code_of(cell_source: str) -> str:
    out = []
    for line in cell_source.splitlines():
        m = _RUN.match(line)
        if m:
            out.append(f"from {m.group(1)} import *")
        elif line.lstrip().startswith(("%", "!")):
            out.append("# (dropped) " + line.strip())
        else:
            out.append(line)
    return "\n".join(out)


def assemble_module(nb: nbformat.NotebookNode) -> str:
    """The module file a notebook stands for: every code cell except the
    test cells, in order (the header is the locked cell nbgrader restored).
    The notebook is read as data; nothing in it is executed here."""
    chunks = []
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            continue
        chunks.append(_code_of(cell.get("source", "")))
    return "\n\n\n".join(chunks) + "\n"
