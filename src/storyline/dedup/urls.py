"""Canonical URLs: one key for every address a page goes by.

The same article reaches a reader as ``http://m.example.com/a/b/?utm_source=x``, its AMP
version ``https://example.com/a/b/amp``, a Google AMP-cache or Google/Facebook redirect link
wrapping the real address, and the address the page names with ``<link rel=canonical>``
(extraction puts that in ``Article.canonical_url``). :func:`canonical_url` maps them to one
string, by the rules search engines document for duplicate URLs (Google Search Central,
"Consolidate duplicate URLs"; RFC 3986 section 6 for the syntax-based normalisation):

* scheme and host case-folded, ``http`` and ``https`` equal, default ports and a trailing
  dot dropped, ``www.``/``m.``/``mobile.``/``amp.`` host prefixes removed;
* AMP paths (``/amp``, ``/amp/...``, ``.amp.html``, ``?amp=1``, ``outputType=amp``) and
  trailing ``index.html`` or ``/`` removed;
* tracking parameters removed (``utm_*``, ``fbclid``, ``gclid``, ``mc_cid``, ``smid``...),
  the rest sorted, the fragment dropped;
* redirect wrappers (``google.com/url?q=``, ``l.facebook.com/l.php?u=``, AMP caches)
  unwrapped to the address they lead to. HTTP redirects themselves are followed by the
  fetcher, which reports the final address as the article's URL.

The result is a key for comparison, not an address to fetch: it may not load as written.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

__all__ = ["TRACKING_PARAMS", "canonical_url"]

_TRACKING = """
fbclid gclid gclsrc dclid msclkid yclid twclid ttclid igshid mc_cid mc_eid mkt_tok _ga _gl
_hsenc _hsmi hsctatracking ocid cmpid cmp icid smid smtyp partner ref ref_src ref_url
referrer xtor ito s_cid wt.mc_id at_medium at_campaign at_custom1 at_custom2 at_custom3
at_custom4 ns_mchannel ns_source ns_campaign ns_linkname ns_fee guccounter guce_referrer
guce_referrer_sig spm sr_share share shared mbid oly_enc_id oly_anon_id vero_id vero_conv
__twitter_impression rss feed amp outputtype output utm cid_source taid fb_ref fb_source
srsltid
"""
#: Query parameters that say how a reader arrived, never which page they asked for.
TRACKING_PARAMS = frozenset(_TRACKING.split())
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "at_", "ga_", "fb_action_")
_AMP_VALUES = {"amp", "1", "true", ""}
_HOST_PREFIXES = ("www.", "m.", "mobile.", "amp.", "wap.", "www2.")
_DEFAULT_PORTS = {"http": 80, "https": 443}
#: Redirectors: host suffix -> (path pattern, parameters that hold the target).
_REDIRECTS: tuple[tuple[str, re.Pattern[str], tuple[str, ...]], ...] = (
    ("google.", re.compile(r"^/url$"), ("q", "url")),
    ("facebook.com", re.compile(r"^/l\.php$"), ("u",)),
    ("reddit.com", re.compile(r"^/?$"), ("url",)),
    ("t.umblr.com", re.compile(r"^/redirect$"), ("z",)),
    ("youtube.com", re.compile(r"^/redirect$"), ("q",)),
    ("linkedin.com", re.compile(r"^/redir/redirect$"), ("url",)),
    (
        "",
        re.compile(r"^/(?:redirect|redir|out|outbound|link|click|goto|r)(?:\.php)?/?$"),
        ("url", "u", "target", "dest", "destination", "to", "redirect_url"),
    ),
)
_AMP_CACHE = re.compile(r"^/[cvi]/(?:s/)?(?P<rest>.+)$")
_GOOGLE_AMP = re.compile(r"^/amp/(?:s/)?(?P<rest>.+)$")
_AMP_PATH = re.compile(r"(?:/amp/?$|\.amp(?=\.html?$)|\.amp$)", re.IGNORECASE)
_AMP_LEADING = re.compile(r"^/amp(?=/)", re.IGNORECASE)
_INDEX = re.compile(r"/(?:index|default)\.(?:html?|php|aspx?)$", re.IGNORECASE)
_MAX_UNWRAP = 3


def _is_tracking(key: str) -> bool:
    folded = key.casefold()
    return folded in TRACKING_PARAMS or folded.startswith(_TRACKING_PREFIXES)


def _unwrap(url: str) -> str:
    """The address a redirect link or an AMP cache URL leads to (``url`` if neither)."""
    for _ in range(_MAX_UNWRAP):
        parts = urlsplit(url)
        host = (parts.hostname or "").casefold()
        target = None
        if host.endswith(".cdn.ampproject.org"):
            match = _AMP_CACHE.match(parts.path)
            if match:
                target = "https://" + match.group("rest")
        elif host.startswith(("www.google.", "google.")) and (amp := _GOOGLE_AMP.match(parts.path)):
            target = "https://" + amp.group("rest")
        else:
            params = dict(parse_qsl(parts.query, keep_blank_values=True))
            for suffix, path, names in _REDIRECTS:
                if suffix and suffix not in host:
                    continue
                if not path.match(parts.path):
                    continue
                for name in names:
                    value = unquote(params.get(name, ""))
                    if value.startswith(("http://", "https://")):
                        target = value
                        break
                if target:
                    break
        if not target:
            return url
        url = target
    return url


def canonical_url(url: str | None) -> str | None:
    """One comparison key for all the addresses of a page (see the module docstring);
    ``None`` for anything that is not an http(s) URL."""
    if not url or not url.strip():
        return None
    try:
        parts = urlsplit(_unwrap(url.strip()))
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.casefold()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    for prefix in _HOST_PREFIXES:
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix) :]
            break
    netloc = host if port in (None, _DEFAULT_PORTS[scheme], 80, 443) else f"{host}:{port}"
    path = re.sub(r"/{2,}", "/", parts.path or "/")
    path = _AMP_LEADING.sub("", path)
    path = _AMP_PATH.sub("", path)
    path = _INDEX.sub("/", path)
    if len(path) > 1:
        path = path.rstrip("/")
    query = []
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if _is_tracking(key):
            continue
        if key.casefold() in {"amp", "outputtype"} and value.casefold() in _AMP_VALUES:
            continue
        query.append((key, value))
    query.sort()
    return urlunsplit(("https", netloc, path or "/", urlencode(query), ""))
