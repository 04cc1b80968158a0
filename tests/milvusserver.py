"""A throwaway Milvus server for the tests: Milvus Lite 2.5's engine serving gRPC on TCP.

The ``milvus-lite`` wheel ships the engine as a program (``milvus_lite/lib/milvus``, with its
shared libraries beside it). pymilvus starts it for a ``*.db`` URI with a Unix socket as the
address; given ``host:port`` instead it listens there, and the same client code reaches it
with ``uri="http://host:port"`` — the ``milvus://`` backend, as against a real server.
``MilvusServer.start()`` runs it on 127.0.0.1 and a free port over a fresh temporary folder;
``stop()`` ends it (SIGTERM, then SIGKILL) and deletes the folder.

``MEDCITE_TEST_MILVUS_URL`` (e.g. ``milvus://127.0.0.1:19530``) points the tests at a server
that is already running instead (a real Milvus); they create and drop their own collections.

A module of its own (not conftest) so that scripts and other test folders can import it.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

from ports import free_port


class MilvusUnavailable(RuntimeError):
    """The milvus-lite wheel (and its engine program) is not installed."""


def engine_dir() -> Path | None:
    """The folder holding milvus-lite's ``milvus`` program and its libraries, if installed."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # milvus-lite 2.5 imports pkg_resources
            import milvus_lite.server as lite
    except ImportError:
        return None
    folder = Path(lite.BIN_PATH)
    return folder if (folder / "milvus").is_file() else None


class MilvusServer:
    """One temporary server. Use ``start()``/``stop()`` or ``with MilvusServer() as server``."""

    def __init__(self) -> None:
        found = engine_dir()
        if found is None:
            raise MilvusUnavailable("milvus-lite is not installed: pip install 'medcite[milvus]'")
        self.bindir = found
        self.root: Path | None = None
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The server, without a collection: append ``/NAME``."""
        return f"milvus://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> MilvusServer:
        self.root = Path(tempfile.mkdtemp(prefix="medcite-milvus-"))
        env = {**os.environ, "LD_LIBRARY_PATH": f"{self.bindir}:{os.environ.get('LD_LIBRARY_PATH', '')}",
               "DYLD_LIBRARY_PATH": f"{self.bindir}:{os.environ.get('DYLD_LIBRARY_PATH', '')}"}
        last = ""
        for _ in range(5):  # a free port can be taken by someone else before the server binds it
            self.port = free_port()
            log = open(self.root / "server.log", "ab")  # noqa: SIM115  (closed when the child has it)
            # Arguments as milvus_lite.server.Server passes them: data file, address, log level
            # (no lock file: that mode ends the engine when its parent process exits).
            self.proc = subprocess.Popen(
                [str(self.bindir / "milvus"), str(self.root / "milvus.db"), f"127.0.0.1:{self.port}", "ERROR"],
                cwd=self.root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            log.close()
            if self._wait_ready(timeout):
                atexit.register(self.stop)
                return self
            last = self.log_tail()
            self._kill()
        self.stop()
        raise RuntimeError(f"Milvus Lite did not start on TCP:\n{last}")

    def _wait_ready(self, timeout: float) -> bool:
        """Until the port accepts and the engine answers a request."""
        from pymilvus import MilvusClient

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                return False
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pass
                client = MilvusClient(uri=f"http://127.0.0.1:{self.port}", timeout=5)
                client.list_collections()
                client.close()
                return True
            except Exception:  # not listening yet: any refusal means "try again"
                time.sleep(0.2)
        return False

    def _kill(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None

    def stop(self) -> None:
        self._kill()
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def __enter__(self) -> MilvusServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return (self.root / "server.log").read_text(errors="replace")[-chars:] if self.root else ""
        except OSError:
            return ""
