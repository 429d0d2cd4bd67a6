"""Run the whole reliability suite and print one table (``storyline selftest``).

Parts, in order: the bad-input corpus, fuzzing (atheris, bounded per target), the fault
scenarios, and the security checks. ``fast=True`` is the CI subset: light corpus cases, a
few seconds of fuzzing per target, and the quick fault scenarios. The full run ends with a
bounded load soak of the web app (:mod:`storyline.reliability.load`, ``load_seconds``) for
the p99 row; the 10-minute soak is ``python -m storyline.reliability.load --seconds 600``.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storyline.errors import StorylineError
from storyline.reliability.corpus import CaseResult, all_cases, run_case
from storyline.reliability.faults import FAULTS, FaultResult, run_fault
from storyline.reliability.fuzz import FuzzResult, atheris_available, fuzz_target
from storyline.reliability.security import SecurityResult, check_secrets, check_sql_injection
from storyline.reliability.targets import TARGETS

__all__ = ["FAST_FAULTS", "Report", "SelftestOptions", "run", "table"]

#: Fault scenarios quick enough for every CI run.
FAST_FAULTS = ("migration", "locked", "disk-full", "network")

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class SelftestOptions:
    """What to run: ``fast`` (CI subset), seconds of atheris per target, and filters."""

    fast: bool = False
    fuzz_seconds: int = 60
    cases: tuple[str, ...] = ()
    faults: tuple[str, ...] = ()
    skip_fuzz: bool = False
    workdir: Path | None = None
    #: Seconds of the web app load soak in a full run (0: skip; never in ``fast`` runs).
    load_seconds: int = 120


@dataclass(slots=True)
class Report:
    """Everything the suite measured; :func:`table` prints the summary."""

    cases: list[CaseResult] = field(default_factory=list)
    fuzz: list[FuzzResult] = field(default_factory=list)
    fuzz_note: str = ""
    faults: list[FaultResult] = field(default_factory=list)
    security: dict[str, SecurityResult] = field(default_factory=dict)
    load: dict[str, Any] = field(default_factory=dict)
    load_note: str = "not run"
    seconds: float = 0.0

    @property
    def crashes(self) -> int:
        return sum(c.crashed for c in self.cases) + sum(len(f.crashes) for f in self.fuzz)

    @property
    def lost(self) -> int:
        return sum(f.lost for f in self.faults)

    @property
    def duplicated(self) -> int:
        return sum(f.duplicated for f in self.faults)

    def failures(self) -> list[str]:
        """One line per failed check (empty when the suite passed)."""
        out = [f"case {c.name}: {c.problem}" for c in self.cases if c.problem]
        out += [f"fuzz {f.target}: {f.error}" for f in self.fuzz if f.error or f.crashes]
        for fault in self.faults:
            if not fault.passed:
                out.append(
                    f"fault {fault.name}: lost {fault.lost}, duplicated {fault.duplicated}, "
                    f"db check failures {fault.db_check_failures}; {'; '.join(fault.problems)}"
                )
        for name, result in self.security.items():
            out += [f"security {name}: {failure}" for failure in result.failures]
        if self.load and (self.load.get("errors") or not self.load.get("db_ok", True)):
            out.append(
                f"load: {self.load.get('errors')} errors, db check {self.load.get('db_check')}"
            )
        return out

    @property
    def passed(self) -> bool:
        return not self.failures()


def run(options: SelftestOptions, progress: Progress = lambda _: None) -> Report:
    """Run the selected parts; never raises for a failed check (it is in the report)."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="storyline-selftest-") as scratch:
        workdir = options.workdir or Path(scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        report = Report()
        cases = all_cases()
        names = options.cases or tuple(
            n for n, c in cases.items() if not (options.fast and c.heavy)
        )
        for name in names:
            result = run_case(cases[name], workdir / "cases")
            progress(_case_line(result))
            report.cases.append(result)
        if options.skip_fuzz:
            report.fuzz_note = "skipped"
        elif atheris_available():
            seconds = min(options.fuzz_seconds, 10) if options.fast else options.fuzz_seconds
            for target in TARGETS:
                fuzzed = fuzz_target(target, seconds, workdir / "fuzz")
                progress(
                    f"fuzz {target}: {fuzzed.executions} runs in {fuzzed.seconds:g} s, "
                    f"coverage {fuzzed.coverage}, crashes {len(fuzzed.crashes)}"
                )
                report.fuzz.append(fuzzed)
        else:
            report.fuzz_note = (
                "atheris not installed (pip install 'storyline[dev]'): hypothesis only"
            )
        faults = options.faults or (FAST_FAULTS if options.fast else tuple(FAULTS))
        for name in faults:
            fault = run_fault(name, workdir / "faults")
            progress(
                f"fault {fault.name}: {fault.faults} faults, lost {fault.lost}, duplicated "
                f"{fault.duplicated}, {'ok' if fault.passed else 'FAILED'} ({fault.seconds:.0f} s)"
            )
            for note in fault.notes:
                progress(f"  {note}")
            report.faults.append(fault)
        if not options.cases and not options.faults:
            (workdir / "security").mkdir(exist_ok=True)
            report.security["sql injection"] = check_sql_injection(workdir / "security")
            report.security["secrets in output"] = check_secrets(workdir / "security")
            for name, checked in report.security.items():
                progress(
                    f"security {name}: {checked.checks} checks, {len(checked.failures)} failures"
                )
                for note in checked.notes:
                    progress(f"  note: {note}")
        if options.load_seconds and not (options.fast or options.cases or options.faults):
            _run_load(report, options.load_seconds, workdir / "load", progress)
        else:
            report.load_note = "not in this run (full run, or python -m storyline.reliability.load)"
        report.seconds = time.monotonic() - started
    return report


def _run_load(report: Report, seconds: int, workdir: Path, progress: Progress) -> None:
    """The web app's load soak, bounded; a missing web extra or data set is a note."""
    try:
        from storyline.reliability.load import run_load

        report.load = run_load(seconds, events=10, workdir=workdir)
    except (ImportError, StorylineError, OSError, subprocess.CalledProcessError) as error:
        report.load_note = f"not run ({type(error).__name__}: {error})"
        progress(f"load: {report.load_note}")
        return
    load = report.load
    progress(
        f"load: {load['requests']} requests, {load['req_per_s']} req/s, p99 {load['p99_ms']} ms, "
        f"{load['errors']} errors, RSS slope {load['rss_slope_mb_per_min']} MB/min"
    )


def _case_line(result: CaseResult) -> str:
    status = "ok" if result.passed else f"FAILED ({result.problem})"
    return (
        f"case {result.name}: {result.outcome} in {result.seconds:.1f} s, "
        f"peak {result.peak_mb:.0f} MB: {status}"
    )


def table(report: Report) -> list[tuple[str, str]]:
    """The summary rows: (what, figure)."""
    cases = report.cases
    fuzz_runs = sum(f.executions for f in report.fuzz)
    fuzz = (
        f"{fuzz_runs:,} executions over {len(report.fuzz)} targets"
        if report.fuzz
        else report.fuzz_note
    )
    slowest = max(cases, key=lambda c: c.seconds, default=None)
    biggest = max(cases, key=lambda c: c.peak_mb, default=None)
    security = report.security
    rows = [
        ("bad inputs tried", f"{len(cases)} ({sum(c.passed for c in cases)} handled as required)"),
        ("slowest input", f"{slowest.name}: {slowest.seconds:.1f} s" if slowest else "-"),
        ("largest peak RSS", f"{biggest.name}: {biggest.peak_mb:.0f} MB" if biggest else "-"),
        ("fuzzing", fuzz),
        ("crashes", str(report.crashes)),
        ("faults injected", str(sum(f.faults for f in report.faults))),
        ("data lost after faults", str(report.lost)),
        ("duplicates after faults", str(report.duplicated)),
        ("db check failures", str(sum(f.db_check_failures for f in report.faults))),
    ]
    for name, result in security.items():
        rows.append((name, f"{result.checks} checks, {len(result.failures)} failures"))
    load = report.load
    if load:
        rows.append(
            (
                "p99 under load",
                f"{load['p99_ms']:.0f} ms at {load['req_per_s']} req/s over {load['seconds']} s "
                f"while ingesting; {load['errors']} errors; RSS slope "
                f"{load['rss_slope_mb_per_min']} MB/min",
            )
        )
    else:
        rows.append(("p99 under load", report.load_note))
    rows.append(("time", f"{report.seconds:.0f} s (load {os.getloadavg()[0]:.1f})"))
    return rows
