"""A district's own taxonomy and history, 8,000 rows in 7 categories: training time and accuracy vs a plain baseline.

Run from the repository root:

    .venv/bin/python bench/nlp_district_bench.py [--rows 8000] [--rounds 3] [--json]

Generates the city's history (tests/nlp/synthetic.py: 7 made-up categories, shared phrases, typos,
3 % mislabelled rows), splits it 80/20, trains QunGong's model through the CLI
(`qungong nlp train … --taxonomy … --out …`, a fresh process, wall time) and evaluates it on the
held-out rows (`qungong nlp eval … --json`). The reference is a plain TF-IDF (character 1-3-grams)
+ LinearSVC trained on the same 80 % in the same run. Times are medians of --rounds runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.nlp.synthetic import CITY_CATEGORIES, CITY_SHARED, generate, write_csv, write_taxonomy  # noqa: E402

QUNGONG = str(Path(sys.executable).with_name("qungong"))


def baseline(train: list[tuple[str, str]], test: list[tuple[str, str]]) -> tuple[float, float]:
    """Return the accuracy and training seconds of TF-IDF (char 1-3) + LinearSVC on the same split."""
    from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: PLC0415
    from sklearn.pipeline import make_pipeline  # noqa: PLC0415
    from sklearn.svm import LinearSVC  # noqa: PLC0415

    start = time.perf_counter()
    model = make_pipeline(TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True), LinearSVC())
    model.fit([t for t, _ in train], [d for _, d in train])
    seconds = time.perf_counter() - start
    predicted = model.predict([t for t, _ in test])
    return sum(p == d for p, (_, d) in zip(predicted, test, strict=True)) / len(test), seconds


def run(folder: Path, rows: int, target: float) -> dict[str, float]:
    """Train and evaluate once; return the figures."""
    data = generate(CITY_CATEGORIES, CITY_SHARED, rows, seed=2026)
    cut = int(len(data) * 0.8)
    train, test = data[:cut], data[cut:]
    taxonomy = write_taxonomy(folder / "city.toml", CITY_CATEGORIES)
    write_csv(folder / "train.csv", train)
    write_csv(folder / "test.csv", test)
    env = {"QUNGONG_NLP__CACHE_DIR": str(folder / "cache"), "PATH": "/usr/bin:/bin"}
    common = ["--taxonomy", str(taxonomy)]
    # Build the jieba dictionary cache first (the command then refuses the packaged model: another taxonomy).
    subprocess.run([QUNGONG, "nlp", "classify", "预热", *common], env=env, capture_output=True, check=False)
    write_csv(folder / "all.csv", data)
    start = time.perf_counter()
    subprocess.run([QUNGONG, "nlp", "train", str(folder / "all.csv"), *common, "--out", str(folder / "all.json")], env=env, check=True, capture_output=True)
    seconds_all = time.perf_counter() - start
    start = time.perf_counter()
    subprocess.run(
        [QUNGONG, "nlp", "train", str(folder / "train.csv"), *common, "--out", str(folder / "m.json"), "--target-precision", str(target)],
        env=env, check=True, capture_output=True,
    )
    seconds = time.perf_counter() - start
    out = subprocess.run(
        [QUNGONG, "nlp", "eval", str(folder / "test.csv"), *common, "--model", str(folder / "m.json"), "--json"],
        env=env, check=True, capture_output=True, text=True,
    ).stdout
    report = json.loads(out)
    base_accuracy, base_seconds = baseline(train, test)
    return {
        "train_rows": len(train),
        "test_rows": len(test),
        "train_seconds": seconds,
        "all_rows_seconds": seconds_all,
        "accuracy": report["top1"],
        "coverage": report["coverage"],
        "accuracy_routed": report["accuracy_routed"],
        "threshold": report["threshold"],
        "ece": report["ece"],
        "baseline_accuracy": base_accuracy,
        "baseline_seconds": base_seconds,
    }


def main() -> None:
    """Run the benchmark and print the figures (medians of the rounds)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=8000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--target-precision", type=float, default=0.95, help="3 %% of the rows are mislabelled: no threshold reaches 98 %%")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = []
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory() as folder:
            results.append(run(Path(folder), args.rows, args.target_precision))
    figures = {k: statistics.median(r[k] for r in results) for k in results[0]}
    if args.json:
        print(json.dumps(figures))
        return
    print(f"rows: {figures['train_rows']:.0f} train / {figures['test_rows']:.0f} held out, 7 categories")
    print(f"qungong nlp train, all {args.rows} rows: {figures['all_rows_seconds']:.1f} s; the 80 % split: {figures['train_seconds']:.1f} s "
          f"(medians of {args.rounds}, wall, a fresh process each; the baseline fits in {figures['baseline_seconds']:.1f} s)")
    print(f"accuracy on held-out rows: {figures['accuracy']:.4f}  (TF-IDF + LinearSVC: {figures['baseline_accuracy']:.4f}, "
          f"difference {100 * (figures['accuracy'] - figures['baseline_accuracy']):+.2f} points)")
    print(f"target precision {args.target_precision:.0%} → threshold {figures['threshold']:.2f}: coverage {figures['coverage']:.1%}, "
          f"accuracy of routed {figures['accuracy_routed']:.1%}, ECE {figures['ece']:.3f}")


if __name__ == "__main__":
    main()
