"""`predict` with every epoch checkpoint ([E, N, C] probabilities), `score_labels`, and what the probe refuses."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import LABELS, run_cli, write_json, write_jsonl
from synthlab_ml.config import default_trainer_settings


def _predict(capsys, tmp_path: Path, name: str, **config) -> tuple[int, list[dict], str]:
    path = write_json(tmp_path / f"predict-{name}.json", {
        "labels": LABELS, "output_file": str(tmp_path / f"{name}.jsonl"),
        "settings": default_trainer_settings(maxLength=48, device="cpu"), "checkpoints": "best", **config})
    return run_cli(capsys, "predict", "--config", str(path))


def _probs(path: Path) -> np.ndarray:
    return np.array([json.loads(line)["probs"] for line in path.read_text().splitlines()], dtype=np.float32)


@pytest.fixture(scope="module")
def run_with_epochs(tmp_path_factory: pytest.TempPathFactory, tiny_model: Path, sib_files) -> Path:
    """A mean-pooled run with frozen embeddings, 3 epochs, every epoch kept twice: as an epoch checkpoint
    (trained tensors only) and as a full resume checkpoint (keepCheckpointsWhenDone)."""
    from synthlab_ml.cli import main

    root = tmp_path_factory.mktemp("epochs")
    settings = default_trainer_settings(lr=1e-3, batchSize=16, maxLength=48, maxEpochs=3, patience=5, device="cpu",
                                        pooling="mean", headInit="random", minSteps=0, freezeEmbeddings=True,
                                        keepEpochCheckpoints=True, keepCheckpoints=10, keepCheckpointsWhenDone=True)
    config = write_json(root / "train.json", {
        "model": str(tiny_model), "train_file": str(sib_files["train"]), "dev_file": str(sib_files["dev"]),
        "labels": LABELS, "output_dir": str(root / "run"), "seed": 13, "settings": settings})
    assert main(["train", "--config", str(config)]) == 0
    return root / "run"


def test_every_epoch_probabilities_match_each_epochs_full_checkpoint(capsys, tmp_path: Path, run_with_epochs: Path, sib_files) -> None:
    capsys.readouterr()
    result = json.loads((run_with_epochs / "train_result.json").read_text())
    assert [c["epoch"] for c in result["epoch_checkpoints"]] == [1, 2, 3]
    for checkpoint in result["epoch_checkpoints"]:
        # Only what training changed: the frozen embedding matrix stays in best/.
        trained = Path(checkpoint["dir"]) / "trained.safetensors"
        assert trained.stat().st_size < 0.5 * (run_with_epochs / "best" / "model.safetensors").stat().st_size

    code, events, _ = _predict(capsys, tmp_path, "every", model_dir=str(run_with_epochs), input_file=str(sib_files["test"]),
                               checkpoints="every-epoch", probabilities_file=str(tmp_path / "probs.npy"))
    assert code == 0 and events[-1]["probabilities_shape"] == [3, 30, len(LABELS)] and events[-1]["epochs"] == [1, 2, 3]
    probabilities = np.load(tmp_path / "probs.npy")
    assert probabilities.dtype == np.float32 and probabilities.shape == (3, 30, len(LABELS))
    assert np.allclose(probabilities.sum(-1), 1, atol=1e-5)
    # The best model's rows go to output_file as before.
    best_probs = _probs(tmp_path / "every.jsonl")
    assert np.allclose(best_probs, probabilities[result["best_epoch"] - 1], atol=1e-6)
    # Epoch k's slice is what the full checkpoint of epoch k predicts.
    for k in (1, 2, 3):
        code, _, _ = _predict(capsys, tmp_path, f"epoch{k}", model_dir=str(run_with_epochs / "checkpoints" / f"epoch-{k}"),
                              input_file=str(sib_files["test"]))
        assert code == 0
        assert np.allclose(_probs(tmp_path / f"epoch{k}.jsonl"), probabilities[k - 1], atol=1e-5), k
    assert not np.allclose(probabilities[0], probabilities[2], atol=1e-3)  # the epochs differ: the check can fail

    # The best/ dir names the same run; "best" writes one slice.
    code, events, _ = _predict(capsys, tmp_path, "best", model_dir=str(run_with_epochs / "best"), input_file=str(sib_files["test"]),
                               probabilities_file=str(tmp_path / "best.npy"))
    assert code == 0 and np.load(tmp_path / "best.npy").shape == (1, 30, len(LABELS))
    code, _, _ = _predict(capsys, tmp_path, "every-best", model_dir=str(run_with_epochs / "best"), input_file=str(sib_files["test"]),
                          checkpoints="every-epoch", probabilities_file=str(tmp_path / "again.npy"))
    assert code == 0 and np.array_equal(np.load(tmp_path / "again.npy"), probabilities)


def test_every_epoch_needs_a_run_that_kept_them(capsys, tmp_path: Path, tiny_model: Path, sib_files, train_config) -> None:
    code, _, err = _predict(capsys, tmp_path, "nowhere", model_dir=str(tiny_model), input_file=str(sib_files["test"]),
                            checkpoints="every-epoch", probabilities_file=str(tmp_path / "p.npy"))
    assert code == 2 and "train_result.json" in err
    code, events, _ = run_cli(capsys, "train", "--config", str(train_config(maxEpochs=1)))
    assert code == 0
    code, _, err = _predict(capsys, tmp_path, "none-kept", model_dir=events[-1]["best_dir"], input_file=str(sib_files["test"]),
                            checkpoints="every-epoch", probabilities_file=str(tmp_path / "p.npy"))
    assert code == 2 and "keepEpochCheckpoints" in err
    code, _, err = _predict(capsys, tmp_path, "no-file", model_dir=events[-1]["best_dir"], input_file=str(sib_files["test"]),
                            checkpoints="every-epoch")
    assert code == 2 and "'probabilities_file'" in err


SUBSET = ["travel", "politics", "sports"]


def test_score_labels_restrict_the_argmax_and_the_metrics(capsys, tmp_path: Path, run_with_epochs: Path, sib_files) -> None:
    # The first test rows are all science/technology: the train rows have every label.
    rows = [json.loads(line) for line in sib_files["train"].read_text().splitlines()]
    subset_rows = write_jsonl(tmp_path / "subset.jsonl", [row for row in rows if row["label"] in SUBSET])
    n = len(subset_rows.read_text().splitlines())
    assert n == 20
    code, events, _ = _predict(capsys, tmp_path, "scored", model_dir=str(run_with_epochs / "best"), input_file=str(subset_rows),
                               score_labels=SUBSET, metrics_file=str(tmp_path / "m.json"))
    assert code == 0
    metrics = json.loads((tmp_path / "m.json").read_text())
    assert metrics["scored_labels"] == SUBSET and metrics["labels"] == SUBSET and metrics["n"] == n
    assert np.array(metrics["confusion_matrix"]).shape == (3, 3)
    predictions = [json.loads(line) for line in (tmp_path / "scored.jsonl").read_text().splitlines()]
    # By hand: the most probable of the three labels, from the full probabilities written beside it.
    index = [LABELS.index(label) for label in SUBSET]
    expected = [SUBSET[int(np.argmax(np.array(p["probs"])[index]))] for p in predictions]
    assert [p["pred"] for p in predictions] == expected and len(predictions[0]["probs"]) == len(LABELS)
    gold = [json.loads(line)["label"] for line in subset_rows.read_text().splitlines()]
    assert metrics["accuracy"] == pytest.approx(sum(g == p for g, p in zip(gold, expected)) / n)

    # A gold label outside the scored ones is a data error naming its line.
    code, _, err = _predict(capsys, tmp_path, "outside", model_dir=str(run_with_epochs / "best"), input_file=str(sib_files["test"]),
                            score_labels=SUBSET)
    assert code == 2 and "score_labels" in err and "test.jsonl:" in err
    code, _, err = _predict(capsys, tmp_path, "unknown", model_dir=str(run_with_epochs / "best"), input_file=str(subset_rows),
                            score_labels=["travel", "weather"])
    assert code == 2 and "'weather' is not in labels" in err


def test_train_evaluate_scores_the_given_labels(capsys, train_config, sib_files, tmp_path: Path) -> None:
    rows = [json.loads(line) for line in sib_files["train"].read_text().splitlines()]
    subset_rows = write_jsonl(tmp_path / "subset.jsonl", [row for row in rows if row["label"] in SUBSET])
    config = json.loads(train_config(maxEpochs=1).read_text())
    config.update(test_file=str(subset_rows), predictions_file=str(tmp_path / "p.jsonl"),
                  metrics_file=str(tmp_path / "m.json"), score_labels=SUBSET)
    code, events, _ = run_cli(capsys, "train-evaluate", "--config", str(write_json(tmp_path / "te.json", config)))
    assert code == 0 and events[-1]["scored_labels"] == SUBSET
    assert {json.loads(line)["pred"] for line in (tmp_path / "p.jsonl").read_text().splitlines()} <= set(SUBSET)
    # A test file with other labels fails before training.
    config.update(test_file=str(sib_files["test"]), output_dir=str(tmp_path / "other"))
    code, events, err = run_cli(capsys, "train-evaluate", "--config", str(write_json(tmp_path / "te2.json", config)))
    assert code == 2 and "score_labels" in err and not any(e["event"] == "start" for e in events)


def test_linear_probe_refuses_soft_labels_and_phases_and_keeps_its_one_epoch(capsys, train_config, sib_files, tmp_path: Path) -> None:
    rows = [json.loads(line) for line in sib_files["train"].read_text().splitlines()]
    rows[5]["soft_label"] = [1 / len(LABELS)] * len(LABELS)
    soft = write_jsonl(tmp_path / "soft.jsonl", rows)
    code, _, err = run_cli(capsys, "train", "--config", str(train_config(method="linear-probe", pooling="mean", train_file=str(soft))))
    assert code == 2 and "soft.jsonl:6" in err and "fine-tune" in err
    code, _, err = run_cli(capsys, "train", "--config", str(train_config(method="linear-probe", pooling="mean", regime="warmup")))
    assert code == 2 and "'regime'" in err and "linear-probe" in err

    code, events, _ = run_cli(capsys, "train", "--config", str(train_config(method="linear-probe", pooling="mean", keepEpochCheckpoints=True)))
    assert code == 0 and [c["epoch"] for c in events[-1]["epoch_checkpoints"]] == [1]
    code, _, _ = _predict(capsys, tmp_path, "probe", model_dir=events[-1]["best_dir"], input_file=str(sib_files["test"]),
                          checkpoints="every-epoch", probabilities_file=str(tmp_path / "probe.npy"))
    assert code == 0
    assert np.allclose(np.load(tmp_path / "probe.npy")[0], _probs(tmp_path / "probe.jsonl"), atol=1e-6)
