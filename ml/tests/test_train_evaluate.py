"""`train-evaluate`: one process trains, then scores the test split with the best checkpoint."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import LABELS, run_cli, write_json, write_jsonl


def _config(train_config, tmp_path: Path, test_file: Path) -> Path:
    cfg = json.loads(train_config().read_text())
    cfg.update(test_file=str(test_file), predictions_file=str(tmp_path / "eval" / "predictions.jsonl"),
               metrics_file=str(tmp_path / "eval" / "metrics.json"), predict_batch_size=8)
    return write_json(tmp_path / "train-evaluate.json", cfg)


def test_trains_then_scores_the_best_checkpoint(capsys, train_config, sib_files, tmp_path: Path) -> None:
    cfg_path = _config(train_config, tmp_path, sib_files["test"])
    code, events, _ = run_cli(capsys, "train-evaluate", "--config", str(cfg_path))
    assert code == 0
    names = [e["event"] for e in events]
    assert names[0] == "start" and names.count("epoch") == 2
    assert names[-3:] == ["trained", "evaluate", "done"] and names.count("done") == 1

    cfg = json.loads(cfg_path.read_text())
    trained = next(e for e in events if e["event"] == "trained")
    assert json.loads((Path(cfg["output_dir"]) / "train_result.json").read_text())["best_dir"] == trained["best_dir"]
    metrics = json.loads(Path(cfg["metrics_file"]).read_text())
    assert metrics["n"] == 30 and len(Path(cfg["predictions_file"]).read_text().splitlines()) == 30

    # The same checkpoint scored by the separate `predict` command gives the same figures.
    predict_cfg = write_json(tmp_path / "predict.json", {
        "model_dir": trained["best_dir"], "input_file": str(sib_files["test"]), "labels": LABELS,
        "output_file": str(tmp_path / "p.jsonl"), "max_length": 48, "device": "cpu"})
    code, predicted, _ = run_cli(capsys, "predict", "--config", str(predict_cfg))
    assert code == 0
    assert predicted[-1]["macro_f1"] == metrics["macro_f1"] and predicted[-1]["accuracy"] == metrics["accuracy"]

    # Again: the finished training run is reused, only evaluation runs.
    code, again, _ = run_cli(capsys, "train-evaluate", "--config", str(cfg_path))
    assert code == 0
    assert [e["event"] for e in again] == ["trained", "evaluate", "done"]
    assert again[-1]["macro_f1"] == metrics["macro_f1"]


def test_bad_test_file_fails_before_training(capsys, train_config, sib_files, tmp_path: Path) -> None:
    rows = [json.loads(line) for line in sib_files["test"].read_text().splitlines()[:4]]
    del rows[2]["label"]
    cfg_path = _config(train_config, tmp_path, write_jsonl(tmp_path / "unlabelled.jsonl", rows))
    code, events, err = run_cli(capsys, "train-evaluate", "--config", str(cfg_path))
    assert code == 2
    assert "unlabelled.jsonl" in err and ":3" in err
    assert [e["event"] for e in events] == ["error"]
    assert not Path(json.loads(cfg_path.read_text())["output_dir"]).exists()


def test_missing_evaluation_key_names_it(capsys, train_config, tmp_path: Path) -> None:
    cfg = json.loads(train_config().read_text())
    cfg.update(test_file="t.jsonl", predictions_file="p.jsonl")
    code, _, err = run_cli(capsys, "train-evaluate", "--config", str(write_json(tmp_path / "c.json", cfg)))
    assert code == 2 and "missing required key 'metrics_file'" in err
