"""The hybrid logical clock that orders changes across laptops."""

from __future__ import annotations

import threading

from mdt_desktop.store.clock import HybridLogicalClock, decode, encode, hlc_to_datetime

HOUR = 60 * 60 * 1000


class Wall:
    def __init__(self, ms: int) -> None:
        self.ms = ms

    def __call__(self) -> int:
        return self.ms


def test_encode_decode_round_trip() -> None:
    assert decode(encode(1_700_000_000_000, 7)) == (1_700_000_000_000, 7)
    assert hlc_to_datetime(encode(0, 3)).year == 1970


def test_monotonic_when_the_wall_clock_goes_back() -> None:
    wall = Wall(1_000_000)
    clock = HybridLogicalClock(wall)
    a = clock.now()
    wall.ms -= 5000
    b = clock.now()
    c = clock.now()
    assert a < b < c
    assert decode(b)[0] == 1_000_000  # stays on the highest time seen


def test_many_events_in_one_millisecond_and_counter_overflow() -> None:
    clock = HybridLogicalClock(Wall(5))
    values = [clock.now() for _ in range(70_000)]
    assert values == sorted(values) and len(set(values)) == len(values)
    assert decode(values[-1])[0] > 5  # the counter spilled into the next millisecond


def test_update_merges_remote_clocks_and_clamps_the_far_future(caplog) -> None:
    wall = Wall(10 * HOUR)
    clock = HybridLogicalClock(wall)
    behind = clock.update(encode(9 * HOUR, 0))
    assert decode(behind)[0] == 10 * HOUR
    ahead = clock.update(encode(10 * HOUR + HOUR - 1, 4))  # an hour fast: accepted
    assert decode(ahead) == (10 * HOUR + HOUR - 1, 5)
    assert clock.clamped_events == 0
    wild = clock.update(encode(10 * HOUR + 50 * HOUR, 0))  # two days fast: clamped
    assert decode(wild)[0] <= 10 * HOUR + HOUR
    assert clock.clamped_events == 1 and "clamped" in caplog.text
    assert clock.now() > wild


def test_an_hour_slow_device_still_orders_after_what_it_saw() -> None:
    slow = HybridLogicalClock(Wall(10 * HOUR - HOUR))
    seen = encode(10 * HOUR, 0)
    after = slow.update(seen)
    assert after > seen


def test_ties_are_broken_by_device_id() -> None:
    a, b = (encode(100, 0), "device-a"), (encode(100, 0), "device-b")
    assert sorted([b, a]) == [a, b]


def test_thread_safe() -> None:
    clock = HybridLogicalClock(Wall(1))
    out: list[int] = []

    def work() -> None:
        out.extend(clock.now() for _ in range(5000))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(out)) == 20_000
