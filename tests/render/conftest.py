"""Fixtures for the renderer tests; the answers themselves are built in render_answers.py."""

from __future__ import annotations

import pytest
import render_answers

from medcite.types import Answer


@pytest.fixture()
def answer() -> Answer:
    return render_answers.gbs_answer()


@pytest.fixture()
def hostile_answer() -> Answer:
    return render_answers.hostile_answer()


@pytest.fixture()
def abstained_answer() -> Answer:
    return render_answers.abstained_answer()
