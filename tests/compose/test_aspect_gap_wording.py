"""An evidence gap says in words what is missing, for a named topic or for "this question"
(a vignette whose subject is only its findings): never a template's placeholder."""

from __future__ import annotations

import pytest

from medcite.compose.build import _STATED_ASPECTS


@pytest.mark.parametrize("aspect", sorted(_STATED_ASPECTS))
def test_every_stated_aspect_reads_as_words(aspect: str) -> None:
    label = _STATED_ASPECTS[aspect]
    asked_here = label.replace(" for {}", " asked here")
    named = label.format("lupus")
    assert "{" not in asked_here and "}" not in asked_here, asked_here
    assert named.endswith("for lupus"), named
