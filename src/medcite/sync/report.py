"""What ``medcite sources``, the web's Sources page and ``GET /api/sources`` show: each
source's last sync (when, status, counts, errors, from :func:`state.summary`), whether
``medcite sync all`` runs it, and when it runs next by ``sources.schedule``.

``sources.schedule`` is the daily time (HH:MM, UTC) at which cron or a systemd timer runs
``medcite sync all``; medcite runs nothing by itself. The next run of a source that ``sync all``
runs is the first such time after its last run, or, when that time has passed without a run
(``overdue`` once it is :data:`LATE_AFTER` late: ``sync all`` runs sources one after another,
so a late one may simply be waiting its turn), the first such time from now.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from ..settings import Settings
from ..store import SQLiteStore
from . import state

# The setting that lists what ``sync all`` runs of each source: a list of queries, or one
# mirror, folder or URL. A source not named here is looked for as ``sources.<name>`` or
# ``sources.<name>_queries`` (a source added to ``sync all`` later).
SYNC_ALL_SETTING = {"pubmed": "pubmed_queries", "pubmed-baseline": "pubmed_mirror", "dailymed": "dailymed",
                    "medlineplus": "medlineplus", "pmc": "pmc_queries", "openfda": "openfda_searches"}
LATE_AFTER = timedelta(hours=6)


def sync_all_settings(settings: Settings) -> dict[str, Any]:
    """What ``sync all`` runs, as the settings list it (None: not set)."""
    conf = settings.sources
    return {"pubmed_queries": list(conf.pubmed_queries), "pubmed_mirror": conf.pubmed_mirror or None,
            "dailymed": conf.dailymed or None, "medlineplus": conf.medlineplus or None,
            "pmc_queries": list(conf.pmc_queries), "openfda_searches": list(conf.openfda_searches)}


def _targets(settings: Settings, source: str) -> list[str]:
    """The targets ``sync all`` runs ``source`` for, as its runs remember them (a query with
    its spaces collapsed, a location stripped)."""
    name = source.replace("-", "_")
    for field in (SYNC_ALL_SETTING.get(source), name, f"{name}_queries"):
        value = getattr(settings.sources, field, None) if field else None
        if isinstance(value, list):
            return list(dict.fromkeys(" ".join(str(q).split()) for q in value))
        if isinstance(value, str) and value.strip():
            return [value.strip()]
    return []


def in_sync_all(settings: Settings, source: str, target: str) -> bool:
    """Whether ``medcite sync all`` runs ``source`` for ``target`` with these settings."""
    return target.strip() in _targets(settings, source)


def _aware(value: str) -> datetime:
    when = datetime.fromisoformat(value)
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _after(at: time, moment: datetime) -> datetime:
    """The first ``at`` (UTC) strictly after ``moment``."""
    day = datetime.combine(moment.date(), at, tzinfo=UTC)
    return day if day > moment else day + timedelta(days=1)


def next_run(schedule: str, last_started: str | None, now: datetime) -> tuple[str | None, bool]:
    """(the next scheduled run as an ISO time, or None without a schedule; whether the run due
    after ``last_started`` is more than :data:`LATE_AFTER` late)."""
    if not schedule:
        return None, False
    hours, minutes = (int(p) for p in schedule.split(":"))
    at, now = time(hours, minutes), now.astimezone(UTC)
    due = _after(at, _aware(last_started)) if last_started else _after(at, now)
    overdue = due + LATE_AFTER < now
    if due <= now:
        due = _after(at, now)
    return due.isoformat(timespec="minutes"), overdue


def sources_report(settings: Settings, store: SQLiteStore, now: datetime | None = None) -> dict[str, Any]:
    """Every source and target synced so far (:func:`state.summary`'s rows, each with
    ``in_sync_all``, ``next_run`` and ``overdue``), what ``sync all`` runs but has not synced
    yet (``not_synced_yet``), the schedule, and the settings of ``sync all``."""
    now = now or datetime.now(UTC)
    schedule = settings.sources.schedule
    rows = state.summary(store)
    for row in rows:
        row["in_sync_all"] = in_sync_all(settings, row["source"], row["target"])
        row["next_run"], row["overdue"] = (next_run(schedule, row["last_run"]["started_at"], now)
                                           if row["in_sync_all"] else (None, False))
    seen = {(r["source"], r["target"]) for r in rows}
    waiting = [(source, target) for source in SYNC_ALL_SETTING for target in _targets(settings, source)
               if (source, target) not in seen]
    pending = [{"source": s, "target": t, "next_run": next_run(schedule, None, now)[0]} for s, t in waiting]
    return {"sources": rows, "not_synced_yet": pending, "schedule": schedule or None,
            "sync_all": sync_all_settings(settings)}
