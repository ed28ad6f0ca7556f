"""The class view (report.html) of a 20-student batch: the score
distribution per task, the share failing each part, the likely causes,
the slowest submissions, similar code (copydetect) and links to each
student's feedback; and it opens and renders in a real headless browser
(Debian's chromium) where one is installed."""
from __future__ import annotations

import csv
import html
import json
import re
import shutil
import statistics
import subprocess
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import unquote

import pytest
from test_batch import ROOT, SOLUTIONS, assert_valid_png

from cnn_checks.kinds import TITLES

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus.build import make_reference, make_submission

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (SOLUTIONS / "conv.py").is_file(), reason="needs the reference solutions"),
]
CHEAP = ["--tasks", "conv", "padding", "--examples", "5", "--jobs", "2"]
BUGS = ("conv2d_ignores_dilation", "conv2d_flipped_kernel", "conv2d_stride_on_taps",
        "conv2d_bias_per_row", "conv_output_size_ceil", "conv_output_size_no_dilation",
        "pad2d_reflect_symmetric", "pad2d_value_ignored", "pad2d_pair_swapped", "pad2d_fpad_order")


def make_class(folder: Path) -> Path:
    """20 students: 6 copies of the reference, 10 one-bug submissions, the
    plain-loops submission, the unfilled stubs, an empty folder and one
    with its files in hw/."""
    for i in range(1, 7):
        make_reference(folder / f"ref{i:02d}")
    for i, bug in enumerate(BUGS, 1):
        make_submission(ROOT / "tests" / "corpus" / "bugs" / f"{bug}.py", folder / f"bug{i:02d}")
    shutil.copytree(ROOT / "examples" / "loops_submission", folder / "loops")
    (folder / "stubs").mkdir()
    for src in (ROOT / "assignments").glob("*.py"):
        shutil.copy(src, folder / "stubs" / src.name)
    (folder / "empty").mkdir()
    make_reference(folder / "nested" / "hw")
    return folder


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    subs = make_class(tmp_path_factory.mktemp("class") / "subs")
    assert len([d for d in subs.iterdir() if d.is_dir()]) == 20
    out = subs.parent / "out"
    run = subprocess.run([sys.executable, "-m", "grader.cli", "batch", str(subs), "--out", str(out), *CHEAP],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    return out, (out / "report.html").read_text(encoding="utf-8")


def section(text: str, name: str) -> str:
    m = re.search(rf'<section id="{name}">(.*?)</section>', text, re.DOTALL)
    assert m, f"no section {name}"
    return m.group(1)


def table_rows(fragment: str) -> list[list[str]]:
    """The cells of each body row, tags stripped, entities decoded."""
    rows = []
    for body in re.findall(r"<tbody>(.*?)</tbody>", fragment, re.DOTALL):  # folded tables too
        rows += [[html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
                  for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)]
                 for row in re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL)]
    return rows


def results(out: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in (out / "results").glob("*.json")}


def test_report_is_self_contained_and_links_feedback(report):
    out, text = report
    assert text.startswith("<!DOCTYPE html>")
    assert "<script" not in text and "<link" not in text and 'src="http' not in text
    assert re.search(r'<img alt="score distribution histograms" src="data:image/png;base64,', text)
    assert "20 students: 18 graded, 2 grading errors." in text
    links = set(re.findall(r'href="([^"]+)"', text))
    assert {f"feedback/ref{i:02d}.md" for i in range(1, 7)} <= links
    for link in links:
        assert (out / unquote(link)).is_file(), link
    # The gradebook and the plot are still written.
    assert_valid_png(out / "scores.png")
    with open(out / "gradebook.csv", newline="") as f:
        assert len(list(csv.DictReader(f))) == 20


def test_score_distribution_per_task(report):
    out, text = report
    with open(out / "gradebook.csv", newline="") as f:
        book = [r for r in csv.DictReader(f) if r["total"]]
    rows = {r[0]: r for r in table_rows(section(text, "distribution"))}
    for task in ("total", "padding.pad2d", "conv.conv_output_size", "conv.conv2d"):
        values = [float(r[task]) for r in book]
        assert rows[task][2] == f"{statistics.mean(values):.2f}", task
        assert rows[task][3] == f"{statistics.median(values):g}", task
        assert rows[task][4] == f"{min(values):g}"
    assert "<svg" in section(text, "distribution")


def test_share_failing_each_part(report):
    out, text = report
    graded = results(out)
    failing = Counter(t["name"] for r in graded.values() for t in r["tests"] if t["score"] < t["max_score"])
    rows = table_rows(section(text, "failing-parts"))
    assert rows, "no part listed"
    seen = {f"{r[0]}: {r[1]}": (int(r[2]), r[3]) for r in rows}
    assert set(seen) == {t["name"] for r in graded.values() for t in r["tests"]}
    for name, (count, share) in seen.items():
        assert count == failing[name], name
        assert share == f"{failing[name] / len(graded):.0%}"
    # Most failed first: the stubs fail everything, the bugs add to it.
    counts = [int(r[2]) for r in rows]
    assert counts == sorted(counts, reverse=True) and counts[0] >= 2


def test_likely_causes_per_task(report):
    out, text = report
    rows = table_rows(section(text, "likely-causes"))
    by_task: dict[str, Counter] = {}
    for r in results(out).values():
        seen = set()
        for t in r["tests"]:
            if t["score"] >= t["max_score"]:
                continue
            record = t["extra_data"]  # the typed record (grader/grades.py), never the prose
            task = record["task"]
            cause = record["cause"] or TITLES[record["kind"]]
            if (task, cause) not in seen:
                seen.add((task, cause))
                by_task.setdefault(task, Counter())[cause] += 1
    assert set(by_task) == {"padding.pad2d", "conv.conv_output_size", "conv.conv2d"}
    for task, causes in by_task.items():
        listed = {r[1].replace(" (failure kind)", ""): int(r[2]) for r in rows if r[0] == task}
        # every listed cause carries its true count, and no cause left out is
        # more frequent than the least frequent one listed (ties may go either way)
        assert listed, (task, causes)
        assert all(causes[c] == n for c, n in listed.items()), (task, causes, listed)
        assert max(causes.values()) == max(listed.values()), (task, causes, listed)
        assert all(n <= min(listed.values()) for c, n in causes.items() if c not in listed), (
            task, causes, listed)
    # The stubs student fails every task as "not implemented".
    assert any(r[1].startswith("not implemented") for r in rows)


def test_slowest_submissions(report):
    out, text = report
    times = {s: r["execution_time"] for s, r in results(out).items()}
    rows = table_rows(section(text, "slowest"))
    assert len(rows) == 10
    # the ten slowest, slowest first (submissions with equal times may be listed in either order)
    listed = [times[r[0]] for r in rows]
    assert listed == sorted(listed, reverse=True), rows
    assert all(t <= listed[-1] for s, t in times.items() if s not in {r[0] for r in rows}), (rows, times)
    assert 'href="feedback/' in section(text, "slowest")


def test_similar_code_pairs(report):
    _, text = report
    rows = table_rows(section(text, "similar"))
    pairs = {(r[0], r[1]) for r in rows}
    assert ("ref01", "ref02") in pairs  # identical copies
    assert all("stubs" not in p and "empty" not in p for p in pairs)
    assert "copydetect" in section(text, "similar")


def test_errors_are_listed(report):
    _, text = report
    errors = section(text, "errors")
    assert "no module files found: the submission is empty" in errors
    assert re.search(r"no module files found; found hw/\w+\.py, .*hw/conv\.py", errors)


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_report_renders_in_headless_chromium(report, tmp_path):
    browser = _chromium()
    if browser is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium; "
                    "INSTALL_CHROMIUM=1 ./install.sh installs it)")
    out, _ = report
    flags = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run",
             f"--user-data-dir={tmp_path / 'profile'}"]
    url = (out / "report.html").as_uri()
    dom = subprocess.run([*flags, "--dump-dom", url], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "<h1>Class report</h1>" in dom.stdout
    assert "20 students: 18 graded, 2 grading errors." in dom.stdout
    assert 'href="feedback/ref01.md"' in dom.stdout and "Suspiciously similar code" in dom.stdout
    shot = tmp_path / "report.png"
    png = subprocess.run([*flags, f"--screenshot={shot}", "--window-size=1280,2000", url],
                         capture_output=True, text=True, timeout=120)
    assert png.returncode == 0 and shot.is_file(), png.stderr[-2000:]
    assert_valid_png(shot)
    import matplotlib.image
    pixels = matplotlib.image.imread(shot)
    assert len({tuple(p) for p in pixels[::8, ::8].reshape(-1, pixels.shape[-1])}) > 20, "a blank page"
