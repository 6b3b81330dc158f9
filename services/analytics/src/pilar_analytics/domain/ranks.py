"""Ranks of a sorted multiset known in windows, moved by values taken out and put in. Pure.

A kept percentile knows the values of a day's start only around the ranks it needs. The values
the rows touched since then had at the start are taken out and the values they have now put in;
a window stays known where it is, its ranks shifted by what went in and out below it.
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Iterator, Mapping, Sequence


def windows(known: Mapping[int, float]) -> Iterator[tuple[int, list[float]]]:
    """The runs of consecutive known ranks: (first rank, values in rank order)."""
    first, run = 0, list[float]()
    for rank in sorted(known):
        if run and rank != first + len(run):
            yield first, run
            run = []
        if not run:
            first = rank
        run.append(known[rank])
    if run:
        yield first, run


def moved(
    count: int, known: Mapping[int, float], out: Sequence[float], put: Sequence[float]
) -> tuple[int, dict[int, float]]:
    """The count and known ranks of the multiset after ``out`` left it and ``put`` joined it.

    Every value of ``out`` must be in the multiset (``ValueError`` where it shows it is not).
    A window emptied by what left is lost.
    """
    if len(out) > count:
        raise ValueError("more values left than the multiset held")
    after: dict[int, float] = {}
    for first, run in windows(known):
        whole = first == 1 and len(run) == count  # every value known: nothing outside the run
        shifted = _shift(first - 1, list(run), out, put, whole=whole)
        if shifted is not None:
            below, values = shifted
            after.update(zip(range(below + 1, below + 1 + len(values)), values, strict=True))
    if count == 0:
        after = dict(enumerate(sorted(put), start=1))
    return count - len(out) + len(put), after


def _shift(
    below: int, run: list[float], out: Sequence[float], put: Sequence[float], *, whole: bool
) -> tuple[int, list[float]] | None:
    """A run and the number of values below it, after the moves (None once it is lost)."""
    for value in out:
        if whole or (run and run[0] <= value <= run[-1]):
            run.remove(value)  # a value between the run's ends is one of the run's
        elif not run:
            return None  # an emptied window no longer says where the others fall
        elif value < run[0]:
            below -= 1
    for value in put:
        if whole or (run and run[0] <= value <= run[-1]):
            insort(run, value)
        elif not run:
            return None
        elif value < run[0]:
            below += 1
    return below, run
