"""`train`: fine-tune a sequence classifier with checkpoints, early stopping and resume.

Checkpoints are written at every epoch end, and also between epoch ends when the settings ask
(`checkpointEverySteps`, `checkpointEveryMinutes`) or a preemption notice (SIGTERM) arrives: then
at the step reached, and the process exits with code 75. A resume continues at the next batch of
the same epoch order, with the optimizer, scheduler and RNG states of that step, so an interrupted
run ends with the weights of an uninterrupted one.

`method: "linear-probe"` trains no weights by gradient descent; it is handed to train_probe.py
(under the same lock, with the same result file and events).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any, Optional

import torch
import torch.nn.functional as F

from synthlab_ml.checkpoints import (
    Checkpoint, TrainerState, best_info, clean_partial, latest_checkpoint, list_checkpoints,
    load_training_state, prune_checkpoints, publish_best, save_checkpoint,
)
from synthlab_ml.config import BEST_METRICS, TrainConfig, as_dict
from synthlab_ml.data import Example, read_examples
from synthlab_ml.errors import ConfigError
from synthlab_ml.io_utils import EventWriter, atomic_write_json
from synthlab_ml.metrics import classification_metrics
from synthlab_ml.modeling import (
    Encoded, batches, check_model_source, infer_logits, load_classifier, load_tokenizer, load_trained_classifier,
)
from synthlab_ml.pooled import MeanPooledClassifier
from synthlab_ml.probe import fit_probe, pooled_features
from synthlab_ml.regimes import build_regime
from synthlab_ml.runtime import (
    configure_threads, get_rng_state, resolve_device, seed_everything, set_rng_state,
)
from synthlab_ml.supervision import Preempted, exclusive_run_lock, preemption_deferred, preemption_requested

RESULT_FILE = "train_result.json"
# `step` events at most this often; SYNTHLAB_STEP_EVENT_SECONDS=0 emits one per optimizer step (tests count steps).
STEP_EVENT_SECONDS = float(os.environ.get("SYNTHLAB_STEP_EVENT_SECONDS", "10"))


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def run_train(config: TrainConfig, emit: EventWriter) -> int:
    # Two trainers on one output_dir (a retried activity beside a slow-to-die attempt) would
    # interleave checkpoints; the second waits for the first.
    with exclusive_run_lock(Path(config.output_dir)):
        return _train(config, emit)


def _train(config: TrainConfig, emit: EventWriter) -> int:
    out = Path(config.output_dir)
    result_path = out / RESULT_FILE
    if result_path.is_file():
        log(f"{result_path} exists: training already finished, nothing to do")
        _drop_checkpoints_when_done(config, out / "checkpoints")  # in case a kill came between the two
        emit.write(json.loads(result_path.read_text(encoding="utf-8")))
        return 0
    if config.settings.method == "linear-probe":
        from synthlab_ml.train_probe import train_linear_probe

        return train_linear_probe(config, emit)

    configure_threads()
    device = resolve_device(config.settings.device)
    train_rows = read_examples(config.train_file, config.labels, label_required=True, allow_soft=True)
    dev_rows = read_examples(config.dev_file, config.labels, label_required=True)

    out.mkdir(parents=True, exist_ok=True)
    checkpoint_root = out / "checkpoints"
    best_dir = out / "best"
    clean_partial(out)
    resume = latest_checkpoint(checkpoint_root)

    # Seed before the model is built so the new classifier head is reproducible.
    seed_everything(config.seed)
    if resume is not None:
        state = resume.state()
        if state.labels and state.labels != config.labels:
            raise ConfigError(f"{resume.path}: checkpoint labels {state.labels} differ from config labels "
                              f"{config.labels}; use a fresh output_dir")
        log(f"resuming from {resume.path}")
        tokenizer = load_tokenizer(str(resume.path))
        model = load_trained_classifier(str(resume.path))
    else:
        check_model_source(config.model, "model")
        state = TrainerState(labels=list(config.labels))
        tokenizer = load_tokenizer(config.model)
        model = _build_model(config)
    if config.settings.freeze_embeddings:
        model.get_input_embeddings().weight.requires_grad_(False)
    model.to(device)

    train_enc = Encoded(tokenizer, train_rows, config.settings.max_length)
    dev_enc = Encoded(tokenizer, dev_rows, config.settings.max_length)
    steps_per_pass = math.ceil(len(train_rows) / config.settings.batch_size)
    passes = passes_per_epoch(config, steps_per_pass)
    steps_per_epoch = steps_per_pass * passes
    optimizer, scheduler = _build_optimizer(model, config, steps_per_epoch * config.settings.max_epochs)
    if resume is not None:
        opt_state, sched_state, rng_state = load_training_state(resume, device)
        optimizer.load_state_dict(opt_state)
        scheduler.load_state_dict(sched_state)
        set_rng_state(rng_state)
        _repair_best(state, checkpoint_root, best_dir)

    resumed_from = resume.epoch if resume is not None else None
    emit("start", device=str(device), n_train=len(train_rows), n_dev=len(dev_rows), labels=config.labels,
         params=as_dict(config), resumed_from_epoch=resumed_from,
         resumed_from_step=resume.global_step if resume is not None else None,
         resumed_mid_epoch=state.epoch_step > 0,
         num_parameters=sum(p.numel() for p in model.parameters()),
         num_trainable_parameters=sum(p.numel() for p in model.parameters() if p.requires_grad),
         passes_per_epoch=passes, steps_per_epoch=steps_per_epoch)

    regime = build_regime(config)
    saver = _Checkpointer(checkpoint_root, config, tokenizer, optimizer, scheduler,
                          resumed=resume)
    if resume is None and config.settings.head_init == "linear-probe":
        # LP-FT: the head starts as the linear probe, scored and checkpointed as epoch 0, so the run's
        # best model is never worse on dev than the probe it started from.
        t0 = time.monotonic()
        fit = _init_head_from_probe(model, config, train_enc, train_rows, dev_enc, dev_rows, device)
        dev = evaluate(model, dev_enc, dev_rows, config, device)
        state.best_score, state.best_epoch = dev[config.settings.metric_for_best], 0
        record = {
            "epoch": 0, "max_epochs": config.settings.max_epochs, "train_loss": fit.train_loss, "dev_loss": dev["loss"],
            "dev_macro_f1": dev["macro_f1"], "dev_accuracy": dev["accuracy"], "is_best": True,
            "global_step": 0, "epochs_without_improvement": 0, "probe_c": fit.c,
        }
        state.history.append(record)
        checkpoint = saver.save(state, model)
        publish_best(checkpoint, best_dir, state.best_score)
        emit("epoch", **record, seconds=round(time.monotonic() - t0, 3))

    with preemption_deferred():
        epochs_run = _train_epochs(config, state, model, saver, train_enc, train_rows, dev_enc, dev_rows,
                                   regime, device, passes, steps_per_epoch, best_dir, emit)
    # The loop only ends before max_epochs when patience ran out.
    stopped_early = state.epoch < config.settings.max_epochs

    result = {
        "event": "done",
        "best_epoch": state.best_epoch,
        "best_dev_macro_f1": _best_macro_f1(state),
        "metric_for_best": config.settings.metric_for_best,
        "best_score": state.best_score,
        "epochs_run": state.epoch,
        "epochs_run_this_call": epochs_run,
        "stopped_early": stopped_early,
        "resumed_from_epoch": resumed_from,
        "resumed_from_step": resume.global_step if resume is not None else None,
        "best_dir": str(best_dir.resolve()),
        # What this side received and validated, as the sweep config spells it.
        "settings": config.settings.model_dump(by_alias=True),
    }
    atomic_write_json(result_path, result)
    _drop_checkpoints_when_done(config, checkpoint_root)
    emit.write(result)
    return 0


class _Checkpointer:
    """Writes checkpoints, and knows when one is due between epoch ends."""

    def __init__(self, checkpoint_root: Path, config: TrainConfig, tokenizer: Any, optimizer: Any, scheduler: Any,
                 resumed: Optional[Checkpoint]) -> None:
        self.root, self.config, self.tokenizer, self.optimizer, self.scheduler = checkpoint_root, config, tokenizer, optimizer, scheduler
        self.saved = resumed
        self.saved_at = time.monotonic()

    def save(self, state: TrainerState, model: Any) -> Checkpoint:
        checkpoint = save_checkpoint(self.root, state, model, self.tokenizer, self.optimizer, self.scheduler, get_rng_state())
        self.saved, self.saved_at = checkpoint, time.monotonic()
        prune_checkpoints(self.root, self.config.settings.keep_checkpoints)
        return checkpoint

    def due(self, state: TrainerState) -> bool:
        every_steps, every_minutes = self.config.settings.checkpoint_every_steps, self.config.settings.checkpoint_every_minutes
        return ((every_steps is not None and state.global_step % every_steps == 0)
                or (every_minutes is not None and time.monotonic() - self.saved_at >= every_minutes * 60))

    def stop_if_preempted(self, state: TrainerState, model: Any) -> None:
        """On a preemption notice, checkpoint the step reached (unless that is saved already) and raise Preempted."""
        if not preemption_requested():
            return
        if state.global_step > 0 and (self.saved is None or self.saved.global_step != state.global_step):
            self.save(state, model)
            log(f"preempted: checkpoint at global step {state.global_step} (epoch {state.epoch + 1}, step {state.epoch_step})")
        raise Preempted(checkpoint=str(self.saved.path) if self.saved else None, global_step=state.global_step,
                        epoch=state.epoch, epoch_step=state.epoch_step)


def _train_epochs(config: TrainConfig, state: TrainerState, model: Any, saver: _Checkpointer,
                  train_enc: Encoded, train_rows: list[Example], dev_enc: Encoded, dev_rows: list[Example],
                  regime: Any, device: torch.device, passes: int, steps_per_epoch: int, best_dir: Path,
                  emit: EventWriter) -> int:
    """The epochs still to run, from the position `state` holds (possibly mid-epoch); returns how many ended."""
    higher_is_better = BEST_METRICS[config.settings.metric_for_best]
    optimizer, scheduler = saver.optimizer, saver.scheduler
    epochs_run = 0
    last_step_event = time.monotonic()
    for epoch in range(state.epoch + 1, config.settings.max_epochs + 1):
        if state.epochs_without_improvement >= config.settings.patience:
            break
        t0 = time.monotonic()
        model.train()
        generator = _epoch_generator(config.seed, epoch)
        order = [i for _ in range(passes) for i in torch.randperm(len(train_rows), generator=generator).tolist()]
        # A mid-epoch checkpoint resumes after the steps it has done, with their running loss.
        done_steps, loss_sum, seen = state.epoch_step, state.epoch_loss_sum, state.epoch_seen
        # Batches never straddle two passes: each pass is cut into batches on its own.
        epoch_batches = [b for p in range(passes) for b in batches(len(train_rows), config.settings.batch_size,
                                                                    order[p * len(train_rows):(p + 1) * len(train_rows)])]
        for step, idx in enumerate(epoch_batches, start=1):
            if step <= done_steps:
                continue
            saver.stop_if_preempted(state, model)
            logits = model(**train_enc.batch(idx, device)).logits
            loss = regime.loss(logits, [train_rows[i] for i in idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if config.settings.max_grad_norm is not None:
                torch.nn.utils.clip_grad_norm_(model.parameters(), config.settings.max_grad_norm)
            optimizer.step()
            scheduler.step()
            state.global_step += 1
            loss_sum += loss.item() * len(idx)
            seen += len(idx)
            state.epoch_step, state.epoch_loss_sum, state.epoch_seen = step, loss_sum, seen
            if time.monotonic() - last_step_event >= STEP_EVENT_SECONDS:
                last_step_event = time.monotonic()
                emit("step", epoch=epoch, step=step, steps_per_epoch=steps_per_epoch,
                     global_step=state.global_step, loss=loss.item(), lr=scheduler.get_last_lr()[0])
            if saver.due(state):
                checkpoint = saver.save(state, model)
                emit("checkpoint", epoch=epoch, step=step, global_step=state.global_step, path=str(checkpoint.path))

        dev = evaluate(model, dev_enc, dev_rows, config, device)
        score = dev[config.settings.metric_for_best]
        is_best = state.best_score is None or (
            score > state.best_score if higher_is_better else score < state.best_score)
        if is_best:
            state.best_score, state.best_epoch = score, epoch
            state.epochs_without_improvement = 0
        else:
            state.epochs_without_improvement += 1
        state.epoch, state.epoch_step, state.epoch_loss_sum, state.epoch_seen = epoch, 0, 0.0, 0
        record = {
            "epoch": epoch, "max_epochs": config.settings.max_epochs, "train_loss": loss_sum / max(seen, 1),
            "dev_loss": dev["loss"], "dev_macro_f1": dev["macro_f1"], "dev_accuracy": dev["accuracy"],
            "is_best": is_best, "global_step": state.global_step,
            "epochs_without_improvement": state.epochs_without_improvement,
        }
        state.history.append(record)

        checkpoint = saver.save(state, model)
        if is_best:
            publish_best(checkpoint, best_dir, state.best_score)
        epochs_run += 1
        emit("epoch", **record, seconds=round(time.monotonic() - t0, 3))
    return epochs_run


def _drop_checkpoints_when_done(config: TrainConfig, checkpoint_root: Path) -> None:
    # Only after the result is on disk: from then on a rerun returns the result, never resumes.
    if not config.settings.keep_checkpoints_when_done and checkpoint_root.exists():
        shutil.rmtree(checkpoint_root, ignore_errors=True)


def evaluate(model: Any, enc: Encoded, rows: list[Example], config: TrainConfig,
             device: torch.device) -> dict[str, float]:
    logits = infer_logits(model, enc, config.settings.batch_size, device)
    gold = torch.tensor([ex.label for ex in rows], dtype=torch.long)
    loss = F.cross_entropy(logits, gold).item()
    pred = logits.argmax(dim=-1).tolist()
    m = classification_metrics(gold.tolist(), pred, config.labels)
    return {"loss": loss, "macro_f1": m["macro_f1"], "accuracy": m["accuracy"]}


def passes_per_epoch(config: TrainConfig, steps_per_pass: int) -> int:
    """How many passes over the train set one epoch makes, so that max_epochs epochs reach min_steps."""
    return max(1, math.ceil(config.settings.min_steps / (steps_per_pass * config.settings.max_epochs)))


def _build_model(config: TrainConfig) -> Any:
    if config.settings.pooling == "mean":
        return MeanPooledClassifier.from_encoder(config.model, config.labels, normalize=True, dropout=config.settings.classifier_dropout)
    overrides = {} if config.settings.classifier_dropout is None else {"classifier_dropout": config.settings.classifier_dropout}
    return load_classifier(config.model, config.labels, **overrides)


def _head_parameter_names(model: Any) -> set[str]:
    """The layers built for the labels (not loaded from the pretrained encoder)."""
    if isinstance(model, MeanPooledClassifier):
        return model.head_parameter_names()
    prefix = f"{model.base_model_prefix}."
    return {name for name, _ in model.named_parameters() if not name.startswith(prefix)}


def _init_head_from_probe(model: MeanPooledClassifier, config: TrainConfig, train_enc: Encoded, train_rows: list[Example],
                          dev_enc: Encoded, dev_rows: list[Example], device: torch.device) -> Any:
    fit = fit_probe(pooled_features(model, train_enc, config.settings.batch_size, device), [ex.label for ex in train_rows],
                    pooled_features(model, dev_enc, config.settings.batch_size, device), [ex.label for ex in dev_rows],
                    config.labels, config.seed, config.settings.metric_for_best, config.settings.probe_c)
    model.set_head(fit.weight, fit.bias, fit.feature_mean, fit.feature_scale)
    log(f"head initialised from the linear probe (C={fit.c}, dev {config.settings.metric_for_best} by C: "
        f"{ {c: round(s[config.settings.metric_for_best], 4) for c, s in fit.dev_scores.items()} })")
    return fit


def _build_optimizer(model: Any, config: TrainConfig, total_steps: int) -> tuple[torch.optim.Optimizer, Any]:
    from transformers import get_linear_schedule_with_warmup

    head_names = _head_parameter_names(model) if config.settings.head_lr is not None else set()
    groups: dict[tuple[bool, bool], list[torch.nn.Parameter]] = {}
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        # Standard BERT practice: no weight decay on biases and LayerNorm weights.
        groups.setdefault((name in head_names, param.ndim >= 2), []).append(param)
    # Without head_lr: the two groups (decay, no decay) of earlier versions, so their checkpoints resume.
    optimizer = torch.optim.AdamW(
        [{"params": params, "weight_decay": config.settings.weight_decay if decay else 0.0,
          "lr": config.settings.head_lr if is_head else config.settings.lr}
         for (is_head, decay), params in sorted(groups.items(), key=lambda item: (item[0][0], not item[0][1]))],
        lr=config.settings.lr)
    scheduler = get_linear_schedule_with_warmup(
        optimizer, num_warmup_steps=int(config.settings.warmup_ratio * total_steps), num_training_steps=total_steps)
    return optimizer, scheduler


def _epoch_generator(seed: int, epoch: int) -> torch.Generator:
    # Shuffle order depends only on (seed, epoch), so a resumed run sees the same batches.
    return torch.Generator().manual_seed(seed * 1_000_003 + epoch)


def _best_macro_f1(state: TrainerState) -> Optional[float]:
    for rec in state.history:
        if rec["epoch"] == state.best_epoch:
            return rec["dev_macro_f1"]
    return None


def _repair_best(state: TrainerState, checkpoint_root: Path, best_dir: Path) -> None:
    """A kill between writing a checkpoint and publishing best/ leaves best/ stale; fix it."""
    if state.best_epoch is None:
        return
    info = best_info(best_dir)
    if info is not None and info.get("epoch") == state.best_epoch:
        return
    source: Optional[Checkpoint] = next(
        (c for c in list_checkpoints(checkpoint_root) if c.at_epoch_end and c.epoch == state.best_epoch), None)
    if source is not None:
        log(f"re-publishing best/ from {source.path}")
        publish_best(source, best_dir, state.best_score)
    else:
        log(f"warning: best/ does not match best epoch {state.best_epoch} and its checkpoint is gone")
