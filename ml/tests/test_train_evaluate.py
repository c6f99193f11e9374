"""`train-evaluate`: one process trains, then scores the test split with the best checkpoint."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import LABELS, run_cli, write_json, write_jsonl


def _config(train_config, tmp_path: Path, test_file: Path) -> Path:
    config = json.loads(train_config(predictBatchSize=8).read_text())
    config.update(test_file=str(test_file), predictions_file=str(tmp_path / "eval" / "predictions.jsonl"),
                  metrics_file=str(tmp_path / "eval" / "metrics.json"))
    return write_json(tmp_path / "train-evaluate.json", config)


def test_trains_then_scores_the_best_checkpoint(capsys, train_config, sib_files, tmp_path: Path) -> None:
    config_path = _config(train_config, tmp_path, sib_files["test"])
    code, events, _ = run_cli(capsys, "train-evaluate", "--config", str(config_path))
    assert code == 0
    names = [e["event"] for e in events]
    assert names[0] == "start" and names.count("epoch") == 2
    assert names[-3:] == ["trained", "evaluate", "done"] and names.count("done") == 1

    config = json.loads(config_path.read_text())
    trained = next(e for e in events if e["event"] == "trained")
    assert json.loads((Path(config["output_dir"]) / "train_result.json").read_text())["best_dir"] == trained["best_dir"]
    metrics = json.loads(Path(config["metrics_file"]).read_text())
    assert metrics["n"] == 30 and len(Path(config["predictions_file"]).read_text().splitlines()) == 30

    # The same checkpoint scored by the separate `predict` command gives the same figures.
    predict_config = write_json(tmp_path / "predict.json", {
        "model_dir": trained["best_dir"], "input_file": str(sib_files["test"]), "labels": LABELS, "checkpoints": "best",
        "output_file": str(tmp_path / "p.jsonl"), "settings": config["settings"]})
    code, predicted, _ = run_cli(capsys, "predict", "--config", str(predict_config))
    assert code == 0
    assert predicted[-1]["macro_f1"] == metrics["macro_f1"] and predicted[-1]["accuracy"] == metrics["accuracy"]

    # Again: the finished training run is reused, only evaluation runs.
    code, again, _ = run_cli(capsys, "train-evaluate", "--config", str(config_path))
    assert code == 0
    assert [e["event"] for e in again] == ["trained", "evaluate", "done"]
    assert again[-1]["macro_f1"] == metrics["macro_f1"]


def test_bad_test_file_fails_before_training(capsys, train_config, sib_files, tmp_path: Path) -> None:
    rows = [json.loads(line) for line in sib_files["test"].read_text().splitlines()[:4]]
    del rows[2]["label"]
    config_path = _config(train_config, tmp_path, write_jsonl(tmp_path / "unlabelled.jsonl", rows))
    code, events, err = run_cli(capsys, "train-evaluate", "--config", str(config_path))
    assert code == 2
    assert "unlabelled.jsonl" in err and ":3" in err
    assert [e["event"] for e in events] == ["error"]
    assert not Path(json.loads(config_path.read_text())["output_dir"]).exists()


def test_missing_evaluation_key_names_it(capsys, train_config, tmp_path: Path) -> None:
    config = json.loads(train_config().read_text())
    config.update(test_file="t.jsonl", predictions_file="p.jsonl")
    code, _, err = run_cli(capsys, "train-evaluate", "--config", str(write_json(tmp_path / "c.json", config)))
    assert code == 2 and "missing required key 'metrics_file'" in err


def test_a_model_that_answers_one_label_is_named_in_the_metrics(capsys, train_config, sib_files, tmp_path: Path) -> None:
    """A training set of one label (what a weak generator's data product can come down to): the model answers
    that label for every test row, and the metrics and stderr say so beside the below-chance macro-F1."""
    travel = [json.loads(line) for line in sib_files["train"].read_text().splitlines() if json.loads(line)["label"] == "travel"]
    config = json.loads(train_config(pooling="mean", headInit="linear-probe", maxEpochs=1, lr=1e-12, headLr=1e-12,
                                     train_file=str(write_jsonl(tmp_path / "travel.jsonl", travel))).read_text())
    config.update(test_file=str(sib_files["test"]), predictions_file=str(tmp_path / "p.jsonl"), metrics_file=str(tmp_path / "m.json"))
    code, events, err = run_cli(capsys, "train-evaluate", "--config", str(write_json(tmp_path / "te.json", config)))
    assert code == 0
    metrics = json.loads((tmp_path / "m.json").read_text())
    assert metrics["warnings"] == ["predicts one label ('travel') for all 30 rows"]
    assert events[-1]["warnings"] == metrics["warnings"]
    assert "predicts one label ('travel') for all 30 rows" in err
    assert f"{len(travel)} train rows, none of 6 of the 7 labels: 'science/technology', 'politics'" in err


def test_prediction_warnings_name_the_labels_never_predicted() -> None:
    from synthlab_ml.metrics import prediction_warnings

    assert prediction_warnings([0, 1, 2, 1], ["a", "b", "c"]) == []
    assert prediction_warnings([0, 2, 2], ["a", "b", "c", "d"]) == ["never predicts 2 of 4 labels on 3 rows: 'b', 'd'"]
    assert prediction_warnings([], ["a", "b"]) == []
