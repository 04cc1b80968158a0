"""A throwaway PostgreSQL server for the tests, from the distribution's packages.

``PgServer.start()`` runs ``initdb`` into a fresh temporary folder and ``pg_ctl start`` on
127.0.0.1 and a free port (trust authentication, no fsync: nothing here must survive), then
hands out empty databases on demand; ``stop()`` shuts it down and deletes the folder. When
the tests run as root the server runs as the ``postgres`` account, as PostgreSQL refuses
to run as root.

``MEDCITE_TEST_POSTGRES_URL`` (e.g. ``postgresql://postgres@127.0.0.1:5432``) points the
tests at a server that is already running instead; they create and drop their own
databases on it.

A module of its own (not conftest) so that scripts and other test folders can import it.
"""

from __future__ import annotations

import atexit
import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

from ports import free_port

INSTALL_HINT = "sudo apt-get install -y postgresql  (Debian/Ubuntu: provides initdb and pg_ctl)"


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


def find_bindir() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``: Debian keeps them out of PATH, in
    /usr/lib/postgresql/<major>/bin (the newest major wins); elsewhere they are on PATH."""
    env = os.environ.get("MEDCITE_PG_BINDIR")
    candidates = [Path(env)] if env else []
    majors = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: _major(p), reverse=True)
    candidates += [Path(p) for p in majors]
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    return None


def _major(path: str) -> int:
    try:
        return int(Path(path).parent.name.split(".")[0])
    except ValueError:
        return -1



class PgServer:
    """One temporary cluster. Use ``start()``/``stop()`` or ``with PgServer() as server``."""

    superuser = "postgres"

    def __init__(self, bindir: Path | None = None) -> None:
        found = bindir or find_bindir()
        if found is None:
            raise PostgresUnavailable(f"PostgreSQL is not installed; install it with: {INSTALL_HINT}")
        self.bindir = found
        self.root: Path | None = None
        self.port = 0
        self._as_postgres = hasattr(os, "geteuid") and os.geteuid() == 0
        self._running = False

    # -- lifecycle ------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The server, without a database name: append ``/NAME``."""
        return f"postgresql://{self.superuser}@127.0.0.1:{self.port}"

    def start(self) -> PgServer:
        # Not under pytest's tmp_path: its folders are private to the user running the tests,
        # and the server may run as another account.
        if self._as_postgres:
            import pwd

            try:
                pwd.getpwnam("postgres")
            except KeyError:
                raise RuntimeError("running as root: PostgreSQL needs a 'postgres' account to run as "
                                   f"(the distribution's package creates it: {INSTALL_HINT})") from None
        self.root = Path(tempfile.mkdtemp(prefix="medcite-pg-"))
        if self._as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        data = self.root / "data"
        self._run([str(self.bindir / "initdb"), "-D", str(data), "-U", self.superuser, "-A", "trust",
                   "-E", "UTF8", "--locale=C", "--no-sync"])
        last = ""
        for _ in range(5):  # a free port can be taken by someone else before the server binds it
            self.port = free_port()
            options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off "
                       "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
            proc = self._run([str(self.bindir / "pg_ctl"), "-D", str(data), "-l", str(self.root / "server.log"),
                              "-o", options, "-w", "-t", "60", "start"], check=False)
            if proc.returncode == 0:
                self._running = True
                atexit.register(self.stop)
                return self
            last = proc.stdout + proc.stderr + self.log_tail()
        self.stop()
        raise RuntimeError(f"PostgreSQL did not start:\n{last}")

    def stop(self) -> None:
        if self.root is None:
            return
        if self._running:
            self._run([str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), "-m", "fast", "-w",
                       "-t", "60", "stop"], check=False)
            self._running = False
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    def __enter__(self) -> PgServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return (self.root / "server.log").read_text(errors="replace")[-chars:] if self.root else ""
        except OSError:
            return ""

    def _run(self, argv: list[str], check: bool = True) -> subprocess.CompletedProcess[str]:
        if self._as_postgres:
            runuser = shutil.which("runuser")
            argv = [runuser, "-u", "postgres", "--", *argv] if runuser else \
                ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(_quote(a) for a in argv)]
        env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
        proc = subprocess.run(argv, capture_output=True, text=True, env=env, cwd="/", timeout=120)
        if check and proc.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")
        return proc


def _quote(arg: str) -> str:
    import shlex

    return shlex.quote(arg)


# -- databases on any server (ours, or the one MEDCITE_TEST_POSTGRES_URL names) -------------

def create_database(base_url: str, name: str | None = None) -> str:
    """A new empty database on the server at ``base_url``; returns its URL."""
    import psycopg

    name = name or f"t_{uuid.uuid4().hex}"
    with psycopg.connect(f"{base_url}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base_url}/{name}"


def drop_database(url: str) -> None:
    """Drop the database ``url`` names, disconnecting anyone still on it (PostgreSQL 13+)."""
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
