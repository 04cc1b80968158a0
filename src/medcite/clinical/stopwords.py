"""Words too common to search for or to name anything: English function words and the
question verbs ("describe", "explain") people put before what they ask. Shared by the
search index, query understanding, dose reading and the verifier."""

from __future__ import annotations

STOPWORDS = frozenset(
    """
    a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for
    from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not of off on once only or
    other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your
    yours yourself yourselves near
    describe explain list tell please known
    """.split()
)

# Negations carry meaning in clinical text ("not recommended"), but as OR-ed search
# terms they only add noise, so they are dropped from queries like stopwords.

__all__ = ["STOPWORDS"]
