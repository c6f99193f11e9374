"""`train`: fine-tune a sequence classifier with checkpoints, early stopping and resume.

Training runs in phases (regimes.py), each with its own optimizer, schedule and patience; within a
phase an optimizer step is taken per group of `gradientAccumulation` batches. Checkpoints are written
at every epoch end, and also between epoch ends, at a group boundary, when the settings ask
(`checkpointEverySteps`, `checkpointEveryMinutes`) or a preemption notice (SIGTERM) arrives: then at
the step reached, and the process exits with code 75. A resume continues in the same phase at the
next group of the same epoch order, with the optimizer, scheduler and RNG states of that step, so an
interrupted run ends with the weights of an uninterrupted one.

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
from dataclasses import dataclass
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
from synthlab_ml.epoch_checkpoints import EPOCHS_DIR, drop_epoch_checkpoints, list_epoch_checkpoints, save_epoch_checkpoint
from synthlab_ml.regimes import Phase, Regime, build_regime
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
    _warn_of_labels_without_rows(config, train_rows)
    regime = build_regime(config)
    phases = regime.phases(train_rows)
    parts = [phase.part for phase in phases]

    out.mkdir(parents=True, exist_ok=True)
    checkpoint_root = out / "checkpoints"
    best_dir = out / "best"
    epochs_root = out / EPOCHS_DIR
    clean_partial(out)
    resume = latest_checkpoint(checkpoint_root)

    # Seed before the model is built so the new classifier head is reproducible.
    seed_everything(config.seed)
    if resume is not None:
        state = resume.state()
        if state.labels and state.labels != config.labels:
            raise ConfigError(f"{resume.path}: checkpoint labels {state.labels} differ from config labels "
                              f"{config.labels}; use a fresh output_dir")
        if (state.phase_parts or ["all"]) != parts:
            raise ConfigError(f"{resume.path}: the checkpoint trains the phases {state.phase_parts or ['all']} but regime "
                              f"{config.settings.regime!r} on this train file makes {parts}; use a fresh output_dir")
        state.phase_parts = parts
        log(f"resuming from {resume.path} (phase {state.phase + 1} of {len(phases)}: {parts[state.phase]})")
        tokenizer = load_tokenizer(str(resume.path))
        model = load_trained_classifier(str(resume.path))
    else:
        check_model_source(config.model, "model")
        state = TrainerState(labels=list(config.labels), phase_parts=parts)
        drop_epoch_checkpoints(epochs_root, 0)  # left by a run killed before its first checkpoint
        tokenizer = load_tokenizer(config.model)
        model = _build_model(config)
    _freeze(model, config)
    model.to(device)

    dev_enc = Encoded(tokenizer, dev_rows, config.settings.max_length)
    resumed_from = resume.epoch if resume is not None else None
    resumed_from_step = resume.global_step if resume is not None else None
    restore_optimizer = resume is not None
    if resume is not None:
        _repair_best(state, checkpoint_root, best_dir)
    saver = _Checkpointer(checkpoint_root, config, tokenizer, resume)
    epochs_run = 0
    started = False
    # A preemption notice is acted on between two optimizer steps (_Checkpointer.stop_if_preempted), never inside one.
    with preemption_deferred():
        while True:
            phase = phases[state.phase]
            phase_rows = [train_rows[i] for i in phase.rows]
            train_enc = Encoded(tokenizer, phase_rows, config.settings.max_length)
            schedule = _schedule(config, len(phase_rows))
            optimizer, scheduler = _build_optimizer(model, config, schedule.steps_per_epoch * config.settings.max_epochs)
            if restore_optimizer:
                opt_state, sched_state, rng_state = load_training_state(resume, device)
                optimizer.load_state_dict(opt_state)
                scheduler.load_state_dict(sched_state)
                set_rng_state(rng_state)
                restore_optimizer = False
            saver.optimizer, saver.scheduler = optimizer, scheduler
            if not started:
                emit("start", device=str(device), n_train=len(train_rows), n_dev=len(dev_rows), labels=config.labels,
                     params=as_dict(config), resumed_from_epoch=resumed_from, resumed_from_step=resumed_from_step,
                     resumed_mid_epoch=state.epoch_step > 0,
                     num_parameters=sum(p.numel() for p in model.parameters()),
                     num_trainable_parameters=sum(p.numel() for p in model.parameters() if p.requires_grad),
                     passes_per_epoch=schedule.passes, steps_per_epoch=schedule.steps_per_epoch,
                     regime=config.settings.regime, phases=[{"part": p.part, "n_train": len(p.rows)} for p in phases],
                     phase=phase.part)
                started = True
            else:
                emit("phase", phase=phase.part, phase_index=state.phase, n_train=len(phase_rows),
                     passes_per_epoch=schedule.passes, steps_per_epoch=schedule.steps_per_epoch)

            if resume is None and state.epoch == 0 and config.settings.head_init == "linear-probe":
                _lp_ft_epoch_zero(model, saver, state, config, train_enc, phase_rows, dev_enc, dev_rows, device, best_dir, emit)
            last_phase = state.phase == len(phases) - 1
            epochs_run += _train_phase(model, saver, regime, state, config, phase, train_enc, phase_rows, dev_enc, dev_rows,
                                       schedule, device, best_dir,
                                       epochs_root if last_phase and config.settings.keep_epoch_checkpoints else None, emit)
            if last_phase:
                break
            # The next phase starts from this phase's best weights, with a fresh optimizer, schedule and patience.
            state.phases.append(_phase_summary(state, phase, config))
            model = load_trained_classifier(str(best_dir))
            _freeze(model, config)
            model.to(device)
            state.phase += 1
            state.phase_epoch, state.best_score, state.best_epoch, state.best_checkpoint = 0, None, None, None
            state.epochs_without_improvement = 0

    last = _phase_summary(state, phases[-1], config)
    result: dict[str, Any] = {
        "event": "done",
        "best_epoch": state.best_epoch,
        "best_dev_macro_f1": last["best_dev_macro_f1"],
        "metric_for_best": config.settings.metric_for_best,
        "best_score": state.best_score,
        "epochs_run": state.epoch,
        "epochs_run_this_call": epochs_run,
        # The loop only ends before max_epochs when patience ran out.
        "stopped_early": last["stopped_early"],
        "resumed_from_epoch": resumed_from,
        "resumed_from_step": resumed_from_step,
        "best_dir": str(best_dir.resolve()),
        "regime": config.settings.regime,
        "phases": [*state.phases, last],
        # What this side received and validated, as the sweep config spells it.
        "settings": config.settings.model_dump(by_alias=True),
    }
    if config.settings.keep_epoch_checkpoints:
        drop_epoch_checkpoints(epochs_root, state.phase_epoch)
        result["epoch_checkpoints"] = [{"epoch": c.epoch, "dir": str(c.path.resolve())}
                                       for c in list_epoch_checkpoints(epochs_root)]
    atomic_write_json(result_path, result)
    _drop_checkpoints_when_done(config, checkpoint_root)
    emit.write(result)
    return 0


class _Checkpointer:
    """Writes checkpoints, and knows when one is due between epoch ends. Each phase sets its own
    `optimizer` and `scheduler` before training."""

    def __init__(self, checkpoint_root: Path, config: TrainConfig, tokenizer: Any, resumed: Optional[Checkpoint]) -> None:
        self.root, self.config, self.tokenizer = checkpoint_root, config, tokenizer
        self.optimizer: Any = None
        self.scheduler: Any = None
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
            log(f"preempted: checkpoint at global step {state.global_step} (phase {state.phase + 1}, "
                f"epoch {state.epoch + 1}, step {state.epoch_step})")
        raise Preempted(checkpoint=str(self.saved.path) if self.saved else None, global_step=state.global_step,
                        epoch=state.epoch, epoch_step=state.epoch_step, phase=state.phase)


@dataclass(frozen=True)
class Schedule:
    batches_per_pass: int
    passes: int
    steps_per_epoch: int  # optimizer steps: one per `gradientAccumulation` batches


def _schedule(config: TrainConfig, n_rows: int) -> Schedule:
    batches_per_pass = math.ceil(n_rows / config.settings.batch_size)
    passes = passes_per_epoch(config, batches_per_pass)
    return Schedule(batches_per_pass, passes, math.ceil(batches_per_pass * passes / config.settings.gradient_accumulation))


def _freeze(model: Any, config: TrainConfig) -> None:
    if config.settings.freeze_embeddings:
        model.get_input_embeddings().weight.requires_grad_(False)


def _lp_ft_epoch_zero(model: Any, saver: _Checkpointer, state: TrainerState, config: TrainConfig,
                      train_enc: Encoded, train_rows: list[Example], dev_enc: Encoded, dev_rows: list[Example],
                      device: torch.device, best_dir: Path, emit: EventWriter) -> None:
    """LP-FT: the head starts as the linear probe, scored and checkpointed as epoch 0, so the run's best
    model is never worse on dev than the probe it started from."""
    t0 = time.monotonic()
    fit = _init_head_from_probe(model, config, train_enc, train_rows, dev_enc, dev_rows, device)
    dev = evaluate(model, dev_enc, dev_rows, config, device)
    state.best_score, state.best_epoch, state.best_checkpoint = dev[config.settings.metric_for_best], 0, 0
    record = {
        "epoch": 0, "max_epochs": config.settings.max_epochs, "train_loss": fit.train_loss, "dev_loss": dev["loss"],
        "dev_macro_f1": dev["macro_f1"], "dev_accuracy": dev["accuracy"], "is_best": True,
        "global_step": 0, "epochs_without_improvement": 0, "probe_c": fit.c, "phase": state.phase_parts[state.phase],
    }
    state.history.append(record)
    checkpoint = saver.save(state, model)
    publish_best(checkpoint, best_dir, state.best_score)
    emit("epoch", **record, seconds=round(time.monotonic() - t0, 3))


def _train_phase(model: Any, saver: _Checkpointer, regime: Regime, state: TrainerState, config: TrainConfig,
                 phase: Phase, train_enc: Encoded, train_rows: list[Example], dev_enc: Encoded, dev_rows: list[Example],
                 schedule: Schedule, device: torch.device, best_dir: Path, epochs_root: Optional[Path],
                 emit: EventWriter) -> int:
    """The epochs of one phase, until maxEpochs or patience, from the position `state` holds (possibly
    mid-epoch); returns how many ended in this call."""
    optimizer, scheduler = saver.optimizer, saver.scheduler
    higher_is_better = BEST_METRICS[config.settings.metric_for_best]
    accumulation = config.settings.gradient_accumulation
    epochs_run = 0
    last_step_event = time.monotonic()
    while state.phase_epoch < config.settings.max_epochs and state.epochs_without_improvement < config.settings.patience:
        epoch, run_epoch = state.phase_epoch + 1, state.epoch + 1
        t0 = time.monotonic()
        model.train()
        # Shuffle order depends only on (seed, the run's epoch number), so a resumed run sees the same batches.
        generator = _epoch_generator(config.seed, run_epoch)
        n = len(train_rows)
        order = [i for _ in range(schedule.passes) for i in torch.randperm(n, generator=generator).tolist()]
        # Batches never straddle two passes: each pass is cut into batches on its own.
        epoch_batches = [b for p in range(schedule.passes)
                         for b in batches(n, config.settings.batch_size, order[p * n:(p + 1) * n])]
        groups = [epoch_batches[i:i + accumulation] for i in range(0, len(epoch_batches), accumulation)]
        # A mid-epoch checkpoint resumes after the optimizer steps (groups) it has done, with their running loss.
        done_steps, loss_sum, seen = state.epoch_step, state.epoch_loss_sum, state.epoch_seen
        for step, group in enumerate(groups, start=1):
            if step <= done_steps:
                continue
            saver.stop_if_preempted(state, model)
            optimizer.zero_grad(set_to_none=True)
            group_loss = accumulate_gradients(model, regime, train_enc, train_rows, group, device)
            if config.settings.max_grad_norm is not None:
                torch.nn.utils.clip_grad_norm_(model.parameters(), config.settings.max_grad_norm)
            optimizer.step()
            scheduler.step()
            state.global_step += 1
            group_rows = sum(len(idx) for idx in group)
            loss_sum += group_loss
            seen += group_rows
            state.epoch_step, state.epoch_loss_sum, state.epoch_seen = step, loss_sum, seen
            if time.monotonic() - last_step_event >= STEP_EVENT_SECONDS:
                last_step_event = time.monotonic()
                emit("step", epoch=epoch, step=step, steps_per_epoch=schedule.steps_per_epoch, phase=phase.part,
                     global_step=state.global_step, loss=group_loss / group_rows, lr=scheduler.get_last_lr()[0])
            if saver.due(state):
                checkpoint = saver.save(state, model)
                emit("checkpoint", epoch=epoch, step=step, global_step=state.global_step, phase=phase.part,
                     path=str(checkpoint.path))

        dev = evaluate(model, dev_enc, dev_rows, config, device)
        score = dev[config.settings.metric_for_best]
        is_best = state.best_score is None or (
            score > state.best_score if higher_is_better else score < state.best_score)
        if is_best:
            state.best_score, state.best_epoch, state.best_checkpoint = score, epoch, run_epoch
            state.epochs_without_improvement = 0
        else:
            state.epochs_without_improvement += 1
        state.epoch, state.phase_epoch = run_epoch, epoch
        state.epoch_step, state.epoch_loss_sum, state.epoch_seen = 0, 0.0, 0
        record = {
            "epoch": epoch, "max_epochs": config.settings.max_epochs, "train_loss": loss_sum / max(seen, 1),
            "dev_loss": dev["loss"], "dev_macro_f1": dev["macro_f1"], "dev_accuracy": dev["accuracy"],
            "is_best": is_best, "global_step": state.global_step,
            "epochs_without_improvement": state.epochs_without_improvement, "phase": phase.part,
        }
        state.history.append(record)

        if epochs_root is not None:
            # Before the checkpoint that marks the epoch done: a kill in between reruns the epoch and rewrites it.
            save_epoch_checkpoint(epochs_root, epoch, run_epoch, model)
        checkpoint = saver.save(state, model)
        if is_best:
            publish_best(checkpoint, best_dir, state.best_score)
        epochs_run += 1
        emit("epoch", **record, seconds=round(time.monotonic() - t0, 3))
    return epochs_run


def accumulate_gradients(model: Any, regime: Regime, encoded: Encoded, rows: list[Example],
                         group: list[list[int]], device: torch.device) -> float:
    """Forward and backward over a group of batches, so that the summed gradients equal those of one
    batch of all the group's rows: each batch's mean loss counts by its share of the group's rows.
    Returns the group's loss summed over its rows."""
    total = sum(len(idx) for idx in group)
    loss_sum = 0.0
    for idx in group:
        logits = model(**encoded.batch(idx, device)).logits
        loss = regime.loss(logits, [rows[i] for i in idx])
        (loss * (len(idx) / total)).backward()
        loss_sum += loss.item() * len(idx)
    return loss_sum


def _phase_summary(state: TrainerState, phase: Phase, config: TrainConfig) -> dict[str, Any]:
    return {
        "part": phase.part,
        "n_train": len(phase.rows),
        "epochs_run": state.phase_epoch,
        "best_epoch": state.best_epoch,
        "best_score": state.best_score,
        "best_dev_macro_f1": _best_macro_f1(state, phase.part),
        "stopped_early": state.phase_epoch < config.settings.max_epochs,
    }


def _warn_of_labels_without_rows(config: TrainConfig, train_rows: list[Example]) -> None:
    """A label with no train rows is one the model will hardly ever predict: a data product that came up
    short, not a training fault, but the first thing to know when its scores sit at chance."""
    present = {ex.label for ex in train_rows}
    missing = [label for index, label in enumerate(config.labels) if index not in present]
    if missing:
        log(f"warning: {config.train_file}: {len(train_rows)} train rows, none of {len(missing)} of the "
            f"{len(config.labels)} labels: {', '.join(repr(label) for label in missing)}")


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


def passes_per_epoch(config: TrainConfig, batches_per_pass: int) -> int:
    """How many passes over the train set one epoch makes, so that max_epochs epochs reach min_steps optimizer steps."""
    return max(1, math.ceil(config.settings.min_steps * config.settings.gradient_accumulation
                            / (batches_per_pass * config.settings.max_epochs)))


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


def _best_macro_f1(state: TrainerState, part: str) -> Optional[float]:
    for rec in reversed(state.history):
        if rec["epoch"] == state.best_epoch and rec.get("phase", "all") == part:
            return rec["dev_macro_f1"]
    return None


def _repair_best(state: TrainerState, checkpoint_root: Path, best_dir: Path) -> None:
    """A kill between writing a checkpoint and publishing best/ leaves best/ stale; fix it."""
    if state.best_checkpoint is None:
        return
    info = best_info(best_dir)
    if info is not None and info.get("epoch") == state.best_checkpoint:
        return
    source: Optional[Checkpoint] = next(
        (c for c in list_checkpoints(checkpoint_root) if c.at_epoch_end and c.epoch == state.best_checkpoint), None)
    if source is not None:
        log(f"re-publishing best/ from {source.path}")
        publish_best(source, best_dir, state.best_score)
    else:
        log(f"warning: best/ does not match best checkpoint epoch-{state.best_checkpoint} and that checkpoint is gone")
