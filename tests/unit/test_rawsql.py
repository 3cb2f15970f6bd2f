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
