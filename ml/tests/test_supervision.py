"""The trainer must not outlive a killed worker, and two trainers must never share a run folder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from synthlab_ml.supervision import exclusive_run_lock


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it has exited all the same.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split()[2] != "Z"


def test_child_exits_when_its_parent_is_killed(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    # The parent starts a child carrying the watchdog, records the child's pid, then waits forever.
    parent_code = textwrap.dedent(f"""
        import os, subprocess, sys, time
        env = dict(os.environ, SYNTHLAB_PARENT_PID=str(os.getpid()))
        child = subprocess.Popen([sys.executable, "-c",
            "import time; from synthlab_ml.supervision import start_parent_watchdog; start_parent_watchdog(0.1); time.sleep(60)"],
            env=env)
        open({str(pid_file)!r}, "w").write(str(child.pid))
        time.sleep(60)
    """)
    parent = subprocess.Popen([sys.executable, "-c", parent_code])
    deadline = time.monotonic() + 30
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline, "the child never started"
        time.sleep(0.1)
    child_pid = int(pid_file.read_text())
    time.sleep(1.0)
    assert _alive(child_pid)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while _alive(child_pid):
        assert time.monotonic() < deadline, "the orphaned child kept running"
        time.sleep(0.1)


def test_run_lock_is_exclusive(tmp_path: Path) -> None:
    order: list[str] = []
    with exclusive_run_lock(tmp_path):
        def second() -> None:
            with exclusive_run_lock(tmp_path, timeout_s=10):
                order.append("second")

        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(1.0)
        order.append("first released")
    thread.join()
    assert order == ["first released", "second"]


def test_run_lock_times_out(tmp_path: Path) -> None:
    with exclusive_run_lock(tmp_path):
        errors: list[BaseException] = []

        def second() -> None:
            try:
                with exclusive_run_lock(tmp_path, timeout_s=0.5):
                    pass
            except RuntimeError as error:
                errors.append(error)

        thread = threading.Thread(target=second)
        thread.start()
        thread.join()
    assert errors and "still locked" in str(errors[0])
