"""`method: "linear-probe"`: logistic regression on the frozen encoder, through train, predict and train-evaluate."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from safetensors.torch import load_file
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.preprocessing import StandardScaler

from synthlab_ml.config import default_trainer_settings
from conftest import LABELS, run_cli, write_json


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _embed(capsys, tmp_path: Path, model_dir: Path, rows_file: Path) -> np.ndarray:
    out = tmp_path / f"{rows_file.stem}.npy"
    config = write_json(tmp_path / f"embed-{rows_file.stem}.json", {
        "model_dir": str(model_dir), "input_file": str(rows_file), "output_file": str(out), "max_length": 48,
        "batch_size": 64, "device": "cpu"})
    code, _, _ = run_cli(capsys, "embed", "--config", str(config))
    assert code == 0
    return np.load(out).astype(np.float64)


def test_probe_trains_predicts_and_matches_scikit_learn(capsys, train_config, tiny_model, sib_files, tmp_path: Path) -> None:
    config_path = train_config(method="linear-probe", pooling="mean", probeC=0.3)
    out = Path(json.loads(config_path.read_text())["output_dir"])
    code, events, _ = run_cli(capsys, "train", "--config", str(config_path))
    assert code == 0
    assert [e["event"] for e in events] == ["start", "epoch", "done"]
    start, epoch, done = events
    assert start["n_train"] == 48 and start["num_trainable_parameters"] == len(LABELS) * (32 + 1)
    assert epoch["epoch"] == 1 and epoch["is_best"] and epoch["probe_c"] == 0.3 and 0 <= epoch["dev_macro_f1"] <= 1
    assert done["best_epoch"] == 1 and done["epochs_run"] == 1 and done["method"] == "linear-probe"
    assert done["best_dir"] == str((out / "best").resolve()) and json.loads((out / "train_result.json").read_text()) == done
    assert not (out / "checkpoints").exists()
    best = out / "best"
    for name in ("config.json", "model.safetensors", "tokenizer.json", "classifier_head.json",
                 "classifier_head.safetensors", "best_info.json"):
        assert (best / name).is_file(), name
    # The encoder is unchanged: best/ holds the encoder's own weight file, linked, not a copy.
    assert (best / "model.safetensors").stat().st_ino == (tiny_model / "model.safetensors").stat().st_ino

    # The same regression fitted by scikit-learn on the `embed` command's vectors gives the same probabilities.
    train_x = _embed(capsys, tmp_path, tiny_model, sib_files["train"])
    test_x = _embed(capsys, tmp_path, tiny_model, sib_files["test"])
    train_y = [LABELS.index(r["label"]) for r in _rows(sib_files["train"])]
    scaler = StandardScaler().fit(train_x)
    reference = LogisticRegression(C=0.3, max_iter=5000, random_state=13).fit(scaler.transform(train_x), train_y)
    expected = np.zeros((len(test_x), len(LABELS)))
    expected[:, reference.classes_] = reference.predict_proba(scaler.transform(test_x))

    predictions, metrics_file = tmp_path / "pred.jsonl", tmp_path / "metrics.json"
    predict_config = write_json(tmp_path / "predict.json", {
        "model_dir": done["best_dir"], "input_file": str(sib_files["test"]), "labels": LABELS, "checkpoints": "best",
        "output_file": str(predictions), "metrics_file": str(metrics_file),
        "settings": default_trainer_settings(maxLength=48, device="cpu")})
    code, predicted, _ = run_cli(capsys, "predict", "--config", str(predict_config))
    assert code == 0
    probs = np.array([p["probs"] for p in _rows(predictions)])
    assert probs.shape == (30, len(LABELS)) and np.allclose(probs.sum(axis=1), 1, atol=1e-5)
    assert np.allclose(probs, expected, atol=1e-3)
    gold = [LABELS.index(r["label"]) for r in _rows(sib_files["test"])]
    metrics = json.loads(metrics_file.read_text())
    assert np.isclose(metrics["macro_f1"], f1_score(gold, probs.argmax(axis=1), average="macro"))
    assert predicted[-1]["macro_f1"] == metrics["macro_f1"]

    # A finished probe is not fitted again.
    code, again, _ = run_cli(capsys, "train", "--config", str(config_path))
    assert code == 0 and again == [done]


def test_probe_chooses_c_on_dev(capsys, train_config) -> None:
    from synthlab_ml.probe import PROBE_C_GRID

    code, events, _ = run_cli(capsys, "train", "--config", str(train_config(method="linear-probe", pooling="mean")))
    assert code == 0
    epoch = next(e for e in events if e["event"] == "epoch")
    scores = {float(c): s["macro_f1"] for c, s in epoch["probe_dev_scores"].items()}
    assert sorted(scores) == sorted(PROBE_C_GRID)
    best = max(scores.values())
    assert epoch["probe_c"] == min(c for c, s in scores.items() if s == best)  # ties go to the stronger regularisation
    assert epoch["dev_macro_f1"] == best


def test_probe_train_evaluate(capsys, train_config, sib_files, tmp_path: Path) -> None:
    config = json.loads(train_config(method="linear-probe", pooling="mean").read_text())
    config.update(test_file=str(sib_files["test"]), predictions_file=str(tmp_path / "p.jsonl"),
               metrics_file=str(tmp_path / "m.json"))
    code, events, _ = run_cli(capsys, "train-evaluate", "--config", str(write_json(tmp_path / "te.json", config)))
    assert code == 0
    assert [e["event"] for e in events] == ["start", "epoch", "trained", "evaluate", "done"]
    metrics = json.loads((tmp_path / "m.json").read_text())
    assert metrics["n"] == 30 and events[-1]["macro_f1"] == metrics["macro_f1"]
    assert len((tmp_path / "p.jsonl").read_text().splitlines()) == 30


@pytest.mark.parametrize("key", ["method", "headInit"])
def test_linear_probe_needs_mean_pooling(capsys, train_config, key: str) -> None:
    code, events, err = run_cli(capsys, "train", "--config", str(train_config(pooling="cls", **{key: "linear-probe"})))
    assert code == 2 and "'pooling'" in err and events[-1]["event"] == "error"


def test_unknown_method_names_the_choices(capsys, train_config) -> None:
    code, _, err = run_cli(capsys, "train", "--config", str(train_config(method="svm")))
    assert code == 2 and "'settings.method'" in err and "linear-probe" in err


def test_probe_needs_two_labels_in_train(capsys, train_config, sib_files, tmp_path: Path) -> None:
    from conftest import write_jsonl

    rows = [r for r in _rows(sib_files["train"]) if r["label"] == "travel"]
    one_label = write_jsonl(tmp_path / "one.jsonl", rows)
    code, _, err = run_cli(capsys, "train", "--config", str(train_config(
        method="linear-probe", pooling="mean", train_file=str(one_label))))
    assert code == 2 and "at least 2 labels" in err and "one.jsonl" in err


def test_head_file_holds_the_standardisation(capsys, train_config) -> None:
    code, events, _ = run_cli(capsys, "train", "--config", str(train_config(method="linear-probe", pooling="mean")))
    assert code == 0
    tensors = load_file(str(Path(events[-1]["best_dir"]) / "classifier_head.safetensors"))
    assert set(tensors) == {"head.weight", "head.bias", "feature_mean", "feature_scale"}
    assert tensors["head.weight"].shape == (len(LABELS), 32) and bool((tensors["feature_scale"] > 0).all())


def _head_logits(fit, x: np.ndarray) -> np.ndarray:
    return (x - fit.feature_mean.numpy()) / fit.feature_scale.numpy() @ fit.weight.numpy().T + fit.bias.numpy()


def test_lp_ft_head_from_one_label_predicts_it_and_keeps_the_others_learnable(capsys) -> None:
    """A warm-up phase on synthetic rows one annotator labelled alike: no regression can be fitted, so
    the head starts predicting that label instead of failing the run, with the others a hair below it
    (learnable by the gold phase), not at -1e4."""
    from synthlab_ml.probe import ABSENT_LABEL_MARGIN, fit_probe

    generator = np.random.default_rng(0)
    train_x, dev_x = generator.normal(size=(12, 8)), generator.normal(size=(6, 8))
    fit = fit_probe(train_x, [1] * 12, dev_x, [0, 1, 2, 0, 1, 2], ["a", "b", "c"], seed=0, metric="macro_f1", c=None)
    logits = _head_logits(fit, dev_x)
    assert logits.argmax(axis=1).tolist() == [1] * 6
    assert np.allclose(fit.weight.numpy(), 0.0)
    assert np.allclose(fit.bias.numpy(), [-ABSENT_LABEL_MARGIN, 0.0, -ABSENT_LABEL_MARGIN])
    assert fit.c == 0.0 and fit.iterations == 0
    assert "the training rows all have label 'b'" in capsys.readouterr().err


def test_labels_absent_from_train_stay_within_reach(capsys) -> None:
    """Train rows of 2 of 3 labels (a warm-up's synthetic phase): the absent label is never the probe's
    prediction on a train or dev row, but on the least confident of them it is level with the predicted
    label (not at -1e4), so the gold phase that continues from this head can raise it."""
    from synthlab_ml.probe import ABSENT_LABEL_MARGIN, fit_probe

    generator = np.random.default_rng(1)
    centres = generator.normal(scale=3.0, size=(3, 8))
    train_y = [0, 2] * 10
    dev_y = [0, 1, 2] * 4
    train_x = centres[train_y] + generator.normal(size=(20, 8))
    dev_x = centres[dev_y] + generator.normal(size=(12, 8))
    fit = fit_probe(train_x, train_y, dev_x, dev_y, ["a", "b", "c"], seed=0, metric="macro_f1", c=None)
    assert np.allclose(fit.weight.numpy()[1], 0.0)
    rows = np.vstack([train_x, dev_x])
    logits = _head_logits(fit, rows)
    assert 1 not in logits.argmax(axis=1).tolist()
    gaps = logits.max(axis=1) - logits[:, 1]
    assert gaps.min() == pytest.approx(ABSENT_LABEL_MARGIN, abs=1e-4)
    assert gaps.max() < 100  # a few logits on the most confident row, not ten thousand
    # The fitted labels keep the regression's predictions.
    scaler = StandardScaler().fit(train_x)
    reference = LogisticRegression(C=fit.c, max_iter=5000, random_state=0).fit(scaler.transform(train_x), train_y)
    assert logits.argmax(axis=1).tolist() == reference.predict(scaler.transform(rows)).tolist()
