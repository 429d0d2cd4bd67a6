"""Security checks that need no web app: SQL injection through every search field, and
secrets (credentials and tokens in feed URLs) never showing up in output or logs.

SQL injection: every store method that takes user text (search, article/source/event/
storyline/entity lookups) gets each string of :data:`INJECTIONS`; the store must answer
normally (no error, no rows it should not return) and the database must be unchanged and
sound afterwards. ``storyline search`` is run over the same strings through the CLI.

Secrets: a feed URL with a password and ``token``/``api_key`` parameters is added, polled
(and made to fail) through the CLI with logging at DEBUG; neither the password nor the
token values may appear in stdout, stderr or the log.
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storyline.errors import StorylineError

__all__ = ["INJECTIONS", "SecurityResult", "check_secrets", "check_sql_injection"]

#: Classic SQL injection, FTS5 syntax, quoting tricks, control characters and odd Unicode.
INJECTIONS: tuple[str, ...] = (
    "' OR '1'='1",
    "' OR 1=1 --",
    '" OR ""="',
    "'; DROP TABLE articles; --",
    "1; DELETE FROM articles",
    "x' UNION SELECT sql, name, type, 1, 1 FROM sqlite_master --",
    "') OR ('a'='a",
    "%' AND 1=0 UNION SELECT 1 --",
    "*",
    "title:*",
    'NEAR("a" "b", 0)',
    "a AND OR NOT b",
    "-",
    '"',
    '"""',
    "^a",
    "a*b*",
    "{title text}: x",
    "rowid:1",
    "articles_fts MATCH '*'",
    "\x00'; DROP TABLE articles; --",
    "\u202e' OR 1=1 --",
    "x" * 5000,
    "OR OR OR",
    '-"" -x',
    "(((((((((a",
    "\\'; SELECT load_extension('x') --",
    "'||(SELECT sqlite_version())||'",
    "%",
    "_",
)


#: Not SQL, but text no UTF-8 database can hold: lookups must refuse it cleanly.
UNENCODABLE = "\ud800\udfff lone surrogates"


@dataclass(slots=True)
class SecurityResult:
    """Checks run, each failure as one line, and observations that are not failures."""

    checks: int = 0
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _sample_articles() -> list[Any]:
    from storyline.model import Article

    return [
        Article(id=f"s{n}", title=f"Summit day {n}", text=f"Leaders met in Oslo, day {n}.")
        for n in range(5)
    ]


def check_sql_injection(workdir: Path) -> SecurityResult:
    """Every injection string into every lookup of the SQLite store and ``storyline search``."""
    from click.testing import CliRunner

    from storyline.cli import cli
    from storyline.store.sqlite import SQLiteStore

    result = SecurityResult()
    db = workdir / "inject.db"
    with SQLiteStore(str(db)) as store:
        store.migrate()
        store.add_articles(_sample_articles())
        before = store.stats()
        lookups: dict[str, Callable[[str], object]] = {
            "search": lambda q: store.search(q, limit=50),
            "search copies": lambda q: store.search(q, limit=50, copies=True),
            "get_article": store.get_article,
            "has_article": store.has_article,
            "iter_articles": lambda q: list(store.iter_articles(source_id=q)),
            "get_source": store.get_source,
            "get_event": store.get_event,
            "list_events": lambda q: store.list_events(storyline=q),
            "event_articles": store.event_articles,
            "get_storyline": store.get_storyline,
            "events_of": lambda q: store.events_of([q]),
            "find_entities": store.find_entities,
            "article_entities": store.article_entities,
            "known_item_keys": lambda q: store.known_item_keys(q, [q]),
        }
        for text in (*INJECTIONS, UNENCODABLE):
            for name, lookup in lookups.items():
                result.checks += 1
                try:
                    answer = lookup(text)
                except StorylineError:
                    continue  # a clean refusal is fine
                except Exception as error:
                    result.failures.append(
                        f"{name}({text[:40]!r}): {type(error).__name__}: {error}"
                    )
                    continue
                if name.startswith("search") and isinstance(answer, list) and len(answer) > 1:
                    if "OR" not in text:  # "OR" is our language's operator, not SQL's
                        result.failures.append(f"{name}({text[:40]!r}) matched {len(answer)} rows")
                elif name not in ("search", "search copies") and answer not in (
                    None,
                    False,
                    [],
                    {},
                ):
                    result.failures.append(f"{name}({text[:40]!r}) returned {answer!r:.80}")
        after = store.stats()
        problems = store.integrity_check()
    if {k: before[k] for k in ("articles", "sources")} != {
        k: after[k] for k in ("articles", "sources")
    }:
        result.failures.append(f"the database changed: {before} -> {after}")
    result.failures += [f"db check: {p}" for p in problems]
    runner = CliRunner()
    for text in INJECTIONS:
        if "\x00" in text:
            continue  # cannot be a command-line argument
        result.checks += 1
        run = runner.invoke(cli, ["search", "--db", str(db), "--json", "--", text])
        if run.exit_code != 0:
            result.failures.append(
                f"storyline search {text[:40]!r}: exit {run.exit_code}: {run.output[-200:]}"
            )
    return result


SECRETS = ("s3cr3t-passw0rd", "t0ken-abcdef123456", "k3y-0987654321")


def _feed_routes() -> dict[str, Any]:
    from storyline.reliability.hostile import respond

    feed = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Private</title>'
        b"<item><title>Private story one</title><link>https://example.org/p1</link>"
        b"<description>Leaders met in Oslo on Thursday for talks.</description></item>"
        b"</channel></rss>"
    )
    state = {"fail": False}

    def ok(sock: Any, stop: threading.Event) -> None:
        if state["fail"]:
            respond(sock, b"denied", status="401 Unauthorized", headers={})
        else:
            respond(sock, feed, headers={"Content-Type": "application/rss+xml"})

    return {
        "/feed": ok,
        "/missing": lambda s, e: respond(s, b"", status="500 Oops", headers={}),
        "_state": state,
    }


def check_secrets(workdir: Path) -> SecurityResult:
    """Add, list and poll a feed whose URL holds a password and tokens; look for them."""
    from storyline.reliability.hostile import serve

    result = SecurityResult()
    routes = _feed_routes()
    state = routes.pop("_state")
    db = workdir / "secrets.db"
    log = workdir / "secrets.log"
    env = {
        **os.environ,
        "STORYLINE_ALLOW_NETWORKS": "127.0.0.1/32",
        "STORYLINE_RELIABILITY_LOG": str(log),
    }
    outputs: list[tuple[str, str]] = []
    with serve(routes) as base:
        host = base.removeprefix("http://")
        good = f"http://reader:{SECRETS[0]}@{host}/feed?token={SECRETS[1]}&api_key={SECRETS[2]}"
        bad = f"http://reader:{SECRETS[0]}@{host}/missing?access_token={SECRETS[1]}"
        steps = [
            ["source", "add", good],
            ["source", "add", bad],
            ["source", "poll"],
            ["<now fail>"],
            ["source", "poll"],
            ["run", "--once", "--no-examples"],
            ["source", "list"],
            ["source", "list", "--json"],
        ]
        for step in steps:
            if step == ["<now fail>"]:
                state["fail"] = True
                continue
            done = subprocess.run(
                [sys.executable, "-m", "storyline.reliability.security", *step, "--db", str(db)],
                capture_output=True,
                text=True,
                env=env,
                timeout=120,
                check=False,
            )
            result.checks += 1
            outputs.append((" ".join(step[:2]), done.stdout + done.stderr))
    outputs.append(("log", log.read_text("utf-8", "replace") if log.exists() else ""))
    (workdir / "secrets-output.txt").write_text(
        "\n".join(f"$ storyline {name}\n{text}" for name, text in outputs), "utf-8"
    )
    for name, text in outputs:
        leaked = [line.strip() for line in text.splitlines() if any(s in line for s in SECRETS)]
        if not leaked:
            continue
        message = f"storyline {name}: {len(leaked)} lines show a secret, e.g. {leaked[0][:160]}"
        # `source list` shows the user their own settings on request; a log must never.
        (result.notes if name == "source list" else result.failures).append(message)
    return result


def _cli_with_debug_log() -> None:
    """Run the CLI with every logger at DEBUG into ``STORYLINE_RELIABILITY_LOG``."""
    handler = logging.FileHandler(os.environ["STORYLINE_RELIABILITY_LOG"], encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    logging.basicConfig(
        level=logging.DEBUG, handlers=[handler, logging.StreamHandler(io.StringIO())]
    )
    from storyline.cli import cli

    cli(prog_name="storyline")


if __name__ == "__main__":
    _cli_with_debug_log()
