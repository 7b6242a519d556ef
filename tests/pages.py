"""Reading the figures a page shows, as the tests compare them with the API and the exports."""

from __future__ import annotations

from html.parser import HTMLParser


class _TableReader(HTMLParser):
    """The data-value of every cell of the table with the given id, row by row."""

    def __init__(self, table_id: str):
        super().__init__()
        self.table_id, self.inside, self.rows, self.row = table_id, False, [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id") == self.table_id:
            self.inside = True
        elif self.inside and tag == "tr" and "data-row" in attrs:
            self.row = [attrs["data-row"]]
            self.rows.append(self.row)
        elif self.inside and tag == "td" and self.row is not None and "data-value" in attrs:
            self.row.append(attrs["data-value"])

    def handle_endtag(self, tag):
        if tag == "table":
            self.inside = False


def page_cells(html: str, table_id: str = "evidence-table") -> list[list[str]]:
    """Each row of the table (the cost evidence's, unless named) as its data-row then its cells'
    data-values."""
    reader = _TableReader(table_id)
    reader.feed(html)
    return reader.rows
