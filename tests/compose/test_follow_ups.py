"""What an answer about a drug alone offers next, and what it never shows: a real FDA label from
../shared/data (Triaminic syrup) in the small store."""

from __future__ import annotations

from medcite.answering import ask
from medcite.compose.judge import leans_on_previous

QUESTION = "What is the dose of Triaminic (diphenhydramine/phenylephrine) syrup for children aged 6 to under 12 years?"


def test_a_drug_alone_is_never_diagnosed_nor_monitored_as_a_condition(small_store: object) -> None:
    answer = ask(QUESTION, small_store, save=False)  # type: ignore[arg-type]
    assert answer.references and not answer.abstained
    assert not any("diagnosed" in f or "monitoring is needed" in f for f in answer.follow_ups), answer.follow_ups


def test_no_statement_of_an_answer_leans_on_the_sentence_before_it(small_store: object) -> None:
    answer = ask(QUESTION, small_store, save=False)  # type: ignore[arg-type]
    shown = [s for sec in answer.sections for s in sec.statements]
    assert shown
    assert not [s.text for s in shown if leans_on_previous(s.text)]


def test_an_eponym_the_index_never_names_is_not_known_by_a_word_it_stems_like(small_store: object) -> None:
    from medcite.compose.build import _occurs

    occurs = _occurs(small_store)  # type: ignore[arg-type]
    assert occurs("severe disease")  # the porter stemmer makes "Sever's" "sever" too
    assert not occurs("Sever's disease")
