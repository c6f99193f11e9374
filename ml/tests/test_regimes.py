"""Study D's trainer: the KL loss by hand, warmup/reverse phases, gradient accumulation, a kill inside phase 2."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from conftest import LABELS, ML_ROOT, run_cli, write_jsonl


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _with_parts(sib_files, tmp_path: Path, synthetic: int, gold_copies: int = 1) -> Path:
    """The first `synthetic` train rows as part "synthetic", the rest (repeated `gold_copies` times) as gold."""
    rows = _rows(sib_files["train"])
    parted = [{**row, "part": "synthetic"} for row in rows[:synthetic]]
    parted += [{**row, "part": "gold"} for row in rows[synthetic:]] * gold_copies
    return write_jsonl(tmp_path / f"parts-{synthetic}-{gold_copies}.jsonl", parted)


def _config(**settings):
    from synthlab_ml.config import TrainConfig, config_from_dict, default_trainer_settings

    return config_from_dict({"model": "m", "train_file": "t", "dev_file": "d", "labels": ["a", "b", "c"],
                             "output_dir": "o", "seed": 0, "settings": default_trainer_settings(**settings)}, TrainConfig)


def test_kl_loss_against_a_hand_computed_value() -> None:
    from synthlab_ml.data import Example
    from synthlab_ml.regimes import build_regime

    t = 2.0
    logits = [[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]]
    teacher = [0.2, 0.5, 0.3]
    # Row 1, by hand: q = softmax(logits / T); loss = T² · Σ p·ln(p / q).
    scaled = [z / t for z in logits[0]]
    norm = math.log(sum(math.exp(z) for z in scaled))
    q = [math.exp(z - norm) for z in scaled]
    kl = sum(p * math.log(p / qi) for p, qi in zip(teacher, q))
    # Row 2 is hard-labelled (class 2): plain cross-entropy at T = 1.
    ce = -(logits[1][2] - math.log(sum(math.exp(z) for z in logits[1])))
    expected = (t * t * kl + ce) / 2
    rows = [Example("x", label=1, soft_label=teacher), Example("y", label=2)]
    loss = build_regime(_config(softLabelTemperature=t)).loss(torch.tensor(logits), rows)
    assert math.isclose(loss.item(), expected, rel_tol=1e-5)  # float32
    assert math.isclose(expected, 0.5 * (4 * 0.0271846 + 0.0658839), rel_tol=1e-5)  # the numbers themselves

    # Zero teacher mass on a class contributes nothing (0·ln 0 = 0), not NaN.
    one_hot = build_regime(_config(softLabelTemperature=1.0)).loss(torch.tensor(logits[:1]), [Example("x", soft_label=[0.0, 1.0, 0.0])])
    assert math.isclose(one_hot.item(), -(2.0 - math.log(sum(math.exp(z) for z in logits[0]))), rel_tol=1e-5)


@pytest.mark.parametrize(("regime", "order"), [("warmup", ["synthetic", "gold"]), ("reverse", ["gold", "synthetic"])])
def test_phased_regimes_train_the_parts_in_order(capsys, train_config, sib_files, tmp_path: Path, regime: str, order: list[str]) -> None:
    train_file = _with_parts(sib_files, tmp_path, synthetic=16)
    code, events, _ = run_cli(capsys, "train", "--config", str(train_config(
        regime=regime, maxEpochs=2, train_file=str(train_file), keepEpochCheckpoints=True)))
    assert code == 0
    n_train = {"synthetic": 16, "gold": 32}
    assert events[0]["phases"] == [{"part": part, "n_train": n_train[part]} for part in order]
    epochs = [(e["phase"], e["epoch"]) for e in events if e["event"] == "epoch"]
    assert epochs == [(order[0], 1), (order[0], 2), (order[1], 1), (order[1], 2)]
    phase_events = [e for e in events if e["event"] == "phase"]
    assert [(e["phase"], e["n_train"]) for e in phase_events] == [(order[1], n_train[order[1]])]
    done = events[-1]
    assert [(p["part"], p["n_train"], p["epochs_run"]) for p in done["phases"]] == [(part, n_train[part], 2) for part in order]
    assert done["epochs_run"] == 4 and done["best_epoch"] == done["phases"][1]["best_epoch"]
    # best/ is the last phase's best; the epoch checkpoints are the last phase's two epochs.
    best_info = json.loads((Path(done["best_dir"]) / "best_info.json").read_text())
    assert best_info["epoch"] == 2 + done["best_epoch"]
    assert [c["epoch"] for c in done["epoch_checkpoints"]] == [1, 2]
    # 16 rows / batch 16 = 1 step an epoch in the synthetic phase, 2 in the gold one.
    steps = {"synthetic": 1, "gold": 2}
    assert done["phases"] and events[-2]["global_step"] == 2 * steps[order[0]] + 2 * steps[order[1]]


def test_one_part_only_trains_as_mix(capsys, train_config, sib_files, tmp_path: Path) -> None:
    code, events, _ = run_cli(capsys, "train", "--config", str(train_config(regime="warmup", maxEpochs=1)))
    assert code == 0
    assert events[0]["phases"] == [{"part": "all", "n_train": 48}]
    assert [e["phase"] for e in events if e["event"] == "epoch"] == ["all"]


def test_bad_part_names_the_line(capsys, train_config, sib_files, tmp_path: Path) -> None:
    rows = _rows(sib_files["train"])
    rows[3]["part"] = "silver"
    bad = write_jsonl(tmp_path / "bad.jsonl", rows)
    code, _, err = run_cli(capsys, "train", "--config", str(train_config(train_file=str(bad))))
    assert code == 2 and "bad.jsonl:4" in err and "'part'" in err and "synthetic" in err


@pytest.fixture(scope="module")
def dropout_free_model(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny model without dropout, so that one large batch and several small ones compute the same thing."""
    import shutil

    out = tmp_path_factory.mktemp("nodropout") / "model"
    shutil.copytree(tiny_model, out)
    config = json.loads((out / "config.json").read_text())
    config.update(hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    (out / "config.json").write_text(json.dumps(config))
    return out


def test_accumulated_gradients_equal_one_large_batch(dropout_free_model: Path, sib_files) -> None:
    from synthlab_ml.data import read_examples
    from synthlab_ml.modeling import Encoded, load_classifier, load_tokenizer
    from synthlab_ml.regimes import build_regime
    from synthlab_ml.train import accumulate_gradients

    rows = read_examples(sib_files["train"], LABELS, label_required=True)[:20]
    for i in range(0, 20, 4):  # soft rows too: their weight must follow their batch's share
        rows[i].soft_label = [0.1] * 6 + [0.4]
    encoded = Encoded(load_tokenizer(str(dropout_free_model)), rows, 48)
    regime = build_regime(_config(softLabelTemperature=1.5))

    def gradients(group: list[list[int]]) -> tuple[dict[str, torch.Tensor], float]:
        torch.manual_seed(0)
        model = load_classifier(str(dropout_free_model), LABELS, classifier_dropout=0.0)
        loss = accumulate_gradients(model, regime, encoded, rows, group, torch.device("cpu"))
        return {name: p.grad.clone() for name, p in model.named_parameters() if p.grad is not None}, loss

    one, loss_one = gradients([list(range(20))])
    # Unequal batches (8, 8, 4): a plain mean of the batch means would weigh the last rows double.
    many, loss_many = gradients([list(range(8)), list(range(8, 16)), list(range(16, 20))])
    assert one.keys() == many.keys() and len(one) > 10
    for name in one:
        assert torch.allclose(one[name], many[name], rtol=1e-4, atol=1e-7), name
    assert math.isclose(loss_one, loss_many, rel_tol=1e-5)
    # The comparison can fail: the plain mean of the three batch means gives other gradients.
    torch.manual_seed(0)
    model = load_classifier(str(dropout_free_model), LABELS, classifier_dropout=0.0)
    for idx in ([*range(8)], [*range(8, 16)], [*range(16, 20)]):
        (regime.loss(model(**encoded.batch(idx, torch.device("cpu"))).logits, [rows[i] for i in idx]) / 3).backward()
    wrong = {name: p.grad for name, p in model.named_parameters() if p.grad is not None}
    assert any(not torch.allclose(one[name], wrong[name], rtol=1e-4, atol=1e-7) for name in one)


def test_accumulation_steps_like_a_batch_n_times_larger(capsys, train_config, dropout_free_model: Path, tmp_path: Path) -> None:
    """One optimizer step of 3 × 16 rows and one of 48 rows give the same weights (dropout off)."""
    common = dict(model=str(dropout_free_model), maxEpochs=1, warmupRatio=0.0, classifierDropout=0.0, lr=1e-4)

    def trained(**settings) -> tuple[dict[str, torch.Tensor], dict]:
        output_dir = tmp_path / "-".join(f"{key}{value}" for key, value in settings.items())
        code, events, _ = run_cli(capsys, "train", "--config", str(train_config(**common, **settings, output_dir=str(output_dir))))
        assert code == 0
        return load_file(str(Path(events[-1]["best_dir"]) / "model.safetensors")), events

    accumulated, events_a = trained(batchSize=16, gradientAccumulation=3)
    large, events_b = trained(batchSize=48, gradientAccumulation=1)
    assert events_a[0]["steps_per_epoch"] == 1 and events_b[0]["steps_per_epoch"] == 1
    epoch_a, epoch_b = ([e for e in events if e["event"] == "epoch"][0] for events in (events_a, events_b))
    assert epoch_a["global_step"] == 1 and math.isclose(epoch_a["train_loss"], epoch_b["train_loss"], rel_tol=1e-5)
    differences = {name: (accumulated[name] - large[name]).abs().max().item() for name in large}
    assert max(differences.values()) < 1e-4 * 0.05, max(differences.items(), key=lambda item: item[1])
    # Three steps of 16 rows (no accumulation) end elsewhere: the check above can fail.
    stepped, _ = trained(batchSize=16, gradientAccumulation=1)
    assert max((stepped[name] - large[name]).abs().max().item() for name in large) > 1e-4


def test_accumulation_counts_optimizer_steps_for_min_steps(capsys, train_config) -> None:
    # 48 rows / batch 16 = 3 batches a pass; with accumulation 3, one step a pass: 4 epochs need 2 passes each for 8 steps.
    code, events, _ = run_cli(capsys, "train", "--config", str(train_config(
        maxEpochs=4, minSteps=8, gradientAccumulation=3)))
    assert code == 0
    assert events[0]["passes_per_epoch"] == 2 and events[0]["steps_per_epoch"] == 2
    assert [e for e in events if e["event"] == "epoch"][-1]["global_step"] == 8


def test_sigkill_in_phase_two_resumes_in_phase_two(capsys, train_config, sib_files, tmp_path: Path) -> None:
    # A short synthetic phase, then a long gold one (its rows repeated) that is killed after its first epoch.
    train_file = _with_parts(sib_files, tmp_path, synthetic=8, gold_copies=12)
    config_path = train_config(regime="warmup", maxEpochs=3, patience=1000, keepEpochCheckpoints=True,
                               train_file=str(train_file))
    out = Path(json.loads(config_path.read_text())["output_dir"])
    ckpt_root = out / "checkpoints"
    env = {**os.environ, "SYNTHLAB_TORCH_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "synthlab_ml", "train", "--config", str(config_path)],
                            cwd=ML_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        deadline = time.monotonic() + 300
        while not (ckpt_root / "epoch-4" / "trainer_state.json").is_file():  # 3 synthetic epochs, then gold epoch 1
            assert proc.poll() is None, f"train exited early with {proc.returncode}"
            assert time.monotonic() < deadline, "no checkpoint of phase 2 within 300s"
            time.sleep(0.02)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert not (out / "train_result.json").exists()
    states = {int(p.name.split("-")[1]): json.loads((p / "trainer_state.json").read_text())
              for p in ckpt_root.glob("epoch-*") if (p / "trainer_state.json").is_file()}
    last = max(states)
    assert last in (4, 5) and states[last]["phase"] == 1 and states[last]["phase_parts"] == ["synthetic", "gold"]
    assert [p["part"] for p in states[last]["phases"]] == ["synthetic"]

    code, events, _ = run_cli(capsys, "train", "--config", str(config_path))
    assert code == 0
    assert events[0]["event"] == "start" and events[0]["resumed_from_epoch"] == last and events[0]["phase"] == "gold"
    assert [(e["phase"], e["epoch"]) for e in events if e["event"] == "epoch"] == [("gold", k) for k in range(last - 2, 4)]
    done = events[-1]
    assert [(p["part"], p["epochs_run"]) for p in done["phases"]] == [("synthetic", 3), ("gold", 3)]
    assert done["epochs_run"] == 6 and done["resumed_from_epoch"] == last
    assert [c["epoch"] for c in done["epoch_checkpoints"]] == [1, 2, 3]  # phase 2's, none of phase 1's
    assert sorted(p.name for p in (out / "epochs").iterdir()) == ["epoch-1", "epoch-2", "epoch-3"]


WARMUP_LABELS = ["sports", "travel", "science/technology"]


def _rows_of(split: str, per_label: dict[str, int], part: str | None = None) -> list[dict]:
    """The first rows of each asked-for SIB-200 English label in `split`, in file order."""
    from conftest import read_sib

    left = dict(per_label)
    rows = []
    for row in read_sib(split, 10_000):
        if left.get(row["label"], 0) > 0:
            left[row["label"]] -= 1
            rows.append({**row, **({"part": part} if part else {})})
    assert not any(left.values()), f"SIB-200 English {split} has too few rows of {left}"
    return rows


@pytest.mark.parametrize("phase_one_labels", [["sports", "travel"], ["travel"]], ids=["two-of-three", "one-of-three"])
def test_warmup_learns_a_label_its_synthetic_phase_lacked(capsys, train_config, tmp_path: Path,
                                                         phase_one_labels: list[str]) -> None:
    """LP-FT in a warm-up: phase 1 (synthetic) has rows of only some labels, so its linear probe has none
    of the others; phase 2 (gold) has all three and must be able to learn them. With the probe's absent
    labels at a logit of -1e4 (carried into phase 2 with the head) no test row was ever predicted
    'science/technology'."""
    absent = [label for label in WARMUP_LABELS if label not in phase_one_labels]
    train = _rows_of("train", {label: 12 for label in phase_one_labels}, "synthetic")
    train += _rows_of("train", {label: 12 for label in WARMUP_LABELS}, "gold")
    dev = _rows_of("dev", {label: 4 for label in WARMUP_LABELS})
    test = _rows_of("test", {label: 12 for label in WARMUP_LABELS})
    # At the tests' lr of 1e-3 the gold phase's 24 steps move the head by a few logits at most: enough for a
    # label the probe left level with the others on its least confident row, never for one at -1e4.
    config = json.loads(train_config(
        labels=WARMUP_LABELS, regime="warmup", pooling="mean", headInit="linear-probe", maxEpochs=4, patience=4,
        minSteps=24, train_file=str(write_jsonl(tmp_path / "train.jsonl", train)),
        dev_file=str(write_jsonl(tmp_path / "dev.jsonl", dev))).read_text())
    config.update(test_file=str(write_jsonl(tmp_path / "test.jsonl", test)),
                  predictions_file=str(tmp_path / "predictions.jsonl"), metrics_file=str(tmp_path / "metrics.json"))
    code, events, _ = run_cli(capsys, "train-evaluate", "--config", str(write_jsonl(tmp_path / "te.json", [config])))
    assert code == 0
    trained = next(e for e in events if e["event"] == "trained")
    assert [(p["part"], p["n_train"]) for p in trained["phases"]] == [("synthetic", 12 * len(phase_one_labels)), ("gold", 36)]
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    predicted = [json.loads(line)["pred"] for line in (tmp_path / "predictions.jsonl").read_text().splitlines()]
    print(f"warmup {'+'.join(phase_one_labels)} -> gold: predicted {dict((l, predicted.count(l)) for l in WARMUP_LABELS)} "
          f"per-class F1 {metrics['per_class_f1']}")
    for label in absent:
        assert predicted.count(label) > 0, f"no test row predicted {label!r} after the gold phase: {metrics['per_class_f1']}"
        assert metrics["per_class_f1"][label] > 0
