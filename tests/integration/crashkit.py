"""Running a child process that writes to a store and killing it with SIGKILL mid-write.

Shared by the crash tests: the child prints "begin N" before each batch and "committed N"
after it; the parent kills it a given time after its third "begin" (inside a transaction, most
of the time), or lets it kill itself (``die_in``), and returns every line it printed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"


def run_child_until_killed(code: str, args: list[str], *, delay: float | None) -> list[str]:
    """Run ``python -c code *args``; SIGKILL it ``delay`` s after its 3rd "begin" line.

    With ``delay=None`` the child is expected to kill itself. Returns its stdout lines,
    stripped, including those still in the pipe when it died; fails if it was not killed.
    """
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    child = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert child.stdout is not None and child.stderr is not None
    lines: list[str] = []
    try:
        if delay is not None:
            begins = 0
            while begins < 3:
                line = child.stdout.readline()
                assert line, f"child ended early: {child.stderr.read()}"
                lines.append(line)
                begins += line.startswith("begin")
            time.sleep(delay)
            os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    lines += child.stdout.read().splitlines()
    stderr = child.stderr.read()
    child.stdout.close()
    child.stderr.close()
    assert child.returncode == -signal.SIGKILL, stderr
    return [line.strip() for line in lines]
