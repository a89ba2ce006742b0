"""The nlp commands: train → eval round trip, crossval, classify, and input errors."""

from __future__ import annotations

import argparse
import csv
import json
from dataclasses import replace
from pathlib import Path

import pytest

from nlp import NlpSettings
from nlp.cli import add_commands
from nlp.errors import NlpInputError

ROWS = [
    ("路口井盖坏了", "shizheng", "help"),
    ("路灯不亮好几天了", "shizheng", "complaint"),
    ("又停水了什么时候来水", "gongshui", "consultation"),
    ("自来水发黄", "gongshui", "complaint"),
    ("楼上半夜蹦迪太吵", "gongan", "complaint"),
    ("广场舞音响太吵", "gongan", "complaint"),
    ("这个平台怎么上传照片", "dispatch", "consultation"),
]


def _parse(argv: list[str]) -> argparse.Namespace:
    """Parse argv with a parser carrying only the nlp commands."""
    parser = argparse.ArgumentParser(prog="qungong")
    add_commands(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def _run(argv: list[str], settings: NlpSettings) -> int:
    """Run an nlp command the way the main CLI does."""
    args = _parse(argv)
    return int(args.nlp_func(args, settings))


def _write(path: Path, rows: list[tuple[str, str, str]], header: tuple[str, ...] = ("text", "department", "request_type")) -> Path:
    """Write a small labelled CSV file."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_train_then_eval_round_trip(tmp_path: Path, nlp_settings: NlpSettings, capsys: pytest.CaptureFixture[str]) -> None:
    """Training on a file writes a model that then scores that file well."""
    data = _write(tmp_path / "train.csv", ROWS)
    settings = replace(nlp_settings, model_path=tmp_path / "model.json")
    assert _run(["nlp", "train", str(data)], settings) == 0
    assert (tmp_path / "model.json").exists()
    assert "7" in capsys.readouterr().out
    assert _run(["nlp", "eval", str(data), "--json", "--threshold", "0.3"], settings) == 0
    report = json.loads(capsys.readouterr().out)
    assert {"accuracy", "macro_f1", "coverage", "accuracy_routed", "n"} <= report.keys()
    assert report["n"] == 7
    assert report["accuracy"] >= 6 / 7
    assert _run(["nlp", "eval", str(data)], settings) == 0
    assert "准确率" in capsys.readouterr().out


def test_train_out_option(tmp_path: Path, nlp_settings: NlpSettings) -> None:
    """--out writes the model elsewhere and leaves the configured path alone."""
    data = _write(tmp_path / "train.csv", ROWS)
    settings = replace(nlp_settings, model_path=tmp_path / "default.json")
    assert _run(["nlp", "train", str(data), "--out", str(tmp_path / "other.json")], settings) == 0
    assert (tmp_path / "other.json").exists()
    assert not (tmp_path / "default.json").exists()


def test_crossval_json(tmp_path: Path, nlp_settings: NlpSettings, capsys: pytest.CaptureFixture[str]) -> None:
    """Cross-validation reports the same keys as eval."""
    data = _write(tmp_path / "train.csv", ROWS * 2)
    assert _run(["nlp", "crossval", str(data), "--folds", "3", "--json"], nlp_settings) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["n"] == 14 and report["folds"] == 3
    assert 0.0 <= report["coverage"] <= 1.0


def test_classify_prints_department(nlp_settings: NlpSettings, capsys: pytest.CaptureFixture[str]) -> None:
    """classify prints the routing note in Chinese."""
    assert _run(["nlp", "classify", "井盖没了"], nlp_settings) == 0
    assert "区市政设施管理处" in capsys.readouterr().out


def test_missing_file_is_an_input_error(tmp_path: Path, nlp_settings: NlpSettings) -> None:
    """A missing file raises NlpInputError with a one-line message."""
    with pytest.raises(NlpInputError, match="找不到文件"):
        _run(["nlp", "eval", str(tmp_path / "nope.csv")], nlp_settings)


def test_bad_header_is_an_input_error(tmp_path: Path, nlp_settings: NlpSettings) -> None:
    """A CSV without text,department columns raises NlpInputError."""
    data = _write(tmp_path / "bad.csv", [("x", "y", "z")], header=("words", "label", "kind"))
    with pytest.raises(NlpInputError, match="表头"):
        _run(["nlp", "train", str(data)], nlp_settings)


def test_unknown_department_is_an_input_error(tmp_path: Path, nlp_settings: NlpSettings) -> None:
    """An unknown department code names the line."""
    data = _write(tmp_path / "bad.csv", [("井盖没了", "roads", "help")])
    with pytest.raises(NlpInputError, match="第 2 行"):
        _run(["nlp", "train", str(data)], nlp_settings)


def test_bad_threshold_is_an_input_error(tmp_path: Path, nlp_settings: NlpSettings) -> None:
    """A threshold outside [0, 1] is refused."""
    data = _write(tmp_path / "t.csv", ROWS)
    with pytest.raises(NlpInputError, match="阈值"):
        _run(["nlp", "eval", str(data), "--threshold", "2"], nlp_settings)


def test_missing_model_is_an_input_error(tmp_path: Path, nlp_settings: NlpSettings) -> None:
    """A missing model file tells the user to train first."""
    settings = replace(nlp_settings, model_path=tmp_path / "none.json")
    with pytest.raises(NlpInputError, match="模型"):
        _run(["nlp", "classify", "井盖没了"], settings)
