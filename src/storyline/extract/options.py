"""Settings of the extraction stage, as one frozen options object.

After trafilatura's ``settings.Extractor``: one value object travels through the stage instead
of a dozen keyword arguments, so the online service, the batch engines and the evaluation all
run with the same, inspectable configuration. The defaults are the ones measured by
``storyline eval extraction`` (see ``docs/extraction.md``).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_OPTIONS", "ExtractOptions"]


@dataclass(frozen=True, slots=True)
class ExtractOptions:
    """How :func:`storyline.extract.extract` reads and cleans a document.

    HTML extraction (trafilatura):

    ``recall_fallback``
        Also run trafilatura with ``favor_recall`` and keep that result when it is more than
        ``recall_ratio`` times longer (in words) than the balanced one and adds at least
        ``recall_min_words`` words. Measured on the shared sets: +0.8 word-F1 points on
        WCXB articles, about 2x the trafilatura time.
    ``include_tables``
        Keep tables (rows become ``a | b | c`` lines).
    ``include_comments``
        Keep reader comments; off, because comments are not the article.
    ``date_extensive``
        Let htmldate search the whole page for a date when the metadata has none.
    ``max_html_bytes``
        Larger pages are refused before parsing: trafilatura's time grows faster than the
        page (measured: 1 MB 5 s, 5 MB 30 s, 20 MB over 2 minutes and 600 MB), and no news
        article needs more. The page fetcher's cap is the same 5 MB.

    Cleaning (``extract/clean.py``):

    ``drop_boilerplate``
        Remove known boilerplate lines (read-more links, taglines, copyright lines, share
        prompts) and "related/similar news" blocks; teasers become ``RelatedLink`` records.
    ``trim_tail``
        Cut the article at an end marker ("About the author", "Footnotes", "Tags:"...) found in
        its second half.
    ``split_credits``
        Take photo credits ("Evan Vucci/AP", "Foto: NTB") out of the text into ``credits``.
    ``learn_boilerplate``
        With a :class:`~storyline.extract.LineStats`, drop lines seen in at least
        ``min_repeats`` other documents of the same source that also make up at least
        ``min_repeat_share`` of the source's documents. Lines shorter than
        ``learn_min_chars`` are never learned (short legit lines such as "Yes." are safe).
        When learned lines would take more than ``learn_max_share`` of a body's words (the
        same story filed again), only short lines at its start and end are dropped.

    Output:

    ``lead_chars``
        The lead is the first paragraph, cut at a sentence (or word) end near this length.
    ``title_chars``
        A title derived from the first sentence (plain text without a title line) is cut near
        this length.
    ``min_language_chars``
        Bodies with fewer letters than this get ``language=None`` (too short to tell).
    ``min_text_chars``
        A body shorter than this after cleaning is "no article text found".
    """

    recall_fallback: bool = True
    recall_ratio: float = 1.05
    recall_min_words: int = 50
    include_tables: bool = True
    include_comments: bool = False
    date_extensive: bool = True
    max_html_bytes: int = 5 * 1024 * 1024
    drop_boilerplate: bool = True
    trim_tail: bool = True
    split_credits: bool = True
    learn_boilerplate: bool = True
    min_repeats: int = 3
    min_repeat_share: float = 0.2
    learn_min_chars: int = 12
    learn_max_share: float = 0.5
    lead_chars: int = 300
    title_chars: int = 110
    min_language_chars: int = 40
    min_text_chars: int = 20

    def __post_init__(self) -> None:
        if self.recall_ratio < 1.0:
            raise ValueError("recall_ratio must be >= 1.0")
        if self.min_repeats < 1:
            raise ValueError("min_repeats must be >= 1")
        if not 0.0 <= self.min_repeat_share <= 1.0:
            raise ValueError("min_repeat_share must be within [0, 1]")
        if not 0.0 < self.learn_max_share <= 1.0:
            raise ValueError("learn_max_share must be within (0, 1]")
        if self.lead_chars < 40 or self.title_chars < 20:
            raise ValueError("lead_chars must be >= 40 and title_chars >= 20")


DEFAULT_OPTIONS = ExtractOptions()
