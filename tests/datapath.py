"""Where the tests read the real data: ../shared/data beside the checkout, or $MEDCITE_DATA.

A module of its own (not conftest) because test folders have their own conftest.py files,
so ``from conftest import ...`` would be ambiguous."""

from __future__ import annotations

import os
import tarfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from medcite.store import SQLiteStore

DATA = Path(os.environ.get("MEDCITE_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"))


def ngc_summaries(numbers: Iterable[str], into: Path, data: Path = DATA) -> list[Path]:
    """The NGC summaries ``ngc-<number>.xml`` taken out of the archive into ``into``, all of them
    (a missing one fails the test that asked for it)."""
    wanted = {f"summaries/ngc-{n}.xml" for n in numbers}
    out: list[Path] = []
    with tarfile.open(data / "ngc-guidelines" / "summaries.tar.xz") as tar:
        for member in tar:
            if member.name in wanted:
                fh = tar.extractfile(member)
                assert fh is not None
                path = into / Path(member.name).name
                path.write_bytes(fh.read())
                out.append(path)
    assert len(out) == len(wanted), sorted(wanted - {f"summaries/{p.name}" for p in out})
    return out


@contextmanager
def ingested(folder: Path) -> Iterator[SQLiteStore]:
    """A store of everything in ``folder`` (``folder/medcite.db``), through the real ingest;
    closed on exit. Fails when anything did not ingest."""
    from medcite.ingest import ingest
    from medcite.store import SQLiteStore

    store = SQLiteStore(folder / "medcite.db")
    try:
        assert ingest([folder], store, workers=1).ok
        yield store
    finally:
        store.close()


@contextmanager
def ngc_store(numbers: Iterable[str], folder: Path, data: Path = DATA) -> Iterator[SQLiteStore]:
    """A store of the NGC summaries ``numbers`` only (``ngc_summaries`` then ``ingested``)."""
    ngc_summaries(numbers, folder, data)
    with ingested(folder) as store:
        yield store


def ngc_fixture(numbers: tuple[str, ...], name: str) -> Any:
    """A module-scoped pytest fixture: a store of the NGC summaries ``numbers`` (``ngc_store``)
    in a temporary folder named ``name``. Assign it to the fixture's name in a test module."""
    import pytest

    @pytest.fixture(scope="module")
    def store(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Iterator[SQLiteStore]:
        with ngc_store(numbers, tmp_path_factory.mktemp(name), data_dir) as s:
            yield s

    return store
