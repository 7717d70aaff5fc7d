"""Reading figures off what people get: the dashboard's tiles and chart tables parsed out of
its HTML, the API's JSON, the rows of a downloaded CSV, the outcome view's count."""

import csv
import io
import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.api_helpers import api_client
from tests.page_helpers import page_as

Table = dict[str, list[str]]  # a chart's table: {row heading: [cells after it]}


class _DashboardParser(HTMLParser):
    """Tiles ({key: {"value": text, "note": text}}) and chart tables (data-table=key: their
    headers and rows) out of the rendered dashboard."""

    def __init__(self) -> None:
        super().__init__()
        self.tiles: dict[str, dict[str, str]] = {}
        self.tables: dict[str, dict[str, Any]] = {}
        self._tile: str | None = None
        self._table: str | None = None
        self._part: str | None = None
        self._cells: list[str] | None = None
        self._text: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if "data-tile" in found:
            self._tile = found["data-tile"]
            self.tiles[self._tile] = {"value": "", "note": ""}
        elif self._tile and tag == "span":
            classes = found.get("class") or ""
            self._part = (
                "value" if "tile-figure" in classes else "note" if "note" in classes else None
            )
        if tag == "table" and found.get("data-table"):
            self._table = found["data-table"]
            self.tables[self._table] = {"headers": [], "rows": []}
        elif self._table and tag == "tr":
            self._cells = []
        elif self._cells is not None and tag in ("th", "td"):
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)
        elif self._tile and self._part:
            self.tiles[self._tile][self._part] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "span":
            self._part = None
        elif tag == "div" and self._tile and self._part is None:
            self._tile = None
        elif tag in ("th", "td") and self._text is not None and self._cells is not None:
            self._cells.append("".join(self._text).strip())
            self._text = None
        elif tag == "tr" and self._cells is not None and self._table:
            table = self.tables[self._table]
            (table["rows"] if table["headers"] else table["headers"]).append(self._cells)
            self._cells = None
        elif tag == "table":
            self._table = None


def dashboard_read(html: str) -> tuple[dict[str, dict[str, str]], dict[str, Table]]:
    """The tiles, and each chart table as {row heading: cells} (its headers under "")."""
    parser = _DashboardParser()
    parser.feed(html)
    tables = {}
    for key, table in parser.tables.items():
        rows: Table = {"": table["headers"][0][1:] if table["headers"] else []}
        for row in table["rows"]:
            rows[row[0]] = row[1:]
        tables[key] = rows
    return parser.tiles, tables


def number(text: str) -> int | float | None:
    """A figure as shown: "1,234" -> 1234, "45.3" -> 45.3, "—" -> None."""
    text = text.strip().replace(",", "")
    if text in ("—", ""):
        return None
    return float(text) if "." in text else int(text)


def dashboard_as_shown(client: Any, query: dict[str, str]) -> tuple[dict, dict[str, Table]]:
    url = reverse("dashboard") + ("?" + urlencode(query) if query else "")
    return dashboard_read(page_as(client, "agree-manager", url))


def csv_data_rows(client: Any, kind: str, query: dict[str, str]) -> list[dict[str, str]]:
    """The data rows of an export downloaded as a manager would, by the dashboard's links."""
    client.force_login(_user("agree-manager"))
    response = client.get(reverse("export", args=[kind, "csv"]), query)
    assert response.status_code == 200, (kind, query)
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


def outcome_view_count(client: Any, campaign: int, query: dict[str, str]) -> int:
    """How many letters the campaign's outcome view says it lists with the given filter."""
    url = reverse("campaign_outcomes", args=[campaign]) + "?" + urlencode(query)
    found = re.search(r"([\d,]+) letters?\b", page_as(client, "agree-manager", url))
    assert found, "the outcome view should say how many letters it lists"
    return int(found.group(1).replace(",", ""))


def api_figures(query: dict[str, str]) -> dict[str, Any]:
    response = api_client(_user("agree-manager")).get("/api/v1/figures/", query)
    assert response.status_code == 200, response.content
    return response.json()


def _user(username: str) -> Any:
    return get_user_model().objects.get(username=username)
