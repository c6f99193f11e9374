from __future__ import annotations

import json
import math
from pathlib import Path

import torch
import torch.nn.functional as F

from conftest import LABELS, run_cli, write_jsonl


def _epochs(events: list[dict]) -> list[int]:
    return [e["epoch"] for e in events if e["event"] == "epoch"]


def test_train_writes_checkpoints_best_and_result(capsys, train_config) -> None:
    config_path = train_config(maxEpochs=3, keepCheckpoints=2, keepCheckpointsWhenDone=True)
    out = Path(json.loads(config_path.read_text())["output_dir"])
    code, events, _ = run_cli(capsys, "train", "--config", str(config_path))
    assert code == 0
    events = [e for e in events if e["event"] != "step"]  # throttled progress events are optional
    assert [e["event"] for e in events] == ["start", "epoch", "epoch", "epoch", "done"]
    start, done = events[0], events[-1]
    assert start["resumed_from_epoch"] is None and start["labels"] == LABELS
    assert start["n_train"] == 48 and start["n_dev"] == 24 and start["device"] == "cpu"
    for e in events[1:4]:
        assert e["max_epochs"] == 3 and math.isfinite(e["train_loss"]) and 0 <= e["dev_macro_f1"] <= 1

    ckpts = sorted(p.name for p in (out / "checkpoints").iterdir())
    assert ckpts == ["epoch-2", "epoch-3"]  # keep_checkpoints=2
    for name in ("model.safetensors", "config.json", "tokenizer.json", "optimizer.pt", "scheduler.pt",
                 "rng_state.pt", "trainer_state.json"):
        assert (out / "checkpoints" / "epoch-3" / name).is_file(), name
    state = json.loads((out / "checkpoints" / "epoch-3" / "trainer_state.json").read_text())
    assert state["epoch"] == 3 and len(state["history"]) == 3 and state["best_epoch"] == done["best_epoch"]
    assert (out / "best" / "model.safetensors").is_file() and (out / "best" / "tokenizer.json").is_file()
    best_cfg = json.loads((out / "best" / "config.json").read_text())
    assert [best_cfg["id2label"][str(i)] for i in range(len(LABELS))] == LABELS

    assert json.loads((out / "train_result.json").read_text()) == done
    assert done["epochs_run"] == 3 and done["stopped_early"] is False
    assert done["best_dir"] == str((out / "best").resolve())

    # A finished run is not trained again: the stored result is printed and the exit code is 0.
    code, again, _ = run_cli(capsys, "train", "--config", str(config_path))
    assert code == 0 and again == [done]


def test_finished_run_drops_its_checkpoints_but_keeps_best(capsys, train_config) -> None:
    config_path = train_config(maxEpochs=2)
    out = Path(json.loads(config_path.read_text())["output_dir"])
    code, events, _ = run_cli(capsys, "train", "--config", str(config_path))
    assert code == 0 and events[-1]["event"] == "done"
    assert not (out / "checkpoints").exists()
    assert (out / "best" / "model.safetensors").is_file() and (out / "train_result.json").is_file()

    # Checkpoints left by a kill between the result and the clean-up go on the next call.
    (out / "checkpoints" / "epoch-2").mkdir(parents=True)
    code, again, _ = run_cli(capsys, "train", "--config", str(config_path))
    assert code == 0 and again == [events[-1]] and not (out / "checkpoints").exists()


def test_resume_continues_after_last_epoch(capsys, train_config) -> None:
    code, first, _ = run_cli(capsys, "train", "--config", str(train_config(maxEpochs=2, keepCheckpointsWhenDone=True)))
    assert code == 0 and _epochs(first) == [1, 2]
    out = Path(first[-1]["best_dir"]).parent
    (out / "train_result.json").unlink()  # pretend the run was interrupted after epoch 2's checkpoint

    code, second, _ = run_cli(capsys, "train", "--config", str(train_config(maxEpochs=4, keepCheckpointsWhenDone=True)))
    assert code == 0
    assert second[0]["event"] == "start" and second[0]["resumed_from_epoch"] == 2
    assert _epochs(second) == [3, 4]
    done = second[-1]
    assert done["resumed_from_epoch"] == 2 and done["epochs_run"] == 4
    state = json.loads((out / "checkpoints" / "epoch-4" / "trainer_state.json").read_text())
    assert [h["epoch"] for h in state["history"]] == [1, 2, 3, 4]
    assert state["global_step"] == 4 * 3  # 48 rows / batch 16


def test_early_stopping(capsys, train_config) -> None:
    # A vanishing learning rate never beats epoch 1's score (improvement must be strict).
    code, events, _ = run_cli(capsys, "train", "--config",
                              str(train_config(lr=1e-12, maxEpochs=6, patience=2)))
    assert code == 0
    assert _epochs(events) == [1, 2, 3]
    done = events[-1]
    assert done["stopped_early"] is True and done["best_epoch"] == 1 and done["epochs_run"] == 3


def test_soft_labels_and_pairs_train(capsys, train_config, sib_files, tmp_path: Path) -> None:
    rows = [json.loads(line) for line in sib_files["train"].read_text().splitlines()]
    for row in rows[::3]:
        row["text_pair"] = row["text"][::-1]  # mixed single/pair rows in one file
    for i, row in enumerate(rows[::2]):
        dist = [0.05] * len(LABELS)
        dist[LABELS.index(row["label"])] = 0.7
        row["soft_label"] = dist
        if i % 2:
            del row["label"]  # soft-only rows take their argmax as the hard label
    soft = write_jsonl(tmp_path / "soft.jsonl", rows)
    code, events, _ = run_cli(capsys, "train", "--config", str(train_config(train_file=str(soft))))
    assert code == 0 and all(math.isfinite(e["train_loss"]) for e in events if e["event"] == "epoch")


def test_soft_loss_matches_ce_for_one_hot_at_t1() -> None:
    from synthlab_ml.config import TrainConfig, config_from_dict, default_trainer_settings
    from synthlab_ml.data import Example
    from synthlab_ml.regimes import build_regime

    def config_at(temperature: float) -> TrainConfig:
        return config_from_dict({"model": "m", "train_file": "t", "dev_file": "d", "labels": ["a", "b", "c"],
                                 "output_dir": "o", "seed": 0,
                                 "settings": default_trainer_settings(softLabelTemperature=temperature)}, TrainConfig)
    logits = torch.tensor([[1.0, 2.0, 0.5], [0.1, -1.0, 3.0]])
    soft = [Example("x", label=1, soft_label=[0.0, 1.0, 0.0]), Example("y", label=2, soft_label=[0.0, 0.0, 1.0])]
    hard = [Example("x", label=1), Example("y", label=2)]
    regime = build_regime(config_at(1.0))
    expected = F.cross_entropy(logits, torch.tensor([1, 2]))
    assert torch.isclose(regime.loss(logits, soft), expected)
    assert torch.isclose(regime.loss(logits, hard), expected)

    teacher = torch.tensor([[0.2, 0.5, 0.3], [0.1, 0.1, 0.8]])
    mixed = [Example("x", label=1, soft_label=teacher[0].tolist()), Example("y", label=2)]
    kl = F.kl_div(F.log_softmax(logits[:1] / 2.0, -1), teacher[:1], reduction="sum") * 4.0
    ce = F.cross_entropy(logits[1:], torch.tensor([2]))
    assert torch.isclose(build_regime(config_at(2.0)).loss(logits, mixed), (kl + ce) / 2)
