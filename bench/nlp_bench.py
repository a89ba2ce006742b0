"""Benchmark the routing classifier against its budgets: latency p50/p99, cold start, peak memory.

Run from the repository root:

    .venv/bin/python bench/nlp_bench.py [--rounds 3] [--json]

Budgets (issue 15): p50 ≤ 0.3 ms, p99 ≤ 3 ms per classification, cold start ≤ 1 s, RSS ≤ 120 MB.

Latency is measured in-process after a warm-up over the labelled texts shipped in nlp/data,
per request, both as wall time and as the thread's CPU time (the figure that does not move when
other processes share the cores). The reference, measured in the same run on the same texts, is
jieba's cut alone (one step of every classification): the ratio classify / jieba says how the
classifier compares on whatever machine runs it. Cold start runs a fresh interpreter that
imports nlp, loads the jieba dictionary and the model and classifies one text (warm cache, the
normal case; and once with an empty cache, the first start after install), reporting wall and
CPU seconds; peak memory is that process's ru_maxrss. Every figure is the median of --rounds.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlp import NlpSettings, load_classifier  # noqa: E402  (needs the repository on sys.path)

BUDGETS = {"p50_ms": 0.3, "p99_ms": 3.0, "cold_start_s": 1.0, "rss_mb": 120.0}
CHILD = """
import resource, sys, time
start, cpu = time.perf_counter(), time.process_time()
from pathlib import Path
from dataclasses import replace
from nlp import NlpSettings, load_classifier
settings = replace(NlpSettings(), cache_dir=Path(sys.argv[1]))
classifier = load_classifier(settings)
classifier.classify("路口的井盖破了")
print(time.perf_counter() - start, time.process_time() - cpu, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _texts() -> list[str]:
    """Return the labelled texts shipped with the package."""
    texts: list[str] = []
    for name in ("dev_requests.csv", "train_extra.csv"):
        with (ROOT / "nlp" / "data" / name).open(encoding="utf-8") as handle:
            texts.extend(row["text"] for row in csv.DictReader(handle))
    return texts


def _percentile(values: list[float], q: float) -> float:
    """Return the q-th percentile (0..100) by nearest rank."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))
    return ordered[index]


def latency_round(cache_dir: Path) -> dict[str, float]:
    """Measure one pass: per-request wall and CPU time of classify, and of jieba's cut (the reference)."""
    classifier = load_classifier(replace(NlpSettings(), cache_dir=cache_dir))
    texts = _texts()
    cut = classifier.featurizer.tokenizer.cut
    normalise = classifier.featurizer.normaliser
    for text in texts[:300]:
        classifier.classify(text)
    wall: list[float] = []
    cpu: list[float] = []
    reference: list[float] = []
    for text in texts:
        t0, c0 = time.perf_counter(), time.thread_time()
        classifier.classify(text)
        c1, t1 = time.thread_time(), time.perf_counter()
        wall.append(t1 - t0)
        cpu.append(c1 - c0)
        clean = normalise(text)
        r0 = time.thread_time()
        cut(clean)
        reference.append(time.thread_time() - r0)
    long_text = "楼下烧烤店油烟太大了，" * 1000
    t0 = time.thread_time()
    classifier.classify(long_text)
    return {
        "requests": len(texts),
        "p50_ms": _percentile(wall, 50) * 1000,
        "p99_ms": _percentile(wall, 99) * 1000,
        "cpu_p50_ms": _percentile(cpu, 50) * 1000,
        "cpu_p99_ms": _percentile(cpu, 99) * 1000,
        "cpu_mean_ms": statistics.fmean(cpu) * 1000,
        "jieba_cpu_p50_ms": _percentile(reference, 50) * 1000,
        "ratio_to_jieba": statistics.fmean(cpu) / statistics.fmean(reference),
        "ten_thousand_chars_cpu_ms": (time.thread_time() - t0) * 1000,
    }


def cold_start(cache_dir: Path) -> dict[str, float]:
    """Start a fresh interpreter: wall and CPU seconds to a first classification, and its peak memory."""
    out = subprocess.run([sys.executable, "-c", CHILD, str(cache_dir)], cwd=ROOT, capture_output=True, text=True, check=True)
    wall, cpu, maxrss = out.stdout.split()
    return {"cold_start_s": float(wall), "cold_start_cpu_s": float(cpu), "rss_mb": int(maxrss) / 1024}


def _median(rounds: list[dict[str, float]]) -> dict[str, float]:
    """Return the median of each figure over the rounds."""
    return {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures with the budgets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds; every figure is their median")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="qungong-bench-") as tmp:
        first = cold_start(Path(tmp) / "cache")
        warm = _median([cold_start(Path(tmp) / "cache") for _ in range(args.rounds)])
        lat = _median([latency_round(Path(tmp) / "cache") for _ in range(args.rounds)])
    result = {"latency": lat, "cold_start_warm_cache": warm, "cold_start_empty_cache": first, "budgets": BUDGETS}
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    ok = {True: "ok", False: "OVER"}
    print(f"{lat['requests']:.0f} requests, medians of {args.rounds} rounds")
    print(f"  wall: p50 {lat['p50_ms']:.3f} ms, p99 {lat['p99_ms']:.3f} ms  (budget {BUDGETS['p50_ms']} / {BUDGETS['p99_ms']} ms: "
          f"{ok[lat['p50_ms'] <= BUDGETS['p50_ms']]} / {ok[lat['p99_ms'] <= BUDGETS['p99_ms']]})")
    print(f"  CPU:  p50 {lat['cpu_p50_ms']:.3f} ms, p99 {lat['cpu_p99_ms']:.3f} ms, mean {lat['cpu_mean_ms']:.3f} ms")
    print(f"  reference, jieba's cut alone: CPU p50 {lat['jieba_cpu_p50_ms']:.3f} ms; classify / jieba = {lat['ratio_to_jieba']:.2f}")
    print(f"  10,000 characters: {lat['ten_thousand_chars_cpu_ms']:.2f} ms CPU")
    print(f"cold start, warm cache: {warm['cold_start_s']:.3f} s wall, {warm['cold_start_cpu_s']:.3f} s CPU "
          f"(budget {BUDGETS['cold_start_s']} s: {ok[warm['cold_start_s'] <= BUDGETS['cold_start_s']]}), "
          f"peak RSS {warm['rss_mb']:.1f} MB (budget {BUDGETS['rss_mb']:.0f} MB: {ok[warm['rss_mb'] <= BUDGETS['rss_mb']]})")
    print(f"first start, empty cache: {first['cold_start_s']:.3f} s wall, {first['cold_start_cpu_s']:.3f} s CPU, "
          f"peak RSS {first['rss_mb']:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
