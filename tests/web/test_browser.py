"""The web app in a real browser: Python playwright driving Debian's Chromium (DESIGN.md:
``executable_path="/usr/bin/chromium"`` and its flags; never ``playwright install``).

Set ``STORYLINE_SCREENSHOTS=DIR`` to also save the front, event, storyline and article pages
as PNGs in DIR (``docs/screenshots`` for the README).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import sync_playwright

from tests.web.conftest import TOKEN

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = os.environ.get("STORYLINE_SCREENSHOTS")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)")
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield launched
        launched.close()


class Watch:
    """A page with every dialog, console error and page error recorded."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on(
            "console",
            lambda m: self.errors.append(m.text) if m.type == "error" else None,
        )


@pytest.fixture
def page(browser: Any) -> Iterator[Watch]:
    context = browser.new_context(locale="en-GB", viewport={"width": 1200, "height": 900})
    watched = Watch(context.new_page())
    yield watched
    context.close()


def shot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=False)


def api(server: str, path: str) -> dict[str, Any]:
    body = httpx.get(server + path, timeout=60).json()
    assert body["ok"], body
    data: dict[str, Any] = body["data"]
    return data


def test_front_event_article_and_similar_news(server: str, page: Watch) -> None:
    p = page.page
    p.goto(server + "/")
    stories = p.locator("ol.stories > li.story")
    assert stories.count() >= 10
    assert p.locator("h1").inner_text() == "Top stories"
    assert p.locator(".storyline-link").count() >= 1
    shot(p, "front")
    # Click through to a story covered by several sources.
    items = api(server, "/index.json")["items"]
    wanted = next(i for i in items if i["articles"] >= 3)
    p.locator(f"a.headline[href='/event/{wanted['event']['id']}']").first.click()
    p.wait_for_url(f"**/event/{wanted['event']['id']}")
    assert p.locator("h1").inner_text().strip() == wanted["event"]["title"].strip()
    assert p.locator("ol.reports > li").count() >= 2
    assert p.locator(".badge", has_text="First to report").count() == 1
    shot(p, "event")
    p.locator("ol.reports > li a.headline").first.click()
    p.wait_for_url("**/article/**")
    assert p.locator("article.article .body p").count() >= 1
    similar = p.locator("#similar li.similar-item")
    assert similar.count() >= 1
    first = similar.first
    assert first.locator("a.headline").inner_text().strip()
    assert first.locator(".meta").inner_text().strip()
    shot(p, "article")
    assert not page.dialogs and not page.errors


def test_storyline_timeline_is_drawn(server: str, page: Watch) -> None:
    items = api(server, "/index.json")["items"]
    story = max((i for i in items if i["storyline"]), key=lambda i: (i["events"], i["articles"]))
    p = page.page
    p.goto(f"{server}/storyline/{story['storyline']['id']}")
    dots = p.locator("figure.timeline svg circle")
    assert dots.count() == story["storyline"]["events"] or dots.count() >= 1
    box = p.locator("figure.timeline svg").bounding_box()
    assert box and box["width"] > 300
    shot(p, "storyline")
    p.locator("figure.timeline svg a").first.click()
    p.wait_for_url("**/event/**")


def test_search_by_entity(server: str, page: Watch) -> None:
    entity = api(server, "/entities.json?q=Lula")["entities"][0]
    named = {a["id"] for a in api(server, f"/entity/{entity['id']}.json")["articles"]}
    p = page.page
    p.goto(server + "/search")
    p.fill("input[name=entity]", "Lula")
    p.click("form.search-form button[type=submit]")
    p.wait_for_url("**/search?**")
    links = p.locator("ol.results .card a.headline")
    assert links.count() >= 1
    found = {
        href.rsplit("/", 1)[1]
        for href in (links.nth(i).get_attribute("href") for i in range(links.count()))
        if href
    }
    assert found and found <= named


def test_keyboard_shortcuts(server: str, page: Watch) -> None:
    p = page.page
    p.goto(server + "/")
    p.keyboard.press("j")
    p.keyboard.press("j")
    p.keyboard.press("k")
    current = p.locator("li.story.current")
    assert current.count() == 1
    href = current.locator("a.headline").first.get_attribute("href")
    first = p.locator("li.story").first.locator("a.headline").first.get_attribute("href")
    assert href == first
    p.keyboard.press("o")
    p.wait_for_url(f"**{href}")


@pytest.mark.parametrize("path", ["/", "/event", "/article"])
def test_readable_on_a_phone(server: str, browser: Any, path: str) -> None:
    """At a phone's width nothing scrolls sideways and body text stays legible."""
    items = api(server, "/index.json")["items"]
    event = next(i for i in items if i["articles"] >= 3)["event"]
    if path == "/event":
        path = f"/event/{event['id']}"
    elif path == "/article":
        reports = api(server, f"/event/{event['id']}.json")["reports"]
        path = f"/article/{reports[0]['id']}"
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    p = context.new_page()
    p.goto(server + path)
    overflow = p.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{path} scrolls sideways by {overflow}px on a phone"
    size = p.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert size >= 14
    if SHOTS and path == "/":
        p.screenshot(path=str(Path(SHOTS) / "phone.png"))
    context.close()


def test_norwegian_interface(server: str, browser: Any) -> None:
    context = browser.new_context(locale="nb-NO")
    p = context.new_page()
    p.goto(server + "/")
    assert p.locator("h1").inner_text() == "Toppsaker"
    assert p.locator("nav").get_by_text("Forside").count() == 1
    meta = p.locator("ol.stories > li .meta").first.inner_text()
    assert "kilde" in meta and "Startet" in meta and "sources" not in meta
    # The switch goes to English and stays there.
    p.locator("nav .langs a", has_text="English").click()
    p.wait_for_load_state()
    assert p.locator("h1").inner_text() == "Top stories"
    p.goto(server + "/search")
    assert p.locator("h1").inner_text() == "Search"
    context.close()


def test_hostile_articles_run_no_script(server: str, page: Watch) -> None:
    p = page.page
    placed = api(server, "/article/hostile3.json")
    paths = ["/article/hostile1", "/article/hostile2", "/article/hostile3", "/search?q=Xanadu"]
    if placed["event"]:
        paths.append(f"/event/{placed['event']['id']}")
    for path in paths:
        p.goto(server + path)
        p.wait_for_load_state("networkidle")
        assert p.evaluate("window.__pwned") is None, path
        scripts = p.evaluate("Array.from(document.scripts).map(s => s.getAttribute('src'))")
        assert scripts == ["/static/htmx.min.js", "/static/app.js"], (path, scripts)
        handlers = p.evaluate(
            "Array.from(document.querySelectorAll('*')).flatMap(e => Array.from(e.attributes)"
            ".filter(a => a.name.startsWith('on')).map(a => e.tagName + ' ' + a.name))"
        )
        assert handlers == [], (path, handlers)
        bad_links = p.evaluate(
            "Array.from(document.querySelectorAll('[href],[src]')).map(e => "
            "e.getAttribute('href') || e.getAttribute('src')).filter(u => "
            "/^\\s*(javascript|data|vbscript):/i.test(u))"
        )
        assert bad_links == [], (path, bad_links)
        # Hover and click everything article-derived: nothing may fire.
        for link in p.locator("article a, .body, h1").all()[:10]:
            if link.is_visible():
                link.hover(timeout=5000)
    assert page.dialogs == []
    # No CSP violation either: nothing even tried to run.
    assert page.errors == []
    assert p.locator("h1").count() == 1


def test_merge_correction_sticks_after_reload(server: str, page: Watch) -> None:
    events = [i["event"] for i in api(server, "/index.json")["items"]]
    source, target = events[-1], events[-2]
    p = page.page
    p.goto(f"{server}/login?token={TOKEN}&next=/event/{source['id']}")
    p.wait_for_url(f"**/event/{source['id']}")
    p.fill("#merge-form input[name=target]", target["id"])
    p.click("#merge-form button[type=submit]")
    p.wait_for_url(f"**/event/{target['id']}")
    p.reload()
    titles = p.locator("ol.reports li a.headline").all_inner_texts()
    moved = api(server, f"/event/{target['id']}.json")
    assert len(titles) == len(moved["reports"])
    assert moved["event"]["articles"] == source["articles"] + target["articles"]
    gone = api(server, f"/event/{source['id']}.json")
    assert gone["event"]["merged_into"] == target["id"]
    # The front page no longer lists the merged event.
    p.goto(server + "/")
    assert p.locator(f"a[href='/event/{source['id']}']").count() == 0
    assert not page.dialogs
