from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, f1_score

from synthlab_ml.checkpoints import STATE_FILE, clean_partial, latest_checkpoint, list_checkpoints, prune_checkpoints
from synthlab_ml.metrics import classification_metrics


def _fake_ckpt(root: Path, name: str, complete: bool = True) -> None:
    d = root / name
    d.mkdir(parents=True)
    if complete:
        (d / STATE_FILE).write_text(json.dumps({"epoch": 0}))


def test_checkpoints_sorted_by_epoch_number(tmp_path: Path) -> None:
    root = tmp_path / "checkpoints"
    for n in (1, 2, 9, 10, 11):
        _fake_ckpt(root, f"epoch-{n}")
    _fake_ckpt(root, "epoch-12", complete=False)  # killed before trainer_state.json landed
    _fake_ckpt(root, ".tmp-epoch-13-abc", complete=False)
    assert [c.epoch for c in list_checkpoints(root)] == [1, 2, 9, 10, 11]
    assert latest_checkpoint(root).path.name == "epoch-11"

    clean_partial(tmp_path)
    assert not (root / ".tmp-epoch-13-abc").exists()

    prune_checkpoints(root, keep=2)
    assert [c.epoch for c in list_checkpoints(root)] == [10, 11]


def test_step_checkpoints_sort_by_global_step(tmp_path: Path) -> None:
    root = tmp_path / "checkpoints"
    for name, epoch, step in (("epoch-1", 1, 12), ("step-20", 1, 20), ("step-24", 1, 24), ("epoch-2", 2, 24), ("step-30", 2, 30)):
        (root / name).mkdir(parents=True)
        (root / name / STATE_FILE).write_text(json.dumps({"epoch": epoch, "global_step": step, "epoch_step": step - 12 * epoch}))
    # step-24 ended epoch 2's last step; epoch-2 came after it, with the dev evaluation.
    assert [c.path.name for c in list_checkpoints(root)] == ["epoch-1", "step-20", "step-24", "epoch-2", "step-30"]
    assert latest_checkpoint(root).path.name == "step-30"
    assert [c.epoch for c in list_checkpoints(root)] == [1, 1, 1, 2, 2]

    # Epoch checkpoints are counted by keep; of the step checkpoints only the newest checkpoint stays.
    prune_checkpoints(root, keep=1)
    assert [c.path.name for c in list_checkpoints(root)] == ["epoch-2", "step-30"]


def test_clean_partial_recovers_half_swapped_best(tmp_path: Path) -> None:
    (tmp_path / "best.old").mkdir()
    (tmp_path / "best.old" / "config.json").write_text("{}")
    clean_partial(tmp_path)
    assert (tmp_path / "best" / "config.json").is_file() and not (tmp_path / "best.old").exists()


def test_metrics_match_sklearn() -> None:
    rng = np.random.default_rng(0)
    labels = ["a", "b", "c", "d", "e"]
    gold = rng.integers(0, 4, size=200).tolist()  # label "e" never occurs in gold
    pred = [g if rng.random() < 0.6 else int(rng.integers(0, 5)) for g in gold]
    m = classification_metrics(gold, pred, labels)
    assert np.isclose(m["macro_f1"], f1_score(gold, pred, average="macro"))
    assert np.isclose(m["accuracy"], accuracy_score(gold, pred))
    per = f1_score(gold, pred, labels=list(range(5)), average=None, zero_division=0)
    assert np.allclose([m["per_class_f1"][lab] for lab in labels], per)
    cm = np.array(m["confusion_matrix"])
    assert cm.shape == (5, 5) and cm.sum() == 200 == m["n"]
    assert cm.sum(axis=1).tolist() == [gold.count(i) for i in range(5)]
    assert cm.sum(axis=0).tolist() == [pred.count(i) for i in range(5)]


def test_metrics_by_hand_with_labels_absent_from_predictions_and_from_both() -> None:
    # "c" is gold once but never predicted (F1 0, counted); "d" occurs nowhere (left out of the macro).
    gold, pred = [0, 0, 1, 1, 2], [0, 1, 1, 1, 1]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # zero_division=0: no UndefinedMetricWarning either
        m = classification_metrics(gold, pred, ["a", "b", "c", "d"])
    assert m == {
        "accuracy": 0.6,
        "macro_f1": m["macro_f1"],
        "per_class_f1": {"a": m["per_class_f1"]["a"], "b": m["per_class_f1"]["b"], "c": 0.0, "d": 0.0},
        "confusion_matrix": [[1, 1, 0, 0], [0, 2, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0]],
        "labels": ["a", "b", "c", "d"],
        "n": 5,
    }
    assert np.isclose(m["per_class_f1"]["a"], 2 / 3) and np.isclose(m["per_class_f1"]["b"], 2 / 3)
    assert np.isclose(m["macro_f1"], (2 / 3 + 2 / 3 + 0) / 3)
    json.dumps(m)  # plain Python numbers, ready for metrics.json
    assert all(type(value) is float for value in [m["accuracy"], m["macro_f1"], *m["per_class_f1"].values()])


def test_metrics_when_nothing_is_predicted_right_and_when_empty() -> None:
    m = classification_metrics([0, 0], [1, 1], ["a", "b", "c"])
    assert m["accuracy"] == 0.0 and m["macro_f1"] == 0.0 and m["confusion_matrix"] == [[0, 2, 0], [0, 0, 0], [0, 0, 0]]
    empty = classification_metrics([], [], ["a", "b"])
    assert empty == {"accuracy": 0.0, "macro_f1": 0.0, "per_class_f1": {"a": 0.0, "b": 0.0},
                     "confusion_matrix": [[0, 0], [0, 0]], "labels": ["a", "b"], "n": 0}
