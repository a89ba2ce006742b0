"""Settling the heap after start-up: garbage collected, the rest frozen out of later collections."""

from __future__ import annotations

import gc
import weakref

from bot.heap import settle_heap


class Node:
    """An object in a reference cycle: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.me = self


def test_settling_collects_garbage_and_freezes_the_rest() -> None:
    garbage = weakref.ref(Node())
    kept = Node()
    gc.unfreeze()
    try:
        settle_heap()
        assert garbage() is None  # start-up's garbage is not frozen forever
        assert gc.get_freeze_count() > 0
        assert not any(o is kept for o in gc.get_objects())  # set aside: later collections skip it
    finally:
        gc.unfreeze()
    assert any(o is kept for o in gc.get_objects())
