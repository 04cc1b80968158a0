"""``medcite users`` and ``medcite serve`` as an operator runs them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
from typer.testing import CliRunner

from medcite.review import EditorialStore
from medcite.serve.cli import app
from medcite.settings import Settings
from ports import free_port

runner = CliRunner()


def test_users_add_list_token_and_disable(tmp_path: Path) -> None:
    home = ["--home", str(tmp_path)]
    ok = runner.invoke(app, ["users", "add", "alice", "--role", "reviewer", "--password-stdin", *home],
                       input="correct horse\n")
    assert ok.exit_code == 0, ok.output
    short = runner.invoke(app, ["users", "add", "bob", "--password-stdin", *home], input="short\n")
    assert short.exit_code == 2 and "at least 8" in short.output
    bad_role = runner.invoke(app, ["users", "add", "carol", "--role", "boss", "--password-stdin", *home], input="x" * 9)
    assert bad_role.exit_code == 2 and "unknown role" in bad_role.output
    listed = runner.invoke(app, ["users", "list", *home])
    assert "alice" in listed.output and "reviewer" in listed.output and "bob" not in listed.output
    token = runner.invoke(app, ["users", "token", "alice", *home]).output.strip()
    articles = EditorialStore.open(Settings.from_env(tmp_path).editorial_url)
    try:
        assert articles.token_user(token).username == "alice"
        assert articles.authenticate("alice", "correct horse") is not None
        assert runner.invoke(app, ["users", "set", "alice", "--disable", *home]).exit_code == 0
        assert articles.token_user(token) is None and articles.authenticate("alice", "correct horse") is None
    finally:
        articles.close()
    missing = runner.invoke(app, ["users", "token", "nobody", *home])
    assert missing.exit_code == 2 and "no user" in missing.output



def test_medcite_serve_answers_over_http(serve_home: Path) -> None:
    port = free_port()
    exe = shutil.which("medcite", path=str(Path(sys.executable).parent)) or "medcite"
    env = {**os.environ, "MEDCITE_HOME": str(serve_home)}
    env.pop("MEDCITE_DATABASE_URL", None)
    proc = subprocess.Popen([exe, "serve", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try:
                if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
            assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
        health = httpx.get(f"{base}/api/health").json()
        assert health["status"] == "ok" and health["documents"] > 0 and health["database"] == "sqlite"
        page = httpx.get(f"{base}/")
        assert page.status_code == 200 and "Which best describes you?" in page.text
        answer = httpx.post(f"{base}/api/ask", json={"question": "What is the treatment for adults with "
                                                                 "Guillain-Barré syndrome?"}, timeout=120).json()
        assert answer["status"] == "Submitted" and answer["references"]
    finally:
        proc.terminate()
        proc.wait(30)
