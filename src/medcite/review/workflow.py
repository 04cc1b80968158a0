"""Review rules as data: which role may move an article from which status to which.

Pure functions only; the stores call :func:`check_transition` inside the same transaction
that writes the change, so a rule can never be skipped by a surface.
"""

from __future__ import annotations

from ..errors import MedciteError
from ..types import REVIEW_STATUSES

SUBMITTED, UNDER_REVIEW, APPROVED = "Submitted", "Under Review", "Approved"
CHANGES_REQUESTED, REJECTED, NEEDS_REREVIEW = "Changes Requested", "Rejected", "Needs re-review"

_REVIEWERS = ("reviewer", "admin")
_EDITORS = ("editor", "admin")

# (from, to) -> roles allowed to make that move.
TRANSITIONS: dict[tuple[str, str], tuple[str, ...]] = {
    (SUBMITTED, UNDER_REVIEW): _REVIEWERS,
    (UNDER_REVIEW, APPROVED): _REVIEWERS,
    (UNDER_REVIEW, CHANGES_REQUESTED): _REVIEWERS,
    (UNDER_REVIEW, REJECTED): _REVIEWERS,
    (UNDER_REVIEW, SUBMITTED): _REVIEWERS,  # hand back to the queue unreviewed
    (NEEDS_REREVIEW, UNDER_REVIEW): _REVIEWERS,
    (APPROVED, UNDER_REVIEW): _REVIEWERS,  # reopen an approved article
    (CHANGES_REQUESTED, SUBMITTED): _EDITORS,
    (REJECTED, SUBMITTED): _EDITORS,
}

# Named permissions used by the surfaces.
PERMISSIONS: dict[str, tuple[str, ...]] = {
    "read": ("reader", "editor", "reviewer", "admin"),
    "ask": ("reader", "editor", "reviewer", "admin"),
    "comment": ("editor", "reviewer", "admin"),
    "revise": _EDITORS,
    "review": _REVIEWERS,
    "manage_users": ("admin",),
    "view_sources": ("admin",),  # the Sources page and GET /api/sources: sync runs, errors, schedule
}


class WorkflowError(MedciteError):
    """A transition the rules do not allow; the message says which and why."""


class PermissionDenied(WorkflowError):
    """The user's role may not do this."""


class Conflict(WorkflowError):
    """The article changed since the caller last saw it (another reviewer acted first)."""


def allowed_targets(status: str, role: str) -> list[str]:
    """Statuses ``role`` may move an article in ``status`` to, in display order."""
    return [to for (frm, to), roles in TRANSITIONS.items() if frm == status and role in roles]


def check_transition(status: str, target: str, role: str) -> None:
    """Raise unless ``role`` may move an article from ``status`` to ``target``."""
    if target not in REVIEW_STATUSES:
        raise WorkflowError(f"unknown status {target!r}; statuses are {', '.join(REVIEW_STATUSES)}")
    roles = TRANSITIONS.get((status, target))
    if roles is None:
        raise WorkflowError(f"an article that is {status!r} cannot become {target!r}")
    if role not in roles:
        raise PermissionDenied(f"a {role} cannot move an article from {status!r} to {target!r}")
