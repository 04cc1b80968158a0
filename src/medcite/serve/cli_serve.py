"""``medcite serve`` and ``medcite users``: the web server and the accounts that review."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..errors import EXIT_INCOMPLETE
from ..review import ROLES, EditorialStore, open_editorial
from ..settings import LOOPBACK, Settings
from .cli_common import HomeOption, load
from .cli_common import fail as _fail

if TYPE_CHECKING:
    import uvicorn

err = Console(stderr=True)


def serve_settings(settings: Settings, behind_proxy: bool = False, forwarded_allow_ips: str | None = None) -> Settings:
    """``settings`` as ``medcite serve`` runs them: the proxy flags applied, and the server's
    own defaults where nothing was set. A server reads the vectors there are and embeds nothing
    inside a request (on-demand embedding cost 3x in throughput under load:
    docs/benchmarks.md; `medcite embed` fills in), and its worker processes share the cores
    rather than each embedder using all of them."""
    if forwarded_allow_ips is not None:
        settings = settings.derive("serve.trust_proxy", forwarded_allow_ips, "flag --forwarded-allow-ips")
    elif behind_proxy and not settings.serve.trust_proxy:
        settings = settings.derive("serve.trust_proxy", LOOPBACK, "flag --behind-proxy")
    if settings.origin("embed.on_demand") == "default":
        settings = settings.derive("embed.on_demand", 0, "default for medcite serve")
    if settings.origin("embed.threads") == "default":
        threads = max(1, (os.cpu_count() or 1) // settings.serve.workers)
        settings = settings.derive("embed.threads", threads, "default for medcite serve: cores / workers")
    return settings


def uvicorn_config(settings: Settings) -> uvicorn.Config:
    """The server's configuration. Its application is ``app_from_settings`` bound to the
    settings: each worker process gets them pickled (uvicorn spawns workers), not through the
    environment. The app applies the proxy headers itself (create_app(trusted_proxies=…));
    uvicorn does too, only so that its access log shows the real clients."""
    import uvicorn

    from .app import app_from_settings

    proxies = settings.serve.trust_proxy
    return uvicorn.Config(partial(app_from_settings, settings), factory=True, host=settings.serve.host,
                          port=settings.serve.port, workers=settings.serve.workers, log_level="info",
                          proxy_headers=bool(proxies), forwarded_allow_ips=proxies or None)


def run_server(config: uvicorn.Config) -> bool:
    """Run until stopped (what ``uvicorn.run`` does, which takes only an import string for
    several workers); False when the server did not start."""
    import inspect

    import uvicorn
    from uvicorn.supervisors import Multiprocess

    if config.workers <= 1:
        server = uvicorn.Server(config)
        with suppress(KeyboardInterrupt):
            server.run()
        return server.started
    sock = config.bind_socket()
    # uvicorn < 0.36 also wants the function each worker runs.
    extra = {"target": uvicorn.Server(config).run} if "target" in inspect.signature(Multiprocess).parameters else {}
    with suppress(KeyboardInterrupt):
        Multiprocess(config, sockets=[sock], **extra).run()
    return True


def settings_for_serve(host: str | None = None, port: int | None = None, workers: int | None = None,
                       private: bool = False, behind_proxy: bool = False, forwarded_allow_ips: str | None = None,
                       home: Path | None = None) -> Settings:
    """The settings ``medcite serve`` runs with, from its flags (None: not given)."""
    settings = load({"store.home": home, "serve.host": host, "serve.port": port, "serve.workers": workers,
                     "serve.public": False if private else None})
    return serve_settings(settings, behind_proxy, forwarded_allow_ips)


def serve_cmd(
    host: Annotated[str | None, typer.Option(help="Interface to listen on (0.0.0.0 for every interface; "
                                                  "default 127.0.0.1).", show_default=False)] = None,
    port: Annotated[int | None, typer.Option(help="TCP port (default 8000).", show_default=False)] = None,
    workers: Annotated[int | None, typer.Option(help="Server processes (one per core is a good start; "
                                                     "default 1).", show_default=False)] = None,
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
    from ..store import open_store

    if forwarded_allow_ips is not None and not forwarded_allow_ips.strip():
        raise _fail("--forwarded-allow-ips needs an address, a comma-separated list of them, or *")
    settings = settings_for_serve(host, port, workers, private, behind_proxy, forwarded_allow_ips, home)
    with open_store(settings) as store:  # a MedciteError ends the command with one line (cli_common)
        documents = store.stats().get("documents", 0)
    open_editorial(settings).close()  # migrate once, before workers race to
    if not documents:
        err.print("[yellow]the evidence store is empty:[/yellow] questions will abstain until you run "
                  "`medcite ingest PATH`")
    proxies = settings.serve.trust_proxy
    err.print(f"medcite on http://{settings.serve.host}:{settings.serve.port}/ (API docs: /docs) · "
              f"store {settings.db_path} · {documents:,} documents · "
              f"editorial database {settings.editorial_url.split('://')[0]}"
              + (f" · trusting proxy headers from {escape(proxies)}" if proxies else ""))
    if not run_server(uvicorn_config(settings)):
        raise _fail("the server did not start (the log above says why)", EXIT_INCOMPLETE)


users_app = typer.Typer(help="Accounts for editors, reviewers and admins.", no_args_is_help=True)


@contextmanager
def _editorial(home: Path | None) -> Iterator[EditorialStore]:
    """The editorial database, closed afterwards (a medcite error ends the command with one
    line and its exit status: cli_common)."""
    articles = open_editorial(load({"store.home": home}))
    try:
        yield articles
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
