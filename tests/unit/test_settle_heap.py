"""``settle_heap``: what a service process does to its garbage collector before serving."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from pilar_kit.serve import YOUNG_THRESHOLD, settle_heap


@pytest.fixture
def collector() -> Iterator[None]:
    """Put the collector back as it was, whatever the test did."""
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


@pytest.mark.usefixtures("collector")
def test_settle_heap_freezes_what_is_loaded_and_waits_longer_for_young_collections() -> None:
    """The loaded heap is hidden from full passes; young passes wait for more allocations."""
    gc.set_threshold(700, 10, 10)
    settle_heap()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (YOUNG_THRESHOLD, 10, 10)


@pytest.mark.usefixtures("collector")
def test_settle_heap_leaves_the_older_generations_thresholds_alone() -> None:
    """Only the young generation's threshold changes."""
    gc.set_threshold(700, 7, 3)
    settle_heap()
    assert gc.get_threshold() == (YOUNG_THRESHOLD, 7, 3)
