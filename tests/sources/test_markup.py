"""Markdown / HTML parser on small protocol files like a hospital would keep."""

from __future__ import annotations

from pathlib import Path

import pytest

from medcite.errors import ParseError
from medcite.sources import markup

SEPSIS_MD = """\
---
title: Adult Sepsis Pathway
source_type: guideline
date: 2024-03-05
authors: [Dr A. Smith, Dr B. Jones]
organization: St Example Hospital NHS Trust
tags: [Sepsis, Shock, Septic]
review_due: 2026-03-01
---
# Adult Sepsis Pathway

Applies to all adult inpatients with suspected sepsis.
Escalate early.

## Recognition

Screen every patient with NEWS2 of 5 or more. <script>alert("x")</script>

1. Check vital signs
   - heart rate
     - above 130/min is a red flag
   - respiratory rate
2. Measure venous lactate

## Treatment

### Antibiotics

- Give broad-spectrum antibiotics within **1 hour** of recognition.
- Take blood cultures *before* antibiotics.

```
# not a heading: code blocks are ignored
dose = weight * 15
```

<script>window.track()</script>

| Drug | Dose |
|------|------|
| Piperacillin-tazobactam | 4.5 g IV every 8 hours |
"""

FALLS_HTML = """\
<!DOCTYPE html>
<html><head>
<meta charset="utf-8">
<title>Falls prevention | Example Hospital</title>
<meta name="description" content="Inpatient falls policy">
<meta name="author" content="Ward Sister; Physiotherapy Lead">
<meta name="date" content="12 March 2023">
<meta name="keywords" content="Accidental Falls, Aged">
<meta name="medcite:source_type" content="guideline">
<meta name="medcite:id" content="hosp:falls-policy">
<style>body { color: red }</style>
<script>trackVisit("falls")</script>
</head><body>
<nav><a href="/">Home</a> | <a href="/policies">Policies</a></nav>
<h1>Falls prevention</h1>
<p>Every patient aged 65 or over has a falls risk assessment within
   6 hours of admission.</p>
<h2>Interventions</h2>
<ul>
  <li>Bed rails <em>only</em> after assessment
    <ul><li>Record the reason in the notes</li></ul>
  </li>
  <li>Non-slip socks</li>
</ul>
<script>document.write("injected")</script>
<pre>console.log("code")</pre>
</body></html>
"""


def _write(tmp_path: Path, rel: str, content: str | bytes) -> tuple[bytes, str]:
    path = tmp_path / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode() if isinstance(content, str) else content
    path.write_bytes(data)
    return path.read_bytes(), rel


def _only_doc(data: bytes, name: str):
    assert markup.sniff(name, data[:4096])
    result = markup.parse(data, name)
    (doc,) = result.documents
    for p in doc.passages:
        assert doc.text[p.start:p.end] == p.text
    return doc


def test_markdown_protocol(tmp_path: Path) -> None:
    doc = _only_doc(*_write(tmp_path, "protocols/Adult Sepsis v2.md", SEPSIS_MD))
    assert doc.doc_id == "local:protocols--adult-sepsis-v2"  # one URL path segment
    assert doc.title == "Adult Sepsis Pathway"
    assert doc.source_type == "guideline" and doc.evidence_level == "guideline"
    assert (doc.pub_date, doc.year) == ("2024-03-05", 2024)
    assert doc.authors == ("Dr A. Smith", "Dr B. Jones")
    assert doc.issuer == "St Example Hospital NHS Trust"
    assert doc.mesh_terms == ("Sepsis", "Shock", "Septic")
    assert doc.meta == {"review_due": "2026-03-01"}

    by_text = {p.text: p.section for p in doc.passages}
    assert by_text["Applies to all adult inpatients with suspected sepsis. Escalate early."] \
        == "Adult Sepsis Pathway"
    # One passage per top-level item, nested items kept with their indentation.
    item = "1. Check vital signs\n  ◦ heart rate\n    ◦ above 130/min is a red flag\n  ◦ respiratory rate"
    assert by_text[item] == "Recognition"
    assert by_text["2. Measure venous lactate"] == "Recognition"
    assert by_text["• Give broad-spectrum antibiotics within 1 hour of recognition."] \
        == "Treatment > Antibiotics"
    assert "Piperacillin-tazobactam | 4.5 g IV every 8 hours" in doc.text
    assert by_text["Screen every patient with NEWS2 of 5 or more."] == "Recognition"
    for junk in ("alert", "window.track", "dose = weight", "not a heading", "**", "<", "```"):
        assert junk not in doc.text


def test_html_protocol(tmp_path: Path) -> None:
    doc = _only_doc(*_write(tmp_path, "policies/falls.html", FALLS_HTML))
    assert doc.doc_id == "local:hosp:falls-policy"  # a document of our own lives in local:
    assert doc.title == "Falls prevention"
    assert doc.source_type == "guideline" and doc.evidence_level == "guideline"
    assert doc.authors == ("Ward Sister", "Physiotherapy Lead")
    assert (doc.pub_date, doc.year) == ("2023-03-12", 2023)
    assert doc.mesh_terms == ("Accidental Falls", "Aged")
    assert doc.meta["description"] == "Inpatient falls policy"
    sections = {p.text: p.section for p in doc.passages}
    assert sections["• Bed rails only after assessment\n  ◦ Record the reason in the notes"] == "Interventions"
    assert sections["• Non-slip socks"] == "Interventions"
    assert any(t.startswith("Every patient aged 65 or over") for t in sections)
    for junk in ("trackVisit", "injected", "console.log", "color: red", "Home", "<"):
        assert junk not in doc.text


def test_defaults_without_front_matter(tmp_path: Path) -> None:
    doc = _only_doc(*_write(tmp_path, "Hand_Hygiene.markdown", "Wash hands before and after contact.\n"))
    assert doc.doc_id == "local:hand_hygiene"
    assert doc.title == "Hand Hygiene"
    assert doc.source_type == "other" and doc.evidence_level == "other"
    assert doc.passages[0].section == "text"


def test_long_list_item_is_chunked(tmp_path: Path) -> None:
    nested = "".join(f"  - sub-step {i}: " + "check and document the observation. " * 4 + "\n"
                     for i in range(30))
    doc = _only_doc(*_write(tmp_path, "long.md", "# Long\n\n- Main step\n" + nested))
    assert len(doc.passages) > 1
    assert all(len(p.text) <= 1600 for p in doc.passages)
    assert doc.passages[0].text.startswith("• Main step\n  ◦ sub-step 0:")


def test_windows_1252_html_with_meta_charset(tmp_path: Path) -> None:
    html = b'<html><head><meta charset="windows-1252"></head><body><p>Caf\xe9 \x96 ok</p></body></html>'
    doc = _only_doc(*_write(tmp_path, "cp.htm", html))
    assert doc.passages[0].text == "Café – ok"


def test_invalid_inputs(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match=r"invalid YAML front matter: .*\(line 2\)"):
        markup.parse(b"---\ntitle: [unclosed\n---\nBody text.\n", "bad.md")
    with pytest.raises(ParseError, match="allowed values are guideline, research, label, consumer, other"):
        markup.parse(b"---\nsource_type: blog\n---\nBody text.\n", "bad.md")
    with pytest.raises(ParseError, match="invalid evidence_level"):
        markup.parse(b"---\nevidence_level: strong\n---\nBody text.\n", "bad.md")
    with pytest.raises(ParseError, match="invalid UTF-8"):
        markup.parse("Caf\u00e9 protocol".encode("latin-1"), "latin1.md")
    with pytest.raises(ParseError, match="invalid UTF-8"):
        markup.parse(b"<html><body>caf\xe9</body></html>", "nometa.html")
    assert markup.parse(b"", "empty.md").skipped
    assert markup.parse(b"---\ntitle: Only metadata\n---\n", "meta.md").skipped


def test_sniff_by_extension_only() -> None:
    assert markup.sniff("a/B.MD", b"")
    assert markup.sniff("page.HTM", b"")
    assert not markup.sniff("data.xml", b"# heading")
    assert not markup.sniff("notes.txt", b"# heading")
