"""``medcite ask`` and ``medcite answers``: cited answers from the command line."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from ..errors import EXIT_INCOMPLETE, EXIT_NOT_VERIFIED
from ..store import open_store
from ..types import AUDIENCES, REVIEW_STATUSES
from .cli_common import HomeOption, load
from .cli_common import fail as _fail
from .fields import question_problem

err = Console(stderr=True)
FORMAT_HELP = "md, html, json, text, ris or bibtex (the last two: the reference list)."


def _unwritable(path: Path) -> str | None:
    """Why ``path`` cannot be written, or None: checked before asking, so a typo in ``-o``
    costs nothing (writing can still fail later, e.g. on a full disk)."""
    if path.is_dir():
        return f"cannot write {path}: it is a folder"
    folder = path.parent
    if not folder.is_dir():
        return f"cannot write {path}: " + (f"{folder} is not a folder" if folder.exists()
                                           else f"the folder {folder} does not exist")
    if not os.access(path if path.exists() else folder, os.W_OK):
        return f"cannot write {path}: permission denied"
    return None


def _check_patient(patient: str, question: str) -> None:
    """Refuse (status 2) ``--patient`` text with a value that cannot be used as given, before
    any work: a dose computed from a misread weight is worse than no answer."""
    from ..understand.patient import PatientError, check_patient

    try:
        check_patient(patient, question)
    except PatientError as exc:
        err.print(f"[red]error:[/red] --patient: {escape(str(exc))}", soft_wrap=True)
        err.print('Nothing was answered. Give the details again, e.g. --patient "62-year-old woman, 70 kg".',
                  soft_wrap=True, markup=False, highlight=False)
        raise typer.Exit(2) from None


def ask_cmd(
    question: Annotated[str, typer.Argument(help="The clinical question.")],
    audience: Annotated[str, typer.Option(help=f"Reader: {', '.join(AUDIENCES)}.")] = "clinician",
    patient: Annotated[str, typer.Option(help='Patient context, e.g. "62-year-old woman, 70 kg, pregnant".')] = "",
    fmt: Annotated[str, typer.Option("--format", "-f", help=FORMAT_HELP)] = "md",
    follow_up: Annotated[str | None, typer.Option("--follow-up", help="Id of an earlier answer this question follows.")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")] = None,
    home: HomeOption = None,
) -> None:
    """Answer a clinical question as a cited, structured article."""
    from ..answering import ask
    from ..render import FORMATS, render
    from ..retrieve.search import Retriever

    if fmt not in FORMATS:
        raise _fail(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    problem = question_problem(question) or (_unwritable(output) if output else None)
    if problem:
        raise _fail(problem)
    _check_patient(patient, question)
    settings = load({"store.home": home})
    store = open_store(settings)  # a MedciteError ends the command with one line (cli_common)
    try:
        if store.stats().get("documents", 0) == 0:
            raise _fail("the store is empty: run `medcite ingest PATH` first (see the README)")
        answer = ask(question, store, audience=audience, patient=patient, follow_up=follow_up,
                     retriever=Retriever.from_settings(store, settings))
        text = render(answer, fmt)
    finally:
        store.close()
    if output:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            # The answer is saved: say where to get it back rather than lose it in a traceback.
            err.print(f"[red]error:[/red] could not write {escape(str(output))}: {escape(exc.strerror or str(exc))}",
                      soft_wrap=True)
            err.print(f"the answer was saved as {answer.id}: medcite answers show {answer.id} -f {fmt}",
                      soft_wrap=True)
            raise typer.Exit(EXIT_INCOMPLETE) from None
        err.print(f"wrote {escape(str(output))} (answer id {answer.id})", soft_wrap=True)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        # On stderr, so piped output stays a clean document.
        err.print(f"answer id {answer.id} · follow up with: medcite ask --follow-up {answer.id} \"...\"")
    if not answer.verification.passed:
        raise typer.Exit(EXIT_NOT_VERIFIED)


def show_answer_cmd(
    answer_id: Annotated[str, typer.Argument(help="Answer id (printed by `medcite ask`).")],
    fmt: Annotated[str, typer.Option("--format", "-f", help=FORMAT_HELP)] = "md",
    home: HomeOption = None,
) -> None:
    """Print a saved answer again, in any format."""
    from ..render import FORMATS, render

    if fmt not in FORMATS:
        raise _fail(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    from ..review import open_editorial

    articles = open_editorial(load({"store.home": home}))
    try:
        answer = articles.get_answer(answer_id)
    finally:
        articles.close()
    if answer is None:
        raise _fail(f"no answer with id {answer_id!r}", EXIT_INCOMPLETE)
    sys.stdout.write(render(answer, fmt).rstrip("\n") + "\n")


def list_answers_cmd(
    limit: Annotated[int, typer.Option("-n", help="How many, newest first.")] = 20,
    status: Annotated[str | None, typer.Option(help=f"Only articles in this review status ({', '.join(REVIEW_STATUSES)}).")] = None,
    home: HomeOption = None,
) -> None:
    """List saved answers (articles), newest first, with their review status."""
    from rich.table import Table

    from ..review import open_editorial

    if not 1 <= limit <= 10_000:
        raise _fail(f"-n must be between 1 and 10000, not {limit}")
    if status is not None:
        wanted = {s.lower(): s for s in REVIEW_STATUSES}.get(status.strip().lower())
        if wanted is None:
            raise _fail(f"unknown status {status!r}; choose from {', '.join(REVIEW_STATUSES)}")
        status = wanted
    articles = open_editorial(load({"store.home": home}))
    try:
        rows = articles.list_articles(limit=limit, status=status)
    finally:
        articles.close()
    table = Table("id", "status", "version", "audience", "updated", "question")
    for r in rows:
        table.add_row(r.id, r.status, str(r.version), r.audience, r.updated_at[:19], escape(r.question[:80]))
    Console().print(table)
