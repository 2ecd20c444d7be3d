"""The one table renderer: text, Markdown and HTML from the same Table."""

from actbench_tools.tables import TABLE_SCRIPT, Cell, Table, render_html, render_md, render_text

T = Table(["case", "ULP", "verdict"],
          [["gelu|fwd", Cell("2.5", sort=2.5), Cell("pass", "pass")],
           ["tanh", "≤ 4", Cell("FAIL: 3 over", "fail", title="bound 4 ulp")]],
          caption="a caption")


def test_text_is_aligned():
    lines = render_text(T).splitlines()
    assert lines[0] == "case      ULP  verdict"
    assert lines[1] == "--------  ---  ------------"
    assert lines[3].startswith("tanh      ≤ 4  FAIL")


def test_markdown_escapes_pipes():
    md = render_md(T)
    assert md.splitlines()[0] == "| case | ULP | verdict |"
    assert "gelu\\|fwd" in md


def test_html_cells_carry_class_sort_key_and_title():
    h = render_html(T, "t1")
    assert h.startswith('<table id="t1" class="data">') and "<caption>a caption</caption>" in h
    assert '<td class="num" data-v="2.5">2.5</td>' in h
    assert '<td class="num" data-v="4.0">≤ 4</td>' in h  # a bound reads as a number
    assert '<td class="fail" title="bound 4 ulp">FAIL: 3 over</td>' in h
    assert "<td>gelu|fwd</td>" in h


def test_html_plain_and_empty_tables():
    assert 'class="data"' not in render_html(Table(["a"], [["1"]], interactive=False))
    assert render_html(Table([], [], "nothing")) == "<p>nothing</p>"
    assert "table.data" in TABLE_SCRIPT and "http" not in TABLE_SCRIPT
