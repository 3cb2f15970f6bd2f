"""Cards' parts: which link of a post gets a card, and what a page or an oEmbed answer says
about itself (OpenGraph, then Twitter card, then plain HTML; only a sanitised player)."""

from __future__ import annotations

import json

import pytest

from parley.cards.extract import CardData, parse_oembed, parse_page, sanitised_player
from parley.cards.links import first_link

BASE = "https://parley.test"


@pytest.mark.parametrize(("text", "link"), [
    ("no links here", None),
    ("@ana@elsewhere.test #tag see https://example.com/a.", "https://example.com/a"),
    ("mine https://parley.test/@ana then http://example.com/b", "http://example.com/b"),
    ("other port https://parley.test:8443/x", "https://parley.test:8443/x"),
    ("(https://example.com/c) and https://example.com/d", "https://example.com/c"),
    ("ftp://example.com/e is not one", None),
])
def test_the_first_link_off_this_server_gets_the_card(text: str, link: str | None) -> None:
    assert first_link(text, BASE) == link


def test_opengraph_comes_first_then_twitter_then_html() -> None:
    page = """<html lang="fr-CA"><head><title>Title tag</title>
    <meta name="twitter:title" content="Twitter title">
    <meta name="twitter:description" content="Twitter words">
    <meta property="og:description" content="  OG   words ">
    <meta name="twitter:image" content="https://cdn.test/t.png">
    </head><body><meta property="og:title" content="OG title"></body></html>"""
    facts = parse_page(page, "https://site.test/post")
    assert facts.oembed_url is None
    card = facts.card
    assert (card.title, card.description) == ("OG title", "OG words")
    assert card.image_url == "https://cdn.test/t.png" and card.language == "fr"
    assert card.type == "link" and card.worth_showing


def test_a_page_with_only_a_title_and_one_with_nothing() -> None:
    assert parse_page("<title> Just this </title>", "https://s.test/").card.title == "Just this"
    assert not parse_page("<p>no head</p>", "https://s.test/").card.worth_showing


def test_relative_and_unsafe_urls() -> None:
    page = """<meta property="og:title" content="t">
    <meta property="og:image" content="/img.png">
    <meta property="article:author" content="javascript:alert(1)">
    <link rel="alternate" type="application/json+oembed" href="/oembed?u=1">"""
    facts = parse_page(page, "https://s.test/a/b")
    assert facts.card.image_url == "https://s.test/img.png"
    assert facts.card.author_url == ""
    assert facts.oembed_url == "https://s.test/oembed?u=1"


def test_a_twitter_player_becomes_a_video_card() -> None:
    page = """<meta property="og:title" content="v">
    <meta name="twitter:player" content="https://player.test/1">
    <meta name="twitter:player:width" content="480">
    <meta name="twitter:player:height" content="270">"""
    card = parse_page(page, "https://s.test/").card
    assert card.type == "video" and (card.width, card.height) == (480, 270)
    assert card.html.startswith('<iframe src="https://player.test/1"')


@pytest.mark.parametrize(("markup", "kept"), [
    ('<iframe src="https://p.test/e" width="1"></iframe>', True),
    ('<iframe src="http://p.test/e"></iframe>', False),
    ('<iframe src="javascript:alert(1)"></iframe>', False),
    ("<script>alert(1)</script><div>no player</div>", False),
])
def test_only_an_https_iframe_survives(markup: str, kept: bool) -> None:
    cleaned = sanitised_player(markup)
    assert bool(cleaned) is kept
    assert "script" not in cleaned and "div" not in cleaned


def _oembed(**fields: object) -> str:
    return json.dumps(fields)


def test_oembed_answers() -> None:
    page = CardData(title="page title", description="page words")
    endpoint = "https://provider.test/oembed"
    photo = parse_oembed(_oembed(type="photo", url="/p.jpg", width=10, height=20), endpoint,
                         page)
    assert photo is not None and photo.type == "photo"
    assert photo.embed_url == photo.image_url == "https://provider.test/p.jpg"
    assert photo.title == "page title" and photo.description == "page words"
    link = parse_oembed(_oembed(type="link", title="t", thumbnail_url="/th.png"), endpoint,
                        page)
    assert link is not None and link.image_url == "https://provider.test/th.png"
    assert parse_oembed(_oembed(type="rich", html="<script></script>"), endpoint, page) is None
    assert parse_oembed(_oembed(type="photo"), endpoint, page) is None
    assert parse_oembed(_oembed(type="video", html="<b>x</b>"), endpoint, page) is None
    assert parse_oembed("not json", endpoint, page) is None
    assert parse_oembed("[1, 2]", endpoint, page) is None
