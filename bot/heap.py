"""After start-up, set the long-lived heap aside so the cyclic garbage collector stops rescanning it."""

from __future__ import annotations

import gc


def settle_heap() -> None:
    """Collect start-up's garbage, then freeze what is left (mappers, classifier, catalogues, places).

    Otherwise every full collection walks all of it again: ~110,000 objects, a 70 ms pause with the
    event loop stopped, several times a minute under load. Frozen objects are never scanned again;
    what the process allocates later is collected as usual.
    """
    gc.collect()
    gc.freeze()
