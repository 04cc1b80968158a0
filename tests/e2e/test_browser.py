"""End to end in a real browser: Debian's Chromium driven by Playwright against a real
uvicorn server on loopback. Ask, read a cited answer, open a citation and its source, log in
as a reviewer, approve, see the badge change. Screenshots of every step go to
``$MEDCITE_ARTIFACTS/screenshots`` (default ``test-artifacts/screenshots``)."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ports import free_port

GBS = "What is the treatment for adults with Guillain-Barré syndrome?"
BANNER = "Pending medical review"
PASSWORD = "correct horse battery"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium() -> str:
    path = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if path is None:
        message = "Chromium is not installed: apt-get install -y chromium"
        if os.environ.get("MEDCITE_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture()
def shots() -> Path:
    folder = Path(os.environ.get("MEDCITE_ARTIFACTS", "test-artifacts")) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder



@pytest.fixture()
def server(serve_home: Path) -> Iterator[str]:
    """A real server on 127.0.0.1 over a private copy of the small index, with a reviewer."""
    import uvicorn

    from medcite.serve.app import create_app
    from medcite.serve.deps import Services
    from medcite.serve.limits import Limits
    from medcite.settings import Settings

    services = Services.from_settings(Settings.from_env(serve_home), Limits(ask_per_minute=0))
    services.articles.add_user("rita", PASSWORD, "reviewer")
    port = free_port()
    config = uvicorn.Config(create_app(services), host="127.0.0.1", port=port, log_level="warning",
                            lifespan="on")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=15)
        services.close()


@pytest.fixture()
def browser() -> Iterator[object]:
    path = chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


def test_ask_cite_open_source_review_and_approve(server: str, browser: object, shots: Path) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page = context.new_page()
    page.on("console", lambda m: errors.append(f"{m.text} {m.location}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_default_timeout(60_000)

    # 1. Home: pick an audience, ask.
    page.goto(server + "/")
    expect(page.get_by_role("group", name="Which best describes you?")).to_be_visible()
    page.get_by_label("Nurse").check()
    page.get_by_label("Physician / clinician").check()
    page.get_by_label("Your question").fill(GBS)
    page.screenshot(path=str(shots / "01-home.png"), full_page=True)
    page.get_by_role("button", name="Ask", exact=True).click()

    # 2. The answer: bold bottom line, citations, pending banner, Last updated.
    page.wait_for_url("**/answers/*")
    answer_url = page.url
    expect(page.locator("article.answer h1")).to_be_visible()
    expect(page.locator(".bottom-line strong").first).to_be_visible()
    expect(page.locator(".alert.pending")).to_contain_text(BANNER)
    expect(page.locator("article.answer .meta")).to_contain_text("Last updated")
    expect(page.locator("article.answer .badge")).to_have_text("Submitted")
    assert page.locator("a.cite").count() > 0
    page.screenshot(path=str(shots / "02-answer.png"), full_page=True)

    # 3. A citation opens a popover with the quoted passage and its reference.
    cite = page.locator("a.cite").first
    quoted = cite.get_attribute("data-passage") or ""
    cite.click()
    popover = page.locator("#cite-popover")
    expect(popover).to_be_visible()
    expect(popover.locator("blockquote mark")).to_be_visible()
    assert " ".join(popover.locator("blockquote mark").inner_text().split()) == " ".join(quoted.split())
    expect(popover.locator(".pop-ref")).to_contain_text("—")
    page.screenshot(path=str(shots / "03-citation-popover.png"), full_page=True)

    # 4. "Open in source": the document page with that passage highlighted in its context.
    source = popover.get_by_role("link", name="Open in source")
    href = source.get_attribute("href") or ""
    assert href.startswith("/documents/") and "#p-" in href
    source.click()
    page.wait_for_url("**/documents/**")
    target = page.locator(":target")
    expect(target).to_have_attribute("id", href.rsplit("#", 1)[1])
    expect(target).to_be_in_viewport()
    assert page.evaluate("getComputedStyle(document.querySelector(':target')).backgroundColor") != "rgba(0, 0, 0, 0)"
    page.screenshot(path=str(shots / "04-source-passage.png"), full_page=False)

    # 5. Log in as the reviewer, from the article.
    page.goto(answer_url)
    page.get_by_role("link", name="Log in").click()
    page.get_by_label("User name").fill("rita")
    page.get_by_label("Password").fill(PASSWORD)
    page.screenshot(path=str(shots / "05-login.png"), full_page=True)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(answer_url)
    expect(page.locator(".account")).to_contain_text("rita")
    expect(page.get_by_role("heading", name="Editorial review")).to_be_visible()

    # 6. Under Review, then Approved: the badge changes and the banner goes.
    page.get_by_role("button", name="Under Review").click()
    page.wait_for_url(answer_url)
    expect(page.locator("article.answer .badge")).to_have_text("Under Review")
    page.screenshot(path=str(shots / "06-under-review.png"), full_page=True)
    page.get_by_label("Note for the audit log").fill("Checked against the AAN guideline.")
    page.get_by_role("button", name="Approved").click()
    page.wait_for_url(answer_url)
    expect(page.locator("article.answer .badge")).to_have_text("Approved")
    expect(page.locator(".alert.pending")).to_have_count(0)
    expect(page.locator("table.audit")).to_contain_text("Checked against the AAN guideline.")
    page.screenshot(path=str(shots / "07-approved.png"), full_page=True)
    assert not errors, errors  # no CSP violations or script errors along the way
    context.close()


def test_answer_page_reads_on_a_phone(server: str, browser: object, shots: Path) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    context = browser.new_context(viewport={"width": 375, "height": 800}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(server + "/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(shots / "10-phone-home.png"), full_page=True)
    page.get_by_label("Your question").fill(GBS)
    page.get_by_role("button", name="Ask", exact=True).click()
    page.wait_for_url("**/answers/*")
    expect(page.locator(".alert.pending")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(shots / "11-phone-answer.png"), full_page=True)
    page.locator("a.cite").first.click()
    expect(page.locator("#cite-popover")).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(shots / "12-phone-citation.png"), full_page=False)
    page.locator("#cite-popover").get_by_role("link", name="Open in source").click()
    page.wait_for_url("**/documents/**")
    expect(page.locator(":target")).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(shots / "13-phone-source.png"), full_page=False)
    page.goto(server + "/search?q=IVIg+Guillain-Barr%C3%A9")
    expect(page.locator(".hit mark").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(shots / "14-phone-search.png"), full_page=True)
    context.close()


def test_an_admin_opens_the_sources_page_from_the_nav(server: str, browser: object, shots: Path,
                                                     serve_home: Path) -> None:
    from playwright.sync_api import Browser, expect

    from medcite.review import EditorialStore
    from medcite.store import SQLiteStore
    from medcite.sync import state

    assert isinstance(browser, Browser)
    store = SQLiteStore(serve_home / "medcite.db")  # a run as a connector records one, and its failure
    try:
        run = state.start_run(store, "medlineplus", "https://medlineplus.gov/xml.html")
        with store.transaction() as db:
            state.count(db, run, added=3, updated=1, deleted=2)
        state.finish_run(store, run, False, ["<b>reset</b> by peer"], requests=4, cached=0)
    finally:
        store.close()
    articles = EditorialStore.open(f"sqlite:///{serve_home / 'medcite.db'}")
    articles.add_user("ada", PASSWORD, "admin")
    articles.close()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(server + "/login")
    page.get_by_label("User name").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(server + "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sources").click()
    page.wait_for_url("**/sources")
    expect(page.get_by_role("heading", name="Sources")).to_be_visible()
    row = page.locator('tr[data-source="medlineplus"]')
    expect(row.locator(".num.added")).to_contain_text("3")
    expect(row.locator(".num.deleted")).to_contain_text("2")
    expect(row.locator(".sync-errors")).to_have_text("<b>reset</b> by peer")
    expect(row.locator(".next-run")).to_contain_text("not scheduled")
    page.screenshot(path=str(shots / "20-sources.png"), full_page=True)
    context.close()
