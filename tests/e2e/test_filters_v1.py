"""v1 filter writes (POST/PUT/DELETE /api/v1/filters) through Mastodon.py, mapped onto the
v2 filters as Mastodon maps them: a phrase is a filter titled with it holding it as its one
keyword, `irreversible` is the hide action, a v1 id is the keyword's."""

from __future__ import annotations

import httpx
import pytest
from mastodon import MastodonAPIError, MastodonNotFoundError

from parley.lib.ids import new_id
from support.clients import Clients, TestUser, eventually


def bearer(user: TestUser) -> dict[str, str]:
    return {"Authorization": f"Bearer {user.api.access_token}"}


def test_v1_filter_writes_are_v2_filters(clients: Clients, http: httpx.Client) -> None:
    user = clients.new_user("fv1")
    made = user.api.filter_create("Spoilers", ["home", "public"], irreversible=False,
                                  whole_word=True, expires_in=3600)
    assert made["phrase"] == "Spoilers" and made["context"] == ["home", "public"]
    assert made["irreversible"] is False and made["whole_word"] is True
    assert made["expires_at"] is not None
    [v2] = user.api.filters_v2()
    assert v2["title"] == "Spoilers" and v2["filter_action"] == "warn"
    assert [(k["id"], k["keyword"]) for k in v2["keywords"]] == [(made["id"], "Spoilers")]
    assert [f["id"] for f in user.api.filters()] == [made["id"]]
    # PUT changes the keyword and its filter (not the title, as in Mastodon).
    changed = user.api.filter_update(made["id"], phrase="Leaks", context=["notifications"],
                                     irreversible=True, whole_word=False)
    assert changed["phrase"] == "Leaks" and changed["context"] == ["notifications"]
    assert changed["irreversible"] is True and changed["whole_word"] is False
    [v2] = user.api.filters_v2()
    assert v2["filter_action"] == "hide" and v2["context"] == ["notifications"]
    assert user.api.filter(made["id"])["phrase"] == "Leaks"
    response = http.put(f"/api/v1/filters/{made['id']}", headers=bearer(user),
                        data={"expires_in": ""})
    assert response.status_code == 200 and response.json()["expires_at"] is None
    # A filter with more keywords: its settings are no longer one phrase's to change.
    user.api.add_filter_keyword_v2(v2["id"], "Rumours")
    with pytest.raises(MastodonAPIError) as refused:
        user.api.filter_update(made["id"], context=["home"])
    assert refused.value.args[1] == 422 and "more than one filter keyword" in str(refused.value)
    assert user.api.filter_update(made["id"], phrase="Leak")["phrase"] == "Leak"
    # DELETE takes the keyword; the filter keeps the other one.
    user.api.filter_delete(made["id"])
    with pytest.raises(MastodonNotFoundError):
        user.api.filter(made["id"])
    [v2] = user.api.filters_v2()
    assert [k["keyword"] for k in v2["keywords"]] == ["Rumours"]
    assert [f["phrase"] for f in user.api.filters()] == ["Rumours"]


def test_v1_filter_applies_and_refuses_bad_input(clients: Clients, http: httpx.Client
                                                 ) -> None:
    reader, author = clients.new_user("fv1r"), clients.new_user("fv1a")
    reader.api.account_follow(author.id)
    word = f"hidden{new_id()}"
    reader.api.filter_create(word, ["home"], irreversible=True)
    hidden = author.api.status_post(f"a {word} post")
    shown = author.api.status_post("a plain post")
    assert eventually(lambda: shown["id"] in [s["id"] for s in reader.api.timeline_home()])
    assert hidden["id"] not in [s["id"] for s in reader.api.timeline_home()]
    headers = bearer(reader)
    for data in ({"phrase": "x"}, {"phrase": "", "context[]": "home"},
                 {"phrase": "x", "context[]": "nowhere"},
                 {"phrase": "x", "context[]": "home", "expires_in": "soon"}):
        response = http.post("/api/v1/filters", headers=headers, data=data)
        assert response.status_code == 422, data
        assert "error" in response.json()
    assert len(reader.api.filters()) == 1
    other = clients.new_user("fv1o")
    [mine] = reader.api.filters()
    assert http.put(f"/api/v1/filters/{mine['id']}", headers=bearer(other),
                    data={"phrase": "y"}).status_code == 404
    assert http.delete(f"/api/v1/filters/{mine['id']}", headers=bearer(other)).status_code == 404
    assert http.delete("/api/v1/filters/abc", headers=headers).status_code == 404
    assert http.post("/api/v1/filters", data={"phrase": "x",
                                              "context[]": "home"}).status_code == 401
    reading = clients.new_user("fv1ro", scopes=["read"])
    assert http.post("/api/v1/filters", headers=bearer(reading),
                     data={"phrase": "x", "context[]": "home"}).status_code == 403
