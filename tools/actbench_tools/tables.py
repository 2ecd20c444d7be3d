"""One table model and its three renderings: aligned text, Markdown and HTML.

compare and report build :class:`Table` objects and render them here; nothing else formats a
table. HTML tables are sortable (click a header) and filterable (a box above the table) by the
small script in :data:`TABLE_SCRIPT`, which a page includes once; without it they are plain tables.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

# A cell that is one number (maybe "≤ 6", "12.5%", "0.98x"): right-aligned, sorted by value.
_NUMBER = re.compile(r"^[<>≤≥~]?\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(?:%|x|×)?$")


@dataclass(frozen=True)
class Cell:
    """A cell with more than text: a CSS class (pass, fail, expected, suspect, warn, num), a
    numeric sort key for the HTML table, and a tooltip."""

    text: str
    cls: str = ""
    sort: float | None = None
    title: str = ""

    def __str__(self) -> str:
        return self.text


CellLike = str | Cell


@dataclass
class Table:
    header: Sequence[str]
    rows: Sequence[Sequence[CellLike]]
    caption: str = ""
    interactive: bool = True  # HTML: sortable and filterable
    classes: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.header)


def text_of(c: CellLike) -> str:
    return c.text if isinstance(c, Cell) else str(c)


def _numeric(text: str) -> float | None:
    m = _NUMBER.match(text.strip())
    return float(m.group(1)) if m else None


# --------------------------------------------------------------------------------------------
# text and Markdown

def render_text(t: Table) -> str:
    cols = [[h] + [text_of(r[i]) for r in t.rows] for i, h in enumerate(t.header)]
    widths = [max(len(x) for x in col) for col in cols]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=False)).rstrip()

    out = [line(list(t.header)), line(["-" * w for w in widths])]
    out += [line([text_of(c) for c in r]) for r in t.rows]
    return "\n".join(out)


def md_escape(s: str) -> str:
    return str(s).replace("|", "\\|").replace("\n", " ")


def render_md(t: Table) -> str:
    if not t.header:
        return ""
    head = [h or " " for h in t.header]
    lines = ["| " + " | ".join(md_escape(h) for h in head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(md_escape(text_of(c)) for c in r) + " |" for r in t.rows]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# HTML

def _td(c: CellLike) -> str:
    cell = c if isinstance(c, Cell) else Cell(str(c))
    attrs = []
    cls = cell.cls
    value = cell.sort if cell.sort is not None else _numeric(cell.text)
    if not cls and _numeric(cell.text) is not None:
        cls = "num"
    if cls:
        attrs.append(f'class="{cls}"')
    if value is not None:
        attrs.append(f'data-v="{value!r}"')
    if cell.title:
        attrs.append(f'title="{html.escape(cell.title)}"')
    return f"<td{' ' if attrs else ''}{' '.join(attrs)}>{html.escape(cell.text)}</td>"


def render_html(t: Table, table_id: str = "") -> str:
    if not t.header:
        return f"<p>{html.escape(t.caption)}</p>" if t.caption else ""
    classes = list(t.classes) + (["data"] if t.interactive and t.rows else [])
    attrs = (f' id="{table_id}"' if table_id else "") + (f' class="{" ".join(classes)}"' if classes else "")
    parts = [f"<table{attrs}>"]
    if t.caption:
        parts.append(f"<caption>{html.escape(t.caption)}</caption>")
    if any(t.header):
        parts.append("<thead><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in t.header) + "</tr></thead>")
    parts.append("<tbody>")
    for r in t.rows:
        parts.append("<tr>" + "".join(_td(c) for c in r) + "</tr>")
    parts.append("</tbody></table>")
    return "\n".join(parts)


#: Sorting and filtering for every `table.data` (inline; the page loads nothing).
TABLE_SCRIPT = """
(function () {
  function key(td) {
    if (!td) return "";
    var v = td.getAttribute("data-v");
    return v === null ? td.textContent.trim().toLowerCase() : parseFloat(v);
  }
  function cmp(a, b) {
    var an = typeof a === "number", bn = typeof b === "number";
    if (an && bn) return a - b;
    if (an) return -1;
    if (bn) return 1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  function sortBy(table, col, th) {
    var body = table.tBodies[0];
    var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (r1, r2) { return dir * cmp(key(r1.cells[col]), key(r2.cells[col])); });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  function filter(table, text, counter) {
    var terms = text.toLowerCase().split(/\\s+/).filter(Boolean), shown = 0;
    Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
      var t = r.textContent.toLowerCase();
      var ok = terms.every(function (w) { return t.indexOf(w) >= 0; });
      r.hidden = !ok;
      if (ok) shown++;
    });
    counter.textContent = shown + " of " + table.tBodies[0].rows.length + " rows";
  }
  document.querySelectorAll("table.data").forEach(function (table) {
    if (!table.tHead) return;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
      th.classList.add("sortable");
      th.title = "click to sort";
      th.addEventListener("click", function () { sortBy(table, col, th); });
    });
    if (table.tBodies[0].rows.length < 8) return;
    var box = document.createElement("div"), input = document.createElement("input"),
        counter = document.createElement("span");
    box.className = "filter";
    input.type = "search";
    input.placeholder = "filter rows (words, all must match)";
    input.setAttribute("aria-label", "filter the rows of the table below");
    input.addEventListener("input", function () { filter(table, input.value, counter); });
    box.appendChild(input);
    box.appendChild(counter);
    table.parentNode.insertBefore(box, table);
    filter(table, "", counter);
  });
})();
"""
