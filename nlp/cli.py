"""The `qungong nlp ...` commands: classify, train, eval and crossval (any district's taxonomy)."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from nlp.classifier import Classifier, load_classifier, load_featurizer
from nlp.errors import NlpInputError
from nlp.evaluate import Report, crossval, evaluate_prepared
from nlp.scoring import Classification, Scorer
from nlp.settings import NlpSettings
from nlp.training import LabelledRow, read_many, read_rows, save_model

Rows = Callable[[argparse.Namespace, NlpSettings], list[LabelledRow]]


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """Add the `nlp` command and its sub-commands to the main CLI; return its sub-parsers (for more commands)."""
    nlp = subparsers.add_parser("nlp", help="诉求分类：试分类、训练、评估")
    sub = nlp.add_subparsers(dest="nlp_command", required=True)

    classify = sub.add_parser("classify", help="对一段文字试分类")
    classify.add_argument("text", help="居民诉求文字")
    classify.add_argument("--json", action="store_true", help="输出 JSON")
    _model_options(classify)
    classify.set_defaults(nlp_func=run_classify)

    train_p = sub.add_parser("train", help="用带标注的 CSV 训练模型（任何分类体系）")
    train_p.add_argument("files", nargs="*", type=Path, metavar="FILE.csv", help="列: text,department[,request_type]")
    train_p.add_argument("--taxonomy", type=Path, default=None, help="分类体系 TOML（默认为配置中的）")
    train_p.add_argument("--out", type=Path, default=None, help="模型输出路径（默认为配置中的模型路径）")
    train_p.add_argument(
        "--seen-by-lexicon", nargs="+", type=Path, default=[], metavar="FILE.csv",
        help="编写词库时参考过的样本：参与训练，但不用于校准置信度和选阈值",
    )
    train_p.add_argument("--target-precision", type=float, default=None, help="自动分拨的目标准确率（默认取配置）")
    train_p.add_argument("--json", action="store_true", help="输出一个 JSON 对象")
    train_p.set_defaults(nlp_func=run_train)

    eval_p = sub.add_parser("eval", help="在带标注的 CSV 上评估模型")
    eval_p.add_argument("file", type=Path, metavar="FILE.csv")
    eval_p.add_argument("--json", action="store_true", help="输出一个 JSON 对象")
    eval_p.add_argument("--threshold", type=float, default=None, help="置信度阈值（默认取模型校准的阈值）")
    _model_options(eval_p)
    eval_p.set_defaults(nlp_func=run_eval)

    cv = sub.add_parser("crossval", help="k 折交叉验证（每折用其余数据完整训练，含校准）")
    cv.add_argument("files", nargs="+", type=Path, metavar="FILE.csv")
    cv.add_argument("--folds", type=int, default=5)
    cv.add_argument("--json", action="store_true", help="输出一个 JSON 对象")
    cv.add_argument("--taxonomy", type=Path, default=None, help="分类体系 TOML（默认为配置中的）")
    cv.set_defaults(nlp_func=run_crossval)
    return sub


def _model_options(parser: argparse.ArgumentParser) -> None:
    """Add --taxonomy and --model to a command that loads a model."""
    parser.add_argument("--taxonomy", type=Path, default=None, help="分类体系 TOML（默认为配置中的）")
    parser.add_argument("--model", type=Path, default=None, help="模型文件（默认为配置中的）")


def with_options(args: argparse.Namespace, settings: NlpSettings) -> NlpSettings:
    """Return the settings with --taxonomy, --model and --threshold applied."""
    if getattr(args, "taxonomy", None) is not None:
        settings = replace(settings, taxonomy_path=args.taxonomy)
    if getattr(args, "model", None) is not None:
        settings = replace(settings, model_path=args.model)
    threshold = getattr(args, "threshold", None)
    if threshold is not None:
        if not 0.0 <= float(threshold) <= 1.0:
            raise NlpInputError(f"阈值必须在 0 到 1 之间，收到 {threshold}")
        settings = replace(settings, threshold=float(threshold))
    return settings


def run_classify(args: argparse.Namespace, settings: NlpSettings) -> int:
    """Classify one text and print the decision."""
    classifier = load_classifier(with_options(args, settings))
    result = classifier.classify(args.text)
    rtype = classifier.guess_request_type(args.text)
    if args.json:
        payload = {
            "department": result.department,
            "confidence": result.confidence,
            "guess": result.guess,
            "alternatives": [[c.code, c.score] for c in result.alternatives],
            "evidence": list(result.evidence),
            "rule": result.rule,
            "request_type": rtype,
            "threshold": classifier.threshold,
        }
        print(json.dumps(payload, ensure_ascii=False))
        return 0
    print(result.display_zh())
    print(f"置信度: {result.confidence:.0%}（阈值 {classifier.threshold:.0%}）    诉求类型: {classifier.taxonomy.request_type_name_zh(rtype)}")
    print("候选: " + "，".join(f"{c.name_zh}（{c.code}）{c.score:.0%}" for c in result.alternatives))
    return 0


def file_rows(args: argparse.Namespace, settings: NlpSettings) -> list[LabelledRow]:
    """Return the labelled rows of the files named on the command line (lexicon sources do not calibrate)."""
    taxonomy, _lexicon, _featurizer = load_featurizer(settings)
    return [*read_many(args.files, taxonomy), *read_many(args.seen_by_lexicon, taxonomy, calibrate=False)]


def run_train(args: argparse.Namespace, settings: NlpSettings, more: Rows | None = None) -> int:
    """Train a model from labelled CSV files (and any further rows), calibrate it, and write it."""
    settings = with_options(args, settings)
    if args.target_precision is not None:
        settings = replace(settings, target_precision=float(args.target_precision))
    rows = file_rows(args, settings) + (more(args, settings) if more else [])
    if not rows:
        raise NlpInputError("没有训练数据：请给出 CSV 文件")
    out = args.out or settings.model_path
    summary = train_and_save(rows, settings, out)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
        return 0
    held = summary["held_out"]
    print(f"已用 {summary['rows']} 条样本训练模型（{len(summary['labels'])} 个部门，用时 {summary['seconds']:.1f} 秒），写入 {out}")
    print(
        f"目标准确率 {settings.target_precision:.0%} → 阈值 {summary['threshold']:.2f}；"
        f"留出折上: 准确率 {held['accuracy']:.1%}，自动分拨 {held['coverage']:.1%}，其中正确 {held['accuracy_routed']:.1%}，ECE {held['ece']:.3f}"
    )
    return 0


def train_and_save(rows: Sequence[LabelledRow], settings: NlpSettings, out: Path, meta: dict[str, Any] | None = None) -> dict[str, Any]:
    """Train on rows with the configured taxonomy and lexicon, save the model to out, and return its figures."""
    from nlp.learn.fit import TrainOptions, train_model  # noqa: PLC0415  (scikit-learn only when training)
    from nlp.learn.report import held_out_figures  # noqa: PLC0415

    start = time.perf_counter()
    taxonomy, _lexicon, featurizer = load_featurizer(settings)
    fitted = train_model(rows, featurizer, taxonomy, TrainOptions(target_precision=settings.target_precision, meta=meta or {}))
    held = held_out_figures(fitted)
    model = replace(fitted.model, figures={"held_out": held})
    save_model(model, out)
    return {
        "rows": len(rows),
        "labels": list(fitted.labels),
        "threshold": round(model.threshold, 4),
        "target_precision": settings.target_precision,
        "held_out": held,
        "seconds": round(time.perf_counter() - start, 2),
        "out": str(out),
    }


def evaluate_rows(classifier: Classifier, rows: Sequence[LabelledRow]) -> Report:
    """Evaluate a loaded classifier on labelled rows."""
    scorer = Scorer(classifier.taxonomy, classifier.model, classifier.threshold)
    return evaluate_prepared(scorer, [(classifier.prepare(r.text), r) for r in rows])


def run_eval(args: argparse.Namespace, settings: NlpSettings) -> int:
    """Evaluate a model on a labelled CSV file."""
    classifier = load_classifier(with_options(args, settings))
    report = evaluate_rows(classifier, read_rows(args.file, classifier.taxonomy))
    print(json.dumps(report.to_json(), ensure_ascii=False) if args.json else report.format_zh(classifier.taxonomy))
    return 0


def run_crossval(args: argparse.Namespace, settings: NlpSettings) -> int:
    """Run k-fold cross-validation of the whole training recipe over labelled CSV files."""
    from nlp.learn.fit import TrainOptions, train_model  # noqa: PLC0415  (scikit-learn only when training)

    if args.folds < 2:
        raise NlpInputError("--folds 至少为 2")
    settings = with_options(args, settings)
    taxonomy, _lexicon, featurizer = load_featurizer(settings)
    rows = read_many(args.files, taxonomy)
    thresholds: list[float] = []

    def trained(train_rows: Sequence[LabelledRow]) -> Callable[[LabelledRow], Classification]:
        """Train on some rows and return a function that classifies a held-out row."""
        fitted = train_model(train_rows, featurizer, taxonomy, TrainOptions(target_precision=settings.target_precision))
        classifier = Classifier(taxonomy, featurizer, fitted.model)
        thresholds.append(classifier.threshold)
        return lambda row: classifier.classify(row.text)

    report = crossval(rows, trained, taxonomy.codes, folds=args.folds)
    report = replace(report, threshold=sum(thresholds) / len(thresholds))
    if args.json:
        print(json.dumps({**report.to_json(), "folds": args.folds}, ensure_ascii=False))
    else:
        print(f"{args.folds} 折交叉验证\n" + report.format_zh(taxonomy))
    return 0
