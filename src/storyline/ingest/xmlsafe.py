"""Reading untrusted XML (feeds, OPML, sitemaps) without letting it expand or reach out.

Entities can only be declared in a document type declaration, which must come before the root
element, so looking at the prolog is enough to refuse them (the "billion laughs" expansion and
external entities that read local files or the network). Parsing then goes through an lxml
parser that neither resolves entities, loads a DTD nor touches the network.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

__all__ = ["declares_entities", "safe_parser"]

_ENTITY = re.compile(rb"<!ENTITY", re.IGNORECASE)
_FIRST_ELEMENT = re.compile(rb"<[A-Za-z]")


def declares_entities(data: bytes) -> bool:
    """Whether the document's prolog declares XML entities (UTF-8 or UTF-16 documents)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        with contextlib.suppress(UnicodeDecodeError):
            data = data.decode("utf-16").encode("utf-8")
    match = _FIRST_ELEMENT.search(data)
    prolog = data[: match.start()] if match else data
    return _ENTITY.search(prolog) is not None


def safe_parser(*, recover: bool) -> Any:
    """An lxml parser that resolves no entities, loads no DTD and never uses the network."""
    from lxml import etree

    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=recover
    )
