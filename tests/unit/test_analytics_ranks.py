"""Windows of known ranks, moved by values out and in, agree with sorting the multiset again."""

from __future__ import annotations

import random

import pytest

from pilar_analytics.domain.ranks import moved, windows


def test_windows_are_the_runs_of_consecutive_ranks() -> None:
    known = {3: 1.0, 4: 2.0, 5: 2.0, 9: 7.0, 10: 8.0}
    assert list(windows(known)) == [(3, [1.0, 2.0, 2.0]), (9, [7.0, 8.0])]
    assert list(windows({})) == []


@pytest.mark.parametrize("seed", range(300))
def test_known_ranks_after_moves_are_those_of_the_multiset_sorted_again(seed: int) -> None:
    chance = random.Random(seed)
    values = sorted(float(chance.randrange(40)) for _ in range(chance.randrange(0, 60)))
    known = {}
    for centre in chance.sample(range(1, len(values) + 1), min(2, len(values))):
        for rank in range(max(1, centre - 6), min(len(values), centre + 6) + 1):
            known[rank] = values[rank - 1]
    if chance.random() < 0.2:
        known = dict(enumerate(values, start=1))
    out = chance.sample(values, chance.randrange(0, min(8, len(values)) + 1))
    put = [float(chance.randrange(40)) for _ in range(chance.randrange(0, 8))]
    count, after = moved(len(values), known, out, put)
    remaining = list(values)
    for value in out:
        remaining.remove(value)
    truth = sorted(remaining + put)
    assert count == len(truth)
    assert all(truth[rank - 1] == value for rank, value in after.items())
    if not out:  # nothing left: every known rank stays known (some of them shifted)
        assert len(after) >= len(known)
    if known and len(known) == len(values):  # all was known: all stays known
        assert after == dict(enumerate(truth, start=1))


def test_a_window_emptied_by_what_left_is_lost() -> None:
    known = {5: 3.0, 6: 4.0}
    count, after = moved(10, known, [3.0, 4.0], [9.0])
    assert (count, after) == (9, {})


def test_an_empty_multiset_is_known_from_what_joins_it() -> None:
    assert moved(0, {}, [], [5.0, 1.0]) == (2, {1: 1.0, 2: 5.0})


def test_more_values_leaving_than_there_were_is_refused() -> None:
    with pytest.raises(ValueError, match="more values left"):
        moved(0, {}, [1.0], [])
    with pytest.raises(ValueError, match="not in list"):
        moved(3, {1: 1.0, 2: 2.0, 3: 3.0}, [9.0], [])  # not one of them
