"""Errors a person can act on: every MedciteError leaving a command is one or two lines and a
documented exit status, never a traceback (``--debug`` shows it); a command checks the extras it
needs before doing any work."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from medcite import errors
from medcite.errors import MedciteError, MissingExtra, StoreError
from medcite.serve.cli import app

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def _one_line(result: Any, status: int) -> str:
    assert result.exit_code == status, (result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert 1 <= len(lines) <= 2, result.output
    return " ".join(result.output.split())


def _isolated(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MEDCITE_DATABASE_URL", "MEDCITE_EDITORIAL_URL", "MEDCITE_CONFIG", "MEDCITE_EMBEDDER"):
        monkeypatch.delenv(name, raising=False)


def _not_a_store(home: Path) -> list[str]:
    home.mkdir(parents=True, exist_ok=True)
    (home / "medcite.db").write_bytes(b"this is not a database, " * 100)
    return ["--home", str(home)]


# (command line, environment, exit status, words the line must hold)
CASES: list[tuple[str, list[str], dict[str, str], int, list[str]]] = [
    ("bad store: stats", ["stats"], {}, errors.EXIT_STORE, ["is not a medcite store"]),
    ("bad store: search", ["search", "ivig"], {}, errors.EXIT_STORE, ["is not a medcite store"]),
    ("bad store: show", ["show", "ngc:1"], {}, errors.EXIT_STORE, ["is not a medcite store"]),
    ("bad store: ask", ["ask", "What is the treatment for adults with Guillain-Barré syndrome?"], {},
     errors.EXIT_STORE, ["is not a medcite store"]),
    ("bad store: users", ["users", "list"], {}, errors.EXIT_STORE, ["editorial database"]),
    ("bad store: answers", ["answers", "list"], {}, errors.EXIT_STORE, ["editorial database"]),
    ("bad store: serve", ["serve"], {}, errors.EXIT_STORE, ["is not a medcite store"]),
    ("unreachable server", ["users", "list"],
     {"MEDCITE_DATABASE_URL": "postgresql://medcite:secret@127.0.0.1:1/medcite"}, errors.EXIT_STORE,
     ["cannot connect to PostgreSQL at postgresql://medcite:***@127.0.0.1:1/medcite", "refused"]),
    ("bad input: mode", ["search", "x", "--mode", "fuzzy"], {}, errors.EXIT_BAD_INPUT, ["unknown --mode"]),
    ("bad input: setting", ["stats"], {"MEDCITE_WORKERS": "many"}, errors.EXIT_BAD_INPUT,
     ["ingest.workers", "env MEDCITE_WORKERS", "'many'"]),
    ("bad input: database URL", ["answers", "list"], {"MEDCITE_DATABASE_URL": "mysql://db/x"},
     errors.EXIT_BAD_INPUT, ["store.database_url", "unsupported database URL"]),
    ("bad input: embedder", ["embed"], {"MEDCITE_EMBEDDER": "word2vec"}, errors.EXIT_BAD_INPUT,
     ["embed.embedder", "env MEDCITE_EMBEDDER", "unknown embedder 'word2vec'"]),
]


@pytest.mark.parametrize(("argv", "env", "status", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_errors_are_one_line_with_their_status(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str],
                                               env: dict[str, str], status: int, words: list[str]) -> None:
    _isolated(monkeypatch)
    home = _not_a_store(tmp_path / "home") if status == errors.EXIT_STORE and "MEDCITE_DATABASE_URL" not in env \
        else ["--home", str(tmp_path / "home")]
    out = _one_line(runner.invoke(app, [*argv, *home], env=env), status)
    assert out.startswith("error: ")
    for word in words:
        assert word in out, out
    assert "secret" not in out


def test_debug_shows_the_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _isolated(monkeypatch)
    home = _not_a_store(tmp_path / "home")
    plain = runner.invoke(app, ["stats", *home])
    _one_line(plain, errors.EXIT_STORE)
    debug = runner.invoke(app, ["--debug", "stats", *home])
    assert debug.exit_code != 0 and isinstance(debug.exception, StoreError)  # raised: Python prints it


def test_debug_traceback_in_a_real_process(tmp_path: Path) -> None:
    import subprocess

    home = _not_a_store(tmp_path / "home")
    argv = [sys.executable, "-c", "from medcite.serve.cli import main; main()"]
    plain = subprocess.run([*argv, "stats", *home], capture_output=True, text=True)
    assert plain.returncode == errors.EXIT_STORE and "Traceback" not in plain.stderr
    assert plain.stderr.strip().startswith("error:") and len(plain.stderr.strip().splitlines()) == 1
    debug = subprocess.run([*argv, "--debug", "stats", *home], capture_output=True, text=True)
    assert debug.returncode != 0 and "StoreError" in debug.stderr and "Traceback" in debug.stderr


# -- extras, checked before any work ---------------------------------------------------------------

@pytest.fixture()
def bioasq_file(data_dir: Path) -> Path:
    return sorted((data_dir / "bioasq-golden").rglob("*.json"))[0]


def _no_work(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record any corpus reading or embedding (none must happen before the extra is checked)."""
    from medcite.eval import corpus
    from medcite.store import vectors

    work: list[str] = []
    for name in ("bioasq_corpus", "bioasq_questions", "pubmedqa_corpus"):
        monkeypatch.setattr(corpus, name, lambda *a, _n=name, **k: work.append(_n) or [])
    monkeypatch.setattr(vectors, "embed_pending", lambda *a, **k: work.append("embed") or {})
    return work


def test_eval_without_the_baseline_extra_says_which_in_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bioasq_file: Path) -> None:
    work = _no_work(monkeypatch)
    monkeypatch.setitem(sys.modules, "bm25s", None)  # `import bm25s` raises ImportError
    result = runner.invoke(app, ["eval", "retrieval", "--bioasq", str(bioasq_file), "--home", str(tmp_path)])
    out = _one_line(result, errors.EXIT_MISSING_EXTRA)
    assert "pip install 'medcite[dev]'" in out and "bm25s" in out
    assert work == [] and not (tmp_path / "eval").exists()


def test_eval_without_the_embedding_extra_stops_before_reading_the_corpus(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bioasq_file: Path) -> None:
    from medcite.retrieve import embed

    work = _no_work(monkeypatch)

    def missing(name: str | None = None, **kwargs: object) -> object:
        raise MissingExtra("Dense retrieval", "onnx", "onnxruntime")

    monkeypatch.setattr(embed, "get_embedder", missing)
    for modes in (["--mode", "dense"], ["--mode", "lexical", "--mode", "hybrid"], []):
        result = runner.invoke(app, ["eval", "retrieval", "--bioasq", str(bioasq_file), *modes,
                                     "--home", str(tmp_path)])
        assert "pip install 'medcite[onnx]'" in _one_line(result, errors.EXIT_MISSING_EXTRA)
    assert work == []


def test_embed_without_its_extra_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from medcite.retrieve import embed

    _isolated(monkeypatch)

    def missing(name: str | None = None, **kwargs: object) -> object:
        raise MissingExtra("Dense retrieval", "onnx", "onnxruntime")

    monkeypatch.setattr(embed, "get_embedder", missing)
    out = _one_line(runner.invoke(app, ["embed", "--home", str(tmp_path)]), errors.EXIT_MISSING_EXTRA)
    assert "pip install 'medcite[onnx]'" in out
    assert not (tmp_path / "medcite.db").exists()  # checked before the store was opened


def test_postgres_without_its_extra_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _isolated(monkeypatch)
    monkeypatch.setitem(sys.modules, "psycopg", None)
    result = runner.invoke(app, ["users", "list", "--home", str(tmp_path)],
                           env={"MEDCITE_DATABASE_URL": "postgresql://db.example.org/medcite"})
    assert "pip install 'medcite[postgres]'" in _one_line(result, errors.EXIT_MISSING_EXTRA)


# -- the statuses are documented ---------------------------------------------------------------------

def test_exit_statuses_are_documented() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Exit statuses"):]
    documented = {int(n) for n in re.findall(r"^\| (\d+) \|", section, flags=re.M)}
    statuses = {v for k, v in vars(errors).items() if k.startswith("EXIT_")}
    assert statuses == documented == {*range(6), 130}
    # Every error class's status is one of them.
    def subclasses(cls: type) -> set[type]:
        return {cls} | {s for c in cls.__subclasses__() for s in subclasses(c)}

    import medcite.answering
    import medcite.review
    import medcite.store.migrations
    import medcite.understand.patient  # noqa: F401  (their errors register as subclasses)

    for cls in subclasses(MedciteError):
        assert cls.exit_status in statuses, cls
