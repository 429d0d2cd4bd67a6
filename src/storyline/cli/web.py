"""``storyline serve``: the web app and JSON API under uvicorn (docs/web.md).

With ``--ingest`` the same process also runs what ``storyline run`` does (the seed
examples, the inbox and the feed poller) in a background thread, so ``make run`` gives a
user both the reading pages and fresh news from one command.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

import click

from storyline.cli.common import db_option, err_console, opened_store
from storyline.errors import ConfigError

__all__ = ["serve"]


def _background_run(db_url: str, inbox: Path | None, starter_feeds: bool) -> threading.Thread:
    """``storyline run`` in a daemon thread (it ends with the server)."""
    from storyline.cli.ingest import run

    args = ["--db", db_url]
    if inbox is not None:
        args += ["--inbox", str(inbox)]
    if starter_feeds:
        args.append("--starter-feeds")

    def target() -> None:
        try:
            run.main(args, prog_name="storyline run", standalone_mode=False)
        except click.ClickException as error:
            err_console.print(f"[red]ingest stopped:[/red] {error.format_message()}")

    thread = threading.Thread(target=target, name="storyline-run", daemon=True)
    thread.start()
    return thread


@click.command("serve")
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option(
    "--token",
    "tokens",
    multiple=True,
    metavar="TOKEN",
    help="API token allowed to write (corrections, hide/mute); repeatable. Also read from "
    "$STORYLINE_WEB_TOKENS (comma-separated). Without any, one is made up and printed.",
)
@click.option(
    "--public",
    is_flag=True,
    help="Let anyone read without a token on a non-loopback address (writes still need one).",
)
@click.option(
    "--prefs",
    "prefs_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File for hidden/muted sources and entities (default: beside an SQLite database).",
)
@click.option(
    "--ingest",
    is_flag=True,
    help="Also ingest as `storyline run` does (examples, inbox, feeds) in the background.",
)
@click.option(
    "--inbox",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="With --ingest: folder watched for new files.",
)
@click.option("--starter-feeds", is_flag=True, help="With --ingest: follow the starter feeds.")
@click.option(
    "--api-rate",
    type=click.FloatRange(0),
    default=10.0,
    show_default=True,
    help="Requests a second each client may make to pages and the API (0: no limit).",
)
@click.option("--api-burst", type=click.IntRange(1), default=100, show_default=True)
@click.option(
    "--search-rate",
    type=click.FloatRange(0),
    default=2.0,
    show_default=True,
    help="Searches a second each client may run (0: no limit).",
)
@click.option("--search-burst", type=click.IntRange(1), default=30, show_default=True)
@click.option(
    "--loopback-factor",
    type=click.FloatRange(0),
    default=20.0,
    show_default=True,
    help="Clients on 127.0.0.1/::1 get this many times the rates and bursts.",
)
@click.option(
    "--access-log", is_flag=True, help="Log each request to stderr (tokens and cookies masked)."
)
def serve(
    db_url: str,
    host: str,
    port: int,
    tokens: tuple[str, ...],
    public: bool,
    prefs_path: Path | None,
    ingest: bool,
    inbox: Path | None,
    starter_feeds: bool,
    api_rate: float,
    api_burst: int,
    search_rate: float,
    search_burst: int,
    loopback_factor: float,
    access_log: bool,
) -> None:
    """Serve the web app and JSON API (read-only without a token), until Ctrl-C."""
    try:
        import uvicorn

        from storyline.web.app import create_app
        from storyline.web.ratelimit import RateLimits
        from storyline.web.security import is_loopback, new_token
    except ImportError as error:
        raise click.ClickException(
            f"the web app needs the `web` extra ({error.name} is missing): "
            "pip install 'storyline[web]'"
        ) from error
    allowed = [t for t in tokens if t]
    allowed += [t.strip() for t in os.environ.get("STORYLINE_WEB_TOKENS", "").split(",") if t]
    made_up = not allowed
    if made_up:
        allowed = [new_token()]
    loopback = is_loopback(host)
    with opened_store(db_url) as store:
        if prefs_path is None and hasattr(store, "path"):
            prefs_path = Path(str(store.path)).with_suffix(".web.json")
        try:
            app = create_app(
                store,
                tokens=allowed,
                read_needs_token=not loopback and not public,
                prefs_path=prefs_path,
                rate_limits=RateLimits(
                    api_rate=api_rate,
                    api_burst=api_burst,
                    search_rate=search_rate,
                    search_burst=search_burst,
                    loopback_factor=loopback_factor,
                ),
                access_log=access_log,
            )
        except ConfigError as error:
            raise click.ClickException(str(error)) from error
        if ingest:
            _background_run(db_url, inbox, starter_feeds)
        shown = f"[{host}]" if ":" in host else host
        base = f"http://{shown}:{port}"
        err_console.print(f"Storyline web app on {base}/ (JSON: {base}/index.json)", soft_wrap=True)
        if made_up:
            err_console.print(
                f"to make corrections, open {base}/login?token={allowed[0]}", soft_wrap=True
            )
        if not loopback and not public:
            err_console.print("not a loopback address: every request needs a token")
        if access_log:
            logging.basicConfig(format="%(asctime)s %(name)s %(message)s")
            logging.getLogger("storyline.web.access").setLevel(logging.INFO)
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
