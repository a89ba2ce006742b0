"""Phone numbers as residents type them, and as others may see them (masked)."""

from __future__ import annotations

import re

PHONE = re.compile(r"(?:\+?86[- ]?)?(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})")


def mask_phone(phone: str) -> str:
    """Hide the middle of a phone number: 138****0001."""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else phone
