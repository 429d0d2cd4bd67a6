"""The bad-input corpus: each hostile input runs in a child process, timed and measured.

A case builds its input (large ones lazily: a 1 GB JSONL line is written into a named pipe by
a thread while the reader consumes it, a gzip bomb is streamed through zlib) and feeds it to
the component that faces it in production. The child prints one JSON line saying whether
the component returned (``ok``) or refused with a :class:`~storyline.errors.StorylineError`
(``error``); the parent reads the child's peak RSS from ``wait4`` and kills it if it runs
past its time limit. A case **passes** when the outcome is the expected one and time and
memory stay under its caps; anything else (a traceback, a kill, a wrong outcome) is reported
with the reason. The cases themselves live in :mod:`.cases_files` and :mod:`.cases_net`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from storyline.errors import StorylineError

__all__ = ["CASES", "Case", "CaseResult", "all_cases", "run_case"]


@dataclass(frozen=True, slots=True)
class Case:
    """One hostile input: what it is, what must happen, and the caps it must stay under.

    ``run`` gets a scratch folder and returns a one-line summary, or raises a
    StorylineError (a clean refusal). ``expect`` is ``"error"``, ``"ok"`` or ``"any"``.
    ``heavy`` cases (hundreds of MB of I/O) run only in the full suite, not in CI.
    """

    name: str
    target: str
    about: str
    expect: str
    run: Callable[[Path], str]
    max_seconds: float = 20.0
    max_mb: float = 400.0
    heavy: bool = False


@dataclass(slots=True)
class CaseResult:
    """What one case did: outcome, its message, time, peak memory, and why it failed."""

    name: str
    outcome: str
    message: str
    seconds: float
    peak_mb: float
    problem: str | None = None

    @property
    def passed(self) -> bool:
        return self.problem is None

    @property
    def crashed(self) -> bool:
        """A crash: no clean answer at all (traceback, killed, over a cap)."""
        return self.outcome not in ("ok", "error")


CASES: dict[str, Case] = {}


def case(
    target: str,
    about: str,
    *,
    expect: str = "error",
    max_seconds: float = 20.0,
    max_mb: float = 400.0,
    heavy: bool = False,
) -> Callable[[Callable[[Path], str]], Callable[[Path], str]]:
    """Register a case under its function's name (decorator)."""

    def register(run: Callable[[Path], str]) -> Callable[[Path], str]:
        name = run.__name__.removeprefix("case_")
        CASES[name] = Case(name, target, about, expect, run, max_seconds, max_mb, heavy)
        return run

    return register


def all_cases() -> dict[str, Case]:
    """Every registered case, by name (importing the case modules registers them)."""
    from storyline.reliability import cases_files, cases_net  # noqa: F401

    return CASES


def run_case(case: Case, workdir: Path) -> CaseResult:
    """Run one case in a child process; measure its wall time and peak RSS (the child's own
    ``VmHWM``, else ``wait4``'s figure)."""
    scratch = workdir / case.name
    scratch.mkdir(parents=True, exist_ok=True)
    out_path, err_path = scratch / "stdout.txt", scratch / "stderr.txt"
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    start = time.monotonic()
    with out_path.open("wb") as out, err_path.open("wb") as err:
        child = subprocess.Popen(
            [sys.executable, "-m", "storyline.reliability.corpus", case.name, str(scratch)],
            stdout=out,
            stderr=err,
            env=env,
        )
        killed = False
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - start > case.max_seconds + 5:
                os.kill(child.pid, signal.SIGKILL)
                killed = True
                pid, status, usage = os.wait4(child.pid, 0)
                break
            time.sleep(0.02)
        child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - start
    peak_mb = usage.ru_maxrss / 1024
    stdout = out_path.read_text("utf-8", "replace").strip().splitlines()
    stderr = err_path.read_text("utf-8", "replace").strip()
    result = CaseResult(case.name, "crash", "", seconds, peak_mb)
    if killed:
        result.outcome, result.problem = "timeout", f"killed after {case.max_seconds + 5:g} s"
        return result
    try:
        answer = json.loads(stdout[-1])
        result.outcome, result.message = answer["outcome"], answer["message"]
        if answer.get("peak_mb") is not None:
            result.peak_mb = float(answer["peak_mb"])
    except (IndexError, ValueError, KeyError):
        result.message = (stderr or f"exit status {child.returncode}")[-600:]
        result.problem = f"crashed (exit status {child.returncode})"
        return result
    if result.outcome not in ("ok", "error"):
        result.problem = f"{result.outcome}: {result.message}"
    elif case.expect != "any" and result.outcome != case.expect:
        result.problem = f"expected {case.expect}, got {result.outcome}: {result.message}"
    elif seconds > case.max_seconds:
        result.problem = f"took {seconds:.1f} s, over {case.max_seconds:g} s"
    elif result.peak_mb > case.max_mb:
        # The child's own VmHWM when it reported one: wait4's figure also counts the pages
        # a large parent (a long pytest run) shared with it between fork and exec.
        result.problem = f"peak RSS {result.peak_mb:.0f} MB, over {case.max_mb:g} MB"
    return result


def _child(name: str, scratch: Path) -> None:
    """Child process: run one case and print ``{"outcome", "message"}`` as the last line."""
    case = all_cases()[name]
    try:
        message = case.run(scratch)
        outcome = "ok"
    except StorylineError as error:
        outcome, message = "error", str(error)
    except AssertionError as error:
        outcome, message = "wrong", str(error) or traceback.format_exc(limit=3)
    except BaseException as error:
        outcome = "crash"
        message = f"{type(error).__name__}: {error}\n{traceback.format_exc(limit=8)}"
    answer = {"outcome": outcome, "message": message[:2000], "peak_mb": _own_peak_mb()}
    print(json.dumps(answer), flush=True)


def _own_peak_mb() -> float | None:
    """This process's peak RSS since exec (``VmHWM``), in MB.

    ``wait4``'s ``ru_maxrss`` is no good here: it also counts the pages the child shared
    with its (large) parent between fork and exec.
    """
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


if __name__ == "__main__":
    # Run under the package's name, so the case modules register into the same CASES.
    from storyline.reliability import corpus as _corpus

    _corpus._child(sys.argv[1], Path(sys.argv[2]))
