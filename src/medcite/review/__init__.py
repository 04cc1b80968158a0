"""Editorial review: articles with versions, statuses, comments, an audit log, and accounts.

``open_editorial(settings)`` gives the store: the SQLite file beside the evidence index by
default, or PostgreSQL when the ``store.database_url`` setting (``MEDCITE_DATABASE_URL``) names one.
"""

from __future__ import annotations

from ..settings import Settings
from .models import ROLES, SYSTEM, ArticleInfo, AuditEntry, Comment, Role, Session, User, VersionInfo
from .store import AccountError, EditorialStore, NotFound
from .workflow import Conflict, PermissionDenied, WorkflowError, allowed_targets


def open_editorial(settings: Settings | None = None) -> EditorialStore:
    settings = settings or Settings.load()
    return EditorialStore.open(settings.editorial_url)


__all__ = [
    "ROLES", "SYSTEM", "AccountError", "ArticleInfo", "AuditEntry", "Comment", "Conflict", "EditorialStore",
    "NotFound", "PermissionDenied", "Role", "Session", "User", "VersionInfo", "WorkflowError",
    "allowed_targets", "open_editorial",
]
