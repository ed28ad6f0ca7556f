"""The Gradescope zip's rubric fits the container it will run in: one task
at a time, each task's memory what the grader leaves free."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from grader.gradescope import CONTAINER_MB, GRADER_RESERVE_MB, container_limits, with_settings

RUBRIC = Path(__file__).resolve().parents[2] / "grader" / "rubric.toml"


def test_default_container_limits():
    limits = container_limits(RUBRIC, CONTAINER_MB)
    assert limits == {"workers": 1, "memory_mb": CONTAINER_MB - GRADER_RESERVE_MB}


def test_a_larger_container_never_raises_the_rubric_own_limit():
    assert container_limits(RUBRIC, 16000)["memory_mb"] == tomllib.loads(RUBRIC.read_text())[
        "settings"]["memory_mb"]


def test_too_small_a_container_is_refused():
    with pytest.raises(ValueError, match="--container-mb 400"):
        container_limits(RUBRIC, 400)


def test_settings_replace_and_lower_every_memory_limit():
    text = with_settings(RUBRIC.read_text(), {"workers": 1, "memory_mb": 384})
    data = tomllib.loads(text)
    assert data["settings"]["workers"] == 1 and data["settings"]["memory_mb"] == 384
    original = tomllib.loads(RUBRIC.read_text())
    assert data["points"] == original["points"]  # nothing else changed
    for task, own in data.get("limits", {}).items():
        assert own.get("memory_mb", 0) <= 384, task


def test_settings_added_when_the_rubric_has_no_table():
    data = tomllib.loads(with_settings('[points]\n"padding.pad2d" = 5\n', {"workers": 1, "memory_mb": 300}))
    assert data["settings"] == {"workers": 1, "memory_mb": 300} and data["points"]["padding.pad2d"] == 5
