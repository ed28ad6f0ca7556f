"""report.html: the class view of a batch, one self-contained file (inline
styles, the plot embedded as a data: URI, no script, no server) that opens
from disk next to the batch's feedback/ folder.

Sections: the score distribution per task (mean, median, share at full
marks, a histogram), the share of students failing each part, the most
frequent likely causes of failure per task (a failing part's typed cause;
without one, the kind of failure), the slowest submissions, the pairs of
submissions whose code is suspiciously similar (copydetect), the grading
errors and every student. Each student links to their Markdown feedback.

Everything is read from the typed records of results.json
(grader/grades.py), never from the feedback's prose, which holds text the
submission controls; every value written into the page is HTML-escaped.
"""
from __future__ import annotations

import base64
import html
import statistics
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import quote

from ..grades import PartGrade, part_grades
from .files import ERRORS, FEEDBACK
from .gradebook import Row
from .similarity import DEFAULT_THRESHOLD, SimilarPair, similar_pairs

SLOWEST = 10
SIMILAR_SHOWN = 50
CAUSES_PER_TASK = 3

_STYLE = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;max-width:70em;
color:#222;padding:0 1em}
h1{margin-bottom:.2em}h2{margin-top:2em;border-bottom:1px solid #ddd;padding-bottom:.2em}
table{border-collapse:collapse;margin:.5em 0}td,th{padding:.25em .7em;border-bottom:1px solid #eee;
text-align:left;vertical-align:top}th{background:#f6f6f6}td.n{text-align:right;font-variant-numeric:tabular-nums}
.bar{display:inline-block;height:.8em;background:#c44e52;vertical-align:middle}
.muted{color:#777}.summary{font-size:1.1em}img{max-width:100%}svg rect{fill:#4c72b0}
code{background:#f3f3f3;padding:0 .2em}summary{cursor:pointer;color:#555;margin:.4em 0}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _link(folder: str, student: str, ext: str) -> str:
    return f'<a href="{folder}/{quote(student, safe="")}.{ext}">{_e(student)}</a>'


def _feedback(student: str) -> str:
    return _link(FEEDBACK, student, "md")


def _table(head: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> str:  # type: ignore[assignment]
    th = "".join(f"<th>{h}</th>" for h in head)
    body = "".join("<tr>" + "".join(f'<td{" class=n" if i in numeric else ""}>{c}</td>'
                                     for i, c in enumerate(r)) + "</tr>" for r in rows)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def _histogram_svg(values: list[float], top: float, bins: int = 10) -> str:
    """A small inline SVG histogram of `values` over [0, top]."""
    top = top or 1.0
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, max(0, int(v / top * bins)))] += 1
    high = max(counts) or 1
    w, h = 12, 30
    rects = "".join(f'<rect x="{i * w}" y="{h - c / high * h:.1f}" width="{w - 1}" '
                    f'height="{c / high * h:.1f}"><title>{c}</title></rect>' for i, c in enumerate(counts))
    return (f'<svg width="{bins * w}" height="{h}" role="img" aria-label="histogram">{rects}</svg>')


def _seconds(row: Row) -> float:
    value = (row.result or {}).get("execution_time", 0.0)
    return float(value) if isinstance(value, (int, float)) else 0.0


def _known(row: Row) -> list[PartGrade]:
    """The row's part records whose task and part are known."""
    return [g for g in part_grades(row.result) if g.task is not None and g.part is not None]


def cause_of(grade: PartGrade) -> tuple[str, bool]:
    """(cause, a diagnosed cause?) of a failing part: its typed cause, or
    else the kind of failure in words."""
    return (grade.cause, True) if grade.cause else (grade.title, False)


def _count(n: int, noun: str) -> str:
    """"1 part", "3 parts"."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _folded(summary: str, inner: str) -> str:
    """`inner` folded away under a one-line summary (HTML <details>)."""
    return f"<details><summary>{_e(summary)}</summary>{inner}</details>"


def _distribution(columns: list[str], graded: list[Row]) -> str:
    """A row per task (the total first); the tasks every graded student
    got full marks on are folded away below the others."""
    rows: list[list[str]] = []
    green: list[list[str]] = []
    for name in ["total", *columns]:
        if name == "total":
            vals = [r.total or 0.0 for r in graded]
            top = max((r.max or 0.0 for r in graded), default=0.0)
        else:
            vals = [r.tasks[name][0] for r in graded if name in r.tasks]
            top = max((r.tasks[name][1] for r in graded if name in r.tasks), default=0.0)
        if not vals:
            continue
        full = sum(1 for v in vals if v >= top - 1e-9)
        row = [f"<b>{_e(name)}</b>" if name == "total" else f"<code>{_e(name)}</code>", f"{top:g}",
               f"{statistics.mean(vals):.2f}", f"{statistics.median(vals):g}", f"{min(vals):g}",
               f"{max(vals):g}", f"{full / len(vals):.0%}", _histogram_svg(vals, top)]
        (green if name != "total" and full == len(vals) else rows).append(row)
    head = ["task", "max", "mean", "median", "min", "max reached", "full marks", "histogram (0 to max)"]
    text = _table(head, rows, {1, 2, 3, 4, 5, 6})
    if green:
        text += _folded(f"{_count(len(green), 'task')} every student got full marks on",
                        _table(head, green, {1, 2, 3, 4, 5, 6}))
    return text


def _failing_parts(graded: list[Row]) -> str:
    failing: Counter = Counter()
    order: dict[tuple[str, str], int] = {}
    for r in graded:
        for g in _known(r):
            key = (g.task or "", g.part or "")
            order.setdefault(key, len(order))
            if not g.passed:
                failing[key] += 1
    n = len(graded) or 1
    rows = [[f"<code>{_e(task)}</code>", _e(part), str(failing[(task, part)]),
             f"{failing[(task, part)] / n:.0%}",
             f'<span class="bar" style="width:{failing[(task, part)] / n * 12:.2f}em"></span>']
            for task, part in sorted(order, key=lambda k: (-failing[k], order[k]))]
    head = ["task", "part", "students failing", "share", ""]
    failed = [r for r in rows if r[2] != "0"]
    passed = [r for r in rows if r[2] == "0"]
    text = _table(head, failed, {2, 3}) if failed else "<p>No student failed any part.</p>"
    if passed:
        text += _folded(f"{_count(len(passed), 'part')} every student passed", _table(head, passed, {2, 3}))
    return text


def _likely_causes(columns: list[str], graded: list[Row]) -> str:
    by_task: dict[str, Counter] = defaultdict(Counter)
    examples: dict[tuple[str, str], list[str]] = defaultdict(list)
    labelled: set[tuple[str, str]] = set()
    for r in graded:
        seen = set()
        for g in _known(r):
            if g.passed:
                continue
            task = g.task or ""
            cause, from_line = cause_of(g)
            if (task, cause) in seen:
                continue
            seen.add((task, cause))
            by_task[task][cause] += 1
            examples[(task, cause)].append(r.student)
            if from_line:
                labelled.add((task, cause))
    if not by_task:
        return "<p>No failing parts.</p>"
    rows = []
    for task in [c for c in columns if c in by_task]:
        for cause, count in by_task[task].most_common(CAUSES_PER_TASK):
            shown = examples[(task, cause)][:5]
            more = len(examples[(task, cause)]) - len(shown)
            source = "" if (task, cause) in labelled else ' <span class="muted">(failure kind)</span>'
            rows.append([f"<code>{_e(task)}</code>", _e(cause) + source, str(count),
                         ", ".join(_feedback(s) for s in shown) + (f" and {more} more" if more > 0 else "")])
    return _table(["task", "likely cause", "students", "for example"], rows, {2})


def _slowest(graded: list[Row]) -> str:
    timed = sorted(graded, key=lambda r: -_seconds(r))[:SLOWEST]
    rows = [[_feedback(r.student), f"{_seconds(r):.1f}",
             f"{r.total:g} / {r.max:g}"] for r in timed]
    return _table(["student", "seconds", "score"], rows, {1, 2})


def _similar(pairs) -> str:
    if pairs is None:
        return '<p class="muted">Not computed (--no-similarity).</p>'
    if not pairs:
        return "<p>No pair of submissions above the threshold.</p>"
    rows = [[_feedback(p.first), _feedback(p.second),
             ", ".join(f"<code>{_e(m)}</code> {s:.0%}" for m, s in p.modules), f"{p.score:.0%}"]
            for p in pairs[:SIMILAR_SHOWN]]
    more = (f"<p>And {len(pairs) - SIMILAR_SHOWN} more pairs.</p>" if len(pairs) > SIMILAR_SHOWN else "")
    return _table(["student", "student", "similar modules", "highest"], rows, {3}) + more


def similar_code(rows: list[Row], columns: list[str], submissions_root: Path | None,
                 threshold: float | None = None) -> list[SimilarPair] | None:
    """The graded students' pairs of similar module files (similarity.similar_pairs);
    None when the comparison is off (no submissions folder)."""
    if submissions_root is None:
        return None
    folders = {r.student: submissions_root / r.student for r in rows if r.graded}
    modules = sorted({f"{c.split('.')[0]}.py" for c in columns})
    return similar_pairs(folders, modules, DEFAULT_THRESHOLD if threshold is None else threshold)


def class_report_html(out: Path, columns: list[str], rows: list[Row], png: bytes | None = None,
                      pairs: list[SimilarPair] | None = None, threshold: float | None = None) -> str:
    """The report's HTML text for the rows of a batch in `out`; `pairs`:
    similar_code's (None: the comparison was off)."""
    graded = [r for r in rows if r.graded]
    errors = [r for r in rows if not r.graded]
    threshold = DEFAULT_THRESHOLD if threshold is None else threshold
    totals = [r.total or 0.0 for r in graded]
    top = max((r.max or 0.0 for r in graded), default=0.0)
    summary = (f"{len(rows)} students: {len(graded)} graded, {len(errors)} grading errors."
               + (f" Total: mean {statistics.mean(totals):.2f}, median {statistics.median(totals):g} "
                  f"of {top:g}." if totals else ""))
    # What needs the instructor's attention first: errors, failing parts,
    # their causes, similar code; then the distributions and the rest.
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Class report: {_e(out.name)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>Class report</h1><p class=summary id=summary>{_e(summary)}</p>",
    ]
    if errors:
        parts.append('<section id="errors"><h2>Grading errors</h2>' + _table(
            ["student", "error"], [[_link(ERRORS, r.student, "txt"), _e(r.error)] for r in errors])
            + "</section>")
    parts += [
        '<section id="failing-parts"><h2>Students failing each part</h2>', _failing_parts(graded),
        "</section>",
        '<section id="likely-causes"><h2>Most frequent likely causes of failure</h2>',
        "<p class=muted>The likely cause the grader found for each failing part; "
        "where it found none, the kind of failure.</p>", _likely_causes(columns, graded), "</section>",
        f'<section id="similar"><h2>Suspiciously similar code</h2><p class=muted>copydetect: a module '
        f"file shares at least {threshold:.0%} of its tokens with the other student's, both ways "
        f"(the stubs' code left out).</p>{_similar(pairs)}</section>",
        '<section id="distribution"><h2>Score distribution per task</h2>',
        _distribution(columns, graded),
    ]
    if png:
        parts.append(_folded("histograms of every task (image)",
                             f'<img alt="score distribution histograms" '
                             f'src="data:image/png;base64,{base64.b64encode(png).decode()}">'))
    parts += [
        "</section>",
        f'<section id="slowest"><h2>Slowest submissions</h2>{_slowest(graded)}</section>',
    ]
    everyone = _table(["student", "total", "error"],
                      [[_feedback(r.student) if r.graded else _link(ERRORS, r.student, "txt"),
                        "" if r.total is None else f"{r.total:g} / {r.max:g}", _e(r.error)]
                       for r in sorted(rows, key=lambda r: r.student)], {1})
    parts.append('<section id="students"><h2>Every student</h2>'
                 + _folded(_count(len(rows), "student"), everyone) + "</section>")
    parts.append("</body></html>\n")
    return "\n".join(parts)
