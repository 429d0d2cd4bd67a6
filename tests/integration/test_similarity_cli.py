"""``storyline similarity PAIRS.jsonl``: the batch contract of DESIGN.md section 5."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from storyline.cli import cli

SAME_A = {
    "id": "a1",
    "title": "Storm closes harbour in Bergen",
    "text": "A storm with waves of up to eight metres closed the harbour in Bergen on Tuesday, "
    "the port authority said. Ferries to Askøy and Sotra were cancelled.",
    "published": "2024-03-05T08:00:00Z",
    "language": "en",
}
SAME_B = {
    "id": "b1",
    "title": "Sturm schließt Hafen in Bergen",
    "text": "Ein Sturm mit bis zu acht Meter hohen Wellen hat am Dienstag den Hafen von Bergen "
    "geschlossen, teilte die Hafenbehörde mit. Fähren nach Askøy und Sotra fielen aus.",
    "published": "2024-03-05T10:00:00+01:00",
    "language": "de",
}
OTHER = {
    "id": "c1",
    "title": "Peru elects a new president",
    "text": "Voters in Peru chose a "
    "new president on Sunday after a campaign dominated by the economy and crime.",
}


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["similarity", *args], input=input, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_scores_pairs_in_order_and_reports_bad_lines(tmp_path: Path) -> None:
    big = {"id": "big", "title": "Harbour", "text": "storm harbour Bergen " * 500_000}  # ~10 MB
    lines = [
        json.dumps({"id": "same", "a": SAME_A, "b": SAME_B}),
        json.dumps({"id": "diff", "a": SAME_A, "b": OTHER}),
        "{not json",
        json.dumps({"id": "half", "a": SAME_A}),
        json.dumps({"id": "empty", "a": SAME_A, "b": {"id": "e", "title": " ", "text": ""}}),
        json.dumps({"a": SAME_A, "b": SAME_B}),
        "",
        json.dumps({"id": 7, "a": SAME_A, "b": big}),
        json.dumps(
            {"id": "script", "a": {"id": "x", "text": "ꯀꯥꯡꯂꯩꯄꯥꯛ ꯃꯤꯇꯩ ꯂꯣꯟ " * 20}, "b": SAME_B}
        ),
        json.dumps({"id": "baddate", "a": {**SAME_A, "published": "yesterday"}, "b": SAME_B}),
    ]
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "scores.jsonl"
    code, stdout, stderr = run(str(pairs), "-o", str(out))
    assert code == 1
    assert stdout == ""
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert [e.split(":")[2] for e in errors] == ["3", "4", "5", "6", "10"], stderr
    assert '"b" is missing' in stderr and "invalid JSON" in stderr and "published" in stderr
    results = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in results] == ["same", "diff", "7", "script"]
    assert all(set(r) == {"id", "score"} and 0.0 <= r["score"] <= 1.0 for r in results)
    scores = {r["id"]: r["score"] for r in results}
    assert scores["same"] > 0.6 > 0.3 > scores["diff"]


def test_stdin_to_stdout_with_explain() -> None:
    line = json.dumps({"id": "p", "a": SAME_A, "b": SAME_B})
    code, stdout, stderr = run("-", "--explain", input=line + "\n")
    assert code == 0, stderr
    result = json.loads(stdout)
    assert result["id"] == "p" and result["label"] in ("same event", "same storyline")
    assert sum(result["signals"].values()) == __import__("pytest").approx(result["score"], abs=2e-3)


def test_missing_file_and_empty_input(tmp_path: Path) -> None:
    code, _, stderr = run(str(tmp_path / "nope.jsonl"))
    assert code == 1 and "cannot read" in stderr
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    code, stdout, stderr = run(str(empty))
    assert code == 0 and stdout == "" and "no pairs" in stderr
