"""Benchmark the routing classifier: latency p50/p99, throughput, cold start and peak memory.

Run from the repository root:

    .venv/bin/python bench/nlp_bench.py [--rounds 5] [--json]

Latency is measured in-process after a warm-up over the labelled texts shipped
in nlp/data. Cold start runs a fresh interpreter that imports nlp, loads the
jieba dictionary and the model, and classifies one text; it is measured with a
warm cache (the normal case) and once with an empty cache directory (first
start after install). Peak memory is that subprocess's ru_maxrss.
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

CHILD = """
import resource, sys, time
start = time.perf_counter()
from pathlib import Path
from dataclasses import replace
from nlp import NlpSettings, load_classifier
settings = replace(NlpSettings(), cache_dir=Path(sys.argv[1]))
classifier = load_classifier(settings)
classifier.classify("路口的井盖破了")
elapsed = time.perf_counter() - start
print(elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
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


def latency(rounds: int, cache_dir: Path) -> dict[str, float]:
    """Measure per-request latency and throughput in-process after warm-up."""
    classifier = load_classifier(replace(NlpSettings(), cache_dir=cache_dir))
    texts = _texts()
    for text in texts[:200]:
        classifier.classify(text)
    samples: list[float] = []
    begin = time.perf_counter()
    for _ in range(rounds):
        for text in texts:
            t0 = time.perf_counter()
            classifier.classify(text)
            samples.append(time.perf_counter() - t0)
    total = time.perf_counter() - begin
    long_text = "楼下烧烤店油烟太大了，" * 1000
    t0 = time.perf_counter()
    classifier.classify(long_text)
    long_ms = (time.perf_counter() - t0) * 1000
    return {
        "requests": len(samples),
        "p50_ms": _percentile(samples, 50) * 1000,
        "p99_ms": _percentile(samples, 99) * 1000,
        "mean_ms": statistics.fmean(samples) * 1000,
        "throughput_per_s": len(samples) / total,
        "ten_thousand_chars_ms": long_ms,
    }


def cold_start(cache_dir: Path, runs: int) -> dict[str, float]:
    """Start fresh interpreters and report load time (median) and peak memory (max)."""
    times: list[float] = []
    walls: list[float] = []
    rss: list[float] = []
    for _ in range(runs):
        t0 = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(cache_dir)], cwd=ROOT, capture_output=True, text=True, check=True
        )
        walls.append(time.perf_counter() - t0)
        elapsed, maxrss = out.stdout.split()
        times.append(float(elapsed))
        rss.append(int(maxrss) / 1024)
    return {
        "load_s": statistics.median(times),
        "process_wall_s": statistics.median(walls),
        "peak_rss_mb": max(rss),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="passes over the texts for latency")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="qungong-bench-") as tmp:
        first = cold_start(Path(tmp) / "cache", 1)
        warm = cold_start(Path(tmp) / "cache", 5)
        lat = latency(args.rounds, Path(tmp) / "cache")
    result = {"latency": lat, "cold_start_warm_cache": warm, "cold_start_empty_cache": first}
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    print(f"请求数 {lat['requests']:.0f}: p50 {lat['p50_ms']:.3f} ms, p99 {lat['p99_ms']:.3f} ms, "
          f"平均 {lat['mean_ms']:.3f} ms, 吞吐 {lat['throughput_per_s']:.0f} 条/秒")
    print(f"一万字文本: {lat['ten_thousand_chars_ms']:.2f} ms")
    print(f"冷启动（缓存已建）: 加载 {warm['load_s']:.3f} s, 进程总耗时 {warm['process_wall_s']:.3f} s, "
          f"峰值内存 {warm['peak_rss_mb']:.1f} MB")
    print(f"首次启动（空缓存）: 加载 {first['load_s']:.3f} s, 进程总耗时 {first['process_wall_s']:.3f} s, "
          f"峰值内存 {first['peak_rss_mb']:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
