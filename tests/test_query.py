"""Query understanding: abbreviations, brand -> generic names, vocabulary synonyms, expand()."""

from __future__ import annotations

import importlib.resources
import json
from pathlib import Path

import pytest

from medcite.clinical import drugs
from medcite.clinical.stopwords import STOPWORDS
from medcite.retrieve import query
from medcite.retrieve.query import (
    ExpandedQuery,
    abbreviations_in,
    brand_to_generic,
    expand,
    has_drug_lexicon,
    load_abbreviations,
    parse_abbreviations,
    vocab_synonyms,
)

TSV = importlib.resources.files("medcite") / "data" / "abbreviations.tsv"


def expansions_of(token: str) -> list[str]:
    return [e for s, e in abbreviations_in(f"What is known about {token} in adults?") if s == token]


# --------------------------------------------------------------------------- abbreviation table


REQUIRED = [
    ("IVIG", "intravenous immunoglobulin"),
    ("IVIg", "intravenous immunoglobulin"),
    ("IMNM", "immune-mediated necrotizing myopathy"),
    ("MTX", "methotrexate"),
    ("MMF", "mycophenolate mofetil"),
    ("AZA", "azathioprine"),
    ("CK", "creatine kinase"),
    ("SRP", "signal recognition particle"),
    ("HMGCR", "3-hydroxy-3-methylglutaryl-coenzyme A reductase"),
    ("HMGCR", "HMG-CoA reductase"),
    ("ICPi", "immune checkpoint inhibitor"),
    ("GBS", "Guillain-Barré syndrome"),
    ("CIDP", "chronic inflammatory demyelinating polyneuropathy"),
    ("MI", "myocardial infarction"),
    ("CHF", "congestive heart failure"),
    ("HF", "heart failure"),
    ("HFrEF", "heart failure with reduced ejection fraction"),
    ("AF", "atrial fibrillation"),
    ("AFib", "atrial fibrillation"),
    ("DVT", "deep vein thrombosis"),
    ("PE", "pulmonary embolism"),
    ("PE", "plasma exchange"),
    ("VTE", "venous thromboembolism"),
    ("COPD", "chronic obstructive pulmonary disease"),
    ("CKD", "chronic kidney disease"),
    ("AKI", "acute kidney injury"),
    ("eGFR", "estimated glomerular filtration rate"),
    ("DM", "diabetes mellitus"),
    ("T2DM", "type 2 diabetes mellitus"),
    ("HTN", "hypertension"),
    ("RA", "rheumatoid arthritis"),
    ("SLE", "systemic lupus erythematosus"),
    ("MS", "multiple sclerosis"),
    ("ALS", "amyotrophic lateral sclerosis"),
    ("MG", "myasthenia gravis"),
    ("CAP", "community-acquired pneumonia"),
    ("UTI", "urinary tract infection"),
    ("MRSA", "methicillin-resistant Staphylococcus aureus"),
    ("TB", "tuberculosis"),
    ("HIV", "human immunodeficiency virus"),
    ("HCV", "hepatitis C virus"),
    ("HBV", "hepatitis B virus"),
    ("PCP", "Pneumocystis pneumonia"),
    ("PJP", "Pneumocystis jirovecii pneumonia"),
    ("TNF", "tumor necrosis factor"),
    ("NSAID", "nonsteroidal anti-inflammatory drug"),
    ("PPI", "proton pump inhibitor"),
    ("ACEi", "angiotensin-converting enzyme inhibitor"),
    ("ARB", "angiotensin receptor blocker"),
    ("SGLT2", "sodium-glucose cotransporter 2"),
    ("GLP-1", "glucagon-like peptide-1"),
    ("DOAC", "direct oral anticoagulant"),
    ("LMWH", "low-molecular-weight heparin"),
    ("UFH", "unfractionated heparin"),
    ("INR", "international normalized ratio"),
    ("PCI", "percutaneous coronary intervention"),
    ("CABG", "coronary artery bypass grafting"),
    ("IPF", "idiopathic pulmonary fibrosis"),
    ("ILD", "interstitial lung disease"),
    ("ARDS", "acute respiratory distress syndrome"),
    ("ICU", "intensive care unit"),
    ("TPA", "tissue plasminogen activator"),
    ("tPA", "tissue plasminogen activator"),
    ("CT", "computed tomography"),
    ("MRI", "magnetic resonance imaging"),
    ("EMG", "electromyography"),
    ("CSF", "cerebrospinal fluid"),
    ("ESR", "erythrocyte sedimentation rate"),
    ("CRP", "C-reactive protein"),
    ("ANA", "antinuclear antibody"),
    ("ANCA", "antineutrophil cytoplasmic antibody"),
    ("IgG", "immunoglobulin G"),
    ("PLEX", "plasma exchange"),
    ("SCIG", "subcutaneous immunoglobulin"),
    ("HSCT", "hematopoietic stem cell transplantation"),
    ("CAR-T", "chimeric antigen receptor T-cell therapy"),
    ("ALL", "acute lymphoblastic leukemia"),
    # ward and theatre shorthand, as clinicians type it
    ("bronch", "bronchoscopy"),
    ("toxo", "toxoplasmosis"),
    ("pyelo", "pyelonephritis"),
    ("HC", "hydrocortisone"),
    ("fludro", "fludrocortisone"),
    ("vori", "voriconazole"),
    ("simva", "simvastatin"),
    ("chemo", "chemotherapy"),
    ("plt", "platelets"),
    ("ppx", "prophylaxis"),
    ("afib", "atrial fibrillation"),
    ("abdo", "abdominal"),
    ("CMT", "cervical motion tenderness"),
    ("CMT", "Charcot-Marie-Tooth disease"),
    ("anti-D", "anti-D immunoglobulin"),
    ("IVF", "intravenous fluids"),
    ("IVF", "in vitro fertilization"),
]


@pytest.mark.parametrize(("token", "expansion"), REQUIRED)
def test_required_abbreviation(token: str, expansion: str) -> None:
    assert expansion in expansions_of(token)


def test_table_file_is_valid() -> None:
    """Every line parses: key, "|"-separated expansions, optional note; no duplicates, no self-expansion."""
    assert TSV.is_file(), "abbreviations.tsv must ship as package data"
    keys: set[str] = set()
    for lineno, line in enumerate(TSV.read_text("utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        assert 2 <= len(cols) <= 3, f"line {lineno}: {line!r}"
        key, expansions = cols[0], cols[1].split("|")
        assert key and key == key.strip(), f"line {lineno}"
        assert key not in keys, f"line {lineno}: duplicate {key}"
        keys.add(key)
        for exp in expansions:
            assert exp and exp == exp.strip(), f"line {lineno}: {exp!r}"
            assert exp.casefold() != key.casefold(), f"line {lineno}: {key} expands to itself"
    assert len(keys) >= 150
    assert parse_abbreviations(TSV.read_text("utf-8")) == load_abbreviations()
    assert len(load_abbreviations()) == len(keys)


def test_keys_that_are_words_need_capitals() -> None:
    for key in load_abbreviations():
        if key.lower() in STOPWORDS:
            assert key.lower() in query._WORDLIKE, key


@pytest.mark.parametrize(
    "bad",
    ["IVIG", "IVIG\t", "IVIG\tintravenous immunoglobulin\tnote\textra", "IVIG\tivig", "IL-#\tinterleukin"],
)
def test_parse_rejects_bad_lines(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_abbreviations(bad)


def test_parse_rejects_duplicates() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        parse_abbreviations("MI\tmyocardial infarction\nMI\tmitral insufficiency\n")


# --------------------------------------------------------------------------- case rules


@pytest.mark.parametrize("token", ["IVIG", "IVIg", "ivig", "Ivig"])
def test_ivig_in_any_case(token: str) -> None:
    assert expansions_of(token) == ["intravenous immunoglobulin"]


@pytest.mark.parametrize(
    "text",
    [
        "What is the best treatment for all patients?",
        "All patients with ms were given 5 mg daily.",
        "Is pe common after a ct scan of the af patient?",
        "Take a cap of 100 mg; aids and hit or miss",
        "Ms Smith and Mr Jones",
        "Who should get a pet?",
        "Is a split bowel prep better? Musk odour",
    ],
)
def test_english_words_are_not_expanded(text: str) -> None:
    assert abbreviations_in(text) == []


def test_capitals_are_abbreviations() -> None:
    pairs = abbreviations_in("Is ALL treated like MS or a PE?")
    assert ("ALL", "acute lymphoblastic leukemia") in pairs
    assert ("MS", "multiple sclerosis") in pairs
    assert {e for s, e in pairs if s == "PE"} == {"pulmonary embolism", "plasma exchange"}


def test_all_caps_text_does_not_expand_words() -> None:
    assert abbreviations_in("WHAT IS THE BEST TREATMENT FOR ALL PATIENTS WITH MS") == []
    # but a question made of abbreviations is not shouting
    assert ("MS", "multiple sclerosis") in abbreviations_in("IVIG vs PLEX for CIDP in MS")


def test_case_sensitive_keys_stay_apart() -> None:
    assert expansions_of("EGFR") == ["epidermal growth factor receptor"]
    assert expansions_of("eGFR") == ["estimated glomerular filtration rate"]


def test_plurals_families_and_parts() -> None:
    pairs = abbreviations_in("Do NSAIDs, PPIs and SNPs matter? TLR7, IL-6, CYP3A4 and anti-TNF therapy")
    assert ("NSAIDs", "nonsteroidal anti-inflammatory drug") in pairs
    assert ("SNPs", "single nucleotide polymorphism") in pairs
    assert ("TLR7", "toll-like receptor 7") in pairs
    assert ("IL-6", "interleukin-6") in pairs
    assert ("CYP3A4", "cytochrome P450 3A4") in pairs
    assert ("TNF", "tumor necrosis factor") in pairs


# --------------------------------------------------------------------------- drug lexicon


@pytest.fixture(scope="module")
def drug_lexicon() -> None:
    if not has_drug_lexicon():
        pytest.skip("drug_named_entity_recognition is not installed: no brand -> generic lexicon")


@pytest.mark.parametrize(
    ("text", "brand", "generic"),
    [
        ("Is Humira safe in pregnancy?", "Humira", "adalimumab"),
        ("lipitor and muscle pain", "lipitor", "atorvastatin"),
        ("Can Viagra cause hearing loss?", "Viagra", "sildenafil"),
        ("Max daily dose of TYLENOL?", "TYLENOL", "acetaminophen"),
        ("List two medication included in the Juluca pill.", "Juluca", "dolutegravir"),
    ],
)
def test_brand_to_generic(drug_lexicon: None, text: str, brand: str, generic: str) -> None:
    assert (brand, generic) in brand_to_generic(text)


def test_brand_to_generic_skips_generics_and_words(drug_lexicon: None) -> None:
    assert brand_to_generic("adalimumab versus atorvastatin") == []
    assert brand_to_generic("luminal A breast cancer in all patients") == []
    assert brand_to_generic("") == []


def test_missing_drug_package_means_no_lexicon(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(drugs.importlib.util, "find_spec", lambda name: None)
    assert drugs.drug_lexicon.__wrapped__() is None
    monkeypatch.setattr(drugs, "drug_lexicon", lambda: None)
    assert not has_drug_lexicon()
    assert brand_to_generic("Humira") == []
    assert expand("Is Humira safe?").drugs == ()


# --------------------------------------------------------------------------- vocabularies


def test_vocab_synonyms_finds_paracetamol(small_store: object) -> None:
    found = vocab_synonyms(small_store, "What is the maximum dose of acetaminophen?")
    assert "Paracetamol" in found
    assert len(found) <= 6
    assert not any(t.lower() == "acetaminophen" for t in found)


def test_vocab_synonyms_without_store_or_with_a_broken_one() -> None:
    class Broken:
        def synonyms(self, term: str, limit: int = 12) -> list[str]:
            raise RuntimeError("closed")

    assert vocab_synonyms(None, "acetaminophen") == []
    assert vocab_synonyms(Broken(), "acetaminophen") == []


def test_vocab_synonyms_is_a_few_lookups() -> None:
    calls: list[str] = []

    class Recorder:
        def synonyms(self, term: str, limit: int = 12) -> list[str]:
            calls.append(term)
            return []

    vocab_synonyms(Recorder(), "word " * 5000)
    assert len(calls) <= query._MAX_LOOKUPS
    calls.clear()
    vocab_synonyms(Recorder(), "Is the treatment of chronic heart failure in the elderly effective?")
    sizes = [len(c.split()) for c in calls]
    assert sizes[0] == 4 and sizes == sorted(sizes, reverse=True)  # longest grams first
    assert not any(c.split()[0].lower() in STOPWORDS or c.split()[-1].lower() in STOPWORDS for c in calls)


# --------------------------------------------------------------------------- expand


HOSTILE = [
    "",
    "   ",
    '"IVIG" AND (MS OR "PE") NOT CT* NEAR/3 -x:y',
    "💊🤒 IVIg? 🧠",
    "a" * 10_000,
    "IVIG and Humira " * 700,
    "\x00\x01\ud800 IVIG",
    "'; DROP TABLE passages; --",
    "-" * 500,
]


@pytest.mark.parametrize("text", HOSTILE)
def test_expand_never_raises(text: str, small_store: object) -> None:
    result = expand(text, small_store)
    assert isinstance(result, ExpandedQuery)
    assert result.text == text
    assert len(result.expansions) <= 12
    assert all(isinstance(e, str) and e for e in result.expansions)


def test_expand_non_string_input() -> None:
    assert expand(None).expansions == ()  # type: ignore[arg-type]


def test_expand_dedupes_and_skips_what_is_there() -> None:
    result = expand("IVIG (intravenous immunoglobulin) or IVIg or ivig for CIDP?")
    lowered = [e.lower() for e in result.expansions]
    assert "intravenous immunoglobulin" not in lowered
    assert lowered.count("chronic inflammatory demyelinating polyneuropathy") == 1
    assert len(lowered) == len(set(lowered))


def test_expand_caps_and_orders(drug_lexicon: None) -> None:
    text = "MTX MMF AZA IVIG PLEX CK SRP HMGCR IMNM CIDP GBS for Humira users"
    assert len(expand(text, max_expansions=3).expansions) == 3
    assert expand(text, max_expansions=0).expansions == ()
    full = expand(text, max_expansions=50)
    assert full.expansions[0] == "methotrexate"
    assert full.expansions[-1] == "adalimumab"  # drugs after abbreviations
    assert full.dense_text().startswith(text + " (methotrexate; ")


def test_expand_combines_sources(small_store: object, drug_lexicon: None) -> None:
    result = expand("Is Tylenol or IVIg safe in CKD?", small_store)
    assert ("Tylenol", "acetaminophen") in result.drugs
    assert "intravenous immunoglobulin" in result.expansions
    assert "chronic kidney disease" in result.expansions
    assert "acetaminophen" in result.expansions
    assert "Paracetamol" in result.expansions


BIOASQ_7B1 = [
    ("List the main PPI databases.", ["protein-protein interaction"], []),
    ("Do yeast LTR give rise to circular DNA?", ["long terminal repeat"], []),
    ("What is a GPI anchor?", ["glycosylphosphatidylinositol"], []),
    ("Does vesatolimod inhibit TLR7?", ["toll-like receptor 7"], []),
    (
        "Which organs are mostly affected in Systemic Lupus Erythematosus (SLE)?",
        [],
        ["systemic lupus erythematosus"],  # spelled out already: nothing to add
    ),
]


@pytest.mark.parametrize(("body", "wanted", "unwanted"), BIOASQ_7B1)
def test_expand_bioasq_questions(
    data_dir: Path, small_store: object, body: str, wanted: list[str], unwanted: list[str]
) -> None:
    questions = json.loads((data_dir / "bioasq-golden/Task7BGoldenEnriched/7B1_golden.json").read_text())
    assert body in {q["body"] for q in questions["questions"]}
    result = expand(body, small_store)
    lowered = [e.lower() for e in result.expansions]
    for phrase in wanted:
        assert phrase.lower() in lowered
    for phrase in unwanted:
        assert phrase.lower() not in lowered
    assert result.abbreviations, "each of these questions has an abbreviation"


def test_bedside_tac_is_tacrolimus() -> None:
    # "on tac monotherapy, tac trough today 7.8" (set U, session 15): a clipping of three letters
    assert ("tac", "tacrolimus") in expand("9yo liver transplant, on tac monotherapy, tac trough 7.8").abbreviations
