"""Button payload codec: round trips, the 64-byte limit, and strict refusal of anything else."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from handlers.buttons import CaseOp, CaseView, Choice, MenuItem, RevisitAnswer
from handlers.codec import MAX_BYTES, ButtonData, CodecError, unpack


@dataclass(frozen=True)
class Sample(ButtonData):
    prefix = "t-sample"
    case_id: int
    op: str


@pytest.mark.parametrize(
    "data",
    [MenuItem("report"), Choice("report.type", "auto"), CaseView(123456), CaseOp("withdraw_yes", 9), RevisitAnswer(2**31 - 1, 3, 1, 2)],
)
def test_round_trip(data: ButtonData) -> None:
    packed = data.pack()
    assert len(packed.encode()) <= MAX_BYTES
    assert unpack(packed) == data
    assert type(data).unpack(packed) == data


def test_unpack_of_the_wrong_type_is_refused() -> None:
    with pytest.raises(CodecError, match="expected a CaseView"):
        CaseView.unpack(MenuItem("report").pack())


@pytest.mark.parametrize(
    "payload",
    ["", "t-sample", "t-sample:1", "t-sample:1:a:b", "t-sample:x:a", "t-sample:-1:a", "t-sample:01:a", "t-sample:1:", "t-sample:1:a b", "t-sample:1:中", "nope:1:a", "t-sample:1:" + "a" * 60, "t-sample:99999999999999999999:a", "t-sample:2147483648:a", "t-sample:１:a"],
)
def test_malformed_payloads_are_refused(payload: str) -> None:
    with pytest.raises(CodecError):
        unpack(payload)


@pytest.mark.parametrize(("case_id", "op"), [(-1, "a"), (2**31, "a"), (1, "a:b"), (1, ""), (1, "x" * 41), (True, "a")])
def test_values_that_would_not_survive_packing_are_refused(case_id: int, op: str) -> None:
    with pytest.raises(CodecError):
        Sample(case_id, op).pack()


def test_oversized_payload_is_refused_when_packing() -> None:
    @dataclass(frozen=True)
    class Wide(ButtonData):
        prefix = "t-wide"
        a: str
        b: str

    with pytest.raises(CodecError, match="longer than 64 bytes"):
        Wide("a" * 30, "b" * 30).pack()


def test_prefixes_are_unique() -> None:
    with pytest.raises(TypeError, match="used by"):

        @dataclass(frozen=True)
        class Clash(ButtonData):
            prefix = "m"
            item: str
