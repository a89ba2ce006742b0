"""The love bank's audit export as tables (`qungong lovebank export`): the period's ledger entries, each
person's opening and closing balance, and the period's redemptions. Headers are the
[lovebank.export] table of handlers/locales/*.toml; times are local."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from handlers.texts import Texts
from storage.lovebank.audit import BalanceRow, EntryRow, RedemptionRow
from storage.lovebank.codes import format_voucher

ENTRY_COLUMNS = ("id", "time", "person_id", "person", "amount", "reason", "source", "source_id", "note", "community", "recorded_by", "role")
BALANCE_COLUMNS = ("person_id", "person", "opening", "credits", "debits", "closing")
REDEMPTION_COLUMNS = ("id", "time", "person", "reward", "points", "code", "status", "handed_at", "handed_by", "expires_at")
TIME = "%Y-%m-%d %H:%M:%S"


def _header(texts: Texts, columns: tuple[str, ...]) -> list[Any]:
    """Return a header row in the catalogue's language."""
    return [texts.t(f"lovebank.export.{column}") for column in columns]


def entry_table(rows: list[EntryRow], texts: Texts, tz: tzinfo) -> list[list[Any]]:
    """Return the ledger entries as a table."""
    table: list[list[Any]] = [_header(texts, ENTRY_COLUMNS)]
    for row in rows:
        e = row.entry
        table.append([
            e.id, e.created_at.astimezone(tz).strftime(TIME), e.person_id, row.person, e.amount,
            texts.t(f"lovebank.export.reasons.{e.reason}"), e.source_kind, e.source_id if e.source_id is not None else "",
            e.note or "", row.community or "", row.recorded_by or "", e.recorded_by_role,
        ])
    return table


def balance_table(rows: list[BalanceRow], texts: Texts) -> list[list[Any]]:
    """Return each person's balances over the period as a table."""
    return [_header(texts, BALANCE_COLUMNS)] + [[r.person_id, r.person, r.opening, r.credits, r.debits, r.closing] for r in rows]


def redemption_table(rows: list[RedemptionRow], texts: Texts, tz: tzinfo) -> list[list[Any]]:
    """Return the period's redemptions as a table."""
    table: list[list[Any]] = [_header(texts, REDEMPTION_COLUMNS)]
    for row in rows:
        r = row.redemption
        handed = r.handed_at.astimezone(tz).strftime(TIME) if r.handed_at else ""
        table.append([
            r.id, r.created_at.astimezone(tz).strftime(TIME), row.person, row.reward, r.points, format_voucher(r.code),
            texts.t(f"lovebank.export.statuses.{r.status}"), handed, row.handed_by or "", r.expires_at.astimezone(tz).strftime(TIME),
        ])
    return table


def sheets(entries: list[EntryRow], balances: list[BalanceRow], redemptions: list[RedemptionRow], texts: Texts, tz: tzinfo) -> dict[str, list[list[Any]]]:
    """Return the XLSX sheets: entries, balances, redemptions."""
    return {
        texts.t("lovebank.export.sheet_entries"): entry_table(entries, texts, tz),
        texts.t("lovebank.export.sheet_balances"): balance_table(balances, texts),
        texts.t("lovebank.export.sheet_redemptions"): redemption_table(redemptions, texts, tz),
    }
