"""`predict`: class probabilities for a JSONL file, plus metrics when every row has a gold label.

`checkpoints: "every-epoch"` also predicts with every epoch checkpoint the training run kept
(`keepEpochCheckpoints`) and writes all of them to `probabilities_file` as float32 [E, N, C].
`score_labels` restricts the predicted label (the argmax) and the metrics to a subset of the labels.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Optional

import numpy as np
import torch

from synthlab_ml.checkpoints import best_info
from synthlab_ml.config import PredictConfig
from synthlab_ml.data import Example, read_examples
from synthlab_ml.epoch_checkpoints import EPOCHS_DIR, EpochCheckpoint, checkpoint_info, list_epoch_checkpoints, load_over_base
from synthlab_ml.errors import ConfigError, DataError
from synthlab_ml.io_utils import EventWriter, atomic_write, atomic_write_json, atomic_write_text, dumps
from synthlab_ml.metrics import classification_metrics, prediction_warnings
from synthlab_ml.modeling import Encoded, check_model_labels, check_model_source, infer_logits, load_tokenizer, load_trained_classifier
from synthlab_ml.runtime import configure_threads, resolve_device

RESULT_FILE = "train_result.json"  # train.py's; not imported from there to keep predict's imports light


def run_predict(config: PredictConfig, emit: EventWriter) -> int:
    configure_threads()
    device = resolve_device(config.settings.device)
    rows = read_examples(config.input_file, config.labels)
    model_dir, epoch_checkpoints = _model_and_epochs(config)
    check_model_source(model_dir, "model_dir")
    tokenizer = load_tokenizer(model_dir)
    model = load_trained_classifier(model_dir)
    check_model_labels(model, config.labels, model_dir)
    model.to(device)

    encoded = Encoded(tokenizer, rows, config.settings.max_length)
    probs = _probabilities(model, encoded, config, device)
    scored = config.score_labels or config.labels
    scored_index = [config.labels.index(label) for label in scored]
    # The argmax over the scored labels only: a label the test set cannot have is never predicted.
    pred = [scored_index[i] for i in probs[:, scored_index].argmax(dim=-1).tolist()]
    lines = [dumps({"pred": config.labels[p], "probs": pr}) for p, pr in zip(pred, probs.tolist())]
    atomic_write_text(config.output_file, "".join(line + "\n" for line in lines))

    result: dict[str, Any] = {"n": len(rows), "output_file": str(Path(config.output_file).resolve())}
    if config.probabilities_file is not None:
        per_epoch = [probs] if config.checkpoints == "best" else \
            _epoch_probabilities(model, encoded, config, device, model_dir, epoch_checkpoints, probs)
        stacked = torch.stack(per_epoch).numpy().astype(np.float32, copy=False)
        atomic_write(config.probabilities_file, lambda f: np.save(f, stacked, allow_pickle=False))
        result.update(probabilities_file=str(Path(config.probabilities_file).resolve()), probabilities_shape=list(stacked.shape))
        if config.checkpoints == "every-epoch":
            result["epochs"] = [checkpoint.epoch for checkpoint in epoch_checkpoints]

    if all(ex.label is not None for ex in rows):
        metrics = _metrics(rows, pred, config, scored)
        metrics["warnings"] = prediction_warnings([scored.index(config.labels[p]) for p in pred], scored)
        for warning in metrics["warnings"]:
            print(f"warning: {config.model_dir}: {warning}", file=sys.stderr)
        if config.metrics_file:
            atomic_write_json(config.metrics_file, metrics)
            result["metrics_file"] = str(Path(config.metrics_file).resolve())
        result.update(metrics)
    elif config.metrics_file:
        print(f"warning: {config.input_file}: not every row has a gold label; metrics_file not written",
              file=sys.stderr)
    emit("done", **result)
    return 0


def _probabilities(model: Any, encoded: Encoded, config: PredictConfig, device: torch.device) -> torch.Tensor:
    return infer_logits(model, encoded, config.settings.predict_batch_size, device).softmax(-1)


def _metrics(rows: list[Example], pred: list[int], config: PredictConfig, scored: list[str]) -> dict[str, Any]:
    if config.score_labels is None:
        return classification_metrics([ex.label for ex in rows], pred, config.labels)
    position = {config.labels.index(label): i for i, label in enumerate(scored)}
    outside = next((ex for ex in rows if ex.label not in position), None)
    if outside is not None:
        raise DataError(f"{config.input_file}:{outside.line}: gold label {config.labels[outside.label]!r} is not in "
                        f"score_labels {scored}")
    metrics = classification_metrics([position[ex.label] for ex in rows], [position[p] for p in pred], scored)
    return {**metrics, "scored_labels": list(scored)}


def _model_and_epochs(config: PredictConfig) -> tuple[str, list[EpochCheckpoint]]:
    """The model to load and, for "every-epoch", the run's epoch checkpoints in epoch order.

    For "every-epoch" `model_dir` is the training run's output_dir or its best/ (the epoch
    checkpoints hold only what training changed and load over best/)."""
    if config.checkpoints == "best":
        return config.model_dir, []
    given = Path(config.model_dir)
    run_dir = next((d for d in (given, given.parent) if (d / RESULT_FILE).is_file()), None)
    if run_dir is None:
        raise ConfigError(f"key 'model_dir': {config.model_dir} is neither a training run's output_dir nor its best/ "
                          f"(no {RESULT_FILE} in it or beside it), so it has no epoch checkpoints")
    result = json.loads((run_dir / RESULT_FILE).read_text(encoding="utf-8"))
    listed = [entry["epoch"] for entry in result.get("epoch_checkpoints") or []]
    if not listed:
        raise ConfigError(f"key 'checkpoints': the run in {run_dir} kept no epoch checkpoints (train it with "
                          f"keepEpochCheckpoints true)")
    found = list_epoch_checkpoints(run_dir / EPOCHS_DIR)
    if [checkpoint.epoch for checkpoint in found] != listed:
        raise DataError(f"{run_dir / EPOCHS_DIR}: holds epochs {[c.epoch for c in found]}, but {RESULT_FILE} lists {listed}")
    return str(run_dir / "best"), found


def _epoch_probabilities(model: Any, encoded: Encoded, config: PredictConfig, device: torch.device, model_dir: str,
                         epoch_checkpoints: list[EpochCheckpoint], best_probs: torch.Tensor) -> list[torch.Tensor]:
    best_epoch: Optional[int] = (best_info(Path(model_dir)) or {}).get("epoch")
    out = []
    for checkpoint in epoch_checkpoints:
        if checkpoint_info(checkpoint)["checkpoint_epoch"] == best_epoch:
            out.append(best_probs)  # the same weights as best/: nothing to compute again
            continue
        load_over_base(model, checkpoint)
        out.append(_probabilities(model, encoded, config, device))
    return out
