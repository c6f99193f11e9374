"""Atomic file/dir writes and the stdout JSON-lines event stream."""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable, IO, TextIO


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def default_mode(is_dir: bool) -> int:
    """mkstemp/mkdtemp create 0600/0700 entries; give results the usual umask-based mode."""
    return (0o777 if is_dir else 0o666) & ~_umask()


def fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: str | Path, write: Callable[[IO[bytes]], None]) -> None:
    """Call `write` on a temp file next to `path`, fsync it, then rename it over `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, default_mode(is_dir=False))
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    fsync_dir(path.parent)


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write(path, lambda f: f.write(text.encode("utf-8")))


def to_jsonable(obj: Any) -> Any:
    """Make floats JSON-safe (NaN/inf are not valid JSON) and unwrap numpy scalars."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if hasattr(obj, "item") and callable(obj.item) and getattr(obj, "ndim", 1) == 0:
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def dumps(obj: Any, **kwargs: Any) -> str:
    return json.dumps(to_jsonable(obj), ensure_ascii=False, **kwargs)


def atomic_write_json(path: str | Path, obj: Any) -> None:
    atomic_write_text(path, dumps(obj, indent=2) + "\n")


def fsync_tree(root: Path) -> None:
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            with open(os.path.join(dirpath, name), "rb") as f:
                os.fsync(f.fileno())
        fsync_dir(Path(dirpath))


def replace_dir(src: Path, dst: Path) -> None:
    """Move a fully written directory `src` to `dst`, replacing any existing `dst`.

    rename(2) cannot replace a non-empty directory, so the old one is first moved aside to
    `<dst>.old`; `recover_dir` undoes a crash that happens between the two renames.
    """
    fsync_tree(src)
    old = dst.with_name(dst.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    if dst.exists():
        os.rename(dst, old)
    os.rename(src, dst)
    fsync_dir(dst.parent)
    if old.exists():
        shutil.rmtree(old)


def recover_dir(dst: Path) -> None:
    old = dst.with_name(dst.name + ".old")
    if old.exists():
        if dst.exists():
            shutil.rmtree(old)
        else:
            os.rename(old, dst)


class EventWriter:
    """Writes one JSON object per line to the real stdout and flushes immediately."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def __call__(self, event: str, **fields: Any) -> dict[str, Any]:
        obj = {"event": event, **fields}
        self.write(obj)
        return obj

    def write(self, obj: dict[str, Any]) -> None:
        self.stream.write(dumps(obj) + "\n")
        self.stream.flush()
