"""Post text: mentions, hashtags, links, length counting and the HTML it becomes."""

from __future__ import annotations

import pytest

from parley.lib.text import MentionLink, parse, render, text_length

BASE = "https://parley.example"
ALICE = MentionLink(url=f"{BASE}/@alice", username="alice")


def test_parse_finds_each_mention_tag_and_link_once() -> None:
    parsed = parse("@alice hi @Alice and @bob@remote.example #Tea #tea #coffee_2 "
                   "see https://example.com/x?y=1#frag.")
    assert parsed.mentions == ["alice", "bob@remote.example"]
    assert parsed.tags == ["Tea", "coffee_2"]
    assert parsed.urls == ["https://example.com/x?y=1#frag"]


@pytest.mark.parametrize("text", [
    "mail me at someone@example.com",
    "https://example.com/@alice/123",
    "path/@alice",
])
def test_not_mentions(text: str) -> None:
    assert parse(text).mentions == []


@pytest.mark.parametrize("text", ["#123", "x#tag", "https://example.com/#tag", "&#39;"])
def test_not_hashtags(text: str) -> None:
    assert parse(text).tags == []


def test_mentions_with_ports_and_trailing_punctuation() -> None:
    assert parse("cc @alice@127.0.0.1:3000, @bob.").mentions == ["alice@127.0.0.1:3000", "bob"]


def test_link_punctuation_and_brackets() -> None:
    assert parse("(see https://x.org/wiki/A_(b)).").urls == ["https://x.org/wiki/A_(b)"]
    assert parse("go to https://x.org/a, then").urls == ["https://x.org/a"]
    assert parse("'https://x.org/q'").urls == ["https://x.org/q"]


def test_length_counts_links_as_23_and_remote_mentions_as_local() -> None:
    assert text_length("hello") == 5
    assert text_length("https://example.com/" + "a" * 100) == 23
    assert text_length("x https://a.io y") == 1 + 1 + 23 + 1 + 1
    assert text_length("@bob@very.long.remote.example") == len("@bob")
    assert text_length("@bob") == 4
    assert text_length("") == 0


def test_render_mentions_known_accounts_only() -> None:
    html = render("hi @alice and @ghost", base_url=BASE, mentions={"alice": ALICE}).html
    assert html == (
        '<p>hi <span class="h-card" translate="no"><a href="https://parley.example/@alice" '
        'class="u-url mention">@<span>alice</span></a></span> and @ghost</p>'
    )


def test_render_remote_mention_shows_username() -> None:
    link = MentionLink(url="https://remote.example/@bob", username="bob")
    html = render("@bob@remote.example", base_url=BASE,
                  mentions={"bob@remote.example": link}).html
    assert '>@<span>bob</span></a>' in html and "remote.example</span>" not in html


def test_render_hashtags_and_links() -> None:
    rendered = render("#Tea at https://example.com/a/very/long/path/indeed/yes", base_url=BASE,
                      mentions={})
    assert rendered.tags == ["Tea"]
    assert ('<a href="https://parley.example/tags/tea" class="mention hashtag" rel="tag">'
            '#<span>Tea</span></a>') in rendered.html
    assert ('<a href="https://example.com/a/very/long/path/indeed/yes" target="_blank" '
            'rel="nofollow noopener noreferrer" translate="no">') in rendered.html
    assert '<span class="ellipsis">example.com/a/very/long/path/i</span>' in rendered.html


def test_render_tag_url_is_percent_encoded() -> None:
    assert 'href="https://parley.example/tags/caf%C3%A9"' in render(
        "#Café", base_url=BASE, mentions={}).html


def test_render_paragraphs_and_line_breaks() -> None:
    html = render("one\ntwo\n\n\nthree\r\nfour", base_url=BASE, mentions={}).html
    assert html == "<p>one<br>two</p><p>three<br>four</p>"


def test_render_escapes_everything_else() -> None:
    html = render('<img src=x onerror="alert(1)"> & <b>bold</b>', base_url=BASE,
                  mentions={}).html
    assert "<img" not in html and "<b>" not in html
    assert "&lt;img" in html and "&amp;" in html


def test_render_refuses_script_links() -> None:
    html = render("javascript:alert(1) http://ok.example", base_url=BASE, mentions={}).html
    assert 'href="javascript' not in html and 'href="http://ok.example"' in html


def test_blank_text_renders_empty() -> None:
    assert render("  \n\n ", base_url=BASE, mentions={}).html == ""
