"""Optional cProfile of a bench phase (``--profile``): where the event loop's thread spends time."""

from __future__ import annotations

import cProfile
import io
import pstats
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TOP = 45


@contextmanager
def profiled(path: Path | None) -> Iterator[None]:
    """Profile the block when ``path`` is given: write ``path.prof`` and a text summary."""
    if path is None:
        yield
        return
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        yield
    finally:
        profiler.disable()
        _write(profiler, path)


def _write(profiler: cProfile.Profile, path: Path) -> None:
    """Dump raw stats and the top functions by own time and by cumulative time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    profiler.dump_stats(path.with_suffix(".prof"))
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats(pstats.SortKey.TIME).print_stats(TOP)
    stats.sort_stats(pstats.SortKey.CUMULATIVE).print_stats(TOP)
    path.with_suffix(".txt").write_text(out.getvalue(), encoding="utf-8")
