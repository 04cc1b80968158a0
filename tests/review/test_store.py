"""The editorial store, one suite run against both backends: SQLite (the default) and a real
PostgreSQL server (tests/pgserver.py). Every test takes ``editorial_url`` and so runs twice."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from datapath import DATA
from medcite.answering import ask
from medcite.errors import MedciteError
from medcite.ingest import ingest
from medcite.review import (
    SYSTEM,
    AccountError,
    Conflict,
    EditorialStore,
    NotFound,
    PermissionDenied,
    User,
    WorkflowError,
)
from medcite.review.migrations import MIGRATIONS, migrate
from medcite.review.stale import flag_stale_articles
from medcite.review.store import now
from medcite.store import SQLiteStore
from medcite.types import Answer

GBS = "What is the treatment for adults with Guillain-Barré syndrome?"
IPF = "How is idiopathic pulmonary fibrosis diagnosed?"
PASSWORD = "correct horse battery"


@pytest.fixture()
def articles(editorial_url: str) -> Iterator[EditorialStore]:
    store = EditorialStore.open(editorial_url)
    yield store
    store.close()


@pytest.fixture(scope="session")
def password_hash() -> str:
    from medcite.review.security import hash_password

    return hash_password(PASSWORD)


@pytest.fixture()
def team(articles: EditorialStore, password_hash: str) -> dict[str, User]:
    """One account per role (``<role>1``, password PASSWORD). They share one precomputed argon2
    hash: hashing costs about half a second each, and ``add_user`` has its own test below."""
    with articles.driver.transaction() as tx:
        for role in ("reader", "editor", "reviewer", "admin"):
            tx.run("INSERT INTO users (username, password_hash, role, active, created_at) VALUES (?, ?, ?, 1, ?)",
                   (f"{role}1", password_hash, role, now()))
    team = {u.role: u for u in articles.users()}
    assert articles.authenticate("reviewer1", PASSWORD) == team["reviewer"]
    return team


def _answer(answer_id: str, title: str = "IVIg in Guillain-Barré syndrome", question: str = GBS) -> Answer:
    return Answer(id=answer_id, question=question, title=title)


def _row(articles: EditorialStore, sql: str, params: tuple[object, ...]) -> dict[str, object]:
    with articles.driver.transaction() as tx:
        row = tx.one(sql, params)
    assert row is not None
    return row


# -- schema -----------------------------------------------------------------------------

def test_migrations_apply_once_and_reopening_keeps_the_data(editorial_url: str) -> None:
    first = EditorialStore.open(editorial_url)
    try:
        assert first.dialect == editorial_url.split(":", 1)[0]
        first.save_answer(_answer("a1"), {"ngc:9085": "h1"}, actor="editor1")
        assert migrate(first.driver, now()) == []  # nothing left to apply
    finally:
        first.close()
    second = EditorialStore.open(editorial_url)  # migrates again: a no-op, not an error
    try:
        assert second.article("a1") is not None and second.sources("a1") == {"ngc:9085": "h1"}
        with second.driver.transaction() as tx:
            names = [r["name"] for r in tx.query("SELECT name FROM editorial_migrations ORDER BY name")]
        assert names == [m.__name__ for m in MIGRATIONS]
    finally:
        second.close()


# -- articles and versions ----------------------------------------------------------------

def test_saving_creates_v1_submitted_and_resaving_makes_a_new_version(articles: EditorialStore,
                                                                      team: dict[str, User]) -> None:
    info = articles.save_answer(_answer("a1", "First title"), {"ngc:9085": "h1"}, actor="editor1")
    assert (info.status, info.version, info.approved_version, info.created_by) == ("Submitted", 1, None, "editor1")
    articles.transition("a1", "Under Review", team["reviewer"], expected_version=1)
    articles.transition("a1", "Approved", team["reviewer"], expected_version=1)

    info = articles.save_answer(_answer("a1", "Second title"), {"ngc:9085": "h2", "pmid:1": "h3"}, actor="editor1")
    assert (info.status, info.version, info.title) == ("Submitted", 2, "Second title")
    assert info.approved_version == 1  # what was approved stays on record, but the live status resets

    old, new = articles.get_answer("a1", version=1), articles.get_answer("a1")
    assert old is not None and new is not None
    assert old.title == "First title" and new.title == "Second title" and new.status == "Submitted"
    assert articles.get_answer("a1", version=3) is None and articles.get_answer("nope") is None
    assert [(v.version, v.title) for v in articles.versions("a1")] == [(1, "First title"), (2, "Second title")]
    assert articles.sources("a1", 1) == {"ngc:9085": "h1"}
    assert articles.sources("a1") == {"ngc:9085": "h2", "pmid:1": "h3"}

    revised = articles.audit("a1")[-1]
    assert (revised.action, revised.version, revised.actor) == ("revised", 2, "editor1")
    assert (revised.from_status, revised.to_status) == ("Approved", "Submitted")
    assert [a.id for a in articles.list_articles(status="Submitted")] == ["a1"]
    assert articles.list_articles(status="Approved") == []


def test_a_real_answer_round_trips_unchanged(articles: EditorialStore, small_store: SQLiteStore) -> None:
    answer = ask(GBS, small_store, articles=articles, actor="editor1")
    assert answer.references and answer.verification.passed
    assert articles.get_answer(answer.id) == answer
    assert set(articles.sources(answer.id)) == {r.doc_id for r in answer.references}
    again = ask(GBS, small_store, articles=articles, revise=answer.id, actor="editor1")
    assert again.id == answer.id and articles.article(answer.id).version == 2  # type: ignore[union-attr]
    assert articles.get_answer(answer.id, version=1) == answer


# -- review workflow ----------------------------------------------------------------------

def test_review_workflow_and_its_role_rules(articles: EditorialStore, team: dict[str, User]) -> None:
    for i in range(3):
        articles.save_answer(_answer(f"a{i}"), {}, actor="editor1")
    reader, editor, reviewer, admin = (team[r] for r in ("reader", "editor", "reviewer", "admin"))

    for user in (reader, editor):  # only reviewers and admins start or finish a review
        with pytest.raises(PermissionDenied):
            articles.transition("a0", "Under Review", user)
    info = articles.transition("a0", "Under Review", reviewer, note="taking it")
    assert info.status == "Under Review" and info.approved_version is None
    for user in (reader, editor):
        with pytest.raises(PermissionDenied):
            articles.transition("a0", "Approved", user)
    info = articles.transition("a0", "Approved", reviewer, note="checked every citation", expected_version=1)
    assert (info.status, info.approved_version) == ("Approved", 1)
    with pytest.raises(WorkflowError) as illegal:  # Approved -> Rejected is not a move
        articles.transition("a0", "Rejected", admin)
    assert not isinstance(illegal.value, PermissionDenied)

    articles.transition("a1", "Under Review", admin)
    articles.transition("a1", "Changes Requested", reviewer, note="dose table incomplete")
    with pytest.raises(PermissionDenied):  # handing back to the queue is an editor's move
        articles.transition("a1", "Submitted", reviewer)
    assert articles.transition("a1", "Submitted", editor, note="fixed").status == "Submitted"

    articles.transition("a2", "Under Review", reviewer)
    assert articles.transition("a2", "Rejected", reviewer, note="off topic").status == "Rejected"
    with pytest.raises(WorkflowError):
        articles.transition("a2", "Approved", reviewer)
    with pytest.raises(WorkflowError):
        articles.transition("a2", "Published", admin)  # not a status at all
    with pytest.raises(NotFound):
        articles.transition("missing", "Under Review", reviewer)

    disabled = articles.set_user("reviewer1", active=False)
    with pytest.raises(PermissionDenied):
        articles.transition("a1", "Under Review", disabled)
    assert articles.article("a1").status == "Submitted"  # type: ignore[union-attr]


def test_expected_version_guards_against_approving_unread_text(articles: EditorialStore,
                                                               team: dict[str, User]) -> None:
    articles.save_answer(_answer("a1", "v1"), {}, actor="editor1")
    articles.transition("a1", "Under Review", team["reviewer"], expected_version=1)
    articles.save_answer(_answer("a1", "v2"), {}, actor="editor1")  # a new version arrives meanwhile
    articles.transition("a1", "Under Review", team["reviewer"], expected_version=2)
    with pytest.raises(Conflict):
        articles.transition("a1", "Approved", team["reviewer"], expected_version=1)
    info = articles.article("a1")
    assert info is not None and (info.status, info.approved_version) == ("Under Review", None)
    assert articles.transition("a1", "Approved", team["reviewer"], expected_version=2).approved_version == 2


def test_every_transition_is_in_the_audit_log(articles: EditorialStore, team: dict[str, User]) -> None:
    started = now()
    articles.save_answer(_answer("a1"), {}, actor="editor1")
    moves = [("Under Review", "reviewer", "start"), ("Changes Requested", "reviewer", "needs doses"),
             ("Submitted", "editor", "doses added"), ("Under Review", "admin", ""), ("Approved", "admin", "ok")]
    for target, role, note in moves:
        articles.transition("a1", target, team[role], note=note)
    with pytest.raises(WorkflowError):  # a refused move leaves no trace
        articles.transition("a1", "Submitted", team["editor"])

    log = articles.audit("a1")
    assert [e.action for e in log] == ["created"] + ["transition"] * len(moves)
    assert (log[0].actor, log[0].from_status, log[0].to_status) == ("editor1", None, "Submitted")
    previous = "Submitted"
    for entry, (target, role, note) in zip(log[1:], moves, strict=True):
        assert (entry.actor, entry.from_status, entry.to_status, entry.note) == (f"{role}1", previous, target, note)
        assert entry.version == 1 and entry.article_id == "a1"
        previous = target
    stamps = [e.at for e in log]
    assert stamps == sorted(stamps) and stamps[0] >= started
    assert [e.id for e in articles.audit()][:2] == [log[-1].id, log[-2].id]  # newest first overall


def test_comments(articles: EditorialStore, team: dict[str, User]) -> None:
    articles.save_answer(_answer("a1"), {}, actor="editor1")
    first = articles.comment("a1", team["reviewer"], "  Reference 3 is a case report.  ")
    second = articles.comment("a1", team["editor"], "Replaced it.")
    assert first.body == "Reference 3 is a case report." and first.version == 1
    assert [(c.author, c.body) for c in articles.comments("a1")] == [
        ("reviewer1", "Reference 3 is a case report."), ("editor1", "Replaced it.")]
    assert second.id > first.id
    with pytest.raises(PermissionDenied):
        articles.comment("a1", team["reader"], "readers cannot comment")
    with pytest.raises(MedciteError):
        articles.comment("a1", team["reviewer"], "   ")
    with pytest.raises(NotFound):
        articles.comment("missing", team["reviewer"], "hello")
    assert [e.action for e in articles.audit("a1")] == ["created", "comment", "comment"]
    assert articles.comments("missing") == []


# -- accounts -----------------------------------------------------------------------------

def test_users_are_validated_and_passwords_stored_as_argon2_hashes(articles: EditorialStore) -> None:
    user = articles.add_user("dr.jones@example.org", PASSWORD, "reviewer")
    assert user.role == "reviewer" and user.active and user.can("review") and not user.can("manage_users")
    with pytest.raises(AccountError, match="already exists"):
        articles.add_user("dr.jones@example.org", "another password", "reader")
    with pytest.raises(AccountError, match="at least"):
        articles.add_user("shorty", "1234567", "reader")
    with pytest.raises(AccountError, match="unknown role"):
        articles.add_user("boss", PASSWORD, "superuser")
    for bad_name in ("", "x", "-leading-dash", "has space", "a" * 65):
        with pytest.raises(AccountError):
            articles.add_user(bad_name, PASSWORD, "reader")

    stored = str(_row(articles, "SELECT password_hash FROM users WHERE username = ?",
                      ("dr.jones@example.org",))["password_hash"])
    assert stored.startswith("$argon2id$") and PASSWORD not in stored

    assert articles.authenticate("dr.jones@example.org", PASSWORD) == user
    assert articles.authenticate("dr.jones@example.org", PASSWORD + "!") is None
    assert articles.authenticate("nobody", PASSWORD) is None
    articles.set_user("dr.jones@example.org", active=False)
    assert articles.authenticate("dr.jones@example.org", PASSWORD) is None
    articles.set_user("dr.jones@example.org", active=True, role="admin")
    assert articles.authenticate("dr.jones@example.org", PASSWORD).role == "admin"  # type: ignore[union-attr]
    assert [u.username for u in articles.users()] == ["dr.jones@example.org"]
    with pytest.raises(NotFound):
        articles.set_user("nobody", role="reader")
    with pytest.raises(AccountError):
        articles.set_user("dr.jones@example.org", password="short")


def test_sessions_keep_only_a_hash_expire_and_end(articles: EditorialStore, team: dict[str, User]) -> None:
    reviewer = team["reviewer"]
    sid, csrf = articles.create_session(reviewer)
    session = articles.session(sid)
    assert session is not None and session.user == reviewer and session.csrf == csrf
    with articles.driver.transaction() as tx:
        rows = tx.query("SELECT id_hash FROM sessions")
    assert len(rows) == 1 and rows[0]["id_hash"] != sid and sid not in rows[0]["id_hash"]
    assert articles.session("") is None and articles.session(sid + "x") is None

    expired, _ = articles.create_session(reviewer, ttl=timedelta(seconds=-1))
    assert articles.session(expired) is None

    articles.end_session(sid)
    assert articles.session(sid) is None

    other, _ = articles.create_session(team["editor"])
    again, _ = articles.create_session(reviewer)
    articles.set_user("reviewer1", password="a brand new password")  # a password change logs out everywhere
    assert articles.session(again) is None
    assert articles.session(other) is not None  # but only that user
    assert articles.authenticate("reviewer1", "a brand new password") is not None
    disabled, _ = articles.create_session(team["editor"])
    articles.set_user("editor1", active=False)
    assert articles.session(disabled) is None and articles.session(other) is None


def test_api_tokens_are_stored_hashed_and_can_be_revoked(articles: EditorialStore, team: dict[str, User]) -> None:
    token = articles.create_token("reviewer1", name="ci")
    assert token.startswith("mct_") and articles.token_user(token) == team["reviewer"]
    with articles.driver.transaction() as tx:
        rows = tx.query("SELECT token_hash, name, revoked FROM api_tokens")
    assert len(rows) == 1 and rows[0]["token_hash"] != token and token not in rows[0]["token_hash"]
    assert rows[0]["name"] == "ci"
    assert articles.token_user("mct_not-a-token") is None and articles.token_user("") is None
    with pytest.raises(NotFound):
        articles.create_token("nobody")
    second = articles.create_token("reviewer1")
    assert articles.revoke_token(token) is True and articles.revoke_token("mct_unknown") is False
    assert articles.token_user(token) is None and articles.token_user(second) == team["reviewer"]
    articles.set_user("reviewer1", active=False)
    assert articles.token_user(second) is None


def test_text_postgresql_cannot_hold_is_a_clean_error(articles: EditorialStore, team: dict[str, User]) -> None:
    """NUL characters: SQLite keeps them; PostgreSQL refuses them with a MedciteError (a 400
    from the server), never a driver exception (a 500)."""
    calls = [lambda: articles.get_answer("a\x00b"), lambda: articles.list_articles(status="\x00"),
             lambda: articles.token_user("mct_\x00"), lambda: articles.authenticate("x\x00", PASSWORD),
             lambda: articles.save_answer(_answer("nul", question="IVIg\x00?"), {}, actor="editor1")]
    for call in calls:
        try:
            call()
        except MedciteError as exc:
            assert articles.dialect == "postgresql", exc
    with pytest.raises(MedciteError):  # NotFound on SQLite
        articles.transition("a\x00", "Under Review", team["reviewer"])
    articles.save_answer(_answer("ok"), {}, actor="editor1")  # the store still works afterwards
    assert articles.article("ok") is not None


# -- sources that change ----------------------------------------------------------------------

def test_flag_changed_sources_only_touches_approved_articles_whose_source_changed(
        articles: EditorialStore, team: dict[str, User]) -> None:
    reviewer = team["reviewer"]
    for article_id, doc_id in (("same", "d1"), ("changed", "d2"), ("gone", "d3"), ("pending", "d2")):
        articles.save_answer(_answer(article_id), {doc_id: f"hash-{doc_id}"}, actor="editor1")
        if article_id != "pending":
            articles.transition(article_id, "Under Review", reviewer)
            articles.transition(article_id, "Approved", reviewer)
    assert set(articles.cited_documents()) == {"d1", "d2", "d3"}

    flagged = articles.flag_changed_sources({"d1": "hash-d1", "d2": "new-hash", "d3": None})
    assert sorted(a.id for a in flagged) == ["changed", "gone"]
    assert {a.status for a in flagged} == {"Needs re-review"}
    assert articles.article("same").status == "Approved"  # type: ignore[union-attr]
    assert articles.article("pending").status == "Submitted"  # type: ignore[union-attr]
    entry = articles.audit("changed")[-1]
    assert (entry.actor, entry.from_status, entry.to_status) == (SYSTEM, "Approved", "Needs re-review")
    assert "d2" in entry.note
    assert articles.flag_changed_sources({"d2": "newer"}) == []  # already flagged: not again
    assert articles.transition("changed", "Under Review", reviewer).status == "Under Review"


def test_reingesting_a_changed_source_sends_its_approved_article_back(
        articles: EditorialStore, team: dict[str, User], tmp_path: Path) -> None:
    """The real pipeline: ingest two NGC guidelines, answer from them, approve, edit one
    guideline's recommendation and ingest again."""
    sources = tmp_path / "sources"
    sources.mkdir()
    for name in ("ngc-9085.xml", "ngc-9954.xml"):
        shutil.copy(DATA / "ngc-guidelines" / "samples" / name, sources / name)
    evidence = SQLiteStore(tmp_path / "evidence.db")
    try:
        assert ingest([sources], evidence, workers=1, articles=articles).ok
        gbs = ask(GBS, evidence, articles=articles, actor="editor1")
        ipf = ask(IPF, evidence, articles=articles, actor="editor1")
        pending = ask(GBS, evidence, articles=articles, actor="editor1")  # cites 9085 but is not approved
        assert {r.doc_id for r in gbs.references} == {"ngc:9085"} and pending.id != gbs.id
        assert {r.doc_id for r in ipf.references} == {"ngc:9954"}
        for answer in (gbs, ipf):
            articles.transition(answer.id, "Under Review", team["reviewer"])
            articles.transition(answer.id, "Approved", team["reviewer"], expected_version=1)

        unchanged = ingest([sources], evidence, workers=1, articles=articles)
        assert unchanged.ok and unchanged.changed == [] and unchanged.flagged == []
        assert flag_stale_articles(articles, evidence) == []  # nothing differs from what was approved

        guideline = sources / "ngc-9085.xml"
        text = guideline.read_text(encoding="utf-8")
        old = "IVIg should be offered to treat GBS in adults"
        assert old in text
        guideline.write_text(text.replace(old, "IVIg should be offered within 2 weeks to treat GBS in adults"),
                             encoding="utf-8")
        report = ingest([sources], evidence, workers=1, articles=articles)
    finally:
        evidence.close()

    assert report.ok and report.changed == ["ngc:9085"] and report.flagged == [gbs.id]
    assert articles.article(gbs.id).status == "Needs re-review"  # type: ignore[union-attr]
    assert articles.get_answer(gbs.id).status == "Needs re-review"  # type: ignore[union-attr]
    assert articles.article(ipf.id).status == "Approved"  # type: ignore[union-attr]
    assert articles.article(pending.id).status == "Submitted"  # type: ignore[union-attr]
    entry = articles.audit(gbs.id)[-1]
    assert (entry.actor, entry.action, entry.from_status, entry.to_status) == (
        SYSTEM, "transition", "Approved", "Needs re-review")
    assert "ngc:9085" in entry.note and entry.at


# -- concurrency ----------------------------------------------------------------------------

def test_concurrent_reviews_and_saves_lose_no_approval(editorial_url: str) -> None:
    """Eight workers, each with its own store object (like separate server processes): each
    reviews and approves its own articles while saving new ones; then all race to approve one
    shared article. Every approval persists and exactly one racer wins."""
    setup = EditorialStore.open(editorial_url)
    workers, per_worker = 8, 4
    try:
        reviewer = setup.add_user("reviewer1", PASSWORD, "reviewer")
        for w in range(workers):
            for i in range(per_worker):
                setup.save_answer(_answer(f"w{w}-{i}"), {f"doc:{w}": "h"}, actor="editor1")
        setup.save_answer(_answer("shared"), {}, actor="editor1")
        setup.transition("shared", "Under Review", reviewer)
    finally:
        setup.close()

    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []
    race: list[str] = []
    lock = threading.Lock()

    def work(w: int) -> None:
        store = EditorialStore.open(editorial_url)
        try:
            barrier.wait(timeout=60)
            for i in range(per_worker):
                store.save_answer(_answer(f"new-{w}-{i}", "fresh"), {}, actor=f"editor{w}")
                store.transition(f"w{w}-{i}", "Under Review", reviewer, expected_version=1)
                store.comment(f"w{w}-{i}", reviewer, f"looked at by worker {w}")
                store.transition(f"w{w}-{i}", "Approved", reviewer, note=f"worker {w}", expected_version=1)
            barrier.wait(timeout=60)
            try:
                store.transition("shared", "Approved", reviewer, note=f"racer {w}", expected_version=1)
                outcome = "won"
            except WorkflowError as exc:  # Conflict, or "Approved cannot become Approved"
                outcome = type(exc).__name__
            with lock:
                race.append(outcome)
        except BaseException as exc:  # reported by the main thread
            with lock:
                errors.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=work, args=(w,)) for w in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads)
    assert errors == []

    check = EditorialStore.open(editorial_url)
    try:
        approved = {a.id for a in check.list_articles(limit=1000, status="Approved")}
        expected = {f"w{w}-{i}" for w in range(workers) for i in range(per_worker)} | {"shared"}
        assert approved == expected
        for article_id in expected - {"shared"}:
            info = check.article(article_id)
            assert info is not None and info.approved_version == 1
            assert [e.to_status for e in check.audit(article_id) if e.action == "transition"] == [
                "Under Review", "Approved"]
            assert len(check.comments(article_id)) == 1
        assert len(check.list_articles(limit=1000, status="Submitted")) == workers * per_worker
        assert sorted(race).count("won") == 1 and len(race) == workers
        shared_log = [e for e in check.audit("shared") if e.to_status == "Approved"]
        assert len(shared_log) == 1 and shared_log[0].note.startswith("racer ")
    finally:
        check.close()
