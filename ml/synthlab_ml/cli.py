"""Command-line entry point: `python -m synthlab_ml <command> ...`.

stdout carries only JSON lines (events); everything else, including library chatter, goes to stderr.
Exit codes: 0 ok, 2 bad config/data (not retryable), 75 stopped by a preemption notice (SIGTERM) with
its progress saved (run it again to continue), 1 anything else.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import traceback
from typing import Callable, Optional, Sequence

from synthlab_ml.errors import UserError
from synthlab_ml.io_utils import EventWriter

Handler = Callable[[argparse.Namespace, EventWriter], int]


def _train(args: argparse.Namespace, emit: EventWriter) -> int:
    from synthlab_ml.config import TrainConfig, load_config
    from synthlab_ml.train import run_train

    return run_train(load_config(args.config, TrainConfig), emit)


def _predict(args: argparse.Namespace, emit: EventWriter) -> int:
    from synthlab_ml.config import PredictConfig, load_config
    from synthlab_ml.predict import run_predict

    return run_predict(load_config(args.config, PredictConfig), emit)


def _train_evaluate(args: argparse.Namespace, emit: EventWriter) -> int:
    from synthlab_ml.config import TrainEvaluateConfig, load_config
    from synthlab_ml.train_evaluate import run_train_evaluate

    return run_train_evaluate(load_config(args.config, TrainEvaluateConfig), emit)


def _embed(args: argparse.Namespace, emit: EventWriter) -> int:
    from synthlab_ml.config import EmbedConfig, load_config
    from synthlab_ml.embed import run_embed

    return run_embed(load_config(args.config, EmbedConfig), emit)


def _make_tiny_model(args: argparse.Namespace, emit: EventWriter) -> int:
    from synthlab_ml.tiny_model import make_tiny_model

    emit("done", output=str(make_tiny_model(args.output, args.vocab_from)))
    return 0


def _build_encoder(args: argparse.Namespace, emit: EventWriter) -> int:
    from synthlab_ml.packaged_encoder import EncoderSourceError, build_encoder

    try:
        result = build_encoder(force=args.force)
    except EncoderSourceError as e:
        raise UserError(str(e), kind="config") from e
    emit("done", **result)
    return 0


def _paths(args: argparse.Namespace, emit: EventWriter) -> int:
    from synthlab_ml.paths import packaged_paths

    emit.write(packaged_paths())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="synthlab-ml", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    commands: list[tuple[str, Handler, str]] = [
        ("train", _train, "fine-tune a sequence classifier (resumable)"),
        ("train-evaluate", _train_evaluate, "train, then predict and score a test file with the best checkpoint"),
        ("predict", _predict, "predict labels/probabilities, optionally with metrics"),
        ("embed", _embed, "mean-pooled L2-normalised embeddings"),
    ]
    for name, handler, help_text in commands:
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--config", required=True, help="JSON config file")
        p.set_defaults(handler=handler)
    p = sub.add_parser("make-tiny-model", help="build a tiny random BERT for tests")
    p.add_argument("--output", required=True)
    p.add_argument("--vocab-from", default=None, help="model dir to copy the tokenizer from "
                                                        "(default: packaged all-MiniLM-L6-v2)")
    p.set_defaults(handler=_make_tiny_model)
    p = sub.add_parser("build-encoder", help="build the packaged multilingual-e5-small model folder into the venv "
                                             "(idempotent)")
    p.add_argument("--force", action="store_true", help="rebuild even if a build from the same sources is there")
    p.set_defaults(handler=_build_encoder)
    p = sub.add_parser("paths", help="print packaged model/binary paths as JSON")
    p.set_defaults(handler=_paths)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    args = build_parser().parse_args(argv)
    from synthlab_ml.supervision import PREEMPTED_EXIT_CODE, Preempted, install_preemption_handler, start_parent_watchdog

    start_parent_watchdog()
    install_preemption_handler()
    emit = EventWriter(sys.stdout)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            return args.handler(args, emit)
    except UserError as e:
        print(f"error: {e}", file=sys.stderr, flush=True)
        emit("error", kind=e.kind, message=str(e), retryable=False)
        return UserError.exit_code
    except Preempted as notice:
        emit("preempted", checkpoint=notice.checkpoint, **notice.progress)
        return PREEMPTED_EXIT_CODE
    except KeyboardInterrupt:
        return 130
    except Exception as e:
        traceback.print_exc(file=sys.stderr)
        emit("error", kind="crash", message=f"{type(e).__name__}: {e}", retryable=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
