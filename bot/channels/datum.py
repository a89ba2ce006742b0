"""Points arrive in the datum of the platform that sends them; each channel declares it (`location_datum`)
and converts the Inbound's location once, here, to the datum QunGong stores (WGS-84, storage.geo)."""

from __future__ import annotations

import dataclasses

from handlers.messages import Inbound
from storage.geo import to_stored


def in_stored_datum(inbound: Inbound, datum: str) -> Inbound:
    """Return the inbound with its location (if any) converted from DATUM to the stored datum."""
    if inbound.location is None:
        return inbound
    lat, lon = to_stored(*inbound.location, datum)
    return dataclasses.replace(inbound, location=(lat, lon), payload=f"{lat},{lon}")
