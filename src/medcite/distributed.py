"""Parsing and embedding on a Ray cluster: ``medcite ingest --ray``, ``medcite embed --ray``
(extra ``ray``: ``pip install 'medcite[ray]'``).

Ray only computes. Tasks parse files (the driver reads them and ships their bytes, so the
nodes need no shared file system) and actors embed batches of texts, each holding its own
embedder; every result comes back to this process, the driver, which writes it to the store
in the same batched transactions as a local run (``ingest.ingest`` with a :class:`RayExecutor`
in place of its process pool; ``store.vectors.embed_pending`` with a :class:`RayEmbedPool` in
place of its in-process embedder). So there is one writer, and the crash-safety story is the
local one: a driver killed mid-way leaves whole batches only, and re-running finishes the job
without duplicating anything.

Every node needs medcite installed (the same version as the driver), with the ``onnx`` extra
for embedding.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future
from contextlib import suppress
from types import TracebackType
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from .errors import ClusterError, MissingExtra

if TYPE_CHECKING:
    import numpy as np

FEATURE = "Parsing and embedding on a Ray cluster (--ray)"
EXTRA = "ray"
P = ParamSpec("P")
T = TypeVar("T")


def ray_available() -> bool:
    """Whether the ``ray`` extra is installed (checked without importing it)."""
    try:
        return importlib.util.find_spec("ray") is not None
    except (ImportError, ValueError):
        return False


def require_ray() -> Any:
    """The ``ray`` module; :class:`MissingExtra` (one line, exit status 4) without it."""
    try:
        import ray
    except ImportError as exc:
        raise MissingExtra(FEATURE, EXTRA, "ray") from exc
    return ray


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


class RayExecutor(Executor):
    """A ``concurrent.futures.Executor`` whose calls run as Ray tasks (one CPU each): what
    ``ingest.ingest`` parses with instead of its local process pool. ``fn`` must be importable
    on the nodes (a module-level function of medcite), and its arguments and result picklable."""

    def __init__(self, ray: Any) -> None:
        self._ray = ray
        self._remote: dict[Callable[..., Any], Any] = {}

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        remote = self._remote.get(fn)
        if remote is None:
            remote = self._remote[fn] = self._ray.remote(num_cpus=1)(fn)
        future: Future[T] = remote.remote(*args, **kwargs).future()
        return future


class _EmbedWorker:
    """A Ray actor holding one embedder (loaded once, on its node)."""

    def __init__(self, name: str, threads: int) -> None:
        from .retrieve.embed import get_embedder

        self.embedder = get_embedder(name, threads=threads)

    def name(self) -> str:
        return self.embedder.name

    def embed(self, texts: list[str]) -> np.ndarray:
        return self.embedder.embed(texts)


class RayEmbedPool:
    """Ray actors that each hold the embedder ``name`` and embed whole batches of texts: the
    ``pool`` that ``store.vectors.embed_pending`` hands its batches to (a ``BatchEmbedder``).

    ``actors`` actors of ``threads`` CPUs each (default: as many one-thread actors as the
    cluster has CPUs). Batches go to the actors in turn; ``window`` batches are in flight at
    most, two per actor, so that each has the next one queued while it computes.
    """

    def __init__(self, ray: Any, name: str, *, actors: int, threads: int = 1) -> None:
        self._ray = ray
        cls = ray.remote(num_cpus=threads)(_EmbedWorker)
        self.actors = [cls.remote(name, threads) for _ in range(max(1, actors))]
        self.size = len(self.actors)
        self.window = 2 * self.size
        self._turn = 0
        try:
            names = ray.get([a.name.remote() for a in self.actors])
        except Exception as exc:  # the embedder did not load on a node (an extra missing there)
            self.close()
            raise ClusterError(f"the embedder {name} did not start on the Ray cluster: {_first_line(exc)}") from exc
        if any(n != name for n in names):
            self.close()
            raise ClusterError(f"the Ray cluster's medcite embeds as {sorted(set(names))}, not {name}: "
                               "install the same medcite on every node")

    def submit(self, texts: Sequence[str]) -> Future[np.ndarray]:
        actor = self.actors[self._turn % len(self.actors)]
        self._turn += 1
        future: Future[np.ndarray] = actor.embed.remote(list(texts)).future()
        return future

    def close(self) -> None:
        for actor in self.actors:
            with suppress(Exception):  # already gone with its node
                self._ray.kill(actor)
        self.actors = []


class RaySession:
    """This process connected to a Ray cluster, for one command.

    ``address`` as ``ingest.ray_address`` takes it (``settings.RAY_ADDRESS``); ``num_cpus`` caps a new
    local instance (``local`` only: a cluster's size is its own). A process already connected
    (a library caller's or a test's own ``ray.init``) is used as it is, and left connected.
    Raises :class:`MissingExtra` without ray, :class:`ClusterError` when the cluster cannot
    be reached.
    """

    def __init__(self, address: str = "", num_cpus: int | None = None) -> None:
        self.ray = ray = require_ray()
        self.address = address.strip()
        self.connected = False  # whether this session called ray.init (and so disconnects)
        if not ray.is_initialized():
            options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                       "logging_level": logging.WARNING}
            if self.address == "local" and num_cpus:
                options["num_cpus"] = num_cpus
            try:
                ray.init(address=self.address or None, **options)
            except Exception as exc:  # ConnectionError, a timeout, a bad address
                where = f" at {self.address}" if self.address else ""
                raise ClusterError(f"cannot connect to a Ray cluster{where}: {_first_line(exc)}") from exc
            self.connected = True
        try:
            self.cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
        except Exception as exc:
            self.close()
            raise ClusterError(f"the Ray cluster did not answer: {_first_line(exc)}") from exc

    def executor(self) -> RayExecutor:
        """Runs ingest's parse calls as Ray tasks."""
        return RayExecutor(self.ray)

    def embed_pool(self, name: str, threads: int | None = None) -> RayEmbedPool:
        """Actors holding the embedder ``name``, ``threads`` CPUs each (default 1), as many as
        the cluster's CPUs allow."""
        per = max(1, threads or 1)
        return RayEmbedPool(self.ray, name, actors=max(1, self.cpus // per), threads=per)

    def describe(self) -> dict[str, Any]:
        return {"address": self.address or "default", "cpus": self.cpus}

    def close(self) -> None:
        """Disconnect, and stop the local instance if this session started one."""
        if self.connected and self.ray.is_initialized():
            self.ray.shutdown()
        self.connected = False

    def __enter__(self) -> RaySession:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
