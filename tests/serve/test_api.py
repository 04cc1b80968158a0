"""The JSON API, in-process through httpx's ASGI transport, over a copy of the real small
store. Every test runs twice: with the editorial database on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from medcite.answering import ask
from medcite.review import EditorialStore
from medcite.serve.api import MEDIA
from medcite.serve.app import create_app
from medcite.serve.deps import Services
from medcite.serve.limits import Limits
from medcite.settings import Settings
from medcite.store import SQLiteStore
from medcite.types import Answer

pytestmark = pytest.mark.anyio

GBS = "What is the treatment for adults with Guillain-Barré syndrome?"
PASSWORD = "correct horse battery"


@pytest.fixture()
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class Api:
    app: FastAPI
    services: Services
    articles: EditorialStore
    client: httpx.AsyncClient

    def token(self, username: str, role: str) -> dict[str, str]:
        """A new account with ``role`` and the header that authenticates as it."""
        self.articles.add_user(username, PASSWORD, role)
        return {"Authorization": f"Bearer {self.articles.create_token(username)}"}


def _services(serve_home: Path, editorial_url: str, limits: Limits, public: bool = True) -> Services:
    """The app's services over the copied evidence store, with the editorial store at ``editorial_url``
    (settings built here, not from the environment, so a developer's MEDCITE_* cannot leak in)."""
    settings = Settings.for_home(serve_home)
    return Services(settings=settings, articles=EditorialStore.open(editorial_url), limits=limits, public=public)


@pytest.fixture()
async def api(serve_home: Path, editorial_url: str) -> AsyncIterator[Api]:
    svc = _services(serve_home, editorial_url, Limits(max_body=16 * 1024, ask_per_minute=600, ask_burst=100))
    app = create_app(services=svc)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://medcite.test") as client:
        yield Api(app, svc, svc.articles, client)
    svc.close()


@pytest.fixture(scope="module")
def gbs_answer(small_store_path: Path) -> Iterator[Answer]:
    """A real answer, composed once for the module (not saved): tests store it where they need it."""
    store = SQLiteStore(small_store_path)
    try:
        answer = ask(GBS, store, save=False)
    finally:
        store.close()
    assert answer.references and answer.verification.passed
    yield answer


def _saved(api: Api, answer: Answer) -> str:
    store = api.services.store()
    api.articles.save_answer(answer, store.content_hashes([r.doc_id for r in answer.references]), actor="editor")
    return answer.id


def _error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert isinstance(body.get("error"), str) and body["error"].strip(), body
    return str(body["error"])


def _assert_cited(answer: Answer) -> None:
    numbers = {r.number for r in answer.references}
    assert numbers == set(range(1, len(numbers) + 1))
    cited = {n for s in answer.statements() for n in s.citations}
    assert cited == numbers  # every [n] resolves, every reference is cited
    for s in answer.statements():
        if s.kind == "claim":
            assert s.citations, s


# -- service --------------------------------------------------------------------------------

async def test_health_reports_the_index_and_the_editorial_backend(api: Api, editorial_url: str) -> None:
    r = await api.client.get("/api/health")
    assert r.status_code == 200
    body = r.json()
    stats = api.services.store().stats()
    assert body["status"] == "ok" and body["articles"] == 0
    assert body["documents"] == stats["documents"] > 0 and body["passages"] == stats["passages"] > 0
    assert body["database"] == editorial_url.split(":", 1)[0]
    assert r.headers["x-content-type-options"] == "nosniff"


async def test_openapi_document_lists_the_api(api: Api) -> None:
    spec = (await api.client.get("/openapi.json")).json()
    for path in ("/api/ask", "/api/answers/{answer_id}", "/api/search", "/api/documents/{doc_id}", "/api/health"):
        assert path in spec["paths"], path


# -- asking -----------------------------------------------------------------------------------

async def test_ask_returns_a_cited_answer_that_is_saved_as_submitted(api: Api) -> None:
    r = await api.client.post("/api/ask", json={"question": GBS})
    assert r.status_code == 200, r.text
    answer = Answer.model_validate(r.json())
    _assert_cited(answer)
    assert answer.verification.passed and not answer.abstained
    assert "ngc:9085" in {ref.doc_id for ref in answer.references}
    assert answer.status == "Submitted" and answer.updated and answer.disclaimer

    got = await api.client.get(f"/api/answers/{answer.id}")
    assert got.status_code == 200 and Answer.model_validate(got.json()) == answer
    listed = (await api.client.get("/api/answers", params={"status": "Submitted"})).json()
    assert [a["id"] for a in listed] == [answer.id] and listed[0]["version"] == 1
    assert (await api.client.get("/api/answers", params={"status": "Approved"})).json() == []
    assert (await api.client.get("/api/health")).json()["articles"] == 1

    follow = await api.client.post("/api/ask", json={"question": "and in children?", "follow_up_of": answer.id,
                                                     "audience": "patient", "patient": "8-year-old boy, 25 kg"})
    assert follow.status_code == 200, follow.text
    child = Answer.model_validate(follow.json())
    assert child.follow_up_of == answer.id and child.audience == "patient" and child.id != answer.id
    if not child.abstained:
        _assert_cited(child)


async def test_follow_up_of_an_unknown_answer_is_404(api: Api) -> None:
    r = await api.client.post("/api/ask", json={"question": GBS, "follow_up_of": "0123456789abcdef"})
    assert "0123456789abcdef" in _error(r, 404)
    assert api.articles.list_articles() == []


async def test_every_bad_input_gets_a_json_4xx_with_a_message(api: Api) -> None:
    c = api.client
    too_big = json.dumps({"question": GBS, "patient": "x" * 20_000})
    cases: list[tuple[str, httpx.Response, int]] = [
        ("empty question", await c.post("/api/ask", json={"question": ""}), 422),
        ("blank question", await c.post("/api/ask", json={"question": "   "}), 400),
        ("missing question", await c.post("/api/ask", json={"audience": "nurse"}), 422),
        ("unknown audience", await c.post("/api/ask", json={"question": GBS, "audience": "martian"}), 422),
        ("extra field", await c.post("/api/ask", json={"question": GBS, "model": "gpt"}), 422),
        ("question of 3,000 characters", await c.post("/api/ask", json={"question": "why " * 750}), 422),
        ("question not a string", await c.post("/api/ask", json={"question": 42}), 422),
        ("NUL in the question", await c.post("/api/ask", json={"question": "IVIg\u0000 dose"}), 422),
        ("NUL in the patient", await c.post("/api/ask", json={"question": GBS, "patient": "\u0000"}), 422),
        ("body not JSON", await c.post("/api/ask", content=b"question=why",
                                      headers={"content-type": "application/json"}), 422),
        ("body a JSON list", await c.post("/api/ask", json=[GBS]), 422),
        ("body too large", await c.post("/api/ask", content=too_big.encode(),
                                        headers={"content-type": "application/json"}), 413),
        ("unknown search mode", await c.get("/api/search", params={"q": "ivig", "mode": "fuzzy"}), 422),
        ("k=0", await c.get("/api/search", params={"q": "ivig", "k": 0}), 422),
        ("k=1000", await c.get("/api/search", params={"q": "ivig", "k": 1000}), 422),
        ("k not a number", await c.get("/api/search", params={"q": "ivig", "k": "ten"}), 422),
        ("missing q", await c.get("/api/search"), 422),
        ("empty q", await c.get("/api/search", params={"q": ""}), 422),
        ("unknown source type", await c.get("/api/search", params={"q": "ivig", "source_type": "blog"}), 422),
        ("since out of range", await c.get("/api/search", params={"q": "ivig", "since": 5}), 422),
        ("unknown answer", await c.get("/api/answers/nope"), 404),
        ("unknown answer version", await c.get("/api/answers/nope", params={"version": 0}), 422),
        ("limit=0", await c.get("/api/answers", params={"limit": 0}), 422),
        ("export in an unknown format", await c.get("/api/answers/nope/export", params={"format": "pdf"}), 422),
        ("export of an unknown answer", await c.get("/api/answers/nope/export"), 404),
        ("unknown document", await c.get("/api/documents/ngc:0"), 404),
        ("overlong answer id", await c.get("/api/answers/" + "a" * 5000), 404),
        ("overlong answer id, versions", await c.get("/api/answers/" + "a" * 5000 + "/versions"), 404),
        ("overlong document id", await c.get("/api/documents/" + "d" * 5000), 404),
        ("unknown API path", await c.get("/api/nothing-here"), 404),
        ("wrong method", await c.delete("/api/health"), 405),
        ("transition without login", await c.post("/api/answers/nope/transitions", json={"to": "Approved"}), 401),
        ("comment without login", await c.post("/api/answers/nope/comments", json={"body": "hi"}), 401),
        ("audit without login", await c.get("/api/answers/nope/audit"), 401),
    ]
    for name, response, status in cases:
        try:
            _error(response, status)
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}") from exc

    streamed = b"[" + b" " * (20 * 1024) + b"]"  # no Content-Length: counted as it arrives

    async def chunks() -> AsyncIterator[bytes]:
        for i in range(0, len(streamed), 4096):
            yield streamed[i:i + 4096]

    assert "too large" in _error(await c.post("/api/ask", content=chunks(),
                                              headers={"content-type": "application/json"}), 413)
    assert "JSON" in _error(await c.post("/api/ask", content=b"{oops",
                                         headers={"content-type": "application/json"}), 422)
    # PostgreSQL text cannot hold NUL: a clean 4xx on both backends (an unknown status is a 422).
    for path in ("/api/answers/a%00b", "/api/answers/a%00b/versions", "/api/answers?status=%00"):
        r = await c.get(path)
        assert r.status_code in (400, 404, 422) and r.json()["error"], (path, r.text)
    message = _error(await c.post("/api/ask", json={"question": "why " * 750}), 422)
    assert "question" in message and "2000" in message
    assert api.articles.list_articles() == []  # nothing bad was saved


@pytest.mark.parametrize("q", ['"a" OR (', "NEAR(", "ivig AND", '"unterminated', "-", "*", "col:ivig",
                               "^guillain", "NOT", "(((", "ivig) OR (plasma", "'; DROP TABLE passages; --"])
async def test_search_takes_fts_syntax_as_plain_words(api: Api, q: str) -> None:
    r = await api.client.get("/api/search", params={"q": q, "mode": "lexical"})
    assert r.status_code == 200, r.text
    assert r.json()["query"] == q and isinstance(r.json()["hits"], list)


async def test_search_finds_the_guideline(api: Api) -> None:
    r = await api.client.get("/api/search", params={"q": "IVIg Guillain-Barré adults", "k": 5, "mode": "lexical"})
    assert r.status_code == 200
    body = r.json()
    assert body["mode"] == "lexical" and 0 < len(body["hits"]) <= 5
    assert "ngc:9085" in {h["doc_id"] for h in body["hits"]}
    assert all("\x02" not in h["snippet"] and "\x03" not in h["snippet"] for h in body["hits"])
    only = (await api.client.get("/api/search", params={"q": "IVIg", "source_type": "guideline"})).json()
    assert only["hits"] and {h["source_type"] for h in only["hits"]} == {"guideline"}


async def test_ask_is_rate_limited_per_client(serve_home: Path, editorial_url: str) -> None:
    svc = _services(serve_home, editorial_url, Limits(ask_per_minute=1, ask_burst=2))
    transport = httpx.ASGITransport(app=create_app(services=svc))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://medcite.test") as c:
            # An unknown follow_up_of fails fast after the limiter has counted the request.
            request = {"question": GBS, "follow_up_of": "0000000000000000"}
            assert [(await c.post("/api/ask", json=request)).status_code for _ in range(2)] == [404, 404]
            limited = await c.post("/api/ask", json=request)
            assert "too many" in _error(limited, 429)
            assert int(limited.headers["retry-after"]) >= 1
            svc.articles.add_user("reader1", PASSWORD, "reader")
            token = svc.articles.create_token("reader1")
            other = await c.post("/api/ask", json=request, headers={"Authorization": f"Bearer {token}"})
            assert other.status_code == 404  # a logged-in user has a bucket of their own
            assert (await c.get("/api/health")).status_code == 200  # only asking is limited
    finally:
        svc.close()


async def test_a_private_server_wants_a_login(serve_home: Path, editorial_url: str) -> None:
    svc = _services(serve_home, editorial_url, Limits(), public=False)
    transport = httpx.ASGITransport(app=create_app(services=svc))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://medcite.test") as c:
            _error(await c.get("/api/answers"), 401)
            _error(await c.get("/api/search", params={"q": "ivig"}), 401)
            svc.articles.add_user("reader1", PASSWORD, "reader")
            token = svc.articles.create_token("reader1")
            r = await c.get("/api/answers", headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 200 and r.json() == []
    finally:
        svc.close()


# -- review through the API -------------------------------------------------------------------

async def test_review_with_api_tokens(api: Api, gbs_answer: Answer) -> None:
    c = api.client
    answer_id = _saved(api, gbs_answer)
    reader = api.token("reader1", "reader")
    reviewer = api.token("reviewer1", "reviewer")
    editor = api.token("editor1", "editor")
    url = f"/api/answers/{answer_id}/transitions"

    assert "reader" in _error(await c.post(url, json={"to": "Under Review"}, headers=reader), 403)
    _error(await c.post(url, json={"to": "Under Review"}, headers={"Authorization": "Bearer mct_forged"}), 401)
    bad_scheme = await c.post(url, json={"to": "Under Review"}, headers={"Authorization": "Basic dXNlcjpwdw=="})
    _error(bad_scheme, 401)
    assert bad_scheme.headers["www-authenticate"] == "Bearer"
    _error(await c.post(url, json={"to": "Approved"}, headers=reviewer), 409)  # Submitted -> Approved skips review
    _error(await c.post(url, json={"to": "Published"}, headers=reviewer), 422)
    assert "NUL" in _error(await c.post(url, json={"to": "Under Review", "note": "\u0000"}, headers=reviewer), 422)
    _error(await c.post(f"/api/answers/{answer_id}/comments", json={"body": "a\u0000b"}, headers=reviewer), 422)
    _error(await c.post("/api/answers/0000/transitions", json={"to": "Under Review"}, headers=reviewer), 404)

    r = await c.post(url, json={"to": "Under Review", "note": "taking it", "expected_version": 1}, headers=reviewer)
    assert r.status_code == 200 and r.json()["status"] == "Under Review"
    r = await c.post(url, json={"to": "Approved", "note": "all citations checked", "expected_version": 1},
                     headers=reviewer)
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["approved_version"]) == ("Approved", 1)
    assert (await c.get(f"/api/answers/{answer_id}")).json()["status"] == "Approved"

    comment = await c.post(f"/api/answers/{answer_id}/comments", json={"body": "Fine as is."}, headers=reviewer)
    assert comment.status_code == 201 and comment.json()["author"] == "reviewer1"
    _error(await c.post(f"/api/answers/{answer_id}/comments", json={"body": "me too"}, headers=reader), 403)
    comments = (await c.get(f"/api/answers/{answer_id}/comments", headers=editor)).json()
    assert [x["body"] for x in comments] == ["Fine as is."]

    audit = (await c.get(f"/api/answers/{answer_id}/audit", headers=reviewer)).json()
    moves = [(e["actor"], e["from_status"], e["to_status"], e["note"]) for e in audit if e["action"] == "transition"]
    assert moves == [("reviewer1", "Submitted", "Under Review", "taking it"),
                     ("reviewer1", "Under Review", "Approved", "all citations checked")]
    _error(await c.get(f"/api/answers/{answer_id}/audit", headers=reader), 403)

    # An editor regenerates the answer: version 2, back to Submitted; a reviewer holding
    # version 1 cannot act on it any more.
    revised = await c.post(f"/api/answers/{answer_id}/revisions", headers=editor)
    assert revised.status_code == 201, revised.text
    assert revised.json()["id"] == answer_id and revised.json()["status"] == "Submitted"
    _error(await c.post(f"/api/answers/{answer_id}/revisions", headers=reviewer), 403)
    versions = (await c.get(f"/api/answers/{answer_id}/versions")).json()
    assert [v["version"] for v in versions] == [1, 2]
    assert "version" in _error(await c.post(url, json={"to": "Under Review", "expected_version": 1},
                                            headers=reviewer), 409)
    old = await c.get(f"/api/answers/{answer_id}", params={"version": 1})
    assert old.status_code == 200 and old.json()["id"] == answer_id

    assert api.articles.revoke_token(reviewer["Authorization"].split()[1])
    _error(await c.post(url, json={"to": "Under Review", "expected_version": 2}, headers=reviewer), 401)
    info = api.articles.article(answer_id)
    assert info is not None and (info.status, info.version, info.approved_version) == ("Submitted", 2, 1)


# -- exports and documents -------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["md", "html", "json", "text", "ris", "bibtex"])
async def test_export_formats(api: Api, gbs_answer: Answer, fmt: str) -> None:
    answer_id = _saved(api, gbs_answer)
    r = await api.client.get(f"/api/answers/{answer_id}/export", params={"format": fmt})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == MEDIA[fmt].split(";")[0]
    assert f'filename="medcite-{answer_id}.' in r.headers["content-disposition"]
    text = r.text
    refs = gbs_answer.references
    if fmt == "json":
        exported = json.loads(text)
        assert [ref["number"] for ref in exported["references"]] == [ref.number for ref in refs]
        assert exported["status"] == "Submitted"
    elif fmt in ("md", "text", "html"):
        for ref in refs:
            assert re.search(rf"\[{ref.number}\]|>{ref.number}<", text), (fmt, ref.number)
        assert gbs_answer.bottom_line[0].text.split(" (")[0][:40] in text.replace("&#x27;", "'")
    else:  # the reference list as citation records, one per reference
        marker = "TY  - " if fmt == "ris" else "@"
        assert text.count(marker) == len(refs)
        for ref in refs:
            assert ref.title[:40] in text


async def test_documents_endpoint(api: Api) -> None:
    store = api.services.store()
    doc = store.document("ngc:9085")
    assert doc is not None
    r = await api.client.get("/api/documents/ngc:9085")
    assert r.status_code == 200
    body = r.json()
    assert (body["doc_id"], body["title"], body["source_type"]) == (doc.doc_id, doc.title, doc.source_type)
    passages = store.passages_of("ngc:9085", limit=10_000)
    assert [p["passage_id"] for p in body["passages"]] == [p.passage_id for p in passages]
    assert any("IVIg should be offered to treat GBS in adults" in p["text"] for p in body["passages"])
    assert "ngc:0" in _error(await api.client.get("/api/documents/ngc:0"), 404)
