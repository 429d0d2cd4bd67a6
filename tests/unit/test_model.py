"""The data model: stable ids and lossless dict round trips."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from storyline.model import Article, Credit, RelatedLink, article_id, normalise_text


def test_ids_are_stable_and_fold_form_case_and_spacing() -> None:
    a = article_id(title="Biden calls Netanyahu", text="Text  here.\nMore")
    b = article_id(title="BIDEN calls   Netanyahu", text="Text here. More")
    assert a == b and a.startswith("t") and len(a) == 17
    assert article_id(title="Biden calls Netanyahu", text="Other text") != a
    assert article_id(url="https://example.com/a").startswith("u")
    assert normalise_text("ﬁne\u00a0Ｔext") == "fine text"


def test_id_needs_something() -> None:
    with pytest.raises(ValueError, match="needs a URL"):
        article_id(title="  ", text="")


def test_article_round_trip() -> None:
    article = Article(
        id="t1",
        title="T",
        text="Body",
        published=datetime(2024, 8, 21, 9, 30, tzinfo=UTC),
        credits=[Credit("Evan Vucci/AP")],
        related=[RelatedLink("Other story", "teaser")],
        boilerplate=["Les mer »"],
        fingerprints={"text": "abc"},
    )
    data = article.to_dict()
    assert data["published"] == "2024-08-21T09:30:00+00:00"
    assert Article.from_dict(data) == article
    assert Article.from_dict({**data, "unknown": 1}) == article


def test_input_errors_survive_pickling() -> None:
    # Engines (Spark executors, worker processes) ship errors between processes.
    import pickle

    from storyline.errors import BadInputError, SourceError

    for error in (BadInputError("a.txt", "empty file"), SourceError("https://x/feed", "timeout")):
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error)
        assert (copy.origin, copy.reason, str(copy)) == (error.origin, error.reason, str(error))


def test_error_fields_beside_the_message_survive_pickling() -> None:
    # Pickling as cls(*args) lost FetchError's status and Retry-After (the scheduler's
    # back-off reads them) and could not rebuild MissingExtraError at all.
    import pickle

    from storyline.errors import MissingExtraError
    from storyline.ingest.fetch import FetchError
    from storyline.store.base import AddResult, BatchError

    errors = (
        FetchError("https://x/feed", "too many requests", status=429, retry_after=5.0),
        MissingExtraError("starlette", "web"),
        BatchError("batch 3 failed", AddResult(["a"], ["b"]), 3),
    )
    for error in errors:
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error) and str(copy) == str(error)
        assert vars(copy) == vars(error)
