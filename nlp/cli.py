"""The `qungong nlp ...` commands: classify, train, eval and crossval."""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

from nlp.classifier import Classifier, load_classifier, load_featurizer
from nlp.errors import NlpInputError
from nlp.evaluate import crossval, evaluate_prepared
from nlp.scoring import Scorer
from nlp.settings import NlpSettings
from nlp.training import read_many, read_rows, save_model, train


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `nlp` command and its sub-commands to the main CLI."""
    nlp = subparsers.add_parser("nlp", help="诉求分类：试分类、训练、评估")
    sub = nlp.add_subparsers(dest="nlp_command", required=True)

    classify = sub.add_parser("classify", help="对一段文字试分类")
    classify.add_argument("text", help="居民诉求文字")
    classify.add_argument("--json", action="store_true", help="输出 JSON")
    classify.set_defaults(nlp_func=run_classify)

    train_p = sub.add_parser("train", help="用带标注的 CSV 训练模型")
    train_p.add_argument("files", nargs="+", type=Path, metavar="FILE.csv", help="列: text,department[,request_type]")
    train_p.add_argument("--out", type=Path, default=None, help="模型输出路径（默认为配置中的模型路径）")
    train_p.set_defaults(nlp_func=run_train)

    eval_p = sub.add_parser("eval", help="在带标注的 CSV 上评估当前模型")
    eval_p.add_argument("file", type=Path, metavar="FILE.csv")
    eval_p.add_argument("--json", action="store_true", help="输出一个 JSON 对象")
    eval_p.add_argument("--threshold", type=float, default=None, help="置信度阈值（默认取配置）")
    eval_p.set_defaults(nlp_func=run_eval)

    cv = sub.add_parser("crossval", help="k 折交叉验证（每折只用其余数据和词库训练）")
    cv.add_argument("files", nargs="+", type=Path, metavar="FILE.csv")
    cv.add_argument("--folds", type=int, default=5)
    cv.add_argument("--json", action="store_true", help="输出一个 JSON 对象")
    cv.add_argument("--threshold", type=float, default=None, help="置信度阈值（默认取配置）")
    cv.set_defaults(nlp_func=run_crossval)


def _threshold(args: argparse.Namespace, settings: NlpSettings) -> float:
    """Return the threshold from the command line or the settings, checked to lie in [0, 1]."""
    value = settings.threshold if args.threshold is None else float(args.threshold)
    if not 0.0 <= value <= 1.0:
        raise NlpInputError(f"阈值必须在 0 到 1 之间，收到 {value}")
    return value


def run_classify(args: argparse.Namespace, settings: NlpSettings) -> int:
    """Classify one text and print the decision."""
    classifier = load_classifier(settings)
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
        }
        print(json.dumps(payload, ensure_ascii=False))
        return 0
    print(result.display_zh())
    print(f"置信度: {result.confidence:.0%}    诉求类型: {classifier.taxonomy.request_type_name_zh(rtype)}")
    print("候选: " + "，".join(f"{c.name_zh}（{c.code}）{c.score:.0%}" for c in result.alternatives))
    return 0


def run_train(args: argparse.Namespace, settings: NlpSettings) -> int:
    """Train a model from labelled CSV files and write it."""
    taxonomy, _lexicon, featurizer = load_featurizer(settings)
    rows = read_many(args.files, taxonomy)
    model = train(rows, featurizer, taxonomy)
    out = args.out or settings.model_path
    save_model(model, out)
    print(f"已用 {len(rows)} 条样本训练模型，写入 {out}")
    return 0


def run_eval(args: argparse.Namespace, settings: NlpSettings) -> int:
    """Evaluate the configured model on a labelled CSV file."""
    threshold = _threshold(args, settings)
    classifier: Classifier = load_classifier(replace(settings, threshold=threshold))
    rows = read_rows(args.file, classifier.taxonomy)
    scorer = Scorer(classifier.taxonomy, classifier.featurizer.lexicon, classifier.model, threshold)
    report = evaluate_prepared(scorer, [(classifier.prepare(r.text), r) for r in rows])
    print(json.dumps(report.to_json(), ensure_ascii=False) if args.json else report.format_zh(classifier.taxonomy))
    return 0


def run_crossval(args: argparse.Namespace, settings: NlpSettings) -> int:
    """Run k-fold cross-validation over labelled CSV files and print the figures."""
    threshold = _threshold(args, settings)
    if args.folds < 2:
        raise NlpInputError("--folds 至少为 2")
    taxonomy, lexicon, featurizer = load_featurizer(settings)
    rows = read_many(args.files, taxonomy)
    report = crossval(rows, featurizer, taxonomy, lexicon, threshold, folds=args.folds)
    if args.json:
        print(json.dumps({**report.to_json(), "folds": args.folds}, ensure_ascii=False))
    else:
        print(f"{args.folds} 折交叉验证\n" + report.format_zh(taxonomy))
    return 0
