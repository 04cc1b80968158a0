"""Render an :class:`~medcite.types.Answer` as Markdown, HTML, plain text, JSON, RIS or BibTeX.

Every renderer is a pure function of the answer; none reads settings or the store.
"""

from __future__ import annotations

from medcite.render.citations import to_bibtex, to_ris
from medcite.render.html import to_html
from medcite.render.jsonfmt import from_json, to_json
from medcite.render.markdown import to_markdown
from medcite.render.text import to_text
from medcite.types import Answer

FORMATS: tuple[str, ...] = ("md", "markdown", "html", "json", "text", "ris", "bibtex")

__all__ = [
    "FORMATS", "from_json", "render", "to_bibtex", "to_html", "to_json", "to_markdown", "to_ris", "to_text",
]


def render(answer: Answer, fmt: str) -> str:
    """Render ``answer`` in ``fmt`` (one of :data:`FORMATS`); RIS and BibTeX hold its references."""
    name = fmt.strip().lower()
    if name in ("md", "markdown"):
        return to_markdown(answer)
    if name == "html":
        return to_html(answer)
    if name == "json":
        return to_json(answer)
    if name == "text":
        return to_text(answer)
    if name == "ris":
        return to_ris(answer.references)
    if name == "bibtex":
        return to_bibtex(answer.references)
    raise ValueError(f"unknown format {fmt!r}; valid formats: {', '.join(FORMATS)}")
