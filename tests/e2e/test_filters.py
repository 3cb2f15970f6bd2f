"""Filters (v2, and the v1 read-only view) through Mastodon.py: CRUD of filters, keywords and
statuses, and their effect: `filtered` on statuses where a warn filter matches, posts left
out where a hide filter matches, in each context."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from mastodon import MastodonError, MastodonNotFoundError

from parley.lib.ids import new_id
from support.clients import Clients, TestUser, eventually


def bearer(user: TestUser) -> dict[str, str]:
    return {"Authorization": f"Bearer {user.api.access_token}"}


def ids(items: Any) -> list[str]:
    return [str(item["id"]) for item in items]


def by_id(items: Any, status_id: str) -> dict[str, Any]:
    [found] = [item for item in items if str(item["id"]) == status_id]
    return dict(found)


def test_filter_crud_with_keywords_and_statuses(clients: Clients) -> None:
    user, other = clients.new_user("flt"), clients.new_user("flto")
    created = user.api.create_filter_v2(
        "Spoilers", ["home", "public"], "warn", expires_in=3600,
        keywords_attributes=[{"keyword": "spoiler", "whole_word": True},
                             {"keyword": "finale", "whole_word": False}])
    assert created["title"] == "Spoilers" and created["filter_action"] == "warn"
    assert created["context"] == ["home", "public"] and created["expires_at"] is not None
    assert [(k["keyword"], k["whole_word"]) for k in created["keywords"]] == [
        ("spoiler", True), ("finale", False)]
    assert created["statuses"] == []
    assert ids(user.api.filters_v2()) == [created["id"]]
    assert user.api.filter_v2(created["id"])["title"] == "Spoilers"
    spoiler_kw, finale_kw = created["keywords"]
    updated = user.api.update_filter_v2(
        created["id"], title="TV", context=["home"], filter_action="hide",
        keywords_attributes=[{"id": spoiler_kw["id"], "_destroy": True},
                             {"id": finale_kw["id"], "keyword": "season finale"},
                             {"keyword": "cliffhanger"}])
    assert updated["title"] == "TV" and updated["context"] == ["home"]
    assert updated["filter_action"] == "hide"
    assert [k["keyword"] for k in updated["keywords"]] == ["season finale", "cliffhanger"]
    added = user.api.add_filter_keyword_v2(created["id"], "plot twist", whole_word=True)
    assert [k["keyword"] for k in user.api.filter_keywords_v2(created["id"])] == [
        "season finale", "cliffhanger", "plot twist"]
    user.api.delete_filter_keyword_v2(added["id"])
    post = other.api.status_post("an episode guide")
    entry = user.api.add_filter_status_v2(created["id"], post["id"])
    assert entry["status_id"] == post["id"]
    assert user.api.filter_status_v2(entry["id"])["status_id"] == post["id"]
    assert ids(user.api.filter_statuses_v2(created["id"])) == [entry["id"]]
    again = user.api.add_filter_status_v2(created["id"], post["id"])  # no duplicate
    assert again["id"] == entry["id"]
    user.api.delete_filter_status_v2(entry["id"])
    assert user.api.filter_statuses_v2(created["id"]) == []
    # Someone else's filter does not exist for them.
    with pytest.raises(MastodonNotFoundError):
        other.api.filter_v2(created["id"])
    with pytest.raises(MastodonNotFoundError):
        other.api.delete_filter_v2(created["id"])
    user.api.delete_filter_v2(created["id"])
    assert user.api.filters_v2() == []


def test_keyword_and_status_endpoints_by_id(clients: Clients, http: httpx.Client) -> None:
    user = clients.new_user("fltk")
    created = user.api.create_filter_v2("Words", ["thread"], "warn",
                                        keywords_attributes=[{"keyword": "one"}])
    keyword_id = created["keywords"][0]["id"]
    path = f"/api/v2/filters/keywords/{keyword_id}"
    assert http.get(path, headers=bearer(user)).json()["keyword"] == "one"
    changed = http.put(path, json={"keyword": "two", "whole_word": False},
                       headers=bearer(user)).json()
    assert changed == {"id": keyword_id, "keyword": "two", "whole_word": False}
    assert http.delete(path, headers=bearer(user)).json() == {}
    assert http.get(path, headers=bearer(user)).status_code == 404
    v1 = clients.new_user("fltv")
    v1.api.create_filter_v2("Legacy", ["home", "notifications"], "hide",
                            keywords_attributes=[{"keyword": "alpha", "whole_word": True}])
    [legacy] = http.get("/api/v1/filters", headers=bearer(v1)).json()
    assert legacy["phrase"] == "alpha" and legacy["irreversible"] is True
    assert legacy["context"] == ["home", "notifications"] and legacy["whole_word"] is True
    assert http.get(f"/api/v1/filters/{legacy['id']}", headers=bearer(v1)).json() == legacy
    assert http.get(f"/api/v1/filters/{legacy['id']}", headers=bearer(user)).status_code == 404


def test_warn_filter_marks_statuses_in_its_contexts(clients: Clients) -> None:
    reader, author = clients.new_user("fltr"), clients.new_user("flta")
    reader.api.account_follow(author.id)
    word = f"spoilers{new_id()}"
    warn = reader.api.create_filter_v2(
        "Warn me", ["home", "public"], "warn",
        keywords_attributes=[{"keyword": word, "whole_word": True},
                             {"keyword": "spoil", "whole_word": True}])
    post = author.api.status_post(f"Big {word.upper()} ahead", spoiler_text="careful")
    plain = author.api.status_post("nothing to see")
    # Both fan-outs (jobs) must have run: `plain` is looked up in the home below.
    assert eventually(lambda: {post["id"], plain["id"]} <= set(ids(reader.api.timeline_home())))
    [result] = by_id(reader.api.timeline_home(), post["id"])["filtered"]
    assert result["filter"]["id"] == warn["id"] and result["keyword_matches"] == [word]
    assert result["filter"]["filter_action"] == "warn" and "keywords" not in result["filter"]
    assert by_id(reader.api.timeline_home(), plain["id"])["filtered"] == []
    assert by_id(reader.api.timeline_public(limit=40), post["id"])["filtered"]
    # Contexts the filter does not name, other viewers and the author see it unmarked.
    assert by_id(reader.api.account_statuses(author.id), post["id"])["filtered"] == []
    assert reader.api.status(post["id"])["filtered"] == []
    assert author.api.status(post["id"])["filtered"] == []
    assert by_id(clients.anonymous().timeline_public(limit=40), post["id"])["filtered"] == []
    # A repost carries its original's matches, on the repost and on the wrapped original.
    booster, other_reader = clients.new_user("fltbo"), clients.new_user("fltor")
    other_reader.api.account_follow(booster.id)
    other_reader.api.create_filter_v2("Warn me", ["home"], "warn",
                                      keywords_attributes=[{"keyword": word}])
    repost = booster.api.status_reblog(post["id"])
    assert eventually(lambda: repost["id"] in ids(other_reader.api.timeline_home()))
    marked = by_id(other_reader.api.timeline_home(), repost["id"])
    assert marked["filtered"] and marked["reblog"]["filtered"]


def test_hide_filter_leaves_posts_out(clients: Clients) -> None:
    reader, author = clients.new_user("flth"), clients.new_user("flthb")
    reader.api.account_follow(author.id)
    word = f"secret{new_id()}"
    reader.api.create_filter_v2("Hide", ["home", "public", "account", "thread",
                                         "notifications"], "hide",
                                keywords_attributes=[{"keyword": word}])
    root = author.api.status_post("a thread")
    hidden = author.api.status_post(f"the {word} reply @{reader.username}",
                                    in_reply_to_id=root["id"])
    shown = author.api.status_post("a visible reply", in_reply_to_id=root["id"])
    assert eventually(lambda: shown["id"] in ids(reader.api.timeline_home()))
    assert hidden["id"] not in ids(reader.api.timeline_home())
    assert hidden["id"] not in ids(reader.api.account_statuses(author.id))
    assert ids(reader.api.status_context(root["id"])["descendants"]) == [shown["id"]]
    assert reader.api.notifications() == []  # the mention is about a hidden post
    assert reader.api.status(hidden["id"])["id"] == hidden["id"]  # a direct look shows it
    assert len(author.api.status_context(root["id"])["descendants"]) == 2


def test_filter_on_one_status_and_expiry(clients: Clients) -> None:
    reader, author = clients.new_user("flts"), clients.new_user("fltsa")
    post = author.api.status_post("a perfectly ordinary post")
    created = reader.api.create_filter_v2("This one", ["public"], "warn")
    reader.api.add_filter_status_v2(created["id"], post["id"])
    [result] = by_id(reader.api.timeline_public(limit=40), post["id"])["filtered"]
    assert result["status_matches"] == [post["id"]] and result["keyword_matches"] == []
    reader.api.update_filter_v2(created["id"], expires_in=1)
    assert eventually(
        lambda: by_id(reader.api.timeline_public(limit=40), post["id"])["filtered"] == [])
    assert reader.api.filter_v2(created["id"])["expires_at"] is not None  # still listed


def test_filter_bad_input(clients: Clients, http: httpx.Client) -> None:
    user, other = clients.new_user("fltbad"), clients.new_user("fltbad")
    auth = bearer(user)
    for body in ({"context": ["home"]}, {"title": "x"}, {"title": "", "context": ["home"]},
                 {"title": "x", "context": []}, {"title": "x", "context": ["nowhere"]},
                 {"title": "x", "context": ["home"], "filter_action": "explode"},
                 {"title": "x", "context": ["home"], "expires_in": "soon"},
                 {"title": "x", "context": ["home"], "expires_in": -5},
                 {"title": "x" * 300, "context": ["home"]},
                 {"title": "x", "context": ["home"], "keywords_attributes": [{"keyword": ""}]},
                 {"title": "x", "context": ["home"],
                  "keywords_attributes": [{"keyword": "k" * 300}]},
                 {"title": "x", "context": "home", "keywords_attributes": "nope"}):
        response = http.post("/api/v2/filters", json=body, headers=auth)
        assert response.status_code == 422, (body, response.text)
        assert "error" in response.json()
    assert http.post("/api/v2/filters", json={"title": "x", "context": ["home"],
                                              "keywords_attributes": [{"id": "1"}]},
                     headers=auth).status_code == 404
    assert user.api.filters_v2() == []
    for path in ("/api/v2/filters/abc", "/api/v2/filters/999999",
                 "/api/v2/filters/keywords/999", "/api/v2/filters/statuses/999",
                 "/api/v2/filters/123/keywords", "/api/v2/filters/123/statuses"):
        assert http.get(path, headers=auth).status_code == 404, path
    mine = user.api.create_filter_v2("Mine", ["home"], "warn")
    assert http.post(f"/api/v2/filters/{mine['id']}/keywords", json={"keyword": " "},
                     headers=auth).status_code == 422
    assert http.post(f"/api/v2/filters/{mine['id']}/statuses", json={"status_id": "12345"},
                     headers=auth).status_code == 404
    assert http.post(f"/api/v2/filters/{mine['id']}/statuses", json={},
                     headers=auth).status_code == 422
    private = other.api.status_post("not for you", visibility="private")
    assert http.post(f"/api/v2/filters/{mine['id']}/statuses",
                     json={"status_id": private["id"]}, headers=auth).status_code == 404
    assert http.get("/api/v2/filters").status_code == 401
    reader = clients.mastodon()
    reader.log_in(username=f"{user.username}@example.com", password=user.password,
                  scopes=["read"], allow_http=True)
    with pytest.raises(MastodonError):
        reader.create_filter_v2("x", ["home"], "warn")
    assert ids(reader.filters_v2()) == [mine["id"]]
