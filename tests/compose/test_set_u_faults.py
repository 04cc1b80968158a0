"""Faults set U (session 15's fresh bedside vignettes) found, each mended as a general rule and
checked on real sources from ../shared/data:

- a clinician asking about the one condition a consumer page ranks first for gets the guideline
  that lists it (the AUA Peyronie's disease guideline, ngc:10729, before the NIDDK page);
- a sentence for a finding being abnormal is no answer when the question reports it normal (the
  RCOG small-for-gestational-age guideline, ngc:9776: "MCA PI normal" and "an abnormal middle
  cerebral artery Doppler … should be used to time delivery");
- a heading that asks the question names what its sentences are about (ngc:9797, the Canadian
  guideline on fetal growth restriction, is in the store for its scope's "Small for gestational
  age") ("Delivery should be
  offered at 37 weeks of gestation." under "What Is the Optimal Gestation To Deliver the SGA
  Fetus?");
- "clinicians may offer duloxetine" recommends and directs (ASCO's CIPN guideline, ngc:10481);
- "what octreotide regimen do I start him on?" asks for the dose of the drug it names, and a
  guideline's dosing line ("Octreotide dosing for symptom control: A trial of octreotide …",
  Cancer Care Ontario's somatostatin analogue guideline, ngc:10883) states it without a verb;
- "AS (HLA-B27+, bilat sacroiliitis)" is ankylosing spondylitis, "can he stop it" asks about the
  drug named just before, and keeping one of two treatments alone stops the other (the ACR/SAA/
  SPARTAN guideline, ngc:11119: "… continuing treatment with TNFi alone compared to continuing both");
- a child's question goes to the guideline titled for children on its subject (AASLD/AST's
  paediatric liver transplant guideline, ngc:10032, before NICE's everolimus appraisal, ngc:10777;
  the adult liver transplant guideline, ngc:9890, is there for its scope's "Liver Transplantation").

(The Peyronie's vignette is set U's less "on photos", a word this small store never writes, which
would read as the unindexed thing asked about.)
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from datapath import ingested, ngc_summaries
from medcite.answering import ask
from medcite.compose.judge import directs, recommends
from medcite.retrieve.scope import Scope, ScopeIndex
from medcite.store import SQLiteStore
from medcite.understand.frame import Frame, understand
from medcite.understand.populations import normal_finding_conflict

PEYRONIE = ("54M, erect penis started bending upwards ~18 mo ago, palpable dorsal plaque, pain settled, bend unchanged "
            "for the last 8 mo, ~50°, erections firm without meds but intercourse getting hard. doesn't want "
            "surgery yet - which intralesional injection should I offer?")
SGA = ("G2P1 at 33+4, growth scan: EFW 6th centile, AC tailing off, UA Doppler PI normal with EDF present, MCA PI "
       "normal, liquor normal, singleton, anatomy scan was normal. BP 122/76, no proteinuria, good FM. if everything "
       "stays like this, at what gestation should we offer delivery?")
CIPN = ("61M stage III colon ca, finished 12 cycles of adjuvant FOLFOX 5 mo ago, NED on CT, CEA nl. burning pain + "
        "numbness in both feet and fingertips since cycle 8, not improving, 6/10, wrecking his sleep. eGFR 75, not on "
        "other serotonergic meds. what drug should I offer for the painful neuropathy?")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Iterator[SQLiteStore]:
    folder = tmp_path_factory.mktemp("setu")
    ngc_summaries(("10729", "9776", "9797", "10481", "10883", "11119", "10777", "10032", "9890"), folder, data_dir)
    # the NIDDK pages (the Peyronie's disease one among them): a store writes everyday words too
    shutil.copytree(data_dir / "medquad/5_NIDDK_QA", folder / "5_NIDDK_QA")
    with ingested(folder) as s:
        yield s


def _understood(question: str, *scopes: Scope) -> Frame:
    """The question understood beside an index of just these scopes."""
    return understand(question, scopes=ScopeIndex(list(scopes)))


def _first(question: str, store: SQLiteStore) -> tuple[str, str]:
    answer = ask(question, store, save=False)
    assert answer.bottom_line, [g.text for g in answer.gaps]
    cited = {r.number: r.doc_id for r in answer.references}
    return answer.bottom_line[0].text, cited[answer.bottom_line[0].citations[0]]


def test_a_clinician_gets_the_guideline_before_the_consumer_page(store: SQLiteStore) -> None:
    text, doc = _first(PEYRONIE, store)
    assert doc == "ngc:10729", text
    assert text.startswith("Clinicians may")


def test_the_treatment_the_guideline_offers_for_cipn(store: SQLiteStore) -> None:
    text, _ = _first(CIPN, store)
    assert text == "For patients with cancer experiencing CIPN, clinicians may offer duloxetine."


@pytest.mark.parametrize(("sentence", "conflict"), [
    ("C - In the term SGA fetus with normal umbilical artery Doppler, an abnormal middle cerebral artery Doppler "
     "(pulsatility index [PI] <5th centile) has moderate predictive value for acidosis at birth and should be used to "
     "time delivery.", True),
    ("C - If MCA Doppler is abnormal delivery should be recommended no later than 37 weeks of gestation.", True),
    ("Delivery should be offered at 37 weeks of gestation.", False),
    ("If liver function tests are abnormal, stop the drug.", False),
])
def test_a_finding_reported_normal_rules_out_its_abnormal_sentences(sentence: str, conflict: bool) -> None:
    assert normal_finding_conflict(SGA, sentence) is conflict


def test_clinicians_may_offer_recommends() -> None:
    sentence = "For patients with cancer experiencing CIPN, clinicians may offer duloxetine."
    assert directs(sentence) and recommends(sentence) and recommends(sentence, scoped=True)
    assert not recommends("Clinicians should not offer the following agents for the prevention of CIPN:")


def _pipeline(question: str, store: SQLiteStore):  # type: ignore[no-untyped-def]
    """The composer's steps up to the ranked candidates (as ``compose`` runs them)."""
    from datetime import date

    from medcite.compose import build as B
    from medcite.compose.select import candidates, score
    from medcite.retrieve.search import Retriever, SearchConfig

    retriever = Retriever(store, SearchConfig(on_demand=0))
    config = B.ComposeConfig()
    ctx = B._context(question, "clinician", "", None, retriever, store)
    hits = retriever.search(ctx.understood.search_text, k=config.passages, snippets=False)
    return B, config, ctx, hits, candidates, score, date.today().year


def test_a_consumer_page_ranked_first_gives_way_to_the_guideline(store: SQLiteStore) -> None:
    B, _, ctx, hits, *_ = _pipeline(PEYRONIE, store)
    assert hits[0].doc_id == "medquad:NIDDK-0000207"  # retrieval ranks the NIDDK page first
    assert B._asked_condition_first(hits, ctx, store)[0].doc_id == "ngc:10729"


def test_a_heading_that_asks_the_question_names_its_subject(store: SQLiteStore) -> None:
    B, config, ctx, hits, candidates, score, year = _pipeline(SGA, store)
    hits = B._merge_hits(hits, B._siblings(store, hits, ctx.found, {"ngc:9776": 1.0}))
    ranked = score(candidates(hits, ctx.found), ctx.frame.intent, year)
    # the answer, and the sentence on the test that names the fetus (a heading's question aside,
    # the first says nothing of the SGA fetus and loses to the second)
    pair = [c for c in ranked if c.text.startswith(("Delivery should be offered at 37", "B - In the preterm SGA fetus"))]
    assert len(pair) == 2
    chosen = B._from_document(pair, ctx, config, "ngc:9776")
    assert [c.text for c in chosen] == ["Delivery should be offered at 37 weeks of gestation."]


CARCINOID = ("63M, 18 mo of flushing attacks + watery diarrhoea 6-8x/day, some wheeze, CT: 2 cm ileal mass, mesenteric "
             "node, multiple liver mets, Ki-67 2%, 24-h urine 5-HIAA 4x ULN, SSTR imaging avid. not resectable. want to "
             "get his symptoms under control with a somatostatin analogue - what octreotide regimen do I start him on?")


def test_the_dosing_line_answers_what_regimen_to_start(store: SQLiteStore) -> None:
    text, doc = _first(CARCINOID, store)
    assert doc == "ngc:10883"
    assert text.startswith("Octreotide dosing for symptom control: A trial of octreotide 100–250 mcg")


@pytest.mark.parametrize(("question", "aspect"), [
    (CARCINOID, "starting-dose"),
    ("What basal insulin regimen is recommended for adults with type 1 diabetes?", "first-line"),
])
def test_a_named_drugs_regimen_to_start_asks_its_dose(question: str, aspect: str) -> None:
    assert understand(question).aspect == aspect


SPONDYLITIS = ("38M AS (HLA-B27+, bilat sacroiliitis), started etanercept 18 mo ago on top of naproxen 500 bd. BASDAI "
               "1.4 and CRP nl for a yr, no IBD or uveitis. he's fed up with the naproxen and worried about his stomach - "
               "can he stop it and stay on etanercept alone?")


def test_one_of_two_treatments_stopped(store: SQLiteStore) -> None:
    text, doc = _first(SPONDYLITIS, store)
    assert doc == "ngc:11119"
    assert "continuing treatment with TNFi alone compared to continuing both treatments" in text


def test_stop_it_names_the_drug_just_before() -> None:
    frame = _understood(SPONDYLITIS, Scope("ngc:11119", "guideline",
                                           "Recommendations for the treatment of ankylosing spondylitis",
                                           ("Ankylosing spondylitis (AS)",), "Adults with ankylosing spondylitis", ()))
    assert frame.aspect == "stop" and set(frame.focus_drugs) == {"naproxen", "etanercept"}


@pytest.mark.parametrize(("question", "sense"), [
    (SPONDYLITIS, "ankylosing spondylitis"),
    ("84M severe AS, valve area 0.7, syncope on exertion, TAVI or SAVR?", "aortic stenosis"),
])
def test_as_is_read_by_the_other_words(question: str, sense: str) -> None:
    frame = _understood(
        question,
        Scope("ngc:11119", "guideline", "Recommendations for the treatment of ankylosing spondylitis",
              ("Ankylosing spondylitis (AS)",), "Adults with ankylosing spondylitis", ("Tumor necrosis factor inhibitors",)),
        Scope("ngc:1", "guideline", "Management of valvular heart disease", ("Aortic stenosis",),
              "Adults with valvular heart disease", ("Transcatheter aortic valve replacement",)))
    assert frame.senses[0] == sense


PYLORUS = ("ED: 5-wk-old boy, first-born, 3 days of forceful non-bilious vomiting straight after every feed, ravenous "
           "afterwards, fewer wet nappies, 150 g below birth weight. VBG pH 7.49, Cl 91, HCO3 31. soft abdo, maybe a "
           "small firm mass in the RUQ after a test feed. which imaging should I order first?")


def test_a_condition_the_findings_name_is_one_though_no_scope_lists_it() -> None:
    # the ACR guideline on vomiting infants (ngc:10660) lists "Vomiting in the first 3 months of
    # life" and writes pyloric stenosis as "HPS"; a scope naming birth weight stands beside it
    frame = _understood(
        PYLORUS,
        Scope("ngc:10660", "guideline", "ACR Appropriateness Criteria vomiting in infants up to 3 months of age",
              ("Vomiting in the first 3 months of life",), "Newborns and infants up to 3 months of age with vomiting", ()),
        Scope("ngc:2", "guideline", "Low birth weight", ("Birth weight",), "Newborns", ()))
    assert "pyloric stenosis" in frame.conditions
    assert ("pylor", "stenosi") in frame.focus_keys


TRANSPLANT = ("9yo boy, liver tx at 14 mo for biliary atresia, now 8 yrs out, on tac monotherapy, LFTs + GGT normal for "
              "years, no rejection hx, eGFR 88. tac trough today 7.8. in transplant f/u clinic - what trough level should "
              "we be keeping him under long term?")


def test_a_childs_question_goes_to_the_guideline_for_children(store: SQLiteStore) -> None:
    B, _, ctx, hits, *_ = _pipeline(TRANSPLANT, store)
    adult_first = [*(h for h in hits if h.doc_id == "ngc:10777"), *(h for h in hits if h.doc_id != "ngc:10777")]
    assert adult_first[0].doc_id == "ngc:10777" and "ngc:10032" in {h.doc_id for h in hits}
    assert B._own_population_first(adult_first, ctx, store)[0].doc_id == "ngc:10032"


def test_a_drug_offered_among_others_asks_for_the_conditions_treatment() -> None:
    # set W: "what's first-line tx here - zolpidem or something else?" (AASM circadian rhythm
    # guideline, ngc:10818); "can't fall asleep" names no falls
    frame = _understood(
        "23M grad student, for yrs can't fall asleep before ~3am whatever he tries, sleeps well till 11am on weekends. "
        "mild depression on sertraline 50. what's first-line tx here - zolpidem or something else?",
        Scope("ngc:10818", "guideline", "Intrinsic circadian rhythm sleep-wake disorders",
              ("Delayed sleep-wake phase disorder (DSWPD)",), "Adults and children", ("Melatonin",)),
        Scope("ngc:1", "guideline", "Falls in older people", ("Falls",), "Older people", ()))
    assert "Falls" not in frame.conditions
    assert frame.focus_drugs == ()
    assert frame.asked_condition == "Delayed sleep-wake phase disorder"


def test_what_was_considered_but_not_recommended_is_no_bottom_line() -> None:
    # KDIGO-style editor's list in NICE's CKD anaemia summary (ngc:10726; set V)
    from medcite.compose.judge import bottom_line_material

    assert not bottom_line_material("Note: The following were considered but not recommended: measurement of "
                                    "erythropoietin levels; supplements of vitamin C, folic acid or carnitine; and androgens.")
