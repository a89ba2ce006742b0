"""Read labelled CSV files and train the routing model from them."""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from nlp.errors import NlpInputError
from nlp.model import RoutingModel, ScoringParams, train_naive_bayes
from nlp.pipeline import Featurizer, Prepared
from nlp.taxonomy import Taxonomy

REQUIRED = ("text", "department")


@dataclass(frozen=True)
class LabelledRow:
    """One labelled example: text, department code and (optionally) request type code."""

    text: str
    department: str
    request_type: str | None = None


def read_rows(path: Path, taxonomy: Taxonomy) -> list[LabelledRow]:
    """Read a CSV with columns text,department[,request_type], checking codes against the taxonomy."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = tuple(reader.fieldnames or ())
            if not all(col in header for col in REQUIRED):
                raise NlpInputError(f"{path}: 表头需要 text,department[,request_type]，实际是 {','.join(header) or '空'}")
            rows = [_row(path, n, raw, taxonomy) for n, raw in enumerate(reader, start=2)]
    except FileNotFoundError as exc:
        raise NlpInputError(f"找不到文件 {path}") from exc
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise NlpInputError(f"无法读取 {path}: {exc}") from exc
    if not rows:
        raise NlpInputError(f"{path}: 没有数据行")
    return rows


def _row(path: Path, line: int, raw: dict[str, str | None], taxonomy: Taxonomy) -> LabelledRow:
    """Validate one CSV row."""
    text = (raw.get("text") or "").strip()
    dept = (raw.get("department") or "").strip()
    rtype = (raw.get("request_type") or "").strip() or None
    if dept not in taxonomy.codes:
        raise NlpInputError(f"{path} 第 {line} 行: 未知部门代码 {dept!r}")
    if rtype is not None and rtype not in taxonomy.request_type_codes:
        raise NlpInputError(f"{path} 第 {line} 行: 未知诉求类型 {rtype!r}")
    return LabelledRow(text, dept, rtype)


def read_many(paths: Iterable[Path], taxonomy: Taxonomy) -> list[LabelledRow]:
    """Read and concatenate several labelled CSV files."""
    return [row for path in paths for row in read_rows(path, taxonomy)]


def train_prepared(
    docs: Sequence[tuple[Prepared, LabelledRow]],
    taxonomy: Taxonomy,
    params: ScoringParams | None = None,
) -> RoutingModel:
    """Fit the department and request-type models from already prepared examples."""
    dept_docs = [(doc.features, row.department) for doc, row in docs]
    type_docs = [(doc.features, row.request_type) for doc, row in docs if row.request_type]
    return RoutingModel(
        department=train_naive_bayes(dept_docs, taxonomy.codes),
        request_type=train_naive_bayes(
            [(f, str(t)) for f, t in type_docs], taxonomy.request_type_codes
        ),
        params=params or ScoringParams(),
        trained_on=len(docs),
    )


def train(
    rows: Sequence[LabelledRow],
    featurizer: Featurizer,
    taxonomy: Taxonomy,
    params: ScoringParams | None = None,
) -> RoutingModel:
    """Fit a routing model from labelled rows."""
    return train_prepared([(featurizer.prepare(r.text), r) for r in rows], taxonomy, params)


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
