"""Pure helpers: parameter nesting, scopes, snowflake ids, Mastodon time format."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from parley.api.params import nest_pairs
from parley.errors import Invalid
from parley.lib.ids import SnowflakeGenerator, id_at, lowest_id_at
from parley.lib.timefmt import iso
from parley.oauth.scopes import covers, parse_scopes


def test_form_keys_nest_like_rails() -> None:
    pairs = [("types[]", "mention"), ("types[]", "follow"), ("source[privacy]", "private"),
             ("fields_attributes[0][name]", "Site"), ("fields_attributes[0][value]", "x"),
             ("status", "hi")]
    assert nest_pairs(pairs) == {
        "types": ["mention", "follow"], "source": {"privacy": "private"},
        "fields_attributes": {"0": {"name": "Site", "value": "x"}}, "status": "hi",
    }


def test_scopes_cover_their_granular_forms() -> None:
    assert covers({"read"}, "read:statuses")
    assert covers({"write:statuses"}, "write:statuses")
    assert not covers({"read"}, "write:statuses")
    assert covers({"follow"}, "write:follows")
    assert not covers({"follow"}, "write:statuses")
    assert covers({"read"}, "profile")
    assert parse_scopes("read+write follow") == ["read", "write", "follow"]
    with pytest.raises(Invalid):
        parse_scopes("read nonsense")


def test_snowflakes_increase_and_sort_by_time() -> None:
    generator = SnowflakeGenerator()
    ids = [generator.next_id() for _ in range(10_000)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    moment = datetime(2024, 1, 1, tzinfo=UTC)
    assert lowest_id_at(moment) <= id_at(moment) < lowest_id_at(datetime(2024, 1, 2, tzinfo=UTC))
    assert ids[0] < 2**63


def test_ids_dated_the_same_moment_are_distinct() -> None:
    # Rows backdated to one millisecond (a week of posts in a test, an import) each get their
    # own id, all within that millisecond's range.
    moment = datetime(2024, 1, 1, tzinfo=UTC)
    dated = [id_at(moment) for _ in range(5_000)]
    assert len(set(dated)) == len(dated)
    assert all(lowest_id_at(moment) <= i < lowest_id_at(moment) + (1 << 16) for i in dated)


def test_time_format_has_milliseconds_and_z() -> None:
    moment = datetime(2026, 11, 22, 0, 29, 33, 123456, tzinfo=UTC)
    assert iso(moment) == "2026-11-22T00:29:33.123Z"
    assert iso(moment.replace(tzinfo=None)) == "2026-11-22T00:29:33.123Z"
