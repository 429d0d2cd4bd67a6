"""The JSON API over HTTP against the real server: the envelope, OpenAPI, feeds, tokens,
CSRF, and that nothing hostile comes back as markup."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest

from storyline.web.app import create_app
from storyline.web.i18n import negotiate
from storyline.web.safe import highlight, paragraphs, safe_url
from tests.web.conftest import TOKEN
from tests.web.corpus import free_port, serving


def get(base: str, path: str, **kwargs: Any) -> httpx.Response:
    return httpx.get(base + path, timeout=60, **kwargs)


def envelope(base: str, path: str) -> dict[str, Any]:
    response = get(base, path)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["ok"] is True and body["version"] and body["links"]["self"]
    data: dict[str, Any] = body["data"]
    return data


def test_front_page_json_ranks_stories(server: str) -> None:
    data = envelope(server, "/index.json")
    items = data["items"]
    assert len(items) >= 10
    scores = [i["score"] for i in items]
    assert scores == sorted(scores, reverse=True)
    assert any(i["storyline"] for i in items)
    top = items[0]
    assert top["event"]["title"] and top["publishers"] >= 1 and top["articles"] >= 1
    # The freshest story leads...
    assert items[0]["last_seen"] == max(i["last_seen"] or "" for i in items)
    # ...and among stories of one day, wider coverage ranks higher.
    by_day: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        by_day.setdefault((item["last_seen"] or "")[:10], []).append(item)
    for same in by_day.values():
        wide = [i["publishers"] + len(i["languages"]) for i in same]
        if len(set(wide)) > 1 and len({i["last_seen"] for i in same}) == 1:
            assert wide == sorted(wide, reverse=True)


def test_event_storyline_article_entity_json(server: str) -> None:
    items = envelope(server, "/index.json")["items"]
    item = next(i for i in items if i["articles"] >= 3)
    event = envelope(server, f"/event/{item['event']['id']}.json")
    assert event["event"]["id"] == item["event"]["id"]
    assert event["reports"] and event["first_reporter"]["id"] in {r["id"] for r in event["reports"]}
    assert sum(1 for r in event["reports"] if r["first"]) == 1
    assert len(event["publishers"]) >= 2 and event["languages"]
    if event["storyline"]:
        story = envelope(server, f"/storyline/{event['storyline']['id']}.json")
        assert item["event"]["id"] in {e["id"] for e in story["events"]}
        assert story["timeline"]["points"]
    article = envelope(server, f"/article/{event['reports'][0]['id']}.json")
    assert article["article"]["paragraphs"]
    assert article["similar"], "similar news is empty for a multi-report event"
    assert all(s["title"] and s["publisher"] for s in article["similar"])
    entity = event["entities"][0]
    page = envelope(server, f"/entity/{entity['id']}.json")
    assert page["entity"]["name"] == entity["name"] and page["articles"]


def test_search_filters_and_groups(server: str) -> None:
    data = envelope(server, "/search.json?q=Lula")
    assert data["total"] >= 2
    hits = [h for g in data["groups"] for h in g["hits"]]
    assert all(h["id"] for h in hits)
    assert any("<mark>" not in h.get("snippet_marked", "") for h in hits)
    languages = {h["language"] for h in hits}
    for language in languages:
        only = envelope(server, f"/search.json?q=Lula&language={language}")
        assert {h["language"] for g in only["groups"] for h in g["hits"]} == {language}
    late = envelope(server, "/search.json?q=Lula&from=2030-01-01")
    assert late["total"] == 0
    bad = get(server, "/search.json?q=x&from=yesterday")
    assert bad.status_code == 400 and bad.json()["ok"] is False
    assert "from" in bad.json()["error"]["message"]


def test_search_by_entity(server: str) -> None:
    found = envelope(server, "/entities.json?q=Lula")["entities"]
    assert found, "no entity named Lula"
    entity = found[0]
    data = envelope(server, f"/search.json?entity={entity['id']}")
    assert data["entity"]["id"] == entity["id"] and data["total"] >= 1
    by_name = envelope(server, "/search.json?entity=Lula")
    assert by_name["total"] >= 1


def test_openapi_lists_every_json_page(server: str) -> None:
    spec = get(server, "/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    paths = spec["paths"]
    for path in ("/index.json", "/event/{eid}.json", "/search.json", "/event/{eid}/merge"):
        assert path in paths
    assert paths["/event/{eid}/merge"]["post"]["security"] == [{"token": []}]


def test_atom_feeds(server: str) -> None:
    items = envelope(server, "/index.json")["items"]
    sid = next(i["storyline"]["id"] for i in items if i["storyline"])
    lula = envelope(server, "/entities.json?q=Lula")["entities"][0]
    for path in (f"/storyline/{sid}.atom", "/search.atom?q=Lula", f"/entity/{lula['id']}.atom"):
        response = get(server, path)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/atom+xml")
        root = ET.fromstring(response.content)
        assert root.tag == "{http://www.w3.org/2005/Atom}feed"
        assert root.findall("{http://www.w3.org/2005/Atom}entry")
    story = envelope(server, f"/storyline/{sid}.json")
    feed = ET.fromstring(get(server, f"/storyline/{sid}.atom").content)
    titles = [
        e.findtext("{http://www.w3.org/2005/Atom}title")
        for e in feed.iter("{http://www.w3.org/2005/Atom}entry")
    ]
    assert titles == [e["title"] or "(untitled)" for e in reversed(story["events"])]
    assert get(server, "/search.atom?q=x&from=yesterday").status_code == 400
    assert get(server, "/entity/99999999.atom").status_code == 404


def test_not_found_and_errors_use_the_envelope(server: str) -> None:
    for path in ("/event/nope.json", "/article/nope.json", "/entity/99999999.json"):
        response = get(server, path)
        assert response.status_code == 404
        assert response.json() == {
            "ok": False,
            "kind": "error",
            "error": {"status": 404, "message": response.json()["error"]["message"]},
            "version": response.json()["version"],
        }
    assert get(server, "/event/nope").status_code == 404


def test_writes_need_a_token(server: str) -> None:
    events = envelope(server, "/index.json")["items"]
    eid = events[-1]["event"]["id"]
    response = httpx.post(f"{server}/event/{eid}/merge", data={"target": "x"}, timeout=30)
    assert response.status_code == 403
    wrong = httpx.post(
        f"{server}/event/{eid}/merge",
        data={"target": "x"},
        headers={"Authorization": "Bearer wrong"},
        timeout=30,
    )
    assert wrong.status_code == 403
    # A valid token reaches the store: a bad target is a 400 naming it, not a 403.
    bad = httpx.post(
        f"{server}/event/{eid}/merge",
        data={"target": "no-such-event"},
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=30,
    )
    assert bad.status_code == 400 and "no-such-event" in bad.json()["error"]["message"]


def test_session_writes_need_csrf(server: str) -> None:
    with httpx.Client(base_url=server, timeout=30) as client:
        login = client.get(f"/login?token={TOKEN}")
        assert login.status_code in {200, 303}
        assert client.cookies.get("storyline_session")
        page = client.get("/entities").text
        token = re.search(r'"X-CSRF-Token": "([0-9a-f]+)"', page)
        assert token, "no CSRF token on a signed-in page"
        form = {"kind": "source", "key": "nobody.example", "mode": "mute"}
        # No CSRF token: refused, even with the session cookie.
        assert client.post("/prefs", data=form).status_code == 403
        # Wrong origin: refused.
        forged = client.post(
            "/prefs",
            data={**form, "csrf": token.group(1)},
            headers={"Origin": "https://evil.example"},
        )
        assert forged.status_code == 403
        ok = client.post(
            "/prefs", data={**form, "csrf": token.group(1)}, headers={"Origin": server}
        )
        assert ok.status_code == 303
        # And shown again (so the preference does not leak into other tests).
        form["mode"] = "show"
        assert client.post("/prefs", data={**form, "csrf": token.group(1)}).status_code == 303


class _Tags(HTMLParser):
    """Every start tag with its attributes, as the browser's parser would see them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def assert_inert(html: str) -> None:
    """No script but ours, no event-handler attribute, no script or data URL anywhere."""
    parser = _Tags()
    parser.feed(html)
    for tag, attrs in parser.tags:
        if tag == "script":
            assert dict(attrs).get("src") in {"/static/htmx.min.js", "/static/app.js"}, attrs
        assert tag not in {"iframe", "object", "embed", "svg"} or (
            tag == "svg" and all(not name.startswith("on") for name, _ in attrs)
        )
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name, value)
            if name in {"href", "src", "action", "formaction", "xlink:href"} and value:
                scheme = value.strip().lower().split(":", 1)[0]
                assert scheme not in {"javascript", "data", "vbscript"}, (tag, name, value)


def test_hostile_articles_come_back_as_text(server: str) -> None:
    pages = ["/article/hostile1", "/article/hostile2", "/article/hostile3", "/search?q=Xanadu"]
    placed = envelope(server, "/article/hostile3.json")
    if placed["event"]:
        pages.append(f"/event/{placed['event']['id']}")
    for path in pages:
        response = get(server, path)
        assert response.status_code == 200
        assert_inert(response.text)
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert "Xanadu" in response.text
    data = placed["article"]
    assert data["url"] is None and data["canonical_url"] is None
    assert all(r["url"] is None for r in data["related"])
    # The hostile text is kept as text, visibly (escaped), not dropped.
    assert "&lt;script&gt;" in get(server, "/article/hostile3").text


def test_hiding_a_source_takes_its_reports_off_pages(server: str) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    placed = envelope(server, "/article/hostile1.json")
    assert placed["event"], "the hostile articles are in no event"
    path = f"/event/{placed['event']['id']}.json"
    before = envelope(server, path)
    assert any(r["source_id"] == "evil.example" for r in before["reports"])
    form = {"kind": "source", "key": "evil.example", "mode": "hide"}
    hidden = httpx.post(f"{server}/prefs", data=form, headers=auth, timeout=30)
    assert hidden.status_code == 200 and hidden.json()["data"]["hide"]["source"] == ["evil.example"]
    try:
        after = envelope(server, path)
        assert not any(r["source_id"] == "evil.example" for r in after["reports"])
        assert after["hidden_reports"] >= 1
        assert envelope(server, "/search.json?q=Xanadu")["total"] == 0
    finally:
        form["mode"] = "show"
        httpx.post(f"{server}/prefs", data=form, headers=auth, timeout=30)
    assert envelope(server, "/search.json?q=Xanadu")["total"] >= 1


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://example.com/a?b=1", True),
        ("http://example.com", True),
        ("javascript:alert(1)", False),
        (" JavaScript:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("data:text/html,x", False),
        ("//example.com/x", False),
        ("https://exa\u202emple.com", True),
        ("vbscript:x", False),
        ("", False),
    ],
)
def test_safe_url(url: str, safe: bool) -> None:
    assert (safe_url(url) is not None) is safe


def test_highlight_and_paragraphs_escape() -> None:
    marked = str(highlight("a [b] <script>x</script> [<i>c</i>]"))
    assert marked.startswith("a <mark>b</mark> &lt;script&gt;")
    assert "<i>" not in marked
    assert paragraphs("one\n\ntwo <b>\n\n\nthree") == ["one", "two <b>", "three"]


def test_language_negotiation() -> None:
    assert negotiate("nb-NO,nb;q=0.9,en;q=0.5") == "nb"
    assert negotiate("en-GB,en;q=0.9,nb;q=0.8") == "en"
    assert negotiate("no") == "nb" and negotiate("nn-NO") == "nb"
    assert negotiate("de-DE,fr;q=0.5") == "en"
    assert negotiate("nb;q=0.2,en;q=0.1") == "nb"
    assert negotiate("nb", chosen="en") == "en" and negotiate("en", cookie="nb") == "nb"


def test_read_token_required_off_loopback(web_store: Any) -> None:
    app = create_app(web_store, tokens=[TOKEN], read_needs_token=True)
    with serving(app) as base:
        assert get(base, "/index.json").status_code == 403
        assert get(base, "/static/app.css").status_code == 200
        ok = get(base, "/index.json", headers={"Authorization": f"Bearer {TOKEN}"})
        assert ok.status_code == 200
        assert get(base, f"/index.json?token={TOKEN}").status_code == 200


def test_storyline_serve_command(web_store: Any) -> None:
    """The real CLI: ``storyline serve`` in its own process answers on loopback."""
    port = free_port()
    command = [sys.executable, "-m", "storyline.cli", "serve", "--db", str(web_store.path)]
    command += ["--port", str(port), "--prefs", str(web_store.path) + ".serve.json"]
    server = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = get(f"http://127.0.0.1:{port}", "/index.json")
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "storyline serve did not answer"
                time.sleep(0.2)
        assert response.status_code == 200 and response.json()["data"]["items"]
    finally:
        server.terminate()
        _, err = server.communicate(timeout=30)
    # Without --token it made one up and printed where to sign in with it.
    assert b"/login?token=" in err
