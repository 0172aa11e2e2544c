"""The browser harness (tests/browser.py) on trivial pages: each check it offers can also fail.

The browser tests of real pages trust `requests()` to find a page that reaches outside itself and
`console_errors()` to find a script that breaks; these pages show that both do.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported for real by pytest_plugins, which pytest must do first to rewrite its asserts
    from browser import Browser

pytest_plugins = ["browser"]  # the session's `browser` fixture


def page(tmp_path: Path, body: str) -> Path:
    """A minimal HTML file with `body` inside <body>."""
    path = tmp_path / "page.html"
    path.write_text(f"<!doctype html>\n<html><head><title>t</title></head><body>{body}</body></html>\n")
    return path


def test_a_static_page_requests_nothing_and_logs_no_error(browser: Browser, tmp_path: Path) -> None:
    browser.open(page(tmp_path, '<p id="p">hello</p><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'))
    assert browser.find("#p").text == "hello"
    assert browser.requests() == []
    assert browser.console_errors() == []


def test_an_external_image_is_reported_as_a_request(browser: Browser, tmp_path: Path) -> None:
    browser.open(page(tmp_path, '<img src="http://example.invalid/x.png">'))
    assert browser.requests() == ["http://example.invalid/x.png"]


def test_console_error_is_reported(browser: Browser, tmp_path: Path) -> None:
    browser.open(page(tmp_path, '<script>console.log("fine"); console.error("boom");</script>'))
    errors = browser.console_errors()
    assert len(errors) == 1 and '"boom"' in errors[0], errors


def test_an_uncaught_exception_is_reported_as_a_console_error(browser: Browser, tmp_path: Path) -> None:
    browser.open(page(tmp_path, '<script>throw new Error("kaput");</script>'))
    errors = browser.console_errors()
    assert len(errors) == 1 and "Uncaught Error: kaput" in errors[0], errors


def test_the_load_time_is_positive_seconds(browser: Browser, tmp_path: Path) -> None:
    seconds = browser.open(page(tmp_path, "<p>hello</p>"))
    assert isinstance(seconds, float)
    assert 0 < seconds < 5


def test_open_forgets_the_previous_page(browser: Browser, tmp_path: Path) -> None:
    browser.open(page(tmp_path, '<img src="http://example.invalid/y.png"><script>console.error("x")</script>'))
    assert browser.requests() and browser.console_errors()
    (tmp_path / "clean").mkdir()
    browser.open(page(tmp_path / "clean", "<p>clean</p>"))
    assert browser.requests() == [] and browser.console_errors() == []


def test_the_page_can_be_driven(browser: Browser, tmp_path: Path) -> None:
    body = """<button id="b">b</button><p id="out"></p><p class="x">1</p><p class="x">2</p>
    <script>
    const out = document.getElementById("out");
    document.getElementById("b").addEventListener("click", () => { out.textContent = "clicked"; });
    document.addEventListener("keydown", (e) => { out.textContent = "key " + e.key; });
    </script>"""
    browser.open(page(tmp_path, body))
    assert browser.js("return [window.innerWidth, window.outerHeight]") == [1400, 900]
    assert [p.text for p in browser.find_all(".x")] == ["1", "2"]
    browser.click("#b")
    assert browser.find("#out").text == "clicked"
    browser.key("j")
    assert browser.js("return arguments[0].textContent", browser.find("#out")) == "key j"
    browser.screenshot(tmp_path / "shot.png")
    assert (tmp_path / "shot.png").read_bytes().startswith(b"\x89PNG")
