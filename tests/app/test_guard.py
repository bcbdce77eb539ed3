"""The page's per-address limit (app/web/guard.py RateLimiter, address_key): what counts as
one address, the window, and a bounded table that forgets the address seen least recently."""

from __future__ import annotations

import pytest

from facultativo.web.guard import RateLimiter, address_key


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def limiter(limit: int = 2, window: float = 60, max_addresses: int = 50_000):
    clock = Clock()
    return RateLimiter(limit, window, max_addresses, clock=clock), clock


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff"),  # one home's /64
        ("2001:db8:1:2::1", "2001:DB8:1:2:0:0:0:1"),  # the same address written otherwise
        ("::ffff:203.0.113.7", "203.0.113.7"),  # IPv4 mapped into IPv6 is that IPv4
    ],
)
def test_addresses_that_are_one_place_count_as_one(one, other):
    assert address_key(one) == address_key(other)
    checks, _ = limiter(limit=1)
    assert checks.check(one) == 0
    assert checks.check(other) > 0


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("2001:db8:1:2::1", "2001:db8:1:3::1"),  # the next /64: another home
        ("203.0.113.7", "203.0.113.8"),  # IPv4 counts per address
    ],
)
def test_addresses_of_different_places_count_apart(one, other):
    assert address_key(one) != address_key(other)
    checks, _ = limiter(limit=1)
    assert checks.check(one) == 0
    assert checks.check(other) == 0


def test_the_key_of_an_ipv6_address_is_its_64_and_text_that_is_no_address_stays_as_given():
    assert address_key("2001:db8:1:2:aaaa:bbbb:cccc:dddd") == "2001:db8:1:2::/64"
    assert address_key("203.0.113.7") == "203.0.113.7"
    assert address_key("desconocido") == "desconocido"


def test_the_limit_counts_checks_in_the_window_and_says_how_long_to_wait():
    checks, clock = limiter(limit=2, window=60)
    assert checks.check("203.0.113.7") == 0
    clock.now += 10
    assert checks.check("203.0.113.7") == 0
    clock.now += 5
    assert checks.check("203.0.113.7") == 45  # the first check leaves the window then
    clock.now += 45
    assert checks.check("203.0.113.7") == 0  # a refused check was not counted


def test_a_full_table_forgets_the_address_seen_least_recently():
    checks, clock = limiter(limit=1, window=60, max_addresses=2)
    assert checks.check("203.0.113.1") == 0
    clock.now += 1
    assert checks.check("203.0.113.2") == 0
    clock.now += 1
    assert checks.check("203.0.113.1") > 0  # refused, but seen again: now the most recent
    clock.now += 1
    assert checks.check("203.0.113.3") == 0  # a third address: .2 is forgotten
    assert checks.check("203.0.113.3") > 0  # the newest is remembered
    assert checks.check("203.0.113.1") > 0
    assert checks.check("203.0.113.2") == 0  # forgotten: it may check again
