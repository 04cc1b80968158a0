"""Answer <-> JSON: the pydantic model's own serialisation, so a round trip is lossless.

Named ``jsonfmt`` so ``from medcite.render import json`` never shadows the standard library.
"""

from __future__ import annotations

from medcite.types import Answer


def to_json(answer: Answer) -> str:
    """Serialise an answer as indented JSON."""
    return answer.model_dump_json(indent=2)


def from_json(text: str) -> Answer:
    """Parse and validate JSON written by :func:`to_json`."""
    return Answer.model_validate_json(text)
