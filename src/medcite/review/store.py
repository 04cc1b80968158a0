"""The editorial database: articles with versions, reviews, comments, the audit log, and the
accounts that act on them. One implementation over either driver (SQLite or PostgreSQL).

Every change is one transaction that also writes its audit entry, and every status change
is a compare-and-set on (status, version): two reviewers acting at once cannot overwrite
each other, and an approval is never silently lost.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from ..errors import MedciteError
from ..types import Answer
from . import security, workflow
from .drivers import Driver, Tx, open_driver
from .migrations import migrate
from .models import ROLES, SYSTEM, ArticleInfo, AuditEntry, Comment, Session, User, VersionInfo

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{1,63}$")
SESSION_TTL = timedelta(hours=12)
_DUMMY_HASH = security.hash_password("not-a-real-password")
_ARTICLE_COLS = ("id, question, title, audience, status, version, approved_version, created_at, updated_at, "
                 "created_by")


def now() -> str:
    """Microsecond ISO time: it orders events within a second and sorts as text."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


class NotFound(MedciteError):
    """No article, version or user with that name."""


class AccountError(MedciteError):
    """A user name, password or role that cannot be used."""


class EditorialStore:
    def __init__(self, driver: Driver) -> None:
        self.driver = driver
        migrate(driver, now())

    @classmethod
    def open(cls, url: str) -> EditorialStore:
        return cls(open_driver(url))

    @property
    def dialect(self) -> str:
        return self.driver.dialect

    def close(self) -> None:
        self.driver.close()

    # -- articles ---------------------------------------------------------------------

    def save_answer(self, answer: Answer, source_hashes: Mapping[str, str], actor: str | None = None) -> ArticleInfo:
        """A new article (version 1, Submitted), or a new version of the article with this id.

        A new version goes back to Submitted, whatever the old one's status: what a reviewer
        approved is not what readers would now see.
        """
        at = now()
        with self.driver.transaction() as tx:
            row = _article_row(tx, answer.id)
            if row is None:
                version, old_status = 1, None
                tx.run(
                    """INSERT INTO articles (id, question, title, audience, status, version, follow_up_of,
                                             created_at, updated_at, created_by)
                       VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?)""",
                    (answer.id, answer.question, answer.title, answer.audience, workflow.SUBMITTED,
                     answer.follow_up_of, at, at, actor),
                )
            else:
                version, old_status = int(row["version"]) + 1, row["status"]
                tx.run(
                    """UPDATE articles SET question = ?, title = ?, audience = ?, status = ?, version = ?,
                                          updated_at = ? WHERE id = ?""",
                    (answer.question, answer.title, answer.audience, workflow.SUBMITTED, version, at, answer.id),
                )
            stored = answer.model_copy(update={"status": workflow.SUBMITTED, "updated": at,
                                               "created": answer.created or at})
            tx.run(
                """INSERT INTO article_versions (article_id, version, body, verified, created_at, created_by)
                   VALUES (?, ?, ?, ?, ?, ?)""",
                (answer.id, version, stored.model_dump_json(), int(answer.verification.passed), at, actor),
            )
            for doc_id, content_hash in sorted(source_hashes.items()):
                tx.run("INSERT INTO article_sources (article_id, version, doc_id, content_hash) VALUES (?, ?, ?, ?)",
                       (answer.id, version, doc_id, content_hash))
            _audit(tx, answer.id, version, actor or SYSTEM, at, "created" if version == 1 else "revised",
                   old_status, workflow.SUBMITTED, "")
            return _article(_current(tx, answer.id))

    def article(self, article_id: str) -> ArticleInfo | None:
        with self.driver.transaction() as tx:
            row = _article_row(tx, article_id)
        return _article(row) if row else None

    def get_answer(self, article_id: str, version: int | None = None) -> Answer | None:
        """The answer as readers see it: the body of a version with the article's live status."""
        with self.driver.transaction() as tx:
            row = _article_row(tx, article_id)
            if row is None:
                return None
            body = tx.one("SELECT body FROM article_versions WHERE article_id = ? AND version = ?",
                          (article_id, version or row["version"]))
        if body is None:
            return None
        try:
            answer = Answer.model_validate_json(body["body"])
        except ValueError as exc:
            raise MedciteError(f"stored answer {article_id} v{version} is unreadable: {exc}") from exc
        if version is None or version == row["version"]:
            answer = answer.model_copy(update={"status": row["status"], "updated": row["updated_at"]})
        return answer

    def list_articles(self, limit: int = 50, status: str | None = None, offset: int = 0) -> list[ArticleInfo]:
        """Newest first, optionally only those in one status."""
        sql = f"SELECT {_ARTICLE_COLS} FROM articles"
        args: list[Any] = []
        if status:
            sql += " WHERE status = ?"
            args.append(status)
        sql += " ORDER BY updated_at DESC, id LIMIT ? OFFSET ?"
        args += [max(0, min(limit, 1000)), max(0, offset)]
        with self.driver.transaction() as tx:
            return [_article(r) for r in tx.query(sql, args)]

    def count_articles(self) -> int:
        with self.driver.transaction() as tx:
            return int(_one(tx, "SELECT count(*) AS n FROM articles", ())["n"])

    def versions(self, article_id: str) -> list[VersionInfo]:
        with self.driver.transaction() as tx:
            rows = tx.query(
                """SELECT article_id, version, created_at, created_by, verified, body FROM article_versions
                   WHERE article_id = ? ORDER BY version""", (article_id,))
        return [VersionInfo(article_id=r["article_id"], version=r["version"], created_at=r["created_at"],
                            created_by=r["created_by"], verified=bool(r["verified"]),
                            title=Answer.model_validate_json(r["body"]).title) for r in rows]

    def sources(self, article_id: str, version: int | None = None) -> dict[str, str]:
        """doc_id -> content hash of the documents a version cites."""
        with self.driver.transaction() as tx:
            if version is None:
                row = tx.one("SELECT version FROM articles WHERE id = ?", (article_id,))
                if row is None:
                    return {}
                version = int(row["version"])
            rows = tx.query("SELECT doc_id, content_hash FROM article_sources WHERE article_id = ? AND version = ?",
                            (article_id, version))
        return {r["doc_id"]: r["content_hash"] for r in rows}

    # -- review -----------------------------------------------------------------------

    def transition(self, article_id: str, target: str, user: User, note: str = "",
                   expected_version: int | None = None) -> ArticleInfo:
        """Move an article to ``target`` as ``user``; the rules live in :mod:`.workflow`.

        ``expected_version`` is the version the reviewer was looking at: if a new version
        arrived since, the move fails with :class:`workflow.Conflict` instead of approving
        text the reviewer never read.
        """
        if not user.active:
            raise workflow.PermissionDenied(f"account {user.username!r} is disabled")
        at = now()
        with self.driver.transaction() as tx:
            row = _article_row(tx, article_id)
            if row is None:
                raise NotFound(f"no article with id {article_id!r}")
            status, version = row["status"], int(row["version"])
            if expected_version is not None and expected_version != version:
                raise workflow.Conflict(
                    f"article {article_id} is now at version {version}, not {expected_version}; reload it")
            workflow.check_transition(status, target, user.role)
            approved = version if target == workflow.APPROVED else row["approved_version"]
            changed = tx.run(
                """UPDATE articles SET status = ?, approved_version = ?, updated_at = ?
                   WHERE id = ? AND status = ? AND version = ?""",
                (target, approved, at, article_id, status, version))
            if changed != 1:
                raise workflow.Conflict(f"article {article_id} changed while you acted; reload it")
            _audit(tx, article_id, version, user.username, at, "transition", status, target, note[:4000])
            return _article(_current(tx, article_id))

    def comment(self, article_id: str, user: User, body: str) -> Comment:
        body = body.strip()
        if not body:
            raise MedciteError("a comment needs some text")
        if not user.can("comment"):
            raise workflow.PermissionDenied(f"a {user.role} cannot comment on articles")
        at = now()
        with self.driver.transaction() as tx:
            row = tx.one("SELECT version FROM articles WHERE id = ?", (article_id,))
            if row is None:
                raise NotFound(f"no article with id {article_id!r}")
            got = _one(tx, """INSERT INTO comments (article_id, version, author, at, body) VALUES (?, ?, ?, ?, ?)
                              RETURNING id, article_id, version, author, at, body""",
                       (article_id, row["version"], user.username, at, body[:8000]))
            _audit(tx, article_id, int(row["version"]), user.username, at, "comment", None, None, body[:200])
        return Comment(**got)

    def comments(self, article_id: str) -> list[Comment]:
        with self.driver.transaction() as tx:
            rows = tx.query("SELECT id, article_id, version, author, at, body FROM comments "
                            "WHERE article_id = ? ORDER BY id", (article_id,))
        return [Comment(**r) for r in rows]

    def audit(self, article_id: str | None = None, limit: int = 200) -> list[AuditEntry]:
        """Oldest first for one article; newest first across all of them."""
        cols = "id, article_id, version, actor, at, action, from_status, to_status, note"
        with self.driver.transaction() as tx:
            if article_id is not None:
                rows = tx.query(f"SELECT {cols} FROM audit_log WHERE article_id = ? ORDER BY id LIMIT ?",
                                (article_id, limit))
            else:
                rows = tx.query(f"SELECT {cols} FROM audit_log ORDER BY id DESC LIMIT ?", (limit,))
        return [AuditEntry(**r) for r in rows]

    def flag_changed_sources(self, current: Mapping[str, str | None]) -> list[ArticleInfo]:
        """Approved articles citing a document whose content hash is no longer the one they
        were written from become "Needs re-review" (actor: system). ``current`` maps each
        re-ingested doc_id to its hash now (None: the document is gone)."""
        if not current:
            return []
        flagged: list[ArticleInfo] = []
        ids = sorted(current)
        with self.driver.transaction() as tx:
            stale: dict[str, list[str]] = {}
            for i in range(0, len(ids), 500):
                chunk = ids[i:i + 500]
                rows = tx.query(
                    f"""SELECT s.article_id, s.doc_id, s.content_hash FROM article_sources s
                        JOIN articles a ON a.id = s.article_id AND a.version = s.version
                        WHERE a.status = ? AND s.doc_id IN ({','.join('?' * len(chunk))})""",
                    [workflow.APPROVED, *chunk])
                for r in rows:
                    if current.get(r["doc_id"]) != r["content_hash"]:
                        stale.setdefault(r["article_id"], []).append(r["doc_id"])
            at = now()
            for article_id, docs in sorted(stale.items()):
                row = _current(tx, article_id)
                tx.run("UPDATE articles SET status = ?, updated_at = ? WHERE id = ? AND status = ?",
                       (workflow.NEEDS_REREVIEW, at, article_id, workflow.APPROVED))
                _audit(tx, article_id, int(row["version"]), SYSTEM, at, "transition", workflow.APPROVED,
                       workflow.NEEDS_REREVIEW, "cited source changed on re-ingest: " + ", ".join(sorted(docs)))
                flagged.append(_article(_current(tx, article_id)))
        return flagged

    def cited_documents(self, statuses: Sequence[str] = (workflow.APPROVED,)) -> dict[str, list[tuple[str, str]]]:
        """doc_id -> [(article_id, hash)] for the current versions of articles in ``statuses``."""
        if not statuses:
            return {}
        with self.driver.transaction() as tx:
            rows = tx.query(
                f"""SELECT s.doc_id, s.article_id, s.content_hash FROM article_sources s
                    JOIN articles a ON a.id = s.article_id AND a.version = s.version
                    WHERE a.status IN ({','.join('?' * len(statuses))})""", list(statuses))
        out: dict[str, list[tuple[str, str]]] = {}
        for r in rows:
            out.setdefault(r["doc_id"], []).append((r["article_id"], r["content_hash"]))
        return out

    # -- accounts ---------------------------------------------------------------------

    def add_user(self, username: str, password: str, role: str) -> User:
        if not USERNAME.match(username or ""):
            raise AccountError("a user name is 2–64 letters, digits or . _ @ -, starting with a letter or digit")
        if role not in ROLES:
            raise AccountError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
        if len(password or "") < security.MIN_PASSWORD:
            raise AccountError(f"a password needs at least {security.MIN_PASSWORD} characters")
        at = now()
        with self.driver.transaction() as tx:
            if tx.one("SELECT id FROM users WHERE username = ?", (username,)) is not None:
                raise AccountError(f"user {username!r} already exists")
            tx.run("INSERT INTO users (username, password_hash, role, active, created_at) VALUES (?, ?, ?, 1, ?)",
                   (username, security.hash_password(password), role, at))
            return _user(_one(tx, "SELECT * FROM users WHERE username = ?", (username,)))

    def set_user(self, username: str, *, role: str | None = None, password: str | None = None,
                 active: bool | None = None) -> User:
        if role is not None and role not in ROLES:
            raise AccountError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
        if password is not None and len(password) < security.MIN_PASSWORD:
            raise AccountError(f"a password needs at least {security.MIN_PASSWORD} characters")
        with self.driver.transaction() as tx:
            row = tx.one("SELECT * FROM users WHERE username = ?", (username,))
            if row is None:
                raise NotFound(f"no user {username!r}")
            if role is not None:
                tx.run("UPDATE users SET role = ? WHERE id = ?", (role, row["id"]))
            if password is not None:
                tx.run("UPDATE users SET password_hash = ? WHERE id = ?", (security.hash_password(password), row["id"]))
                tx.run("DELETE FROM sessions WHERE user_id = ?", (row["id"],))
            if active is not None:
                tx.run("UPDATE users SET active = ? WHERE id = ?", (int(active), row["id"]))
                if not active:
                    tx.run("DELETE FROM sessions WHERE user_id = ?", (row["id"],))
            return _user(_one(tx, "SELECT * FROM users WHERE id = ?", (row["id"],)))

    def user(self, username: str) -> User | None:
        with self.driver.transaction() as tx:
            row = tx.one("SELECT * FROM users WHERE username = ?", (username,))
        return _user(row) if row else None

    def users(self) -> list[User]:
        with self.driver.transaction() as tx:
            return [_user(r) for r in tx.query("SELECT * FROM users ORDER BY username")]

    def authenticate(self, username: str, password: str) -> User | None:
        """The active user with this password, or None (same work either way)."""
        with self.driver.transaction() as tx:
            row = tx.one("SELECT * FROM users WHERE username = ?", (username or "",))
        if row is None:
            security.verify_password(_DUMMY_HASH, password or "")
            return None
        if not security.verify_password(row["password_hash"], password or "") or not row["active"]:
            return None
        if security.needs_rehash(row["password_hash"]):
            with self.driver.transaction() as tx:
                tx.run("UPDATE users SET password_hash = ? WHERE id = ?", (security.hash_password(password), row["id"]))
        return _user(row)

    # -- sessions and tokens -------------------------------------------------------------

    def create_session(self, user: User, ttl: timedelta = SESSION_TTL) -> tuple[str, str]:
        """(session id for the cookie, CSRF token for forms). Only a hash of the id is kept."""
        sid, csrf = security.new_secret(), security.new_secret()
        created = datetime.now(UTC)
        with self.driver.transaction() as tx:
            tx.run("DELETE FROM sessions WHERE expires_at < ?", (created.isoformat(timespec="microseconds"),))
            tx.run("INSERT INTO sessions (id_hash, user_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                   (security.digest(sid), user.id, csrf, created.isoformat(timespec="microseconds"),
                    (created + ttl).isoformat(timespec="microseconds")))
        return sid, csrf

    def session(self, sid: str) -> Session | None:
        if not sid:
            return None
        with self.driver.transaction() as tx:
            row = tx.one(
                """SELECT u.*, s.csrf, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id
                   WHERE s.id_hash = ? AND s.expires_at > ?""", (security.digest(sid), now()))
        if row is None or not row["active"]:
            return None
        return Session(user=_user(row), csrf=row["csrf"], expires_at=row["expires_at"])

    def end_session(self, sid: str) -> None:
        with self.driver.transaction() as tx:
            tx.run("DELETE FROM sessions WHERE id_hash = ?", (security.digest(sid),))

    def create_token(self, username: str, name: str = "api") -> str:
        """A new API token for ``username``; shown once, stored only as a hash."""
        token = security.new_secret(security.TOKEN_PREFIX)
        with self.driver.transaction() as tx:
            row = tx.one("SELECT id FROM users WHERE username = ?", (username,))
            if row is None:
                raise NotFound(f"no user {username!r}")
            tx.run("INSERT INTO api_tokens (token_hash, user_id, name, created_at, revoked) VALUES (?, ?, ?, ?, 0)",
                   (security.digest(token), row["id"], name[:100], now()))
        return token

    def token_user(self, token: str) -> User | None:
        if not token:
            return None
        with self.driver.transaction() as tx:
            row = tx.one(
                """SELECT u.* FROM api_tokens t JOIN users u ON u.id = t.user_id
                   WHERE t.token_hash = ? AND t.revoked = 0""", (security.digest(token),))
        return _user(row) if row and row["active"] else None

    def revoke_token(self, token: str) -> bool:
        with self.driver.transaction() as tx:
            return tx.run("UPDATE api_tokens SET revoked = 1 WHERE token_hash = ?", (security.digest(token),)) == 1


def _article_row(tx: Tx, article_id: str) -> dict[str, Any] | None:
    return tx.one(f"SELECT {_ARTICLE_COLS} FROM articles WHERE id = ?", (article_id,))


def _current(tx: Tx, article_id: str) -> dict[str, Any]:
    """The article's row, which this transaction has just read or written."""
    row = _article_row(tx, article_id)
    if row is None:
        raise NotFound("row vanished inside its own transaction")
    return row


def _one(tx: Tx, sql: str, params: Sequence[Any]) -> dict[str, Any]:
    row = tx.one(sql, params)
    if row is None:
        raise NotFound("row vanished inside its own transaction")
    return row


def _audit(tx: Tx, article_id: str, version: int, actor: str, at: str, action: str,
           frm: str | None, to: str | None, note: str) -> None:
    tx.run("""INSERT INTO audit_log (article_id, version, actor, at, action, from_status, to_status, note)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?)""", (article_id, version, actor, at, action, frm, to, note))


def _article(row: Mapping[str, Any]) -> ArticleInfo:
    return ArticleInfo(**{k: row[k] for k in ArticleInfo.model_fields})


def _user(row: Mapping[str, Any]) -> User:
    return User(id=row["id"], username=row["username"], role=row["role"], created_at=row["created_at"],
                active=bool(row["active"]))
