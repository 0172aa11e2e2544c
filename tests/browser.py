"""A headless Chromium driven by Selenium, for tests that open a saved, self-contained HTML page.

A test module gets the session-wide `browser` fixture with `pytest_plugins = ["browser"]`, then
calls `browser.open(path)` and checks the page, what it requested and what it logged.

The browser and its driver are the system's (Debian: `apt-get install chromium chromium-driver`),
or the files that CHAINGRAD_CHROMIUM and CHAINGRAD_CHROMEDRIVER name; both paths are given to
Selenium, so Selenium Manager never runs and nothing is downloaded. Without selenium or either file
the tests skip, or fail when CHAINGRAD_REQUIRE_BROWSER=1 (as .ci/run sets, so CI always runs them).
"""

from __future__ import annotations

import importlib.util
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

HAVE_SELENIUM = importlib.util.find_spec("selenium") is not None
if HAVE_SELENIUM or TYPE_CHECKING:  # without selenium, `missing` says so and the fixture skips or fails
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webelement import WebElement
    from selenium.webdriver.support.wait import WebDriverWait

REQUIRE_VAR = "CHAINGRAD_REQUIRE_BROWSER"
CHROMIUM_VAR, CHROMIUM = "CHAINGRAD_CHROMIUM", "/usr/bin/chromium"
CHROMEDRIVER_VAR, CHROMEDRIVER = "CHAINGRAD_CHROMEDRIVER", "/usr/bin/chromedriver"
WINDOW = (1400, 900)
LOAD_TIMEOUT = 30.0  # seconds; a self-contained page loads in well under one

# Headless, and quiet: without the background-networking, component-update and sync switches
# Chromium contacts Google's hosts on its own, which a closed network (and a request log) must not see.
FLAGS = (
    "--headless=new",
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",  # containers often have a tiny /dev/shm
    f"--window-size={WINDOW[0]},{WINDOW[1]}",
)

# Not requests over a network: URLs that the page makes from its own content.
IN_PAGE_SCHEMES = ("data:", "blob:", "about:")

_LOADED = """
const nav = performance.getEntriesByType("navigation")[0];
return document.readyState === "complete" && nav !== undefined && nav.loadEventEnd > 0;
"""
_LOAD_MS = """
const nav = performance.getEntriesByType("navigation")[0];
return nav.loadEventEnd - nav.startTime;
"""


def chromium_path() -> str:
    """The Chromium executable: $CHAINGRAD_CHROMIUM, else Debian's /usr/bin/chromium."""
    return os.environ.get(CHROMIUM_VAR) or CHROMIUM


def chromedriver_path() -> str:
    """The chromedriver executable: $CHAINGRAD_CHROMEDRIVER, else Debian's /usr/bin/chromedriver."""
    return os.environ.get(CHROMEDRIVER_VAR) or CHROMEDRIVER


def missing() -> list[str]:
    """What this machine lacks to run the browser tests, one phrase each (empty: nothing)."""
    absent = []
    if not HAVE_SELENIUM:
        absent.append("the selenium package (pip install -e '.[dev]')")
    for what, path, var in [
        ("Chromium", chromium_path(), CHROMIUM_VAR),
        ("chromedriver", chromedriver_path(), CHROMEDRIVER_VAR),
    ]:
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            absent.append(f"{what} at {path} (apt-get install chromium chromium-driver, or set {var})")
    return absent


class Browser:
    """One Chromium tab: open a local page, then look at it, drive it, and read what it requested and logged."""

    def __init__(self, driver: webdriver.Chrome) -> None:
        self.driver = driver
        self._page_url = ""
        self._requested: list[str] = []  # every URL since the last open, the page's own included
        self._severe: list[str] = []  # console messages of level SEVERE since the last open

    @classmethod
    def start(cls, profile: str) -> Browser:
        """Launch headless Chromium with a fresh profile directory and both logs on."""
        options = webdriver.ChromeOptions()
        options.binary_location = chromium_path()
        for flag in (*FLAGS, f"--user-data-dir={profile}"):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
        options.add_experimental_option("perfLoggingPrefs", {"enableNetwork": True, "enablePage": False})
        driver = webdriver.Chrome(service=Service(executable_path=chromedriver_path()), options=options)
        driver.set_page_load_timeout(LOAD_TIMEOUT)
        return cls(driver)

    def open(self, path: str | os.PathLike[str]) -> float:
        """Load a local file and wait for its load event; return the load time the browser measured, in seconds."""
        # Leave the previous page first, then forget its logs. The first time the tab holds Chromium's
        # New Tab page, which loads hundreds of chrome:// resources that would land in this page's log.
        self.driver.get("about:blank")
        self._collect()
        self._requested, self._severe = [], []
        self._page_url = Path(path).resolve().as_uri()
        self.driver.get(self._page_url)
        WebDriverWait(self.driver, LOAD_TIMEOUT).until(lambda driver: driver.execute_script(_LOADED))
        return float(self.js(_LOAD_MS)) / 1000

    def requests(self) -> list[str]:
        """Every URL the page requested since `open`, in order, but for the page itself and in-page URLs (data:...)."""
        self._collect()
        return [url for url in self._requested if url != self._page_url and not url.startswith(IN_PAGE_SCHEMES)]

    def console_errors(self) -> list[str]:
        """The console messages of level SEVERE since `open`: console.error, uncaught exceptions, failed loads."""
        self._collect()
        return list(self._severe)

    def _collect(self) -> None:
        """Move the driver's new log entries into this page's lists (the driver hands each entry out only once)."""
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                self._requested.append(message["params"]["request"]["url"])
        self._severe += [entry["message"] for entry in self.driver.get_log("browser") if entry["level"] == "SEVERE"]

    def js(self, script: str, *args: Any) -> Any:
        """Run JavaScript in the page (`return` gives a value back); `arguments[i]` are args."""
        return self.driver.execute_script(script, *args)

    def find(self, css: str) -> WebElement:
        """The first element matching a CSS selector (NoSuchElementException if none)."""
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css: str) -> list[WebElement]:
        """Every element matching a CSS selector, in document order."""
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def click(self, css: str) -> None:
        """Click the first element matching a CSS selector."""
        self.find(css).click()

    def key(self, keys: str) -> None:
        """Type keys into the document body (selenium.webdriver.common.keys.Keys for special keys)."""
        self.find("body").send_keys(keys)

    def screenshot(self, path: str | os.PathLike[str]) -> None:
        """Save the visible window as a PNG file."""
        if not self.driver.save_screenshot(os.fspath(path)):
            raise OSError(f"could not write a screenshot to {path}")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole session (each test calls `open` itself); skips without one."""
    absent = missing()
    if absent:
        message = "no browser to test with; missing: " + "; ".join(absent)
        if os.environ.get(REQUIRE_VAR) == "1":
            pytest.fail(f"{message} ({REQUIRE_VAR}=1 requires the browser tests to run)", pytrace=False)
        pytest.skip(message)
    # Chromium may still be writing to its profile as it quits, so leftovers there are not an error.
    with tempfile.TemporaryDirectory(prefix="chaingrad-chromium-", ignore_cleanup_errors=True) as profile:
        chromium = Browser.start(profile)
        try:
            yield chromium
        finally:
            chromium.driver.quit()
