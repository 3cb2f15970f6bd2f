"""store/rawsql's one statement, two dialects: list parameters and boolean tests as each
backend (and its partial indexes) spell them."""

from __future__ import annotations

from parley.store.rawsql import Sql


def test_list_parameters_and_boolean_tests_per_backend() -> None:
    sql = Sql("SELECT id FROM follows WHERE account_id IN_IDS(:ids) AND notify IS_TRUE "
              "AND target_account_id = :target AND account_id > :target")
    assert sql.sqlite == ("SELECT id FROM follows WHERE account_id IN (SELECT value FROM "
                          "json_each(:ids)) AND notify IS 1 AND target_account_id = :target "
                          "AND account_id > :target")
    text, names = sql.pg()
    assert text == ("SELECT id FROM follows WHERE account_id = ANY(CAST($1 AS BIGINT[])) AND "
                    "notify IS true AND target_account_id = $2 AND account_id > $2")
    assert names == ("ids", "target")


def test_text_list_parameters_per_backend() -> None:
    sql = Sql("SELECT id FROM custom_emojis WHERE domain IN_TEXTS(:domains) "
              "AND shortcode IN_TEXTS(:codes) AND id IN_IDS(:ids)")
    assert sql.sqlite == ("SELECT id FROM custom_emojis WHERE domain IN (SELECT value FROM "
                          "json_each(:domains)) AND shortcode IN (SELECT value FROM "
                          "json_each(:codes)) AND id IN (SELECT value FROM json_each(:ids))")
    text, names = sql.pg()
    assert text == ("SELECT id FROM custom_emojis WHERE domain = ANY(CAST($1 AS TEXT[])) AND "
                    "shortcode = ANY(CAST($2 AS TEXT[])) AND id = ANY(CAST($3 AS BIGINT[]))")
    assert names == ("domains", "codes", "ids")


def test_fragments_compile_once_per_dialect_correlated_with_the_statement() -> None:
    """A rule written once in Core lands in raw statements as each dialect spells it, with
    its subqueries correlated to the statement's aliases (given by name, or by `over`)."""
    from sqlalchemy import BigInteger, exists, select
    from sqlalchemy.orm import aliased

    import parley.models  # noqa: F401  (every table)
    from parley.social.models import Block, Follow
    from parley.store.rawsql import Fragment, param

    follow = aliased(Follow, name="f")
    shows = Fragment(lambda: follow.show_reposts.is_(True))
    blocked = Fragment(lambda: exists(select(Block.account_id).where(
        Block.account_id == param("viewer"), Block.target_account_id == follow.account_id,
        Block.id != param("other", BigInteger))), over=lambda: [follow])
    sql = Sql(f"SELECT f.id FROM follows f WHERE {shows} AND NOT {blocked}")
    assert sql.sqlite == (
        "SELECT f.id FROM follows f WHERE (f.show_reposts IS 1) AND NOT (EXISTS (SELECT "
        "blocks.account_id FROM blocks WHERE blocks.account_id = :viewer AND "
        "blocks.target_account_id = f.account_id AND blocks.id != CAST(:other AS BIGINT)))")
    text, names = sql.pg()
    assert text.startswith("SELECT f.id FROM follows f WHERE (f.show_reposts IS true) AND NOT")
    assert "blocks.account_id = $1" in text and "CAST($2 AS BIGINT)" in text
    assert names == ("viewer", "other")
    assert shows.text("sqlite") is shows.text("sqlite")  # compiled once, then kept
