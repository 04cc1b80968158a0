"""Checks on what a user typed that every way in applies alike (API bodies, web forms, the CLI),
so that each refuses the same text with the same words."""

from __future__ import annotations

from ..answering import MAX_QUESTION_CHARS


def question_problem(question: str) -> str | None:
    """Why ``question`` is refused, or None. (``ask()`` itself would cut it silently.)"""
    if len(question) > MAX_QUESTION_CHARS:
        return f"a question may have at most {MAX_QUESTION_CHARS} characters; this one has {len(question)}"
    return None


def nul_problem(name: str, value: object) -> str | None:
    """Why text with a NUL character is refused, or None: PostgreSQL cannot store NUL, so no
    backend accepts it (SQLite would, and the same server would then behave differently)."""
    if isinstance(value, str) and "\x00" in value:
        return f"{name} contains a NUL character"
    return None
