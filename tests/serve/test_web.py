"""The server-rendered web page, in process: real stores (a private copy of the small index),
real answers, real accounts. Forms carry the CSRF token a browser would read from the page."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from medcite.retrieve.search import Retriever
from medcite.serve.deps import CSRF_COOKIE, SESSION_COOKIE, Services

GBS = "What is the treatment for adults with Guillain-Barré syndrome?"
BANNER = "Pending medical review"
SCRIPT = "<script>alert(1)</script>"
PASSWORD = "correct horse battery"


class Page(HTMLParser):
    """Start tags with their attributes, element ids, and the page's visible text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.ids: set[str] = set()
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.tags.append((tag, values))
        if "id" in values:
            self.ids.add(values["id"])

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def find(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == tag and all(a.get(k.rstrip("_")) == v for k, v in attrs.items())]

    @property
    def visible(self) -> str:
        return " ".join(" ".join(self.text).split())


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "page has no form token"
    return match.group(1)


def token(client: TestClient, path: str = "/") -> str:
    return csrf_of(client.get(path).text)


def ask(client: TestClient, question: str = GBS, **fields: str) -> str:
    """Ask through the home page's form; the new article's path."""
    r = client.post("/ask", data={"csrf": token(client), "question": question, "audience": "clinician", **fields},
                    follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    assert r.headers["location"].startswith("/answers/")
    return r.headers["location"]


def login(client: TestClient, username: str, password: str = PASSWORD) -> None:
    r = client.post("/login", data={"csrf": token(client, "/login"), "username": username, "password": password,
                                    "next": "/"}, follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    assert client.cookies.get(SESSION_COOKIE)


def transition(client: TestClient, path: str, to: str, version: int = 1, csrf: str | None = None) -> int:
    page = client.get(path).text
    r = client.post(f"{path}/transition", follow_redirects=False, data={
        "csrf": csrf if csrf is not None else csrf_of(page), "to": to, "expected_version": str(version),
        "note": f"moved to {to}"})
    return r.status_code


def test_home_has_the_ask_box_and_audience_selector(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200
    html = r.text
    page = Page(html)
    assert '<html lang="en">' in html and '<meta name="viewport"' in html
    assert page.find("textarea", name="question")[0].get("required") == ""
    radios = [a["value"] for a in page.find("input", type="radio", name="audience")]
    assert radios == ["clinician", "nurse", "pharmacist", "student", "patient"]
    for words in ("Which best describes you?", "Physician / clinician", "Patient or caregiver", "Search", "Log in"):
        assert words in page.visible
    assert "Review queue" not in page.visible  # only for the editorial board
    assert page.find("input", name="patient")
    # The CSP allows no inline script or style: everything comes from /static.
    assert all(a.get("src", "").startswith("/static/") for t, a in page.tags if t == "script")
    assert not any("style" in a for _, a in page.tags) and "<style" not in html
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert client.cookies.get(CSRF_COOKIE) == csrf_of(html)
    for asset in ("/static/app.css", "/static/app.js"):
        assert client.get(asset).status_code == 200


def test_asking_through_the_form_shows_a_cited_article(client: TestClient, services: Services) -> None:
    path = ask(client)
    r = client.get(path)
    assert r.status_code == 200
    html, page = r.text, Page(r.text)
    bottom = re.search(r'<section class="bottom-line"[^>]*><p><strong>([^<]{20,})</strong>', html)
    assert bottom, "no bold bottom line"
    cites = page.find("a", class_="cite")
    assert cites and all(a["href"].startswith("#ref-") and a["href"][1:] in page.ids for a in cites)
    assert BANNER in page.visible and page.find("p", class_="alert pending") and "Last updated" in page.visible
    assert "Submitted" in page.visible and "References" in page.visible
    answer_id = path.rsplit("/", 1)[1]
    exports = {a["href"] for a in page.find("a") if "/export?format=" in a.get("href", "")}
    assert exports == {f"/api/answers/{answer_id}/export?format={f}" for f in ("md", "html", "json", "ris", "bibtex")}
    md = client.get(f"/api/answers/{answer_id}/export?format=md")
    assert md.status_code == 200 and "attachment" in md.headers["content-disposition"]
    # The follow-up box and each suggested question post back to /ask in this answer's context.
    assert {a["value"] for a in page.find("input", name="follow_up_of")} == {answer_id}
    assert page.find("textarea", name="question")
    # Quoted passages carry what the citation popover needs to open the source document.
    quote = page.find("blockquote")[0]
    assert quote["data-doc"] and quote["data-passage-id"].isdigit()
    assert answer_id in {a.get("href", "").rsplit("/", 1)[-1] for a in Page(client.get("/").text).find("a")}
    # A follow-up is its own article, linked to this one.
    follow = ask(client, "What dose of IVIg is used?", follow_up_of=answer_id)
    again = services.articles.get_answer(follow.rsplit("/", 1)[1])
    assert again is not None and again.follow_up_of == answer_id


@pytest.mark.parametrize("path", ["/ask", "/login", "/logout", "/answers/x/transition", "/answers/x/comment",
                                  "/answers/x/revise"])
def test_forms_without_the_right_token_are_refused(client: TestClient, path: str) -> None:
    good = token(client)
    fields = {"question": GBS, "username": "nobody", "password": PASSWORD, "to": "Approved", "body": "hi"}
    for csrf in (None, "", "not-the-token", good[:-1]):
        data = fields if csrf is None else {**fields, "csrf": csrf}
        r = client.post(path, data=data, follow_redirects=False)
        assert r.status_code == 403, (path, csrf, r.status_code)
        assert "security token" in r.text and r.headers["content-type"].startswith("text/html")


def test_a_form_from_a_browser_without_the_cookie_is_refused(client: TestClient) -> None:
    csrf = token(client)
    client.cookies.clear()  # e.g. a form posted from another site: no SameSite=Strict cookie
    assert client.post("/ask", data={"csrf": csrf, "question": GBS}).status_code == 403


@pytest.mark.parametrize("text", [SCRIPT, '"a" OR (', "", " ", "x" * 5000, 'NEAR("a" b) AND -* ^ "'])
def test_hostile_text_is_escaped_and_never_a_server_error(client: TestClient, text: str) -> None:
    r = client.post("/ask", data={"csrf": token(client), "question": text, "audience": "clinician",
                                  "patient": SCRIPT})
    assert r.status_code in (200, 400), r.status_code  # 200: the article page after the redirect
    if not text.strip() or len(text) > 2000:
        assert r.status_code == 400 and Page(r.text).find("p", role="alert")
    for resp in (r, client.get("/search", params={"q": text}), client.get("/search", params={"q": text,
                                                                                             "source_type": text})):
        assert resp.status_code < 500
        assert SCRIPT not in resp.text
    r = client.post("/ask", data={"csrf": token(client), "question": GBS, "audience": SCRIPT})
    assert r.status_code == 400 and SCRIPT not in r.text
    for path in (f"/answers/{text[:100]}", f"/documents/{text[:100]}"):
        if text.strip():
            resp = client.get(path)
            assert resp.status_code in (404, 405), (path, resp.status_code)
            assert SCRIPT not in resp.text
    r = client.post("/login", data={"csrf": token(client, "/login"), "username": text, "password": text})
    assert r.status_code == 401 and SCRIPT not in r.text


def test_a_hostile_question_is_shown_as_text(client: TestClient) -> None:
    path = ask(client, f"{SCRIPT} treatment of Guillain-Barré syndrome", patient=SCRIPT)
    html = client.get(path).text
    assert SCRIPT not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert SCRIPT in Page(html).visible


def test_login_with_a_wrong_password_is_401_and_says_nothing_more(client: TestClient, services: Services) -> None:
    services.articles.add_user("rita", PASSWORD, "reviewer")
    pages = []
    for username, password in (("rita", "wrong password"), ("nobody", PASSWORD), ("", "")):
        r = client.post("/login", data={"csrf": token(client, "/login"), "username": username, "password": password},
                        follow_redirects=False)
        assert r.status_code == 401
        assert not client.cookies.get(SESSION_COOKIE)
        pages.append(Page(r.text).find("p", role="alert"))
    assert pages[0] == pages[1]  # the same message whether or not the user exists
    assert "Wrong user name or password." in r.text


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"])
def test_login_redirects_only_to_local_paths(client: TestClient, services: Services, target: str) -> None:
    services.articles.add_user("rita", PASSWORD, "reviewer")
    r = client.post("/login", data={"csrf": token(client, "/login"), "username": "rita", "password": PASSWORD,
                                    "next": target}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_reviewer_moves_an_article_to_approved(client: TestClient, services: Services) -> None:
    path = ask(client)
    services.articles.add_user("rita", PASSWORD, "reviewer")
    login(client, "rita")
    page = Page(client.get(path).text)
    assert "rita" in page.visible and "Editorial review" in page.visible and "Review queue" in page.visible
    assert [a["value"] for a in page.find("button", name="to")] == ["Under Review"]
    assert path.rsplit("/", 1)[1] in client.get("/review").text
    # Moving from a version the reviewer never saw is a conflict, not an approval.
    assert transition(client, path, "Under Review", version=2) == 409
    assert transition(client, path, "Under Review") == 303
    assert transition(client, path, "Approved", csrf="stale") == 403
    r = client.post(f"{path}/comment", data={"csrf": csrf_of(client.get(path).text), "body": f"Fine. {SCRIPT}"},
                    follow_redirects=False)
    assert r.status_code == 303
    assert transition(client, path, "Approved") == 303
    html = client.get(path).text
    page = Page(html)
    assert '<span class="badge approved">Approved</span>' in html
    assert BANNER not in page.visible and not page.find("p", class_="alert pending")
    assert "Last updated" in page.visible
    assert "Under Review → Approved" in page.visible and "moved to Approved" in page.visible
    assert f"Fine. {SCRIPT}" in page.visible and SCRIPT not in html
    assert path.rsplit("/", 1)[1] not in client.get("/review").text  # off the queue
    # Approving again is not a move the rules allow.
    assert transition(client, path, "Approved") == 409
    r = client.post("/logout", data={"csrf": csrf_of(html)}, follow_redirects=False)
    assert r.status_code == 303 and not client.cookies.get(SESSION_COOKIE)
    assert "Editorial review" not in client.get(path).text


def test_a_reader_gets_no_review_panel_and_may_not_post_to_it(client: TestClient, services: Services) -> None:
    path = ask(client)
    assert client.get("/review", follow_redirects=False).headers["location"] == "/login?next=/review"
    services.articles.add_user("ray", PASSWORD, "reader")
    login(client, "ray")
    html = client.get(path).text
    assert "Editorial review" not in html and "/transition" not in html and "Review queue" not in html
    csrf = csrf_of(html)
    for action, data in (("transition", {"to": "Under Review", "expected_version": "1"}), ("comment", {"body": "x"}),
                         ("revise", {})):
        r = client.post(f"{path}/{action}", data={"csrf": csrf, **data}, follow_redirects=False)
        assert r.status_code == 403, action
    assert client.get("/review").status_code == 403
    assert services.articles.article(path.rsplit("/", 1)[1]).status == "Submitted"  # type: ignore[union-attr]


def test_an_editor_regenerates_a_new_version(client: TestClient, services: Services) -> None:
    path = ask(client)
    services.articles.add_user("eddie", PASSWORD, "editor")
    login(client, "eddie")
    page = Page(client.get(path).text)
    assert not page.find("button", name="to")  # editors do not review a Submitted article
    r = client.post(f"{path}/revise", data={"csrf": csrf_of(client.get(path).text)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == path
    page = Page(client.get(path).text)
    assert "Version 2" in page.visible
    old = Page(client.get(f"{path}?version=1").text)
    assert "You are reading version 1" in old.visible
    assert client.get(f"{path}?version=99").status_code == 404


def test_document_page_anchors_every_passage(client: TestClient, services: Services) -> None:
    hit = Retriever(services.store()).search("Guillain-Barré syndrome intravenous immunoglobulin", k=1)[0]
    r = client.get(f"/documents/{hit.doc_id}")
    assert r.status_code == 200
    page = Page(r.text)
    passages = services.store().passages_of(hit.doc_id, limit=10_000)
    assert {f"p-{p.passage_id}" for p in passages} <= page.ids and f"p-{hit.passage_id}" in page.ids
    assert hit.title in page.visible
    missing = client.get("/documents/ngc:does-not-exist")
    assert missing.status_code == 404 and "ngc:does-not-exist" in Page(missing.text).visible


def test_search_page_highlights_and_links_to_passages(client: TestClient) -> None:
    r = client.get("/search", params={"q": "IVIg Guillain-Barré"})
    assert r.status_code == 200
    page = Page(r.text)
    links = [a["href"] for a in page.find("a", class_="hit-title")]
    assert links and all(re.fullmatch(r"/documents/[^#]+#p-\d+", h) for h in links)
    assert "<mark>" in r.text and "\x02" not in r.text and "\x03" not in r.text
    assert client.get(links[0].split("#")[0]).status_code == 200
    only = Page(client.get("/search", params={"q": "IVIg", "source_type": "label"}).text)
    assert {a["class"] for a in only.find("span") if a.get("class") == "badge type"}
    assert "FDA Drug Label" in only.visible and "Guideline ·" not in only.visible
    assert client.get("/search", params={"q": "x", "source_type": "nonsense"}).status_code == 422
    empty = client.get("/search")
    assert empty.status_code == 200 and Page(empty.text).find("input", name="q")


def test_unknown_pages_and_answers_are_html_404s(client: TestClient) -> None:
    for path in ("/answers/nope", "/answers/nope?version=x", "/documents/nope", "/no-such-page", "/static/x.css"):
        r = client.get(path)
        assert r.status_code == 404 and r.headers["content-type"].startswith("text/html"), path
    assert client.get("/api/answers/nope").headers["content-type"].startswith("application/json")


def test_failed_logins_are_throttled_per_client(client: TestClient, services: Services) -> None:
    services.articles.add_user("rita", PASSWORD, "reviewer")
    burst = services.limits.login_failure_burst

    def attempt(password: str) -> int:
        r = client.post("/login", data={"csrf": token(client, "/login"), "username": "rita", "password": password},
                        follow_redirects=False)
        if r.status_code == 429:
            assert int(r.headers["retry-after"]) >= 1
            assert "Too many failed sign-ins" in Page(r.text).visible
        return r.status_code

    assert [attempt(f"guess {i}") for i in range(burst)] == [401] * burst
    assert attempt("guess again") == 429
    # While throttled even the right password is refused: a guesser learns nothing from it.
    assert attempt(PASSWORD) == 429 and not client.cookies.get(SESSION_COOKIE)


def test_successful_logins_are_not_throttled(client: TestClient, services: Services) -> None:
    services.articles.add_user("rita", PASSWORD, "reviewer")
    for _ in range(services.limits.login_failure_burst + 3):
        client.cookies.clear()
        login(client, "rita")


def test_limiter_wait_takes_nothing() -> None:
    from medcite.serve.limits import RateLimiter

    limiter = RateLimiter(rate=6, burst=1)  # a token every 10 s
    assert limiter.wait("a", now=0.0) == 0.0 and limiter.wait("a", now=0.0) == 0.0
    assert limiter.take("a", now=0.0) == 0.0
    assert limiter.wait("a", now=0.0) == pytest.approx(10.0)
    assert limiter.wait("a", now=4.0) == pytest.approx(6.0)
    assert limiter.wait("a", now=10.0) == 0.0 and limiter.wait("b", now=0.0) == 0.0
    assert RateLimiter(rate=0, burst=0).wait("a") == 0.0  # 0 switches the limit off
