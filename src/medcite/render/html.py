"""Answer -> semantic HTML5, self-contained (no scripts, fonts or stylesheets from elsewhere).

Every string from a question or a source goes through ``html.escape`` (quotes included), and
only http(s) URLs become links. Citation quotes show on hover (``title``) and in full, in
context, under each reference.
"""

from __future__ import annotations

import re
from html import escape

from medcite.render import _common as c
from medcite.types import Answer, Reference, Statement

# Phone-first: one readable column, tables scroll sideways instead of overflowing the page.
CSS = """
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1a1a1a;background:#fff}
article{max-width:46rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;line-height:1.25}h2{font-size:1.15rem;margin-top:1.5rem}
.alert{border-left:4px solid;padding:.5rem .75rem;margin:.5rem 0}
.failed{border-color:#b00020;background:#fdecee}.pending{border-color:#b26a00;background:#fff4e0}
.patient-notes{border-color:#b00020;background:#fdecee}.dose-note{font-size:.9rem}
.badge{display:inline-block;padding:0 .5rem;border-radius:1rem;background:#e8e8e8;font-size:.85rem}
.badge.approved{background:#dff3e4}.meta,.question,.patient{color:#555;font-size:.9rem}
.bottom-line{font-size:1.05rem}
ul ul{padding-left:1.25rem}li{margin:.25rem 0}
a.cite{text-decoration:none}.cites{white-space:nowrap;font-size:.85em}
.table-wrap{overflow-x:auto}table{border-collapse:collapse;min-width:100%}
th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
.refs{list-style:none;padding-left:0}.refs li{margin:.5rem 0}
blockquote{margin:.25rem 0;padding-left:.75rem;border-left:3px solid #ccc;color:#333}
mark{background:#fff3a3}
footer{margin-top:2rem;font-size:.85rem;color:#555}
"""
# Belt and braces: even if something slipped through escaping, the page can load nothing.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; form-action 'none'"


def _e(text: str) -> str:
    return escape(c.clean(text), quote=True)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def _link(text: str, url: str | None) -> str:
    if not url:
        return _e(text)
    return f'<a href="{escape(url, quote=True)}" rel="noopener noreferrer nofollow">{_e(text)}</a>'


def _cite(number: int, quote: str, known: set[int]) -> str:
    if number not in known:
        # No reference behind this number: say so rather than link to nothing.
        return f'<span class="cite dangling" title="No reference with this number">{number}</span>'
    attrs = f' data-passage="{_e(quote)}" title="{_e(quote[:400])}"' if quote else ""
    return f'<a class="cite" href="#ref-{number}"{attrs}>{number}</a>'


def _cites(answer: Answer, statement: Statement, known: set[int]) -> str:
    quotes = c.statement_quotes(answer, statement)
    if not quotes:
        return ""
    links = ", ".join(_cite(n, q, known) for n, q in quotes)
    return f' <span class="cites">[{links}]</span>'


def _statements(answer: Answer, statements: tuple[Statement, ...], known: set[int]) -> str:
    items = []
    for s in statements:
        inner = _statements(answer, s.children, known) if s.children else ""
        items.append(f'<li class="{s.kind}">{_e(c.statement_text(s))}{_cites(answer, s, known)}{inner}</li>')
    return f"<ul>{''.join(items)}</ul>"


def _dosing(answer: Answer, known: set[int]) -> str:
    headers, rows, cites = c.dose_table(answer)
    head = "".join(f'<th scope="col">{_e(h)}</th>' for h in headers)
    body = []
    for row, number, dose in zip(rows, cites, answer.dosing, strict=True):
        cells = "".join(f"<td>{_e(cell)}</td>" for cell in row[:-1])
        source = f"[{_cite(number, c.clean(dose.source_text), known)}]"
        body.append(f"<tr>{cells}<td>{source}</td></tr>")
    note = c.dosing_note(answer)
    lead = f'<p class="dose-note">{_e(note)}</p>' if note else ""
    return (f'{lead}<div class="table-wrap"><table><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>")


def _passages(answer: Answer, number: int) -> str:
    quotes = []
    seen: set[int] = set()
    for ev in answer.evidence:
        if ev.reference != number or ev.passage_id in seen:
            continue
        seen.add(ev.passage_id)
        before, quote, after = c.quote_span(ev)
        where = f'<p class="where">{_e(ev.section)}</p>' if ev.section.strip() else ""
        # Not _e(): stripping each part would glue or split words at the quote's edges.
        # data-* let the web page's citation popover find the passage and its document.
        quotes.append(f'<blockquote id="ev-{number}-{ev.passage_id}" data-passage-id="{ev.passage_id}" '
                      f'data-doc="{_e(ev.doc_id)}">'
                      f"{escape(before)}<mark>{escape(quote)}</mark>{escape(after)}</blockquote>{where}")
    if not quotes:
        return ""
    return f"<details><summary>Quoted passages</summary>{''.join(quotes)}</details>"


def _reference(answer: Answer, ref: Reference, anchor: bool = True) -> str:
    parts = c.reference_parts(ref)
    body = _e(parts.head())
    if parts.identifier:
        body += " " + _link(parts.identifier, parts.url) + ("" if parts.identifier.endswith(".") else ".")
    elif parts.url:
        body += " " + _link("Link", parts.url)
    if not anchor:
        return f"<li>{body}</li>"
    return (f'<li id="ref-{ref.number}" data-doc="{_e(ref.doc_id)}">'
            f'<span class="ref-num">[{ref.number}]</span> {body}{_passages(answer, ref.number)}</li>')


def _section(title: str, body: str, cls: str = "", sid: str = "") -> str:
    attrs = (f' id="{sid}"' if sid else "") + (f' class="{cls}"' if cls else "")
    return f"<section{attrs}><h2>{_e(title)}</h2>{body}</section>"


def to_html(answer: Answer, *, standalone: bool = True) -> str:
    """Render an answer as an ``<article>``; ``standalone`` wraps it in a full HTML document."""
    known = {r.number for r in answer.references}
    head: list[str] = []
    failure = c.failure_message(answer)
    if failure:
        details = "".join(f"<li>{_e(m)}</li>" for m in c.issue_messages(answer))
        head.append(f'<div class="alert failed" role="alert"><p><strong>{_e(failure)}</strong></p>'
                    + (f"<ul>{details}</ul>" if details else "") + "</div>")
    if answer.status != "Approved":
        head.append(f'<p class="alert pending" role="note"><strong>{_e(c.REVIEW_BANNER)}</strong></p>')
    when = answer.updated or answer.created
    stamp = ""
    if when:
        iso = c.iso_date(when)
        attr = f' datetime="{iso}"' if iso else ""
        stamp = f' · <time{attr}>Last updated: {_e(c.format_date(when))}</time>'
    badge = f'<span class="badge {_slug(answer.status)}">{_e(answer.status)}</span>'
    head.append(f'<p class="meta">{badge}{stamp}</p>')
    head.append(f"<h1>{_e(answer.title)}</h1>")
    head.append(f'<p class="question">Question: {_e(answer.question)}</p>')
    for cls, line in (("patient", c.patient_line(answer)), ("readability", c.readability_line(answer))):
        if line:
            head.append(f'<p class="{cls}">{_e(line)}</p>')
    notes = c.patient_notes(answer)
    if notes:
        items = "".join(f"<li>{_e(n)}</li>" for n in notes)
        head.append(f'<div class="alert patient-notes" role="alert"><p><strong>{_e(c.PATIENT_NOTES_HEADING)}'
                    f"</strong></p><ul>{items}</ul></div>")

    body: list[str] = []
    bottom = []
    if answer.abstained and not answer.bottom_line:
        bottom.append(f"<p><strong>{_e(c.ABSTAINED_DEFAULT)}</strong></p>")
    for s in answer.bottom_line:
        kids = _statements(answer, s.children, known) if s.children else ""
        bottom.append(f"<p><strong>{_e(c.statement_text(s))}</strong>{_cites(answer, s, known)}</p>{kids}")
    if bottom:
        body.append(f'<section class="bottom-line" aria-label="Bottom line">{"".join(bottom)}</section>')
    has_dosing_section = any(sec.key == "dosing" for sec in answer.sections)
    for sec in answer.sections:
        inner = _statements(answer, sec.statements, known) if sec.statements else ""
        if sec.key == "dosing" and answer.dosing:
            inner += _dosing(answer, known)
        body.append(_section(sec.title, inner, sid=f"sec-{_slug(sec.key)}"))
    if answer.dosing and not has_dosing_section:
        body.append(_section("Dosing", _dosing(answer, known), "dosing", "sec-dosing"))
    if answer.gaps:
        body.append(_section("Evidence gaps", _statements(answer, answer.gaps, known), "gaps"))
    terms = c.glossary(answer)
    if terms:
        dl = "".join(f"<dt>{_e(t)}</dt><dd>{_e(m)}</dd>" for t, m in terms)
        body.append(_section(c.GLOSSARY_HEADING, f"<dl>{dl}</dl>", "glossary"))
    if answer.references:
        refs = "".join(_reference(answer, r) for r in answer.references)
        body.append(_section("References", f'<ol class="refs">{refs}</ol>', "references"))
    if answer.abstained and answer.nearest:
        near = "".join(_reference(answer, r, anchor=False) for r in answer.nearest)
        body.append(_section("Nearest sources", f"<p>{_e(c.NEAREST_NOTE)}</p><ul>{near}</ul>", "nearest"))
    if answer.follow_ups:
        items = "".join(f"<li>{_e(q)}</li>" for q in answer.follow_ups)
        body.append(_section(c.FOLLOW_UP_HEADING, f"<ul>{items}</ul>", "follow-ups"))
    footer = f'<footer class="disclaimer"><p>{_e(answer.disclaimer or c.DEFAULT_DISCLAIMER)}</p></footer>'
    article = (f'<article class="answer" id="answer-{_slug(answer.id)}">'
               f"<header>{''.join(head)}</header>{''.join(body)}{footer}</article>")
    if not standalone:
        return article + "\n"
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        f"<title>{_e(answer.title)}</title>\n<style>{CSS}</style>\n</head>\n"
        f"<body>\n{article}\n</body>\n</html>\n"
    )
