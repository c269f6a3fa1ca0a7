"""What the fuzz suite sends to: every route of the URL map, with the fields its forms have.

The fields are read from the pages themselves: every GET page a role can open is
rendered and its <form> elements parsed (stdlib html.parser), so a field added to a
form is fuzzed without anyone listing it here. Each form's action is matched back to
its route; a route no form posts to is still fuzzed, with the query fields all forms
use and no body.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter, Rule

# The map's and the lists' filters are read by views from request.args, not from a
# form on a page (the map page builds its URL in JavaScript): named here so they are fuzzed.
QUERY_FIELDS_WITHOUT_A_FORM = (
    "bbox", "z", "day", "from", "to", "nationality", "permit", "kind", "lodging_type",
    "precision", "region", "layer", "level", "parent", "q", "page", "sort", "order", "format",
)  # fmt: skip


@dataclass
class Target:
    """One route and method, with the fields its forms send and their values on the page."""

    rule: Rule
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.method} {self.rule.rule}"


class _FormParser(HTMLParser):
    """Collect each form's method, action and (name, value) pairs as the page renders them."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, str, list[tuple[str, str]]]] = []
        self._select: str | None = None
        self._select_value: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append((a.get("method", "get").upper(), a.get("action", ""), []))
        elif not self.forms:
            return
        elif tag in ("input", "button") and a.get("name") and a.get("type") != "submit":
            self.forms[-1][2].append((a["name"], a.get("value", "")))
        elif tag == "select" and a.get("name"):
            self._select, self._select_value = a["name"], None
        elif tag == "option" and self._select and self._select_value is None:
            self._select_value = a.get("value", "")
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self.forms[-1][2].append((a["name"], ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select and self.forms:
            self.forms[-1][2].append((self._select, self._select_value or ""))
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def example_url(app: Flask, rule: Rule, ids: int = 1) -> str:
    values = {
        arg: ids if isinstance(rule._converters[arg], IntegerConverter) else "x"
        for arg in rule.arguments
    }
    with app.test_request_context():
        return rule.build(values)[1]


def fuzzable_rules(app: Flask) -> Iterable[tuple[Rule, str]]:
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule, method


def targets_for(app: Flask, client: FlaskClient) -> list[Target]:
    """Render every GET page as the client's user and join each form to its route."""
    targets = {
        (rule.endpoint, method): Target(rule, method) for rule, method in fuzzable_rules(app)
    }
    adapter = app.url_map.bind("localhost")
    for rule, method in fuzzable_rules(app):
        if method != "GET" or rule.endpoint.startswith(("accounts.health", "accounts.ready")):
            continue
        page = example_url(app, rule)
        response = client.get(page)
        if "text/html" not in response.content_type or response.status_code != 200:
            continue
        parser = _FormParser()
        parser.feed(response.get_data(as_text=True))
        for form_method, action, fields in parser.forms:
            url = urlsplit(action or page)
            try:
                endpoint, _ = adapter.match(url.path, method=form_method)
            except HTTPException:
                continue
            target = targets.get((endpoint, form_method))
            if target is None:
                continue
            fields = [*parse_qsl(url.query), *fields]
            known = {name for name, _ in target.fields}
            target.fields += [(n, v) for n, v in fields if n not in known]
    for target in targets.values():
        if target.method == "GET":
            known = {name for name, _ in target.fields}
            target.fields += [(n, "") for n in QUERY_FIELDS_WITHOUT_A_FORM if n not in known]
    return sorted(targets.values(), key=lambda t: t.label)
