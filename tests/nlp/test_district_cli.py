"""A made-up district brings its own taxonomy and history: trained and evaluated end to end through the CLI."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bot.cli.main import main
from tests.nlp.synthetic import PORT_DEPARTMENTS, PORT_SHARED, generate, write_csv, write_taxonomy

CODES = set(PORT_DEPARTMENTS)


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Write the 8-department taxonomy and 2,000 generated examples (1,600 to train, 400 held out)."""
    folder = tmp_path_factory.mktemp("port-district")
    rows = generate(PORT_DEPARTMENTS, PORT_SHARED, 2000, seed=8)
    return {
        "folder": folder,
        "taxonomy": write_taxonomy(folder / "taxonomy.toml", PORT_DEPARTMENTS),
        "train": write_csv(folder / "history.csv", rows[:1600]),
        "test": write_csv(folder / "held_out.csv", rows[1600:]),
        "model": folder / "model.json",
    }


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, district: dict[str, Path]) -> None:
    """Run with no QUNGONG_* variables from outside and the jieba cache in the test folder."""
    for name in list(os.environ):
        if name.startswith("QUNGONG_") and not name.startswith("QUNGONG_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("QUNGONG_NLP__CACHE_DIR", str(district["folder"] / "cache"))


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Run a qungong command, check it succeeded, and return what it printed."""
    capsys.readouterr()
    assert main(argv) == 0
    return capsys.readouterr().out


def test_train_and_eval_a_district_of_its_own(district: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """No department of the built-in taxonomy exists here; training and evaluation need no code change."""
    tax, model = str(district["taxonomy"]), str(district["model"])
    argv = ["nlp", "train", str(district["train"]), "--taxonomy", tax, "--out", model, "--target-precision", "0.95", "--json"]
    out = _cli(argv, capsys)
    summary = json.loads(out)
    assert summary["rows"] == 1600
    assert set(summary["labels"]) == CODES  # dispatch has no example: it is a decision, not a class
    assert 0.0 < summary["threshold"] <= 1.0
    assert summary["held_out"]["accuracy_routed"] >= 0.94  # 3 % of the history is mislabelled

    report = json.loads(_cli(["nlp", "eval", str(district["test"]), "--taxonomy", tax, "--model", model, "--json"], capsys))
    assert {"n", "accuracy", "macro_f1", "coverage", "accuracy_routed", "ece", "reliability"} <= report.keys()
    assert report["n"] == 400
    assert report["top1"] >= 0.85
    assert report["coverage"] >= 0.5
    assert report["ece"] <= 0.1
    assert len(report["reliability"]) == 10
    assert set(report["per_department"]) <= CODES

    text = _cli(["nlp", "classify", "码头装卸的吊车半夜还在作业，吵死了", "--taxonomy", tax, "--model", model, "--json"], capsys)
    assert json.loads(text)["guess"] == "gangwu"


def test_rules_only_count_for_departments_that_declare_their_topic(district: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """With no department owning neighbour noise, "邻居装修太吵" cannot go to the built-in police department."""
    out = _cli(
        ["nlp", "classify", "邻居装修太吵", "--taxonomy", str(district["taxonomy"]), "--model", str(district["model"]), "--json"],
        capsys,
    )
    result = json.loads(out)
    assert result["guess"] in CODES
    assert result["rule"] is None
    assert all(code in CODES for code, _p in result["alternatives"])


def test_a_model_for_another_taxonomy_is_refused(district: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """The packaged taxonomy with the district's model: one clear line, exit 1."""
    capsys.readouterr()
    assert main(["nlp", "classify", "井盖没了", "--model", str(district["model"])]) == 1
    assert "分类体系" in capsys.readouterr().err
