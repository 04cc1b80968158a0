"""The HTTP client of the connectors: rate limiter (on a fake clock: no timed test), the
reply cache's keys, and the settings that choose the rate."""

from __future__ import annotations

from pathlib import Path

import pytest

from medcite.errors import ConfigError
from medcite.settings import load_settings
from medcite.sync.http import RateLimiter, ReplyCache, shown_url
from medcite.sync.pubmed import ncbi_date


class FakeClock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.t += seconds


@pytest.mark.parametrize("rate", [3.0, 10.0])
def test_rate_limiter_keeps_to_the_rate_in_every_second(rate: float) -> None:
    clock = FakeClock()
    limiter = RateLimiter(rate, clock=clock, sleep=clock.sleep)
    starts = []
    for i in range(40):
        limiter.wait()
        starts.append(clock.t)
        clock.t += 0.01 * (i % 3)  # the request itself takes a little time
    for i, t in enumerate(starts):
        in_window = [s for s in starts[i:] if s < t + 1.0]
        assert len(in_window) <= rate
    assert starts[-1] - starts[0] == pytest.approx(39 / rate, rel=0.05)  # and does not go much slower


def test_rate_limiter_counts_from_a_late_start() -> None:
    """A sleep that overruns (a busy machine) must not let the following requests catch up."""
    clock = FakeClock()
    late = iter([0.05] + [0.0] * 30)

    def sleep(seconds: float) -> None:
        clock.sleep(seconds + next(late))

    limiter = RateLimiter(10.0, clock=clock, sleep=sleep)
    starts = []
    for _ in range(25):
        limiter.wait()
        starts.append(clock.t)
    for i, t in enumerate(starts):
        assert len([s for s in starts[i:] if s < t + 1.0]) <= 10


def test_rate_limiter_holds_after_retry_after() -> None:
    clock = FakeClock()
    limiter = RateLimiter(3.0, clock=clock, sleep=clock.sleep)
    limiter.wait()
    limiter.hold(5.0)
    limiter.wait()
    assert clock.t == pytest.approx(105.0)


def test_rate_comes_from_the_api_key(tmp_path: Path) -> None:
    env = {"MEDCITE_HOME": str(tmp_path)}
    assert load_settings(environ=env).sources.rate() == 3.0
    keyed = load_settings(environ={**env, "MEDCITE_NCBI_API_KEY": "k"})
    assert keyed.sources.rate() == 10.0 and keyed.origin("sources.api_key") == "env MEDCITE_NCBI_API_KEY"
    (tmp_path / "medcite.toml").write_text("[sources]\nrequests_per_second = 1.5\npubmed_queries = ['a b']\n")
    conf = load_settings(environ={**env, "MEDCITE_NCBI_API_KEY": "k"}).sources
    assert conf.rate() == 1.5 and conf.pubmed_queries == ["a b"]


def test_cache_key_ignores_who_asks_and_secrets_are_not_shown(tmp_path: Path) -> None:
    cache = ReplyCache(tmp_path)
    a = cache.key("efetch", {"db": "pubmed", "retstart": 0, "api_key": "SECRET", "tool": "x"})
    b = cache.key("efetch", {"retstart": "0", "db": "pubmed", "email": "y@z"})
    assert a == b != cache.key("efetch", {"db": "pubmed", "retstart": 1})
    cache.put(a, b"<x/>")
    assert cache.get(b) == b"<x/>" and cache.get(b, max_age=3600) == b"<x/>"
    assert "SECRET" not in shown_url("http://h/esearch.fcgi", {"api_key": "SECRET", "term": "t"})


def test_since_dates() -> None:
    assert ncbi_date("2024") == "2024/01/01"
    assert ncbi_date("2024-3-5") == "2024/03/05"
    assert ncbi_date("2024/12") == "2024/12/01"
    for bad in ("yesterday", "2024-13-01", "2024-02-30"):
        with pytest.raises(ConfigError):
            ncbi_date(bad)
