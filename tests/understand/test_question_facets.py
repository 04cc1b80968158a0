"""Table tests for question framing, facet rules, concept coverage and sentence spans."""

import pytest

from medcite.clinical.sentences import sentence_spans
from medcite.compose.facets import classify
from medcite.compose.select import similar
from medcite.retrieve.analyze import analyze
from medcite.retrieve.query import expand
from medcite.understand.concepts import concepts, coverage
from medcite.understand.populations import asked_population, mentions, mismatch
from medcite.understand.question import frame

FRAMES = [
    ("What is the treatment for adults with Guillain-Barré syndrome?", "treatment",
     "Guillain-Barré syndrome", "adults", "Treatment of Guillain-Barré syndrome in adults"),
    ("How is immune-mediated necrotizing myopathy treated?", "treatment",
     "immune-mediated necrotizing myopathy", "", "Treatment of immune-mediated necrotizing myopathy"),
    ("What is the dose of IVIg for CIDP?", "dosing", "IVIg for CIDP", "", "Dosing of IVIg for CIDP"),
    ("What are the side effects of adalimumab?", "adverse", "adalimumab", "", "Adverse effects of adalimumab"),
    ("Treatment of GBS in pregnancy", "treatment", "GBS", "pregnancy", "Treatment of GBS in pregnancy"),
    ("What is hemolacria?", "definition", "hemolacria", "", "Hemolacria"),
    ("How is myasthenia gravis diagnosed?", "diagnosis", "myasthenia gravis", "", "Diagnosis of myasthenia gravis"),
    ("", "general", "", "", "Untitled question"),
    # "in adults with X" reads "in X" once the population moves to the end
    ("At what eGFR should metformin be stopped in adults with type 2 diabetes?", "general",
     "At what eGFR should metformin be stopped in type 2 diabetes", "adults",
     "At what eGFR should metformin be stopped in adults with type 2 diabetes"),
    ("Which antibiotics for adults with CAP?", "general", "Which antibiotics for CAP", "adults",
     "Which antibiotics for adults with CAP"),
    # a question not reduced to a topic is its own title, never "Dosing of What of IVIg"
    ("What dose of IVIg for adults?", "dosing", "What of IVIg", "adults", "What dose of IVIg for adults"),
    ("How to treat GBS in adults?", "treatment", "How to treat GBS", "adults", "How to treat GBS in adults"),
]


@pytest.mark.parametrize(("question", "intent", "topic", "population", "title"), FRAMES)
def test_frame(question: str, intent: str, topic: str, population: str, title: str) -> None:
    f = frame(question)
    assert (f.intent, f.topic, f.population, f.title) == (intent, topic, population, title)


@pytest.mark.parametrize("hostile", ["'); DROP TABLE x; --", "\x00" * 10, "a" * 100_000, "?" * 50, "NEAR(a b)"])
def test_frame_never_raises(hostile: str) -> None:
    assert frame(hostile).title


FACETS = [
    ("IVIg should be offered to treat GBS in adults (Level A).", "Recommendations", "management"),
    ("The recommended dose is 40 mg every other week.", "Dosage and Administration", "dosing"),
    ("Serum CK should be monitored every 3 months.", "", "monitoring"),
    ("Hemolacria is a rare phenomenon of bloody tears.", "Abstract", "background"),
    ("There is insufficient evidence to support or refute the effectiveness of IVIg in children with GBS (Level U).",
     "Recommendations", "populations"),
    ("Adalimumab should not be used during pregnancy unless clearly needed.", "Use in Specific Populations",
     "populations"),
    ("Serious infections and malignancies, including fatal events, have been reported.", "Boxed Warning",
     "pitfalls"),
    ("Patients who do not respond to IVIg may be treated with rituximab as second-line therapy.", "", "severe"),
    ("Anti-HMGCR antibodies are found in statin-associated necrotizing myopathy.", "", "subgroups"),
    ("Electromyography and muscle biopsy confirm the diagnosis.", "", "diagnosis"),
]


@pytest.mark.parametrize(("sentence", "heading", "facet"), FACETS)
def test_facet_rules(sentence: str, heading: str, facet: str) -> None:
    assert classify(sentence, heading).facet == facet


COVER = [
    # question, sentence, coverage
    ("What is the treatment for adults with Guillain-Barré syndrome?",
     "IVIg should be offered to treat GBS in adults (Level A).", 1.0),
    ("What is the treatment for adults with Guillain-Barré syndrome?",
     "IVIg should be considered in the treatment of MG (Level B).", 0.0),
    ("What is the dose of IVIg for CIDP?",
     "Intravenous immunoglobulin is effective in chronic inflammatory demyelinating polyneuropathy.", 1.0),
    ("What is the dose of IVIg for CIDP?", "IVIg should be offered to treat GBS in adults (Level A).", 0.5),
    ("Humira dose for rheumatoid arthritis",
     "Adalimumab 40 mg every other week is approved for rheumatoid arthritis.", 1.0),
]


@pytest.mark.parametrize(("question", "sentence", "expected"), COVER)
def test_concept_coverage(question: str, sentence: str, expected: float) -> None:
    found = concepts(frame(question).key_terms, expand(question), lambda t: 1.0)
    assert coverage(found, frozenset(analyze(sentence))) == pytest.approx(expected)


def test_rare_concepts_weigh_more() -> None:
    q = "hemolacria blood"
    found = concepts(frame(q).key_terms, expand(q), lambda t: 5.0 if t == "hemolacria" else 1.0)
    assert coverage(found, frozenset({"hemolacria"})) == pytest.approx(5 / 6)


def test_sentence_spans_point_into_the_original() -> None:
    text = "Based on 2 Class I studies, IVIg works.  It is safe, e.g. in adults.\n- Item one\n- Item two."
    spans = sentence_spans(text)
    assert [text[a:b] for a, b in spans] == [
        "Based on 2 Class I studies, IVIg works.", "It is safe, e.g. in adults.", "Item one", "Item two."]


POPULATION_ROWS = [
    ("IVIg benefit is uncertain in children with GBS.", {"children"}),
    ("Use during pregnancy only if clearly needed; excreted in human milk.", {"pregnancy", "lactation"}),
    ("No dose adjustment in patients with creatinine clearance above 30 mL/min.", {"renal impairment"}),
    ("Avoid in patients with cirrhosis.", {"hepatic impairment"}),
    ("IVIg should be offered to treat GBS in adults (Level A).", set()),
]


@pytest.mark.parametrize(("sentence", "expected"), POPULATION_ROWS)
def test_population_mentions(sentence: str, expected: set[str]) -> None:
    assert mentions(sentence) == expected


def test_population_mismatch() -> None:
    assert asked_population("adults") == "adults"
    assert asked_population("pregnant women") == "pregnancy"
    assert mismatch("IVIg benefit is uncertain in children with GBS.", "adults")
    assert not mismatch("IVIg should be offered to treat GBS in adults (Level A).", "adults")
    assert mismatch("IVIg should be offered to treat GBS in adults (Level A).", "children")
    # a guideline for newborns is for another population than an 80-year-old's (ngc:11366)
    assert mismatch("Clinical practice guideline on perinatal hypoxic-ischaemic encephalopathy on newborns.",
                    "older adults")
    # no population asked: nothing is for another one (callers rely on it)
    assert not mismatch("Clinical practice guideline on perinatal hypoxic-ischaemic encephalopathy on newborns.", "")


@pytest.mark.parametrize(("a", "b", "dup"), [
    ("IVIg should be offered to treat GBS in adults.", "IVIg should be offered to treat GBS in adults (Level A).", True),
    ("IVIg should be offered to treat GBS in adults.", "Plasmapheresis is established as effective.", False),
])
def test_near_duplicates(a: str, b: str, dup: bool) -> None:
    assert similar(frozenset(analyze(a)), frozenset(analyze(b))) is dup


@pytest.mark.parametrize(("text", "recommends"), [
    ("IVIg should be offered to treat GBS in adults (Level A).", True),  # ngc:9085
    ("Plasmapheresis is recommended for adults with GBS who are unable to walk unaided.", True),
    ("IVIg combined with plasmapheresis should not be considered for treating GBS (Level B).", False),
    ("Sequential treatment with plasma exchange followed by IVIg is not recommended.", False),
    ("Because plasmapheresis is established as effective GBS treatment, the guideline committee "
     "concluded that IVIg also has established effectiveness.", True),
    ("Guillain-Barré syndrome is a rare disorder in which the immune system attacks the nerves.", False),
])
def test_positive_recommendation(text: str, recommends: bool) -> None:
    from medcite.compose.judge import recommends as _recommends

    assert _recommends(text) is recommends


def test_centrality_counts_shared_pairs_with_other_passages(small_store) -> None:
    from itertools import pairwise

    from medcite.compose.select import candidates, centrality
    from medcite.retrieve.search import Retriever

    question = "What is the treatment for adults with Guillain-Barré syndrome?"
    hits = Retriever(small_store).search(question, k=30, snippets=False)
    found = concepts(frame(question).key_terms, expand(question), lambda t: 1.0)
    pool = candidates(hits, found)[:80]
    assert len(pool) > 20
    # The definition, pair by pair: what each sentence shares with sentences of other passages.
    pairs = [set(pairwise(c.stems)) | {(t, "") for t in c.terms} for c in pool]
    raw = [sum(len(pairs[i] & pairs[j]) for j, d in enumerate(pool) if d.hit.passage_id != c.hit.passage_id)
           / len(pairs[i]) if pairs[i] else 0.0 for i, c in enumerate(pool)]
    got = centrality(pool)
    assert max(got.values()) == pytest.approx(1.0)
    for c, r in zip(pool, raw, strict=True):
        assert got[id(c)] == pytest.approx(r / max(raw))
