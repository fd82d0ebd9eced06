"""GraphiQL in a browser with no route to the internet: its scripts come from LeafLedger, the
editor renders and runs a query. (With the CDN's assets it would sit on "Loading...".)"""

from __future__ import annotations

import shutil
import urllib.parse

import pytest

from api.graphiql import assets
from tests.support.processes import api_processes

if shutil.which("chromium") is None or shutil.which("chromedriver") is None:
    pytest.skip(
        "needs Debian's chromium and chromium-driver (scripts/bootstrap installs them as root)",
        allow_module_level=True,
    )
if not assets.installed():
    pytest.skip(
        "GraphiQL's assets are not installed: run scripts/bootstrap", allow_module_level=True
    )

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

pytestmark = pytest.mark.slow


def _offline_browser() -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "chromium"
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--window-size=1600,1000",
        # Every host but this machine fails to resolve: a store's locked-down network.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    ):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)


def test_graphiql_renders_and_runs_a_query_without_the_internet():
    browser = _offline_browser()
    try:
        with api_processes(1) as (api,):
            query = urllib.parse.quote("{ me { id } }")
            browser.get(f"{api.http}/graphql?q={query}")
            wait = WebDriverWait(browser, 20, poll_frequency=0.1)
            run = wait.until(lambda b: b.find_elements(By.CSS_SELECTOR, ".graphiql-execute-button"))
            run[0].click()
            wait.until(lambda b: '"me"' in b.find_element(By.CSS_SELECTOR, ".result-window").text)
            loaded = browser.execute_script(
                "return performance.getEntriesByType('resource').map(e => e.name)"
            )
    finally:
        browser.quit()
    assert loaded, "the page loaded no scripts"
    assert all(url.startswith(api.http) for url in loaded), loaded  # nothing from a CDN
