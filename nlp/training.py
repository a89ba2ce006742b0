"""Read labelled CSV files, build a model's term table, and save and load model files."""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from nlp.errors import NlpInputError
from nlp.model import RoutingModel
from nlp.pipeline import TermTable
from nlp.taxonomy import Taxonomy

REQUIRED = ("text", "department")
KEYWORD_WEIGHT = 2.0  # a taxonomy keyword weighs like a "medium" lexicon term


@dataclass(frozen=True)
class LabelledRow:
    """One labelled example: text, department code and (optionally) request type code."""

    text: str
    department: str
    request_type: str | None = None
    calibrate: bool = True


def read_rows(path: Path, taxonomy: Taxonomy, *, calibrate: bool = True) -> list[LabelledRow]:
    """Read a CSV with columns text,department[,request_type], checking codes against the taxonomy.

    calibrate=False marks rows that may train the model but must not calibrate it (e.g. the
    examples the lexicon was written from: its cues look better on them than on new texts).
    """
    path = Path(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = tuple(reader.fieldnames or ())
            if not all(col in header for col in REQUIRED):
                raise NlpInputError(f"{path}: 表头需要 text,department[,request_type]，实际是 {','.join(header) or '空'}")
            rows = [_row(path, n, raw, taxonomy, calibrate) for n, raw in enumerate(reader, start=2)]
    except FileNotFoundError as exc:
        raise NlpInputError(f"找不到文件 {path}") from exc
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise NlpInputError(f"无法读取 {path}: {exc}") from exc
    if not rows:
        raise NlpInputError(f"{path}: 没有数据行")
    return rows


def _row(path: Path, line: int, raw: dict[str, str | None], taxonomy: Taxonomy, calibrate: bool) -> LabelledRow:
    """Validate one CSV row."""
    text = (raw.get("text") or "").strip()
    dept = (raw.get("department") or "").strip()
    rtype = (raw.get("request_type") or "").strip() or None
    if dept not in taxonomy.codes:
        raise NlpInputError(f"{path} 第 {line} 行: 未知部门代码 {dept!r}")
    if rtype is not None and rtype not in taxonomy.request_type_codes:
        raise NlpInputError(f"{path} 第 {line} 行: 未知诉求类型 {rtype!r}")
    return LabelledRow(text, dept, rtype, calibrate)


def read_many(paths: Iterable[Path], taxonomy: Taxonomy, *, calibrate: bool = True) -> list[LabelledRow]:
    """Read and concatenate several labelled CSV files."""
    return [row for path in paths for row in read_rows(path, taxonomy, calibrate=calibrate)]


def model_terms(
    lexicon_terms: TermTable, taxonomy: Taxonomy, labels: Sequence[str]
) -> dict[str, tuple[tuple[str, float], ...]]:
    """Return the department term table a model carries: the lexicon's terms for its labels plus the taxonomy's keywords.

    Terms whose owners are all outside the labels stay, with no owner, so they still mask the
    shorter terms inside them (as the lexicon's neutral words do).
    """
    keep = set(labels)
    table: dict[str, dict[str, float]] = {}
    for term, owners in lexicon_terms.items():
        table[term] = {o: w for o, w in owners if o in keep}
    for dept in taxonomy.departments:
        if dept.code in keep:
            for word in dept.keywords:
                row = table.setdefault(word, {})
                row[dept.code] = max(row.get(dept.code, 0.0), KEYWORD_WEIGHT)
    return {term: tuple(sorted(owners.items())) for term, owners in sorted(table.items())}


def save_model(model: RoutingModel, path: Path) -> None:
    """Write the model as JSON, atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(model.to_json(), out, ensure_ascii=False, separators=(",", ":"))
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def load_model(path: Path) -> RoutingModel:
    """Read a model JSON file."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise NlpInputError(f"找不到模型文件 {path}（先运行 nlp train）") from exc
    except (OSError, json.JSONDecodeError) as exc:
        raise NlpInputError(f"无法读取模型文件 {path}: {exc}") from exc
    return RoutingModel.from_json(data)
