"""``medcite serve`` and ``medcite users``: the web server and the accounts that review."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..errors import MedciteError
from ..review import ROLES, EditorialStore, open_editorial
from ..settings import Settings

err = Console(stderr=True)
HomeOption = Annotated[Path | None, typer.Option("--home", envvar="MEDCITE_HOME", show_envvar=False,
                                                 help="Data folder (default: $MEDCITE_HOME).")]


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[red]error:[/red] {escape(message)}")
    return typer.Exit(code)


def serve_cmd(
    host: Annotated[str, typer.Option(help="Interface to listen on (0.0.0.0 for every interface).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Server processes (one per core is a good start).")] = 1,
    private: Annotated[bool, typer.Option("--private", help="Require a login to read or ask.")] = False,
    behind_proxy: Annotated[bool, typer.Option(
        "--behind-proxy", help="A TLS reverse proxy on this machine forwards requests: believe its "
                               "X-Forwarded-Proto/-For (Secure cookies, real client addresses).")] = False,
    forwarded_allow_ips: Annotated[str | None, typer.Option(
        "--forwarded-allow-ips", help="The proxy's addresses, comma-separated, or * (implies --behind-proxy; "
                                      "default 127.0.0.1).")] = None,
    home: HomeOption = None,
) -> None:
    """Serve the web page (/) and the JSON API (/api, reference at /docs)."""
    import uvicorn

    from ..store import open_store
    from .transport import LOOPBACK, trusted_proxies_from_env

    if home is not None:
        os.environ["MEDCITE_HOME"] = str(home)  # worker processes read the environment
    if private:
        os.environ["MEDCITE_PUBLIC"] = "0"
    if forwarded_allow_ips is not None and not forwarded_allow_ips.strip():
        raise _fail("--forwarded-allow-ips needs an address, a comma-separated list of them, or *")
    if behind_proxy or forwarded_allow_ips:
        os.environ["MEDCITE_TRUST_PROXY"] = (forwarded_allow_ips or "").strip() or trusted_proxies_from_env() or LOOPBACK
    proxies = trusted_proxies_from_env()  # also MEDCITE_TRUST_PROXY set by the operator
    # A server reads the vectors there are and embeds nothing inside a request: on-demand
    # embedding cost 3x in throughput under load (docs/benchmarks.md); `medcite embed` fills in.
    os.environ.setdefault("MEDCITE_EMBED_ON_DEMAND", "0")
    # Worker processes share the cores; each embedder using all of them oversubscribes the CPU.
    os.environ.setdefault("MEDCITE_EMBED_THREADS", str(max(1, (os.cpu_count() or 1) // max(1, workers))))
    settings = Settings.from_env()
    try:
        with open_store(settings) as store:
            documents = store.stats().get("documents", 0)
        open_editorial(settings).close()  # migrate once, before workers race to
    except MedciteError as exc:
        raise _fail(str(exc)) from exc
    if not documents:
        err.print("[yellow]the evidence store is empty:[/yellow] questions will abstain until you run "
                  "`medcite ingest PATH`")
    err.print(f"medcite on http://{host}:{port}/ (API docs: /docs) · store {settings.db_path} · "
              f"{documents:,} documents · editorial database {settings.editorial_url.split('://')[0]}"
              + (f" · trusting proxy headers from {escape(proxies)}" if proxies else ""))
    # The app itself applies the proxy headers (create_app(trusted_proxies=…)); uvicorn does too,
    # only so that its access log shows the real clients. Without a trusted proxy it believes none.
    uvicorn.run("medcite.serve.app:app_from_env", factory=True, host=host, port=port, workers=max(1, workers),
                log_level="info", proxy_headers=bool(proxies), forwarded_allow_ips=proxies or None)


users_app = typer.Typer(help="Accounts for editors, reviewers and admins.", no_args_is_help=True)


@contextmanager
def _editorial(home: Path | None) -> Iterator[EditorialStore]:
    """The editorial database, closed afterwards; a medcite error becomes a clean exit."""
    try:
        articles = open_editorial(Settings.from_env(home))
    except MedciteError as exc:
        raise _fail(str(exc)) from exc
    try:
        yield articles
    except MedciteError as exc:
        raise _fail(str(exc)) from exc
    finally:
        articles.close()


def _password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[str, typer.Option(help=f"One of {', '.join(ROLES)}.")] = "reader",
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
    home: HomeOption = None,
) -> None:
    """Create an account (the password is stored as an argon2 hash)."""
    if role not in ROLES:
        raise _fail(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
    password = _password(password_stdin)
    with _editorial(home) as articles:
        user = articles.add_user(username, password, role)
    err.print(f"added {escape(user.username)} ({user.role})")


@users_app.command("set")
def users_set(
    username: Annotated[str, typer.Argument()],
    role: Annotated[str | None, typer.Option(help="New role.")] = None,
    password: Annotated[bool, typer.Option("--password", help="Prompt for a new password (ends sessions).")] = False,
    password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False,
    disable: Annotated[bool, typer.Option("--disable", help="Disable the account (ends sessions).")] = False,
    enable: Annotated[bool, typer.Option("--enable")] = False,
    home: HomeOption = None,
) -> None:
    """Change an account's role or password, or disable it."""
    new_password = _password(password_stdin) if (password or password_stdin) else None
    active = False if disable else (True if enable else None)
    with _editorial(home) as articles:
        user = articles.set_user(username, role=role, password=new_password, active=active)
    err.print(f"{escape(user.username)}: {user.role}, {'active' if user.active else 'disabled'}")


@users_app.command("list")
def users_list(home: HomeOption = None) -> None:
    """List accounts."""
    with _editorial(home) as articles:
        users = articles.users()
    table = Table("username", "role", "active", "created")
    for u in users:
        table.add_row(escape(u.username), u.role, "yes" if u.active else "no", u.created_at[:19])
    Console().print(table)


@users_app.command("token")
def users_token(
    username: Annotated[str, typer.Argument()],
    name: Annotated[str, typer.Option(help="A label for the token.")] = "api",
    home: HomeOption = None,
) -> None:
    """Create an API token for a user (printed once; send it as `Authorization: Bearer …`)."""
    with _editorial(home) as articles:
        token = articles.create_token(username, name)
    print(token)
