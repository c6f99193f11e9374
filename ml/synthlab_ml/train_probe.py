"""`train` with `method: "linear-probe"`: logistic regression on the frozen encoder's mean-pooled vectors.

The result is a `MeanPooledClassifier` in best/, so `predict` and `train-evaluate` work on it as
on a fine-tuned model, and the events and train_result.json are the fine-tune's: one `epoch`
event (epoch 1) with the dev scores, then `done`. There are no checkpoints: the whole run is one
forward pass over train and dev plus a few seconds of fitting, so an interrupted run starts over.
The encoder is unchanged, so best/ links the encoder's weight file instead of writing a copy.

What the probe cannot honour it refuses instead of ignoring: soft labels (logistic regression here
fits hard labels; a soft-labelled row is a data error naming its line) and the phased regimes
`warmup` / `reverse` (a settings error, config.py and src/config/schema.ts). `gradientAccumulation`
has nothing to do (the fit is full-batch); `keepEpochCheckpoints` keeps its one epoch, the head only.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Optional

from synthlab_ml.checkpoints import clean_partial, publish_dir
from synthlab_ml.config import TrainConfig, as_dict
from synthlab_ml.data import read_examples
from synthlab_ml.epoch_checkpoints import EPOCHS_DIR, drop_epoch_checkpoints, save_epoch_checkpoint
from synthlab_ml.errors import DataError
from synthlab_ml.io_utils import EventWriter, atomic_write_json
from synthlab_ml.modeling import Encoded, check_model_source, load_tokenizer
from synthlab_ml.pooled import MeanPooledClassifier
from synthlab_ml.probe import fit_probe, pooled_features
from synthlab_ml.runtime import configure_threads, resolve_device, seed_everything
from synthlab_ml.train import RESULT_FILE


def train_linear_probe(config: TrainConfig, emit: EventWriter) -> int:
    t0 = time.monotonic()
    configure_threads()
    device = resolve_device(config.settings.device)
    train_rows = read_examples(config.train_file, config.labels, label_required=True, allow_soft=True)
    dev_rows = read_examples(config.dev_file, config.labels, label_required=True)
    soft = next((ex for ex in train_rows if ex.soft_label is not None), None)
    if soft is not None:
        raise DataError(f"{config.train_file}:{soft.line}: field 'soft_label': method 'linear-probe' fits hard labels "
                        f"only; train soft labels with method 'fine-tune', or send the hard label")
    train_labels = [ex.label for ex in train_rows]
    if len(set(train_labels)) < 2:
        raise DataError(f"{config.train_file}: the linear probe needs at least 2 labels in train, found "
                        f"{sorted({config.labels[i] for i in train_labels if i is not None})}")

    out = Path(config.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    clean_partial(out)
    seed_everything(config.seed)
    check_model_source(config.model, "model")
    tokenizer = load_tokenizer(config.model)
    model = MeanPooledClassifier.from_encoder(config.model, config.labels, normalize=True, dropout=0.0)
    model.to(device)
    emit("start", device=str(device), n_train=len(train_rows), n_dev=len(dev_rows), labels=config.labels,
         params=as_dict(config), resumed_from_epoch=None,
         num_parameters=sum(p.numel() for p in model.parameters()),
         num_trainable_parameters=sum(p.numel() for p in model.head.parameters()))

    train_x = pooled_features(model, Encoded(tokenizer, train_rows, config.settings.max_length), config.settings.batch_size, device)
    dev_x = pooled_features(model, Encoded(tokenizer, dev_rows, config.settings.max_length), config.settings.batch_size, device)
    fit = fit_probe(train_x, train_labels, dev_x, [ex.label for ex in dev_rows], config.labels, config.seed,
                    config.settings.metric_for_best, config.settings.probe_c)
    model.set_head(fit.weight, fit.bias, fit.feature_mean, fit.feature_scale)
    dev = fit.dev_scores[repr(fit.c)]

    best_dir = out / "best"
    weights = _unchanged_weights_file(config.model)

    def write_model(tmp: Path) -> None:
        model.save_pretrained(tmp, encoder_weights_from=weights)
        tokenizer.save_pretrained(tmp)

    publish_dir(write_model, best_dir, {"epoch": 1, "score": dev[config.settings.metric_for_best], "probe_c": fit.c})
    epochs_root = out / EPOCHS_DIR
    drop_epoch_checkpoints(epochs_root, 0)
    epoch_checkpoints = []
    if config.settings.keep_epoch_checkpoints:
        model.encoder.requires_grad_(False)  # only the head was fitted: the epoch keeps it, best/ holds the encoder
        checkpoint = save_epoch_checkpoint(epochs_root, 1, 1, model)
        epoch_checkpoints.append({"epoch": 1, "dir": str(checkpoint.path.resolve())})
    emit("epoch", epoch=1, max_epochs=1, train_loss=fit.train_loss, dev_loss=dev["loss"],
         dev_macro_f1=dev["macro_f1"], dev_accuracy=dev["accuracy"], is_best=True, global_step=fit.iterations,
         epochs_without_improvement=0, probe_c=fit.c, probe_dev_scores=fit.dev_scores,
         seconds=round(time.monotonic() - t0, 3))
    result = {
        "event": "done",
        "best_epoch": 1,
        "best_dev_macro_f1": dev["macro_f1"],
        "metric_for_best": config.settings.metric_for_best,
        "best_score": dev[config.settings.metric_for_best],
        "epochs_run": 1,
        "epochs_run_this_call": 1,
        "stopped_early": False,
        "resumed_from_epoch": None,
        "best_dir": str(best_dir.resolve()),
        "method": "linear-probe",
        "probe_c": fit.c,
        "regime": config.settings.regime,
        "phases": [{"part": "all", "n_train": len(train_rows), "epochs_run": 1, "best_epoch": 1,
                    "best_score": dev[config.settings.metric_for_best], "best_dev_macro_f1": dev["macro_f1"],
                    "stopped_early": False}],
        **({"epoch_checkpoints": epoch_checkpoints} if config.settings.keep_epoch_checkpoints else {}),
        # What this side received and validated, as the sweep config spells it.
        "settings": config.settings.model_dump(by_alias=True),
    }
    atomic_write_json(out / RESULT_FILE, result)
    emit.write(result)
    return 0


def _unchanged_weights_file(source: str) -> Optional[Path]:
    """The encoder's single safetensors file, when `source` is a local dir that loads from exactly it."""
    directory = Path(source)
    weights = directory / "model.safetensors"
    if directory.is_dir() and weights.is_file() and not (directory / "model.safetensors.index.json").exists():
        return weights
    print(f"linear probe: {source} has no single model.safetensors; best/ gets a copy of the encoder", file=sys.stderr)
    return None
