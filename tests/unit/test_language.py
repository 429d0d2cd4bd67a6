"""Body language identification (py3langid) and language codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyline.extract import extract
from storyline.extract.language import detect_language, normalise_language
from storyline.model import RawDoc

SAMPLES = {
    "en": "The government presented its budget on Thursday, promising more money for schools "
    "and hospitals while cutting taxes for families with young children.",
    "nb": "Regjeringen la fram statsbudsjettet torsdag og lovet mer penger til skoler og sykehus, "
    "samtidig som skatten blir lavere for barnefamilier.",
    "nn": "Regjeringa la fram statsbudsjettet torsdag og lova meir pengar til skular og sjukehus, "
    "samstundes som skatten vert lågare for barnefamiliar.",
    "de": "Die Regierung hat am Donnerstag ihren Haushalt vorgestellt und mehr Geld für Schulen "
    "und Krankenhäuser versprochen, während Familien mit Kindern entlastet werden.",
    "fr": "Le gouvernement a présenté jeudi son budget, promettant davantage d'argent pour les "
    "écoles et les hôpitaux tout en réduisant les impôts des familles.",
    "es": "El gobierno presentó el jueves su presupuesto y prometió más dinero para escuelas y "
    "hospitales, al tiempo que reduce los impuestos a las familias con hijos.",
    "sv": "Regeringen presenterade sin budget på torsdagen och lovade mer pengar till skolor och "
    "sjukhus, samtidigt som skatten sänks för barnfamiljer.",
    "da": "Regeringen fremlagde torsdag sit finanslovsforslag og lovede flere penge til skoler og "
    "hospitaler, samtidig med at skatten sænkes for børnefamilier.",
}


@pytest.mark.parametrize(("language", "text"), sorted(SAMPLES.items()))
def test_detects_supported_languages(language: str, text: str) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize("text", ["", "Hallo", "OK 123", "Oslo, 21. august", "!!! ??? ..."])
def test_too_short_text_has_no_language(text: str) -> None:
    assert detect_language(text) is None


def test_threshold_is_configurable() -> None:
    text = "Storm hits the coast again"
    assert detect_language(text) is None
    assert detect_language(text, min_chars=10) == "en"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("en", "en"),
        ("EN-us", "en"),
        ("no", "nb"),
        ("nb_NO", "nb"),
        ("nn", "nn"),
        ("de-AT", "de"),
        ("", None),
        ("english", None),
        (None, None),
        (42, None),
    ],
)
def test_normalise_language(code: object, expected: str | None) -> None:
    assert normalise_language(code) == expected


def test_seed003_body_is_english_despite_norwegian_chrome(seeds: dict[str, Path]) -> None:
    path = seeds["003"]
    raw = path.read_text(encoding="utf-8")
    chrome = "\n".join(
        line for line in raw.splitlines() if "Nytt" in line or "Similar News" in line
    )
    assert detect_language(chrome) == "nb"  # the chrome alone reads as Norwegian
    article = extract(RawDoc(origin=str(path), content=raw, media_type="text/plain"))
    assert article.language == "en"
