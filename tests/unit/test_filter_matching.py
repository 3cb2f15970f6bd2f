"""Filter keyword matching: whole words, case, punctuation, and what of a post is matched."""

from __future__ import annotations

import pytest

from parley.filters.matching import keyword_pattern, post_text
from parley.posts.models import Post


@pytest.mark.parametrize(("keyword", "whole_word", "text", "matches"), [
    ("spoiler", True, "No SPOILER here", True),
    ("spoiler", True, "spoilers everywhere", False),
    ("spoiler", False, "spoilers everywhere", True),
    ("spoil", True, "unspoiled", False),
    ("season finale", True, "the Season Finale!", True),
    ("#tv", True, "watching #TV tonight", True),
    ("#tv", True, "watching #tvshow", False),
    ("c++", True, "I write C++ daily", True),
    ("a.b", False, "axb", False),
    ("ünïcode", True, "ÜNÏCODE text", True),
])
def test_keyword_pattern(keyword: str, whole_word: bool, text: str, matches: bool) -> None:
    assert bool(keyword_pattern(keyword, whole_word).search(text)) is matches


def test_post_text_covers_content_warning_and_plain_text() -> None:
    post = Post(spoiler_text="CW: finale", content="<p>one &amp; two<br>three</p>")
    text = post_text(post)
    assert "CW: finale" in text and "one & two\nthree" in text and "<" not in text
