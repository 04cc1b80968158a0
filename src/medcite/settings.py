"""Where medcite keeps its data, and the knobs an operator may set by environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir


def _default_home() -> Path:
    return Path(user_data_dir("medcite", appauthor=False))


@dataclass(frozen=True)
class Settings:
    """Resolved settings. Build with ``Settings.from_env()``."""

    home: Path
    database_url: str
    batch_size: int = 500
    editorial_override: str = ""  # MEDCITE_EDITORIAL_URL: the editorial database somewhere else

    @property
    def db_path(self) -> Path:
        """The SQLite file, when the store is SQLite."""
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix):
            return Path(self.database_url[len(prefix):])
        return self.home / "medcite.db"

    @property
    def editorial_url(self) -> str:
        """Where articles, reviews and accounts live: PostgreSQL when the database URL names a
        server (the evidence index stays an embedded file every server process reads), else
        the same SQLite file as the evidence index."""
        if self.editorial_override:
            return self.editorial_override
        if self.database_url.startswith(("postgresql://", "postgres://")):
            return self.database_url
        return f"sqlite:///{self.db_path}"

    @classmethod
    def from_env(cls, home: str | Path | None = None) -> Settings:
        """Settings from ``MEDCITE_HOME`` / ``MEDCITE_DATABASE_URL`` (arguments win)."""
        root = Path(home or os.environ.get("MEDCITE_HOME") or _default_home()).expanduser()
        url = os.environ.get("MEDCITE_DATABASE_URL") or f"sqlite:///{root / 'medcite.db'}"
        batch = int(os.environ.get("MEDCITE_BATCH_SIZE", "500"))
        return cls(home=root, database_url=url, batch_size=max(1, batch),
                   editorial_override=os.environ.get("MEDCITE_EDITORIAL_URL", ""))


def default_data_dir() -> Path | None:
    """The shared data folder beside the checkout (``../shared/data``), if present."""
    env = os.environ.get("MEDCITE_DATA")
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent.parent / "shared" / "data"
        if (parent / "pyproject.toml").exists() and candidate.is_dir():
            return candidate
    cwd_candidate = Path.cwd().parent / "shared" / "data"
    return cwd_candidate if cwd_candidate.is_dir() else None
