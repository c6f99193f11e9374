"""The fine-tune recipe's settings: mean pooling, head learning rate, min_steps, frozen embeddings, LP-FT."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from synthlab_ml.config import default_trainer_settings
from conftest import LABELS, run_cli, write_json


def _epochs(events: list[dict]) -> list[dict]:
    return [e for e in events if e["event"] == "epoch"]


def test_mean_pooling_is_the_masked_mean_of_token_states() -> None:
    from synthlab_ml.pooled import mean_pool

    hidden = torch.tensor([[[1.0, 2.0], [3.0, 4.0], [100.0, 100.0]]])
    mask = torch.tensor([[1, 1, 0]])  # the padding position must not count
    assert torch.allclose(mean_pool(hidden, mask, normalize=False), torch.tensor([[2.0, 3.0]]))
    normalized = mean_pool(hidden, mask, normalize=True)
    assert torch.allclose(normalized, torch.tensor([[2.0, 3.0]]) / (13 ** 0.5))


def test_mean_pooled_fine_tune_saves_and_reloads_the_same_model(capsys, train_config, sib_files, tmp_path: Path) -> None:
    config_path = train_config(pooling="mean", keepCheckpointsWhenDone=True)
    code, events, _ = run_cli(capsys, "train", "--config", str(config_path))
    assert code == 0
    best = Path(events[-1]["best_dir"])
    assert (best / "classifier_head.json").is_file() and json.loads((best / "classifier_head.json").read_text())["pooling"] == "mean"
    config = json.loads((best / "config.json").read_text())
    assert [config["id2label"][str(i)] for i in range(len(LABELS))] == LABELS

    from synthlab_ml.data import read_examples
    from synthlab_ml.modeling import Encoded, infer_logits, load_tokenizer, load_trained_classifier

    model = load_trained_classifier(str(best))
    rows = read_examples(sib_files["test"], LABELS)
    logits = infer_logits(model, Encoded(load_tokenizer(str(best)), rows, 48), 8, torch.device("cpu"))
    # Rows come back in input order although inference batches them by length.
    one_by_one = torch.cat([infer_logits(model, Encoded(load_tokenizer(str(best)), [row], 48), 1, torch.device("cpu"))
                            for row in rows[:5]])
    assert torch.allclose(logits[:5], one_by_one, atol=1e-5)

    predict_config = write_json(tmp_path / "p.json", {
        "model_dir": str(best), "input_file": str(sib_files["test"]), "labels": LABELS, "checkpoints": "best",
        "output_file": str(tmp_path / "p.jsonl"), "settings": default_trainer_settings(maxLength=48, device="cpu")})
    code, predicted, _ = run_cli(capsys, "predict", "--config", str(predict_config))
    assert code == 0
    probs = torch.tensor([json.loads(line)["probs"] for line in (tmp_path / "p.jsonl").read_text().splitlines()])
    assert torch.allclose(probs, logits.softmax(-1), atol=1e-5)


def test_min_steps_makes_several_passes_per_epoch(capsys, train_config) -> None:
    # 48 rows / batch 16 = 3 steps a pass; 2 epochs must reach 20 steps: ceil(20 / 6) = 4 passes an epoch.
    code, events, _ = run_cli(capsys, "train", "--config", str(train_config(minSteps=20, maxEpochs=2)))
    assert code == 0
    start = events[0]
    assert start["passes_per_epoch"] == 4 and start["steps_per_epoch"] == 12
    assert [e["global_step"] for e in _epochs(events)] == [12, 24]

    # A set large enough for min_steps keeps one pass an epoch.
    code, events, _ = run_cli(capsys, "train", "--config", str(train_config(
        minSteps=6, maxEpochs=2, output_dir=str(Path(events[-1]["best_dir"]).parent.with_name("run-2")))))
    assert code == 0 and events[0]["passes_per_epoch"] == 1
    assert [e["global_step"] for e in _epochs(events)] == [3, 6]


def test_min_steps_resume_sees_the_same_batches(capsys, train_config, tmp_path: Path) -> None:
    straight = train_config(minSteps=20, maxEpochs=3, output_dir=str(tmp_path / "straight"), keepCheckpointsWhenDone=True)
    code, events, _ = run_cli(capsys, "train", "--config", str(straight))
    assert code == 0
    interrupted = train_config(minSteps=20, maxEpochs=3, output_dir=str(tmp_path / "resumed"), keepCheckpointsWhenDone=True)
    assert run_cli(capsys, "train", "--config", str(interrupted))[0] == 0
    (tmp_path / "resumed" / "train_result.json").unlink()
    import shutil

    shutil.rmtree(tmp_path / "resumed" / "checkpoints" / "epoch-3")  # as if killed during epoch 3
    code, resumed, _ = run_cli(capsys, "train", "--config", str(interrupted))
    assert code == 0 and resumed[0]["resumed_from_epoch"] == 2
    assert _epochs(resumed)[-1]["train_loss"] == pytest.approx(_epochs(events)[-1]["train_loss"], rel=1e-4)


@pytest.mark.parametrize("pooling", ["cls", "mean"])
def test_frozen_embeddings_stay_as_loaded(capsys, train_config, tiny_model: Path, pooling: str) -> None:
    code, events, _ = run_cli(capsys, "train", "--config", str(train_config(
        pooling=pooling, freezeEmbeddings=True, lr=1e-2)))
    assert code == 0
    start = events[0]
    before = load_file(str(tiny_model / "model.safetensors"))
    after = load_file(str(Path(events[-1]["best_dir"]) / "model.safetensors"))
    word = next(k for k in before if k.endswith("word_embeddings.weight"))
    trained_word = next(k for k in after if k.endswith("word_embeddings.weight"))
    assert start["num_trainable_parameters"] == start["num_parameters"] - before[word].numel()
    assert torch.equal(before[word], after[trained_word])
    # The rest of the encoder did train.
    layer = next(k for k in before if k.endswith("layer.0.attention.self.query.weight"))
    trained_layer = next(k for k in after if k.endswith("layer.0.attention.self.query.weight"))
    assert not torch.equal(before[layer], after[trained_layer])


def test_head_lr_gets_its_own_parameter_groups() -> None:
    from synthlab_ml.config import TrainConfig, config_from_dict, default_trainer_settings
    from synthlab_ml.pooled import MeanPooledClassifier
    from synthlab_ml.train import _build_optimizer

    encoder_config = __import__("transformers").BertConfig(
        vocab_size=50, hidden_size=8, num_hidden_layers=1, num_attention_heads=2, intermediate_size=16)
    model = MeanPooledClassifier(__import__("transformers").BertModel(encoder_config), 3, normalize=True, dropout=0.1)
    def config_with(**settings: object) -> TrainConfig:
        return config_from_dict({"model": "m", "train_file": "t", "dev_file": "d", "labels": ["a", "b", "c"],
                                 "output_dir": "o", "seed": 0,
                                 "settings": default_trainer_settings(lr=1e-5, warmupRatio=0.0, **settings)}, TrainConfig)

    optimizer, _ = _build_optimizer(model, config_with(headLr=1e-3), 10)
    head = {id(p) for p in model.head.parameters()}
    by_lr = {}
    for group in optimizer.param_groups:
        for p in group["params"]:
            by_lr[id(p)] = group["lr"]
    assert {by_lr[i] for i in head} == {1e-3}
    assert {lr for i, lr in by_lr.items() if i not in head} == {1e-5}
    # Without head_lr: the two groups earlier checkpoints were saved with.
    optimizer, _ = _build_optimizer(model, config_with(), 10)
    assert [g["weight_decay"] for g in optimizer.param_groups] == [0.01, 0.0]


def test_lp_ft_starts_from_the_probe_as_epoch_0(capsys, train_config, sib_files, tmp_path: Path) -> None:
    code, events, _ = run_cli(capsys, "train", "--config", str(train_config(
        pooling="mean", headInit="linear-probe", probeC=0.3, lr=1e-12, headLr=1e-12, maxEpochs=2, patience=2)))
    assert code == 0
    epochs = _epochs(events)
    assert [e["epoch"] for e in epochs] == [0, 1, 2]
    assert epochs[0]["probe_c"] == 0.3 and epochs[0]["is_best"] and epochs[0]["global_step"] == 0
    # With a vanishing learning rate nothing beats the probe it started from.
    assert events[-1]["best_epoch"] == 0

    # Epoch 0's model is the linear probe's: same dev score as method linear-probe with the same C.
    probe_config = train_config(method="linear-probe", pooling="mean", probeC=0.3, output_dir=str(tmp_path / "probe"))
    code, probe_events, _ = run_cli(capsys, "train", "--config", str(probe_config))
    assert code == 0
    assert _epochs(probe_events)[0]["dev_macro_f1"] == pytest.approx(epochs[0]["dev_macro_f1"])


def test_lp_ft_resumes_after_epoch_0(capsys, train_config, tmp_path: Path) -> None:
    config = train_config(pooling="mean", headInit="linear-probe", maxEpochs=1, keepCheckpointsWhenDone=True)
    assert run_cli(capsys, "train", "--config", str(config))[0] == 0
    out = Path(json.loads(config.read_text())["output_dir"])
    (out / "train_result.json").unlink()
    import shutil

    shutil.rmtree(out / "checkpoints" / "epoch-1")
    code, events, _ = run_cli(capsys, "train", "--config", str(config))
    assert code == 0 and events[0]["resumed_from_epoch"] == 0
    assert [e["epoch"] for e in _epochs(events)] == [1]
