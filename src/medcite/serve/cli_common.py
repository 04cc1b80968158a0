"""What every ``medcite`` command shares: its settings, read once, and errors without tracebacks.

The root command's ``--config`` and ``--debug`` land in :data:`state`; a command calls
:func:`load` once with its own flags and passes the :class:`Settings` down. A
:class:`MedciteError` that leaves a command becomes one line on stderr and the error's exit
status (README, "Exit statuses"); ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from ..errors import EXIT_INTERRUPTED, MedciteError
from ..settings import Settings, load_settings

err = Console(stderr=True)

HomeOption = Annotated[
    Path | None,
    typer.Option("--home", help="Data folder (default: $MEDCITE_HOME or the user data dir)."),
]


@dataclass
class State:
    config: Path | None = None  # --config
    debug: bool = False  # --debug


state = State()


def load(flags: dict[str, Any] | None = None) -> Settings:
    """The command's settings: defaults < config file < environment < its ``flags`` (dotted
    setting names; None: the flag was not given)."""
    settings = load_settings(flags, state.config)
    return settings


def error_line(message: str) -> None:
    err.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print ``message`` as an error; the ``typer.Exit`` to raise with ``code``."""
    error_line(message)
    return typer.Exit(code)


class MedciteGroup(TyperGroup):
    """The root command: a ``MedciteError`` from any subcommand is one line and its status."""

    def invoke(self, ctx: Any) -> Any:  # a click Context (typer vendors its own click)
        try:
            return super().invoke(ctx)
        except MedciteError as exc:
            if state.debug:
                raise
            error_line(str(exc) or type(exc).__name__)
            raise typer.Exit(exc.exit_status) from None
        except KeyboardInterrupt:
            if state.debug:
                raise
            # Every write is one committed transaction (a batch of documents, of vectors, an
            # answer): nothing half-written is left, and running the command again goes on.
            error_line("interrupted: what was written before stays; run the same command again to go on")
            raise typer.Exit(EXIT_INTERRUPTED) from None
