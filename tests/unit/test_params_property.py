"""The parameter parser as a property: whatever a client sends (keys nested past any sense,
unbalanced brackets, huge or malformed bodies in any declared encoding, odd lengths and ids),
parsing either succeeds or fails with an error the one mapping (http/errors.py `failure`)
answers with a 4xx. The request runs through the edge's own hygiene (`capped`) first, as on
a server; every pydantic model of the API validates the result."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import pkgutil
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote, urlencode

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from starlette.requests import Request
from starlette.types import Message

import parley.api
from parley.api.pagination import Page
from parley.api.params import nest_pairs, read_params, validate
from parley.api.v1.account_social import ids_param
from parley.http.errors import failure
from parley.http.hygiene import MAX_BODY, capped, check_depth
from parley.lib.ids import parse_cursor, parse_id

PROPERTY = settings(max_examples=150, deadline=None, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _api_models() -> list[type[BaseModel]]:
    """Every pydantic model the API's modules define: each validates parsed parameters."""
    found: dict[str, type[BaseModel]] = {}
    for info in pkgutil.walk_packages(parley.api.__path__, "parley.api."):
        module = importlib.import_module(info.name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, BaseModel) and value.__module__ == info.name:
                found[f"{info.name}.{value.__name__}"] = value
    return [found[name] for name in sorted(found)]


MODELS = _api_models()


def _fails_as_4xx(run: Callable[[], Any]) -> None:
    try:
        run()
    except Exception as exc:
        status, _ = failure(exc)
        assert 400 <= status < 500, f"{type(exc).__name__}: {exc!r}"[:500]


async def _fails_as_4xx_async(run: Callable[[], Awaitable[Any]]) -> None:
    try:
        await run()
    except Exception as exc:
        status, _ = failure(exc)
        assert 400 <= status < 500, f"{type(exc).__name__}: {exc!r}"[:500]


# Keys: the names routes read, bracket pieces in any order (balanced or not), and nesting far
# past the limit.
NAMES = st.sampled_from(["limit", "max_id", "since_id", "min_id", "id", "id[]", "offset", "q",
                         "types[]", "status", "poll[options][]", "source[privacy]"])
_PIECES = st.sampled_from(["a", "b", "[", "]", "[]", "[a]", "[0]", "[[", "]]", "%5B", "\x00",
                           "é", "³", " ", "=", "&", ""])
KEYS = st.one_of(
    NAMES,
    st.lists(_PIECES, max_size=30).map("".join),
    st.integers(0, 3000).map(lambda depth: "limit" + "[a]" * depth),
    st.integers(0, 3000).map(lambda depth: "types" + "[]" * depth),
    st.text(max_size=50),
)
VALUES = st.one_of(st.text(max_size=50), st.sampled_from(
    ["", "1", "-1", "-³", str(2**63), str(2**64), "9" * 400, "9" * 5000, "³", "\uff11\uff12",
     "1e308", "true", "null", "[]"]))
PAIRS = st.lists(st.tuples(KEYS, VALUES), max_size=12)

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=40)
JSON_BODIES = st.one_of(
    JSON_VALUES.map(orjson.dumps),
    st.dictionaries(KEYS, JSON_VALUES, max_size=6).map(orjson.dumps),
    st.integers(1, 5000).map(lambda depth: b'{"a": ' + b"[" * depth + b"]" * depth + b"}"),
    st.integers(1, 5000).map(lambda depth: b'{"a": ' * depth + b"1" + b"}" * depth),
    st.just(b'{"a": ' + b"9" * 5000 + b"}"),
    st.binary(max_size=200),
)
FORM_BODIES = st.one_of(PAIRS.map(lambda pairs: urlencode(pairs).encode()),
                        st.binary(max_size=200))
MULTIPART_BODIES = st.one_of(
    PAIRS.map(lambda pairs: b"".join(
        b'--xyz\r\nContent-Disposition: form-data; name="' + quote(key).encode()
        + b'"\r\n\r\n' + value.encode() + b"\r\n" for key, value in pairs) + b"--xyz--\r\n"),
    st.binary(max_size=200))
ENCODED = st.one_of(
    st.tuples(st.sampled_from(["application/json", "application/json; charset=utf-8",
                               "APPLICATION/JSON"]), JSON_BODIES),
    st.tuples(st.just("application/x-www-form-urlencoded"), FORM_BODIES),
    st.tuples(st.sampled_from(["multipart/form-data; boundary=xyz", "multipart/form-data",
                               "multipart/form-data; boundary=",
                               "multipart/form-data; boundary=a"]), MULTIPART_BODIES),
    st.tuples(st.text(max_size=30), st.binary(max_size=100)),
)
# What the request says its length is: honest, absent, lies, and not numbers at all.
LENGTHS = st.one_of(st.none(), st.just("honest"), st.sampled_from(
    ["0", "-1", "abc", "١٢٣", str(MAX_BODY + 1), str(2**70), " 12", "1e3"]))
QUERIES = st.one_of(PAIRS.map(lambda pairs: urlencode(pairs).encode()), st.binary(max_size=200))


def _request(method: str, query: bytes, content_type: str | None, body: bytes,
             length: str | None, chunk: int) -> Request:
    """A request as the server hands it to a route, its body read through the edge's cap."""
    headers = [] if content_type is None else [(b"content-type", content_type.encode())]
    if length is not None:
        value = str(len(body)) if length == "honest" else length
        headers.append((b"content-length", value.encode()))
    scope = {"type": "http", "method": method, "path": "/api/v1/statuses", "headers": headers,
             "query_string": query, "scheme": "http", "server": ("127.0.0.1", 80),
             "root_path": ""}
    pieces = [body[start:start + chunk] for start in range(0, len(body), chunk)] or [b""]
    messages: list[Message] = [{"type": "http.request", "body": piece,
                                "more_body": index < len(pieces) - 1}
                               for index, piece in enumerate(pieces)]

    async def receive() -> Message:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    return Request(scope, capped(scope, receive, MAX_BODY))


async def _parse_everywhere(request: Request, models: list[type[BaseModel]]) -> None:
    params = await read_params(request)
    for model in models:
        _fails_as_4xx(lambda model=model: validate(model, params))  # type: ignore[misc]


@PROPERTY
@given(pairs=PAIRS)
def test_nesting_form_keys_fails_only_as_4xx(pairs: list[tuple[str, str]]) -> None:
    _fails_as_4xx(lambda: nest_pairs(pairs))


@PROPERTY
@given(value=JSON_VALUES, depth=st.integers(0, 20_000))
def test_depth_check_fails_only_as_4xx(value: Any, depth: int) -> None:
    nested: Any = value
    for _ in range(min(depth, 20_000)):
        nested = [nested]
    _fails_as_4xx(lambda: check_depth(nested))


@PROPERTY
@given(query=QUERIES, models=st.lists(st.sampled_from(MODELS), max_size=4))
def test_query_strings_fail_only_as_4xx(query: bytes, models: list[type[BaseModel]]) -> None:
    request = _request("GET", query, None, b"", None, 1)

    async def run() -> None:
        await _parse_everywhere(request, models)
        Page.from_request(request)
        await ids_param(request)

    asyncio.run(_fails_as_4xx_async(run))


@PROPERTY
@given(query=QUERIES, encoded=ENCODED, length=LENGTHS, chunk=st.integers(1, 64),
       method=st.sampled_from(["POST", "PUT", "PATCH", "DELETE"]),
       models=st.lists(st.sampled_from(MODELS), max_size=4))
def test_bodies_fail_only_as_4xx(query: bytes, encoded: tuple[str, bytes], length: str | None,
                                 chunk: int, method: str, models: list[type[BaseModel]]) -> None:
    content_type, body = encoded
    request = _request(method, query, content_type, body, length, chunk)
    asyncio.run(_fails_as_4xx_async(lambda: _parse_everywhere(request, models)))


def test_a_huge_body_fails_as_413() -> None:
    body = b"a=" + b"x" * (MAX_BODY + 10)
    request = _request("POST", b"", "application/x-www-form-urlencoded", body, None, 65_536)
    try:
        asyncio.run(read_params(request))
    except Exception as exc:
        assert failure(exc)[0] == 413
    else:
        raise AssertionError("a body past the cap was read")


@PROPERTY
@given(raw=st.one_of(st.none(), VALUES, st.text(max_size=30)))
def test_ids_parse_or_are_nothing(raw: str | None) -> None:
    for parsed in (parse_id(raw), parse_cursor(raw)):
        assert parsed is None or 0 <= parsed < 2**63
