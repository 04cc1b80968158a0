"""Typed records of the editorial workflow: users, articles, versions, reviews, audit entries."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict

from ..types import ReviewStatus

Role = Literal["reader", "editor", "reviewer", "admin"]
ROLES: tuple[str, ...] = get_args(Role)
SYSTEM = "system"  # the actor of transitions nobody clicked (a re-ingest changed a source)


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True)


class User(_Record):
    id: int
    username: str
    role: Role
    created_at: str
    active: bool = True

    def can(self, permission: str) -> bool:
        from .workflow import PERMISSIONS

        return self.role in PERMISSIONS.get(permission, ())


class ArticleInfo(_Record):
    """An answer as an article: its current version and review status."""

    id: str
    question: str
    title: str
    audience: str
    status: ReviewStatus
    version: int
    approved_version: int | None = None
    created_at: str
    updated_at: str
    created_by: str | None = None


class VersionInfo(_Record):
    article_id: str
    version: int
    created_at: str
    created_by: str | None
    verified: bool
    title: str


class AuditEntry(_Record):
    id: int
    article_id: str
    version: int
    actor: str
    at: str
    action: str  # "created", "revised", "transition", "comment"
    from_status: str | None
    to_status: str | None
    note: str


class Comment(_Record):
    id: int
    article_id: str
    version: int
    author: str
    at: str
    body: str


class Session(_Record):
    user: User
    csrf: str
    expires_at: str


__all__ = ["ROLES", "SYSTEM", "ArticleInfo", "AuditEntry", "Comment", "Role", "Session", "User", "VersionInfo"]
