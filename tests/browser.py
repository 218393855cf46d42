"""Headless Chromium with the network cut off, for tests that open local HTML files.

Uses Debian's ``chromium`` and ``chromium-driver`` packages (``.ci/run`` installs them)
through selenium, with explicit paths so that selenium never looks for or downloads a
driver. Networking is blocked three ways: every request (loopback included) goes to a
proxy on the discard port that nothing serves, DevTools emulates an offline network, and
Chromium's own background traffic is switched off.

Example::

    with OfflineBrowser() as browser:
        page = browser.open(Path("figures/topic_map.html"))
        page.circles, page.severe, page.network_requests
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

#: One circle per topic: LDAvis draws them with class "dot" inside the group
#: ``#<div id>-leftpanel``; the three size-guide circles there have classes circleGuide*.
TOPIC_CIRCLES = "g[id$='-leftpanel'] circle.dot"

FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-domain-reliability",
    "--metrics-recording-only",
    "--allow-file-access-from-files",
    # every request goes through a proxy nobody serves; "<-loopback>" removes the implicit
    # bypass of localhost, so even loopback requests fail
    "--proxy-server=127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
]


class BrowserUnavailable(RuntimeError):
    """Chromium or chromedriver is not installed (or does not start)."""


def missing() -> str | None:
    """Why the browser cannot run here, or None when it can."""
    absent = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if absent:
        return f"not installed: {', '.join(absent)} (Debian packages chromium and chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "the selenium package is not installed"
    return None


@dataclass
class PageReport:
    """What a page did after loading."""

    url: str
    title: str
    #: ``driver.get_log("browser")`` entries: dicts with level, message, source, timestamp
    console: list[dict]
    #: number of LDAvis topic circles (all maps on the page)
    circles: int
    #: ids of the LDAvis maps (divs holding an svg) on the page
    maps: list[str]
    #: URLs of every request the page made that was not file: or data:
    network_requests: list[str] = field(default_factory=list)
    #: (url, error) of requests that failed
    failed_requests: list[tuple[str, str]] = field(default_factory=list)

    @property
    def severe(self) -> list[dict]:
        """Console entries of level SEVERE (errors)."""
        return [entry for entry in self.console if entry.get("level") == "SEVERE"]


class OfflineBrowser:
    """A headless Chromium session without network. Use as a context manager.

    Parameters
    ----------
    width, height : int
        Window size in pixels (screenshots have this size).
    """

    def __init__(self, width: int = 1400, height: int = 1000):
        reason = missing()
        if reason:
            raise BrowserUnavailable(reason)
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service

        self._profile = tempfile.mkdtemp(prefix="zhtopics-chromium-")
        options = Options()
        options.binary_location = str(CHROMIUM)
        for flag in FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={self._profile}")
        options.add_argument(f"--window-size={width},{height}")
        options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
        service = Service(executable_path=str(CHROMEDRIVER))
        try:
            self.driver = webdriver.Chrome(service=service, options=options)
        except Exception as error:
            shutil.rmtree(self._profile, ignore_errors=True)
            raise BrowserUnavailable(f"chromium did not start: {str(error).splitlines()[0]}") from error
        self.driver.set_page_load_timeout(30)
        self.driver.execute_cdp_cmd("Network.enable", {})
        self.driver.execute_cdp_cmd(
            "Network.emulateNetworkConditions",
            {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
        )

    def __enter__(self) -> OfflineBrowser:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self._profile, ignore_errors=True)

    def _drain_logs(self) -> None:
        for kind in ("browser", "performance"):
            self.driver.get_log(kind)

    def open(self, path: Path, *, expect_maps: int = 1, timeout: float = 10.0) -> PageReport:
        """Load a local file and wait until ``expect_maps`` LDAvis maps are drawn (or timeout).

        Parameters
        ----------
        path : Path
            The HTML file.
        expect_maps : int
            How many maps to wait for (0: just load the page).
        timeout : float
            Seconds to wait for the maps.
        """
        self._drain_logs()
        url = Path(path).resolve().as_uri()
        self.driver.get(url)
        deadline = time.monotonic() + timeout
        while expect_maps and time.monotonic() < deadline:
            if len(self._maps()) >= expect_maps:
                break
            time.sleep(0.05)
        time.sleep(0.2)  # let late console messages arrive
        return self.report()

    def _maps(self) -> list[str]:
        return self.driver.execute_script(
            "return Array.from(document.querySelectorAll(\"g[id$='-leftpanel']\"))"
            ".map(function (g) { return g.id.replace(/-leftpanel$/, ''); });"
        )

    def count(self, selector: str) -> int:
        """Number of elements matching a CSS selector."""
        return int(self.driver.execute_script("return document.querySelectorAll(arguments[0]).length;", selector))

    def script(self, code: str, *args):
        """Run JavaScript in the page and return its result."""
        return self.driver.execute_script(code, *args)

    def alert_text(self) -> str | None:
        """The text of an open alert/confirm/prompt dialog (dismissed), or None when none is open."""
        from selenium.common.exceptions import NoAlertPresentException

        try:
            alert = self.driver.switch_to.alert
            text = alert.text
        except NoAlertPresentException:
            return None
        alert.dismiss()
        return text

    def text(self, selector: str = "body") -> str:
        """The rendered text (``innerText``) of every element matching ``selector``, joined by newlines."""
        return self.driver.execute_script(
            "return Array.from(document.querySelectorAll(arguments[0]))"
            ".map(function (e) { return e.innerText; }).join('\\n');",
            selector,
        )

    def handler_attributes(self) -> list[str]:
        """Elements of the live document that carry an inline event handler (``on...=``) or a
        ``javascript:`` URL, as the start of their markup: what injected HTML would leave."""
        return self.driver.execute_script(
            "return Array.from(document.querySelectorAll('*')).filter(function (e) {"
            "  return Array.from(e.attributes).some(function (a) {"
            "    return /^on/i.test(a.name) || /^\\s*(javascript|vbscript):/i.test(a.value); });"
            "}).map(function (e) { return e.outerHTML.slice(0, 120); });"
        )

    def report(self) -> PageReport:
        """Console messages, circles and requests since the last :meth:`open`."""
        console = self.driver.get_log("browser")
        requests, failed = [], []
        urls: dict[str, str] = {}
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            params = message.get("params", {})
            if message["method"] == "Network.requestWillBeSent":
                request_url = params["request"]["url"]
                urls[params["requestId"]] = request_url
                if not request_url.startswith(("file:", "data:")):
                    requests.append(request_url)
            elif message["method"] == "Network.loadingFailed":
                failed.append((urls.get(params["requestId"], "?"), params.get("errorText", "")))
        return PageReport(
            url=self.driver.current_url,
            title=self.driver.title,
            console=console,
            circles=self.count(TOPIC_CIRCLES),
            maps=self._maps(),
            network_requests=requests,
            failed_requests=failed,
        )

    def screenshot(self, png: Path, *, full_page: bool = True) -> Path:
        """Save the current page as PNG (the whole page when ``full_page``)."""
        png = Path(png)
        if full_page:
            size = self.driver.execute_script(
                "return [document.documentElement.scrollWidth, document.documentElement.scrollHeight];"
            )
            self.driver.execute_cdp_cmd(
                "Emulation.setDeviceMetricsOverride",
                {"width": int(size[0]), "height": int(size[1]), "deviceScaleFactor": 1, "mobile": False},
            )
        try:
            png.write_bytes(self.driver.get_screenshot_as_png())
        finally:
            if full_page:
                self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        return png


def open_offline(path: Path, *, expect_maps: int = 1) -> PageReport:
    """Open one file in a fresh offline browser and report on it."""
    with OfflineBrowser() as browser:
        return browser.open(path, expect_maps=expect_maps)


def screenshot(path: Path, png: Path, *, expect_maps: int = 1, width: int = 1400, height: int = 1000) -> Path:
    """Open a local file offline and save a full-page screenshot to ``png``."""
    with OfflineBrowser(width, height) as browser:
        browser.open(path, expect_maps=expect_maps)
        return browser.screenshot(png)


def ci_requires_browser() -> bool:
    """True on CI (``CI=true``), where a missing browser is a failure, not a skip."""
    return os.environ.get("CI", "").lower() == "true"
