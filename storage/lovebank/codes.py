"""One-time codes: digits for check-in and team codes (typed at an activity), letters and digits for
redemption vouchers (read out and typed by the provider's staff)."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

VOUCHER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read aloud and typed
VOUCHER_LENGTH = 8
DIGITS_LENGTH = 6
TRIES = 20


def new_digits(length: int = DIGITS_LENGTH) -> str:
    """Return a random code of digits, e.g. 402917."""
    return "".join(secrets.choice("0123456789") for _ in range(length))


def new_voucher(length: int = VOUCHER_LENGTH) -> str:
    """Return a random voucher code, e.g. K7M2P9QX."""
    return "".join(secrets.choice(VOUCHER_ALPHABET) for _ in range(length))


def normalise(text: str) -> str:
    """Fold a typed code: upper case, ASCII letters and digits only (spaces and dashes dropped)."""
    return "".join(ch for ch in text.upper() if ch.isascii() and ch.isalnum())


def format_voucher(code: str) -> str:
    """Group a voucher for reading: K7M2-P9QX."""
    return f"{code[:4]}-{code[4:]}" if len(code) == VOUCHER_LENGTH else code


async def unique_code(session: AsyncSession, column: Any, make: Any = new_digits) -> str:
    """Return a fresh code that COLUMN does not hold yet (a rare clash with a concurrent insert fails its unique key)."""
    for _ in range(TRIES):
        code = str(make())
        if (await session.scalars(select(column).where(column == code).limit(1))).first() is None:
            return code
    raise RuntimeError(f"no free code for {column} after {TRIES} tries")
