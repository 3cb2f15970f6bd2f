"""Reading HTML forms in tests: what a browser would submit, without a browser."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

import httpx


@dataclass
class Form:
    """One <form>: its action and the values of its named inputs."""

    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    buttons: dict[str, str] = field(default_factory=dict)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.current: Form | None = None
        self.inputs: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.current = Form(attributes.get("action", ""),
                                attributes.get("method", "get").lower())
            self.forms.append(self.current)
        elif tag == "input":
            value = attributes.get("value", "")
            if attributes.get("id"):
                self.inputs[attributes["id"]] = value
            # A browser submits a checkbox or radio only when it is checked.
            unchecked = (attributes.get("type") in ("checkbox", "radio")
                         and "checked" not in attributes)
            if attributes.get("name") and self.current is not None and not unchecked:
                self.current.fields[attributes["name"]] = value
        elif tag == "button" and attributes.get("name") and self.current is not None:
            self.current.buttons[attributes.get("value", "")] = attributes["name"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.current = None


def forms(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def form(html: str, action: str) -> Form:
    """The form posting to `action` (a path); fails the test if there is none."""
    found = [f for f in forms(html) if f.action == action]
    assert found, f"no form posting to {action} in page:\n{html[:2000]}"
    return found[0]


def input_value(html: str, element_id: str) -> str:
    parser = _FormParser()
    parser.feed(html)
    return parser.inputs[element_id]


def submit(browser: httpx.Client, html: str, action: str, **values: str) -> httpx.Response:
    """Fill in and submit a form as a browser would (hidden fields included)."""
    found = form(html, action)
    return browser.post(action, data={**found.fields, **values})
