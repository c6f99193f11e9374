from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import f1_score

from conftest import LABELS, run_cli, write_json, write_jsonl
from synthlab_ml.config import default_trainer_settings


@pytest.fixture(scope="module")
def best_dir(tmp_path_factory, tiny_model: Path, sib_files) -> Path:
    from synthlab_ml.config import TrainConfig, config_from_dict, default_trainer_settings
    from synthlab_ml.io_utils import EventWriter
    from synthlab_ml.train import run_train

    out = tmp_path_factory.mktemp("trained")
    config = config_from_dict({
        "model": str(tiny_model), "train_file": str(sib_files["train"]), "dev_file": str(sib_files["dev"]),
        "labels": LABELS, "output_dir": str(out), "seed": 1,
        "settings": default_trainer_settings(lr=1e-3, maxEpochs=2, maxLength=48, device="cpu")}, TrainConfig)
    assert run_train(config, EventWriter(io.StringIO())) == 0
    return out / "best"


def test_predict_with_metrics(capsys, tmp_path: Path, best_dir: Path, sib_files) -> None:
    out, metrics_file = tmp_path / "pred.jsonl", tmp_path / "metrics.json"
    config = write_json(tmp_path / "p.json", {
        "model_dir": str(best_dir), "input_file": str(sib_files["test"]), "labels": LABELS, "checkpoints": "best",
        "output_file": str(out), "metrics_file": str(metrics_file),
        "settings": default_trainer_settings(predictBatchSize=8, device="cpu")})
    code, events, _ = run_cli(capsys, "predict", "--config", str(config))
    assert code == 0 and events[-1]["event"] == "done"

    gold_rows = [json.loads(line) for line in sib_files["test"].read_text().splitlines()]
    preds = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(preds) == len(gold_rows) == 30
    for p in preds:
        assert p["pred"] in LABELS and len(p["probs"]) == len(LABELS)
        assert abs(sum(p["probs"]) - 1) < 1e-4 and p["pred"] == LABELS[int(np.argmax(p["probs"]))]

    m = json.loads(metrics_file.read_text())
    gold = [LABELS.index(r["label"]) for r in gold_rows]
    pred = [LABELS.index(p["pred"]) for p in preds]
    cm = np.array(m["confusion_matrix"])
    assert m["n"] == 30 and cm.sum() == 30 and m["labels"] == LABELS
    assert cm.sum(axis=1).tolist() == [gold.count(i) for i in range(len(LABELS))]
    assert np.isclose(m["macro_f1"], f1_score(gold, pred, average="macro"))
    assert np.isclose(m["accuracy"], np.mean(np.array(gold) == np.array(pred)))
    assert {k: events[-1][k] for k in m} == m


def test_predict_without_gold_labels(capsys, tmp_path: Path, best_dir: Path) -> None:
    inp = write_jsonl(tmp_path / "in.jsonl", [{"text": "The match ended in a draw."}, {"text": "Visit Paris."}])
    config = write_json(tmp_path / "p.json", {
        "model_dir": str(best_dir), "input_file": str(inp), "labels": LABELS, "checkpoints": "best",
        "output_file": str(tmp_path / "pred.jsonl"), "metrics_file": str(tmp_path / "m.json"),
        "settings": default_trainer_settings(device="cpu")})
    code, events, _ = run_cli(capsys, "predict", "--config", str(config))
    assert code == 0 and events[-1]["n"] == 2 and "macro_f1" not in events[-1]
    assert not (tmp_path / "m.json").exists()


@pytest.mark.parametrize("suffix", [".npy", ".jsonl"])
def test_embed_normalized(capsys, tmp_path: Path, tiny_model: Path, sib_files, suffix: str) -> None:
    out = tmp_path / f"emb{suffix}"
    config = write_json(tmp_path / "e.json", {
        "model_dir": str(tiny_model), "input_file": str(sib_files["dev"]), "output_file": str(out),
        "batch_size": 7, "max_length": 128, "device": "cpu"})
    code, events, _ = run_cli(capsys, "embed", "--config", str(config))
    assert code == 0 and events[-1]["n"] == 24 and events[-1]["dim"] == 32
    vecs = np.load(out) if suffix == ".npy" else np.array(
        [json.loads(line)["embedding"] for line in out.read_text().splitlines()])
    assert vecs.shape == (24, 32)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)


def test_minilm_loads_as_classifier(capsys) -> None:
    from synthlab_ml.modeling import load_classifier
    from synthlab_ml.paths import minilm_dir

    model = load_classifier(str(minilm_dir()), ["a", "b", "c"])
    assert model.config.num_labels == 3 and model.config.id2label[2] == "c"
    assert "newly initialized" not in capsys.readouterr().err


def test_paths_command(capsys) -> None:
    code, events, _ = run_cli(capsys, "paths")
    assert code == 0
    paths = events[0]
    assert Path(paths["encoder_minilm"], "config.json").is_file()
    assert paths["gguf_smollm2"].endswith("SmolLM2-135M-Instruct.Q4_1.gguf") and Path(paths["gguf_smollm2"]).is_file()
    assert Path(paths["temporal"]).is_file()
