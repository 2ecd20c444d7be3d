"""The HTML page as a person sees it: rendered by headless Chromium (Debian package `chromium`),
offline, from fixture reports. A probe script added to a copy of the page reports what the
browser laid out (the headline's place on the first screen, the figures loaded, the tables sorting
and filtering); a screenshot shows the first screen.

Set ACTBENCH_ARTIFACTS=DIR to keep the screenshot and the DOM dump (DIR/report-first-screen.png,
DIR/report-dom.html)."""

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

WIDTH, HEIGHT = 1280, 900

PROBE = """
<script>
window.addEventListener("load", function () {
  var out = {};
  var h = document.getElementById("headline");
  var r = h.getBoundingClientRect(), t = h.querySelector("table").getBoundingClientRect();
  var style = getComputedStyle(h);
  out.headline = {top: r.top, tableTop: t.top, tableBottom: t.bottom, height: r.height,
                  visible: style.display !== "none" && style.visibility !== "hidden" && r.height > 0,
                  text: h.innerText.slice(0, 1500)};
  out.viewport = {width: window.innerWidth, height: window.innerHeight};
  var firstNav = document.querySelector("nav.toc").getBoundingClientRect();
  out.tocBelowHeadline = firstNav.top >= r.bottom;
  var imgs = Array.prototype.slice.call(document.images);
  out.images = imgs.length;
  out.imagesLoaded = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
  out.imageWidths = imgs.map(function (i) { return Math.round(i.getBoundingClientRect().width); });
  out.resources = performance.getEntriesByType("resource").map(function (e) { return e.name; })
      .filter(function (n) { return n.indexOf("file:") !== 0; });
  // sort the configuration table by its deciding max ULP (click twice: descending)
  var table = Array.prototype.slice.call(document.querySelectorAll("table.data")).filter(function (t) {
    return t.tHead && t.tHead.textContent.indexOf("max ULP (all)") >= 0; })[0];
  var col = Array.prototype.indexOf.call(table.tHead.rows[0].cells,
    Array.prototype.filter.call(table.tHead.rows[0].cells, function (c) {
      return c.textContent === "max ULP (deciding)"; })[0]);
  table.tHead.rows[0].cells[col].click();
  table.tHead.rows[0].cells[col].click();
  var vals = Array.prototype.map.call(table.tBodies[0].rows, function (row) {
    return parseFloat(row.cells[col].getAttribute("data-v")); });
  out.sortedDescending = vals.every(function (v, i) { return i === 0 || vals[i - 1] >= v; });
  out.sortMark = table.tHead.rows[0].cells[col].getAttribute("aria-sort");
  out.firstAfterSort = table.tBodies[0].rows[0].textContent.slice(0, 120);
  var box = table.previousElementSibling.querySelector("input");
  box.value = "textbook f16";
  box.dispatchEvent(new Event("input"));
  var shown = Array.prototype.filter.call(table.tBodies[0].rows, function (row) { return !row.hidden; });
  out.filtered = shown.length;
  out.filteredOk = shown.every(function (row) {
    var t = row.textContent.toLowerCase(); return t.indexOf("textbook") >= 0 && t.indexOf("f16") >= 0; });
  out.counter = table.previousElementSibling.querySelector("span").textContent;
  var pre = document.createElement("pre");
  pre.id = "probe-result";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>
"""


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("headless Chromium is not installed: the Debian package is `chromium` "
                "(apt-get install -y chromium)")


def browser(exe: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
           "--hide-scrollbars", f"--window-size={WIDTH},{HEIGHT}",
           "--host-resolver-rules=MAP * ~NOTFOUND",  # offline: any network name fails
           "--allow-file-access-from-files", *args]
    home = Path(os.environ.get("TMPDIR", "/tmp")) / "actbench-chromium-home"
    home.mkdir(exist_ok=True)
    env = dict(os.environ, HOME=str(home))
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)


@pytest.fixture(scope="module")
def seen(rendered, tmp_path_factory):
    exe = chromium()
    rc, out = rendered
    assert rc == 0
    page = out / "report.html"
    probe = out / "probe.html"
    probe.write_text(page.read_text().replace("</body>", PROBE + "</body>"))
    keep = Path(os.environ["ACTBENCH_ARTIFACTS"]) if os.environ.get("ACTBENCH_ARTIFACTS") else \
        tmp_path_factory.mktemp("browser")
    keep.mkdir(parents=True, exist_ok=True)
    shot = keep / "report-first-screen.png"
    # one browser run: the first screen as a picture and the DOM after the scripts ran (the probe
    # sorts and filters a table inside a closed <details> and appends its result at the end: the
    # first screen is the page's own)
    proc = browser(exe, "--virtual-time-budget=10000", f"--screenshot={shot}", "--dump-dom", probe.as_uri())
    assert proc.returncode == 0 and shot.is_file(), proc.stderr[-2000:]
    (keep / "report-dom.html").write_text(proc.stdout)
    m = re.search(r'<pre id="probe-result">(.*?)</pre>', proc.stdout, re.S)
    assert m, "the probe did not run: " + proc.stdout[-500:]
    result = json.loads(html.unescape(m.group(1)))
    return result, shot, proc.stdout


def test_headline_is_on_the_first_screen(seen):
    result, _, _ = seen
    h = result["headline"]
    screen = result["viewport"]["height"]  # the window less what headless Chromium keeps for itself
    assert result["viewport"]["width"] == WIDTH and screen > 600
    assert h["visible"] and h["top"] < 150 and h["tableBottom"] < screen, h
    assert "in-run copy GB/s" in h["text"] and "gpu-node-1" in h["text"]
    assert result["tocBelowHeadline"]


def test_page_renders_offline_with_every_figure(seen):
    result, _, dom = seen
    assert result["resources"] == []  # nothing but local files
    assert result["images"] >= 9 and result["imagesLoaded"] == result["images"]
    # one figure per row at the page's full width
    assert min(result["imageWidths"]) > 0.8 * min(WIDTH - 60, 1500)
    assert "<script" in dom and '<div class="filter">' in dom  # the table script ran


def test_tables_sort_and_filter_in_the_browser(seen):
    result, _, _ = seen
    assert result["sortedDescending"] and result["sortMark"] == "descending"
    assert "textbook" in result["firstAfterSort"]  # the largest errors are the textbook ones
    assert result["filtered"] > 0 and result["filteredOk"]
    assert re.fullmatch(r"\d+ of \d+ rows", result["counter"])


def test_screenshot_shows_a_page(seen):
    from PIL import Image

    _, shot, _ = seen
    img = Image.open(shot).convert("L")
    assert img.size == (WIDTH, HEIGHT)
    top = img.crop((0, 0, WIDTH, 300))
    lo, hi = top.getextrema()
    assert hi - lo > 100  # text on a background, not a blank or uniform screen
