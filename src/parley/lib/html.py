"""HTML helpers: escaping plain text into paragraphs, sanitising untrusted HTML with nh3."""

from __future__ import annotations

import html

import nh3

ALLOWED_TAGS = {"p", "br", "a", "span", "strong", "em", "b", "i", "u", "s", "del", "code",
                "pre", "blockquote", "ul", "ol", "li"}
ALLOWED_ATTRIBUTES = {"a": {"href", "rel", "class", "target", "translate"},
                      "span": {"class", "translate"}, "p": {"class"}}


def sanitise(untrusted: str) -> str:
    """Keep the small set of tags posts may carry; drop scripts, styles and handlers."""
    return nh3.clean(untrusted, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes={"http", "https", "mailto"}, link_rel=None)


def plain_to_html(text: str) -> str:
    """Escape text and keep its line structure: blank lines split paragraphs."""
    if not text.strip():
        return ""
    paragraphs = [p for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return "".join(
        "<p>" + "<br>".join(html.escape(line) for line in p.split("\n")) + "</p>"
        for p in paragraphs
    )


def html_to_text(markup: str) -> str:
    """A plain-text rendering of post HTML (for search, notifications and previews)."""
    spaced = markup.replace("<br>", "\n").replace("</p><p>", "\n\n")
    return html.unescape(nh3.clean(spaced, tags=set()))
