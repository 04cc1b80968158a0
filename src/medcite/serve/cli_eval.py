"""``medcite eval``: retrieval quality on BioASQ / PubMedQA, every mode in one run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from .cli_common import HomeOption, load

eval_app = typer.Typer(help="Measure retrieval quality on benchmark files.", no_args_is_help=True)
err = Console(stderr=True)


@eval_app.command("retrieval")
def retrieval_cmd(
    more: Annotated[
        list[Path] | None,
        typer.Argument(help="More BioASQ files, so `--bioasq DIR/*/*.json` works with a shell glob.",
                       show_default=False),
    ] = None,
    bioasq: Annotated[list[Path] | None, typer.Option("--bioasq", help="BioASQ golden JSON files or folders.")] = None,
    pubmedqa: Annotated[Path | None, typer.Option("--pubmedqa", help="PubMedQA ori_pqal.json.")] = None,
    mode: Annotated[
        list[str] | None, typer.Option("--mode", help="Modes to run (default: bm25s fts5 lexical dense hybrid).")
    ] = None,
    all_gold: Annotated[
        bool, typer.Option("--all-gold", help="Count gold documents that have no text in the corpus.")
    ] = False,
    embed_budget: Annotated[float | None, typer.Option(help="Seconds to spend embedding the corpus.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print metrics as JSON keyed by mode.")] = False,
    home: HomeOption = None,
) -> None:
    """nDCG@10, Recall@10/100, MRR@10 and latency per mode, beside the bm25s baseline."""
    from ..errors import MedciteError
    from ..eval import corpus
    from ..eval.baseline import require_baseline
    from ..eval.run import ALL_MODES, eval_store_path, indexed_only, prepare_store, run_eval
    from ..retrieve.embed import Embedder, get_embedder
    from ..retrieve.search import SearchConfig
    from ..store.vectors import embed_pending

    if more:
        bioasq = [*(bioasq or []), *more]
    modes = mode or list(ALL_MODES)
    bad = [m for m in modes if m not in ALL_MODES]
    if bad or not (bioasq or pubmedqa):
        err.print(f"[red]error:[/red] give --bioasq and/or --pubmedqa; modes: {', '.join(ALL_MODES)}")
        raise typer.Exit(2)
    settings = load({"store.home": home})
    # Every extra the chosen modes need, before any corpus is read or embedded (a missing one
    # ends the command here, in one line naming the extra: exit status 4).
    if "bm25s" in modes:
        require_baseline()
    embedder: Embedder | None = None
    if {"dense", "hybrid"} & set(modes):
        try:
            embedder = get_embedder(settings.embed.embedder or None, threads=settings.embed.threads)
        except ValueError as exc:  # an unknown model name
            raise MedciteError(f"embed.embedder ({settings.origin('embed.embedder')}): {exc}") from exc
    results: dict[str, dict[str, object]] = {}
    benchmarks = []
    if bioasq:
        benchmarks.append(("bioasq", list(bioasq), corpus.bioasq_corpus(bioasq), corpus.bioasq_questions(bioasq)))
    if pubmedqa:
        benchmarks.append(("pubmedqa", [pubmedqa], corpus.pubmedqa_corpus(pubmedqa), corpus.pubmedqa_questions(pubmedqa)))
    for name, files, docs, questions in benchmarks:
        store = prepare_store(docs, eval_store_path(settings.home, name, files))
        try:
            if embedder is not None:
                with err.status(f"embedding the {name} corpus ({len(docs):,} documents)"):
                    embed_pending(store, embedder, budget_seconds=embed_budget)
            qs = questions if all_gold else indexed_only(questions, docs)
            report = run_eval(store, docs, qs, modes, SearchConfig.from_settings(settings),
                              embedder_name=settings.embed.embedder or None)
        finally:
            store.close()
        results[name] = {"documents": len(docs), "questions": len(qs), "modes": report.to_json()}
        if not as_json:
            print(f"## {name}: {len(qs):,} questions, {len(docs):,} documents"
                  f"{'' if all_gold else ' (gold documents without text excluded)'}\n")
            print(report.table())
            print()
    if as_json:
        print(json.dumps(results if len(results) > 1 else next(iter(results.values())), indent=2))
