"""Notification types are stored in Parley's words and said in Mastodon's only in api/: the
table both ways, and migration 0005 rewriting stored types and group keys (and back)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import text

from e2e.test_fanout_extras import World
from e2e.test_fanout_scale import run
from parley.api.entities.notification_types import (
    TO_MASTODON,
    mastodon_group_key,
    mastodon_type,
    parley_group_key,
    parley_type,
    parley_types,
)
from parley.lib.ids import new_id
from parley.notifications.grouping import GROUPABLE_TYPES, group_prefix
from parley.notifications.models import NOTIFICATION_TYPES
from parley.store.dialect import engine_url
from parley.store.migrate import alembic_config, migrate
from support.server import fresh_database

MASTODON_TYPES = {"mention", "status", "reblog", "follow", "follow_request", "favourite",
                  "update", "quote", "quoted_update", "admin.sign_up", "admin.report", "poll"}


def test_every_stored_type_has_one_mastodon_word_and_back() -> None:
    assert {mastodon_type(t) for t in NOTIFICATION_TYPES} == MASTODON_TYPES
    for stored in NOTIFICATION_TYPES:
        assert parley_type(mastodon_type(stored)) == stored
    assert set(TO_MASTODON) <= set(NOTIFICATION_TYPES)
    # Parley's own words are not Mastodon's: asked for through the API, they match nothing.
    assert not set(parley_types(TO_MASTODON)) & set(NOTIFICATION_TYPES)
    assert parley_types(["favourite", "bogus"]) == ["like", "bogus"]


def test_group_keys_say_the_type_in_each_side_s_words() -> None:
    for stored in GROUPABLE_TYPES:
        key = f"{group_prefix(stored, None) or stored + '-1-'}493000"
        shown = mastodon_group_key(key)
        assert shown.split("-", 1)[0] == mastodon_type(stored)
        assert parley_group_key(shown) == key
    assert mastodon_group_key("like-12-493000") == "favourite-12-493000"
    assert mastodon_group_key("ungrouped-12") == "ungrouped-12"
    assert parley_group_key("reblog-12-493000") == "repost-12-493000"
    assert parley_group_key("like-12-493000") != "like-12-493000"  # not a Mastodon key


_ROWS = (("favourite", "favourite-{post}-493000"), ("reblog", "reblog-{post}-493001"),
         ("status", None), ("mention", "mention-{post}-493002"), ("follow", "follow--493003"))
_AFTER = {"favourite": ("like", "like-{post}-493000"), "reblog": ("repost", "repost-{post}-493001"),
          "status": ("post", None)}


def test_migration_0005_rewrites_types_and_group_keys_and_back(tmp_path: Path) -> None:
    with fresh_database(tmp_path) as url:
        resolved = engine_url(url)
        migrate(resolved)
        made: dict[str, int] = {}

        async def people(w: World) -> None:
            # Made at the head, where the models match the tables; the rows stay through
            # the downgrade to 0004.
            made["owner"], made["sender"] = await w.account("owner"), await w.account("sender")
            made["post"] = await w.post(made["owner"])

        async def fill(w: World) -> None:
            owner, sender, post = made["owner"], made["sender"], made["post"]
            async with w.db.write() as session:
                for kind, key in _ROWS:
                    await session.execute(text(
                        "INSERT INTO notifications (id, account_id, from_account_id, type, "
                        "post_id, created_at, group_key, filtered) VALUES (:id, :owner, "
                        ":sender, :type, :post, CURRENT_TIMESTAMP, :key, false)"), {
                        "id": new_id(), "owner": owner, "sender": sender, "type": kind,
                        "post": post, "key": key and key.format(post=post)})

        def expect(words: dict[str, tuple[str, str | None]]) -> None:
            async def check(w: World) -> None:
                async with w.db.read() as session:
                    found = set((await session.execute(text(
                        "SELECT type, group_key FROM notifications"))).tuples().all())
                wanted = {words.get(kind, (kind, key)) for kind, key in _ROWS}
                assert found == {(kind, key and key.format(post=made["post"]))
                                 for kind, key in wanted}
            run(resolved, check)

        run(resolved, people)
        command.downgrade(alembic_config(resolved), "0004")
        run(resolved, fill)
        migrate(resolved)
        expect(_AFTER)
        command.downgrade(alembic_config(resolved), "0004")
        expect({})
