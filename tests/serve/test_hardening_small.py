"""The smaller hardening items of the server: NUL characters in web forms, the API docs
without outside resources and a CSP on every page, HEAD on every GET page, Secure cookies
behind a trusted TLS proxy, and what a private server shows to someone not logged in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from medcite.serve.app import CSP, create_app
from medcite.serve.deps import CSRF_COOKIE, SESSION_COOKIE, Services
from medcite.serve.limits import Limits
from medcite.settings import Settings

GBS = "What is the treatment for adults with Guillain-Barré syndrome?"
PASSWORD = "correct horse battery"


def _csrf(client: TestClient, path: str = "/") -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert match, "page has no form token"
    return match.group(1)


def _login(client: TestClient, username: str) -> None:
    r = client.post("/login", data={"csrf": _csrf(client, "/login"), "username": username, "password": PASSWORD,
                                    "next": "/"}, follow_redirects=False)
    assert r.status_code == 303, r.text[:300]


def _ask(client: TestClient) -> str:
    r = client.post("/ask", data={"csrf": _csrf(client), "question": GBS, "audience": "clinician"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    return str(r.headers["location"])


# -- b. NUL characters in web forms are refused, as the API refuses them -------------------------


def test_web_forms_refuse_nul_like_the_api(client: TestClient, services: Services) -> None:
    # The session's small store may already hold articles other tests saved: count the change.
    articles_before = services.articles.count_articles()
    r = client.post("/ask", data={"csrf": _csrf(client), "question": "IVIg\x00 for GBS?", "audience": "clinician"})
    assert r.status_code == 400 and "NUL" in r.text, (r.status_code, r.text[:300])
    r = client.post("/ask", data={"csrf": _csrf(client), "question": GBS, "patient": "62\x00 years"})
    assert r.status_code == 400 and "NUL" in r.text
    assert services.articles.count_articles() == articles_before  # nothing was asked, nothing saved

    services.articles.add_user("rita", PASSWORD, "reviewer")
    r = client.post("/login", data={"csrf": _csrf(client, "/login"), "username": "rita\x00", "password": PASSWORD})
    assert r.status_code == 400 and "NUL" in r.text
    path = _ask(client)
    _login(client, "rita")
    answer_id = path.rsplit("/", 1)[1]
    csrf = _csrf(client, path)
    r = client.post(f"{path}/comment", data={"csrf": csrf, "body": "a\x00b"})
    assert r.status_code == 400 and "NUL" in r.text
    assert services.articles.comments(answer_id) == []
    r = client.post(f"{path}/transition", data={"csrf": csrf, "to": "Under Review", "expected_version": "1",
                                                "note": "taking\x00 it"})
    assert r.status_code == 400 and "NUL" in r.text
    info = services.articles.article(answer_id)
    assert info is not None and info.status == "Submitted"
    # The API says the same about the same text.
    api = client.post(f"/api/answers/{answer_id}/comments", json={"body": "a\x00b"})
    assert api.status_code == 422 and "NUL" in api.json()["error"]


# -- c. API docs without outside resources; a CSP on every HTML page ----------------------------


def test_api_docs_are_served_from_here_under_the_csp(client: TestClient) -> None:
    r = client.get("/docs")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert r.headers["content-security-policy"] == CSP and "default-src 'self'" in CSP
    html = r.text
    for url in re.findall(r'(?:src|href)="([^"]*)"', html):
        assert url.startswith(("/", "#")), url  # nothing from a CDN
    assert "<script>" not in html and "style=" not in html and "<style" not in html
    for path in ("/api/ask", "/api/answers/{answer_id}", "/api/search", "/api/health"):
        assert path in html
    assert "AskRequest" in html and "question" in html and "/openapi.json" in html
    assert client.get("/redoc").status_code == 404


@pytest.mark.parametrize("path", ["/", "/search?q=ivig", "/login", "/docs", "/no-such-page", "/review"])
def test_every_html_page_has_a_strict_csp(client: TestClient, path: str) -> None:
    r = client.get(path, follow_redirects=False)
    assert r.headers["content-security-policy"] == CSP, path


def test_an_exported_html_answer_carries_its_own_csp(client: TestClient) -> None:
    """The standalone HTML export has its styles inline: the site's CSP would unstyle it."""
    from medcite.render.html import CSP as EXPORT_CSP

    answer_id = _ask(client).rsplit("/", 1)[1]
    r = client.get(f"/api/answers/{answer_id}/export?format=html")
    assert r.status_code == 200 and r.headers["content-security-policy"] == EXPORT_CSP


# -- d. HEAD answers wherever GET does ------------------------------------------------------------


def test_head_works_on_every_get_page(client: TestClient) -> None:
    path = _ask(client)
    for url in ("/", "/search?q=ivig", "/login", "/docs", path, "/documents/ngc:9085", "/api/health",
                "/openapi.json", f"/api{path}", "/static/app.css"):
        get, head = client.get(url), client.head(url)
        assert head.status_code == get.status_code == 200, (url, head.status_code, get.status_code)
        assert head.content == b"", url
        assert head.headers["content-type"] == get.headers["content-type"], url
    assert client.head("/no-such-page").status_code == 404
    assert client.head("/logout").status_code == 405  # POST only, as GET is


# -- e. Secure cookies behind a TLS proxy the operator trusts -------------------------------------


def _cookie_headers(r: object) -> dict[str, str]:
    headers = r.headers.get_list("set-cookie")  # type: ignore[attr-defined]
    return {h.split("=", 1)[0]: h for h in headers}


@pytest.mark.parametrize(("trust", "client_host", "secure"), [
    ("", "127.0.0.1", False),  # proxy not trusted: X-Forwarded-Proto is ignored
    ("127.0.0.1", "127.0.0.1", True),
    ("127.0.0.1", "203.0.113.9", False),  # the header from elsewhere than the proxy is ignored
    ("*", "203.0.113.9", True),
])
def test_cookies_are_secure_behind_a_trusted_tls_proxy(services: Services, trust: str, client_host: str,
                                                       secure: bool) -> None:
    services.articles.add_user("rita", PASSWORD, "reviewer")
    app = create_app(services, trusted_proxies=trust)
    with TestClient(app, headers={"accept": "text/html", "x-forwarded-proto": "https"},
                    base_url="http://medcite.test", client=(client_host, 5000)) as c:
        first = c.get("/login")
        csrf_cookie = _cookie_headers(first)[CSRF_COOKIE]
        assert ("; secure" in csrf_cookie.lower()) is secure, csrf_cookie
        csrf = re.search(r'name="csrf" value="([^"]+)"', first.text)
        assert csrf
        # The cookie jar would not send a Secure cookie back over http: set it by hand.
        c.cookies.set(CSRF_COOKIE, csrf.group(1))
        r = c.post("/login", data={"csrf": csrf.group(1), "username": "rita", "password": PASSWORD, "next": "/"},
                   follow_redirects=False)
        assert r.status_code == 303, r.text[:300]
        session_cookie = _cookie_headers(r)[SESSION_COOKIE]
        assert ("; secure" in session_cookie.lower()) is secure, session_cookie


# -- h. A private server shows nothing to someone not logged in ----------------------------------


@pytest.fixture()
def private(serve_home: Path) -> Iterator[tuple[TestClient, Services]]:
    svc = Services.from_settings(Settings.from_env(serve_home), Limits(ask_per_minute=0), public=False)
    with TestClient(create_app(svc)) as c:
        yield c, svc
    svc.close()


def test_private_server_needs_a_login_for_docs_schema_and_counts(private: tuple[TestClient, Services]) -> None:
    client, svc = private
    health = client.get("/api/health")
    assert health.status_code == 200 and health.json() == {"status": "ok"}  # for load balancers
    assert client.get("/openapi.json").status_code == 401
    docs = client.get("/docs", headers={"accept": "text/html"})
    assert docs.status_code == 401 and "/login" in docs.text and "/api/ask" not in docs.text
    svc.articles.add_user("rita", PASSWORD, "reader")
    auth = {"Authorization": f"Bearer {svc.articles.create_token('rita')}"}
    full = client.get("/api/health", headers=auth).json()
    assert full["status"] == "ok" and full["documents"] > 0 and "articles" in full
    assert "/api/ask" in client.get("/openapi.json", headers=auth).json()["paths"]
    _login(client, "rita")
    assert client.get("/docs").status_code == 200


def test_public_server_health_keeps_its_counts(client: TestClient) -> None:
    body = client.get("/api/health").json()
    assert body["documents"] > 0 and body["passages"] > 0 and "database" in body
