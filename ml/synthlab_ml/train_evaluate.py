"""`train-evaluate`: `train`, then `predict` on the test split with the best checkpoint, in one process.

A sweep cell needs both, and starting Python with torch and transformers costs more than
predicting a test split; one process per cell pays that once. Training keeps its own contract:
a finished run is reused, an unfinished one resumes from its last checkpoint.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from synthlab_ml.config import PredictConfig, TrainEvaluateConfig
from synthlab_ml.data import read_examples
from synthlab_ml.errors import DataError
from synthlab_ml.io_utils import EventWriter
from synthlab_ml.predict import run_predict
from synthlab_ml.train import RESULT_FILE, run_train


class _TrainEvents(EventWriter):
    """Passes training's events on, its final `done` renamed `trained`: only evaluation ends the command."""

    def __init__(self, inner: EventWriter) -> None:
        super().__init__(inner.stream)

    def write(self, obj: dict[str, Any]) -> None:
        super().write({**obj, "event": "trained"} if obj.get("event") == "done" else obj)


def run_train_evaluate(config: TrainEvaluateConfig, emit: EventWriter) -> int:
    # A bad test file must fail before hours of training, not after.
    test_rows = read_examples(config.test_file, config.labels, label_required=True)
    if config.score_labels is not None:
        outside = next((ex for ex in test_rows if config.labels[ex.label] not in config.score_labels), None)
        if outside is not None:
            raise DataError(f"{config.test_file}:{outside.line}: gold label {config.labels[outside.label]!r} is not in "
                            f"score_labels {config.score_labels}")
    code = run_train(config, _TrainEvents(emit))
    if code != 0:
        return code
    result = json.loads((Path(config.output_dir) / RESULT_FILE).read_text(encoding="utf-8"))
    emit("evaluate", model_dir=result["best_dir"], test_file=config.test_file)
    return run_predict(PredictConfig(
        model_dir=result["best_dir"], input_file=config.test_file, labels=config.labels,
        output_file=config.predictions_file, metrics_file=config.metrics_file, settings=config.settings,
        checkpoints="best", score_labels=config.score_labels,
    ), emit)
