"""Page data builders and HTTP handlers: each page is one dict, rendered as HTML or JSON."""
