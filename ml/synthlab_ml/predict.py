"""`predict`: class probabilities for a JSONL file, plus metrics when every row has a gold label."""

from __future__ import annotations

import sys
from pathlib import Path

from synthlab_ml.config import PredictConfig
from synthlab_ml.data import read_examples
from synthlab_ml.io_utils import EventWriter, atomic_write_json, atomic_write_text, dumps
from synthlab_ml.metrics import classification_metrics
from synthlab_ml.modeling import Encoded, check_model_labels, check_model_source, infer_logits, load_tokenizer, load_trained_classifier
from synthlab_ml.runtime import configure_threads, resolve_device


def run_predict(config: PredictConfig, emit: EventWriter) -> int:
    configure_threads()
    device = resolve_device(config.settings.device)
    rows = read_examples(config.input_file, config.labels)
    check_model_source(config.model_dir, "model_dir")
    tokenizer = load_tokenizer(config.model_dir)
    model = load_trained_classifier(config.model_dir)
    check_model_labels(model, config.labels, config.model_dir)
    model.to(device)

    probs = infer_logits(model, Encoded(tokenizer, rows, config.settings.max_length), config.settings.predict_batch_size, device).softmax(-1)
    pred = probs.argmax(dim=-1).tolist()
    lines = [dumps({"pred": config.labels[p], "probs": pr}) for p, pr in zip(pred, probs.tolist())]
    atomic_write_text(config.output_file, "".join(line + "\n" for line in lines))

    result: dict = {"n": len(rows), "output_file": str(Path(config.output_file).resolve())}
    has_gold = all(ex.label is not None for ex in rows)
    if has_gold:
        metrics = classification_metrics([ex.label for ex in rows], pred, config.labels)
        if config.metrics_file:
            atomic_write_json(config.metrics_file, metrics)
            result["metrics_file"] = str(Path(config.metrics_file).resolve())
        result.update(metrics)
    elif config.metrics_file:
        print(f"warning: {config.input_file}: not every row has a gold label; metrics_file not written",
              file=sys.stderr)
    emit("done", **result)
    return 0
