"""``medcite ask`` and ``medcite answers``: cited answers from the command line."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from ..errors import MedciteError
from ..settings import Settings
from ..store import open_store
from ..types import AUDIENCES

err = Console(stderr=True)
FORMAT_HELP = "md, html, json, text, ris or bibtex (the last two: the reference list)."


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[red]error:[/red] {escape(message)}")
    return typer.Exit(code)


def ask_cmd(
    question: Annotated[str, typer.Argument(help="The clinical question.")],
    audience: Annotated[str, typer.Option(help=f"Reader: {', '.join(AUDIENCES)}.")] = "clinician",
    patient: Annotated[str, typer.Option(help='Patient context, e.g. "62-year-old woman, 70 kg, pregnant".')] = "",
    fmt: Annotated[str, typer.Option("--format", "-f", help=FORMAT_HELP)] = "md",
    follow_up: Annotated[str | None, typer.Option("--follow-up", help="Id of an earlier answer this question follows.")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")] = None,
    home: Annotated[Path | None, typer.Option("--home", envvar="MEDCITE_HOME", show_envvar=False,
                                              help="Data folder (default: $MEDCITE_HOME).")] = None,
) -> None:
    """Answer a clinical question as a cited, structured article."""
    from ..answering import ask
    from ..render import FORMATS, render

    if fmt not in FORMATS:
        raise _fail(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    try:
        store = open_store(Settings.from_env(home))
    except MedciteError as exc:
        raise _fail(str(exc)) from exc
    try:
        if store.stats().get("documents", 0) == 0:
            raise _fail("the store is empty: run `medcite ingest PATH` first (see the README)")
        answer = ask(question, store, audience=audience, patient=patient, follow_up=follow_up)
        text = render(answer, fmt)
    except MedciteError as exc:
        raise _fail(str(exc)) from exc
    finally:
        store.close()
    if output:
        output.write_text(text, encoding="utf-8")
        err.print(f"wrote {output} (answer id {answer.id})")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        # On stderr, so piped output stays a clean document.
        err.print(f"answer id {answer.id} · follow up with: medcite ask --follow-up {answer.id} \"...\"")
    if not answer.verification.passed:
        raise typer.Exit(3)


def show_answer_cmd(
    answer_id: Annotated[str, typer.Argument(help="Answer id (printed by `medcite ask`).")],
    fmt: Annotated[str, typer.Option("--format", "-f", help=FORMAT_HELP)] = "md",
    home: Annotated[Path | None, typer.Option("--home", envvar="MEDCITE_HOME", show_envvar=False)] = None,
) -> None:
    """Print a saved answer again, in any format."""
    from ..render import FORMATS, render

    if fmt not in FORMATS:
        raise _fail(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    from ..review import open_editorial

    articles = open_editorial(Settings.from_env(home))
    try:
        answer = articles.get_answer(answer_id)
    finally:
        articles.close()
    if answer is None:
        raise _fail(f"no answer with id {answer_id!r}", 1)
    sys.stdout.write(render(answer, fmt).rstrip("\n") + "\n")


def list_answers_cmd(
    limit: Annotated[int, typer.Option("-n", help="How many, newest first.")] = 20,
    status: Annotated[str | None, typer.Option(help="Only articles in this review status.")] = None,
    home: Annotated[Path | None, typer.Option("--home", envvar="MEDCITE_HOME", show_envvar=False)] = None,
) -> None:
    """List saved answers (articles), newest first, with their review status."""
    from rich.table import Table

    from ..review import open_editorial

    articles = open_editorial(Settings.from_env(home))
    try:
        rows = articles.list_articles(limit=limit, status=status)
    finally:
        articles.close()
    table = Table("id", "status", "version", "audience", "updated", "question")
    for r in rows:
        table.add_row(r.id, r.status, str(r.version), r.audience, r.updated_at[:19], escape(r.question[:80]))
    Console().print(table)
