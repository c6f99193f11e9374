"""Keeps a run honest when the process that started it dies, or is told it is about to.

The worker that spawns this CLI may be killed with SIGKILL; its child would then train on as an
orphan while the retried activity starts a second trainer in the same folder. A watchdog thread
exits as soon as the parent is gone, and an exclusive lock on the run folder makes a new trainer
wait until the old one has really stopped.

A preemption notice (SIGTERM: Slurm and Kubernetes send it before SIGKILL, and the worker passes
it on) is different: there is time to save. Inside `preemption_deferred()` (the training loop) the
signal only sets a flag, which the loop reads between optimizer steps to checkpoint at the step it
reached and raise `Preempted`; anywhere else the signal raises `Preempted` at once. The CLI turns
`Preempted` into the `preempted` event and exit code 75.
"""

from __future__ import annotations

import fcntl
import os
import signal
import sys
import threading
import time
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Iterator, Optional

PARENT_ENV = "SYNTHLAB_PARENT_PID"
# EX_TEMPFAIL: stopped on notice, with its progress saved; running the same command again continues.
PREEMPTED_EXIT_CODE = 75


class Preempted(BaseException):
    """Stopped by a preemption notice. A BaseException, like KeyboardInterrupt: no `except Exception` swallows it."""

    def __init__(self, checkpoint: Optional[str] = None, **progress: Any) -> None:
        super().__init__("stopped by a preemption notice (SIGTERM)")
        self.checkpoint = checkpoint
        self.progress = progress


class _Notice:
    requested = False
    deferring = 0


_notice = _Notice()


def _on_sigterm(signum: int, frame: Any) -> None:
    first = not _notice.requested
    _notice.requested = True
    if first:
        print("preemption notice (SIGTERM): saving progress and stopping", file=sys.stderr, flush=True)
    if not _notice.deferring:
        raise Preempted()


def install_preemption_handler() -> None:
    """SIGTERM becomes a preemption notice instead of an immediate death (main thread only)."""
    signal.signal(signal.SIGTERM, _on_sigterm)


def preemption_requested() -> bool:
    return _notice.requested


@contextmanager
def preemption_deferred() -> Iterator[None]:
    """Within this block a notice only sets the flag: the code polls `preemption_requested()` where stopping is safe."""
    _notice.deferring += 1
    try:
        yield
    finally:
        _notice.deferring -= 1


def start_parent_watchdog(interval_s: float = 0.5) -> None:
    """Exit (code 137, as if killed) once the pid in SYNTHLAB_PARENT_PID is no longer our parent."""
    value = os.environ.get(PARENT_ENV)
    if not value:
        return
    expected = int(value)

    def watch() -> None:
        while True:
            if os.getppid() != expected:
                print(f"parent process {expected} is gone; stopping", file=sys.stderr, flush=True)
                os._exit(137)
            time.sleep(interval_s)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


@contextmanager
def exclusive_lock(lock_file: Path, timeout_s: float, holder: str) -> Iterator[None]:
    """Hold an exclusive flock on lock_file; wait up to timeout_s for a previous holder (`holder` names it in the error)."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_file, "w") as handle:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{lock_file.parent} is still locked by {holder} after {timeout_s:.0f}s")
                time.sleep(0.5)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def exclusive_run_lock(run_dir: Path, timeout_s: float = 120.0) -> AbstractContextManager[None]:
    """One trainer at a time in run_dir."""
    return exclusive_lock(run_dir / ".lock", timeout_s, "another trainer")
