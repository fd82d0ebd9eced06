"""The floor display page in a real browser (Debian's Chromium, headless): it shows the floor,
follows a restock made through the API, recovers from an API restart with what changed while
it was down, and shows an error, never stock, for a wrong or revoked key.

A screenshot of the page is saved under ``artifacts/`` (not committed) for a person to look at.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest

from domain.demo.sites import ADMIN, CA
from domain.demo.sites import PASSWORD as DEMO_PASSWORD
from domain.identity import api_keys
from domain.inventory import stock
from domain.organisation.model import ZoneKind
from domain.roles import Role
from tests.api.queries import TRANSFER, transfer_input
from tests.conftest import TEST_DATABASE_URL
from tests.support.processes import api_processes, free_port
from tests.support.units import new_uow

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
# Revocation must show at the next load, not after the auth cache's few seconds.
ENV = {"LEAFLEDGER_AUTH_CACHE_SECONDS": "0"}

if shutil.which("chromium") is None or shutil.which("chromedriver") is None:
    pytest.skip(
        "needs Debian's chromium and chromium-driver (scripts/bootstrap installs them as root)",
        allow_module_level=True,
    )

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1920,1080"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    try:
        yield driver
    finally:
        driver.quit()


async def _display_key(world) -> tuple[int, str]:
    created = await api_keys.create(
        new_uow(),
        world.as_(Role.ADMIN),
        api_keys.CreateApiKey(
            name="Floor TV",
            scopes=frozenset({api_keys.Scope.READ_FLOOR_STOCK}),
            location_ids=frozenset({world.ca.location_id}),
        ),
    )
    return created.key_id, created.secret


def _row(browser: webdriver.Chrome) -> str:
    # Read in one script: the page replaces its rows on every update, so an element found in
    # one call can be gone by the next (a stale reference).
    return browser.execute_script(
        "return [...document.querySelectorAll('#board li')]"
        ".map(li => li.innerText.replaceAll('\\n', ' ')).join(' | ')"
    )


def _state(browser: webdriver.Chrome) -> str | None:
    return browser.find_element(By.ID, "connection").get_attribute("data-state")


def _wait_for(browser: webdriver.Chrome, predicate, seconds: float = 10) -> float:
    """Seconds until ``predicate(browser)`` held (the page's own updates, not a fixed sleep)."""
    started = time.monotonic()
    WebDriverWait(
        browser, seconds, poll_frequency=0.05, ignored_exceptions=(StaleElementReferenceException,)
    ).until(predicate)
    return time.monotonic() - started


def _restock(base: str, world, grams: str) -> None:
    token = world.ca.token(Role.INVENTORY_LEAD)
    answer = httpx.post(
        f"{base}/graphql",
        json={"query": TRANSFER, "variables": {"input": transfer_input(world, grams)}},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.json()["data"]["transferStock"]["__typename"] == "StockMovedPayload"


async def test_the_display_follows_the_floor_through_a_restock_and_an_api_restart(world, browser):
    _, key = await _display_key(world)
    port = free_port()
    page = f"http://127.0.0.1:{port}/display/{world.ca.location_id}?key={key}"
    with api_processes(1, ENV, ports=[port]) as (api,):
        browser.get(page)
        _wait_for(browser, lambda b: "Sold out" in _row(b))  # all 10 g still in the vault
        assert browser.find_element(By.ID, "error").is_displayed() is False
        _wait_for(
            browser,
            lambda b: _state(b) == "live",
        )
        _restock(api.http, world, "2")
        seen_after = _wait_for(browser, lambda b: "2g" in _row(b) and "Sold out" not in _row(b))
        ARTIFACTS.mkdir(exist_ok=True)
        browser.save_screenshot(str(ARTIFACTS / "floor-display.png"))
    # The API is down: the page says so rather than pretending to be live.
    _wait_for(
        browser,
        lambda b: _state(b) == "reconnecting",
    )
    await stock.transfer_stock(  # a restock while the page cannot hear about it
        new_uow(),
        world.as_(Role.INVENTORY_LEAD),
        stock.TransferStock(
            world.ca.location_id,
            world.tag,
            world.ca.zone(ZoneKind.VAULT),
            world.ca.zone(ZoneKind.SALES_FLOOR),
            Decimal(3),
        ),
    )
    with api_processes(1, ENV, ports=[port]):
        _wait_for(browser, lambda b: "5g" in _row(b), seconds=30)  # backoff, then a refetch
        _wait_for(
            browser,
            lambda b: _state(b) == "live",
        )
    print(f"restock seen on the page {seen_after * 1000:.0f} ms after the mutation answered")


async def test_a_wrong_or_revoked_key_shows_an_error_and_no_stock(world, browser):
    key_id, key = await _display_key(world)
    with api_processes(1, ENV) as (api,):
        base = f"{api.http}/display/{world.ca.location_id}"
        browser.get(f"{base}?key=not-a-key")
        _wait_for(browser, lambda b: b.find_element(By.ID, "error").is_displayed())
        assert "refused" in browser.find_element(By.ID, "error-reason").text
        assert _row(browser) == ""

        browser.get(f"{base}?key={key}")
        _wait_for(browser, lambda b: "Sold out" in _row(b))
        await api_keys.revoke(new_uow(), world.as_(Role.ADMIN), key_id)
        browser.get(f"{base}?key={key}")
        _wait_for(browser, lambda b: b.find_element(By.ID, "error").is_displayed())
        assert _row(browser) == ""
        assert key not in browser.current_url  # the key leaves the address bar


LOGIN = """mutation($e: String!, $p: String!) {
  login(email: $e, password: $p) { ... on LoginPayload { token } }
}"""
CREATE_KEY = """mutation($input: CreateApiKeyInput!) {
  createApiKey(input: $input) { __typename ... on ApiKeyCreated { secret } }
}"""


@contextlib.contextmanager
def _demo_database() -> Iterator[str]:
    """The demo loaded by the CLI into a database of its own on the test server, dropped after."""
    url = urlsplit(TEST_DATABASE_URL)
    name = f"{url.path.strip('/').removesuffix('_test')}_display_demo_test"
    server = urlunsplit(url._replace(path="/postgres"))
    demo = urlunsplit(url._replace(path=f"/{name}"))
    asyncio.run(_sql(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    asyncio.run(_sql(server, f'CREATE DATABASE "{name}"'))
    try:
        env = {**os.environ, "LEAFLEDGER_DATABASE_URL": demo}
        subprocess.run(
            [sys.executable, "-m", "api.cli", "demo-data"],
            env=env,
            check=True,
            timeout=600,
            stdout=subprocess.DEVNULL,
        )
        yield demo
    finally:
        asyncio.run(_sql(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _sql(url: str, statement: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def _board(browser: webdriver.Chrome) -> dict:
    """Categories and products as shown, the pages, and the products that cannot be seen on any
    page: cut off below the board, or split across two pages."""
    return browser.execute_script(
        "const board = document.getElementById('board');"
        "const box = board.getBoundingClientRect(), style = getComputedStyle(board);"
        "const pad = parseFloat(style.paddingLeft), gap = parseFloat(style.columnGap);"
        "const page = board.clientWidth - pad - parseFloat(style.paddingRight) + gap;"
        "const items = [...board.querySelectorAll('li')];"
        "return {categories: [...board.querySelectorAll('h2')].map(h => h.innerText),"
        " products: items.map(li => li.querySelector('.name').innerText),"
        " page: board.dataset.page, pages: Number(board.dataset.pages),"
        " shown: items.filter(li => { const r = li.getBoundingClientRect();"
        "   return r.left >= box.left && r.right <= box.right; }).length,"
        " unseen: items.filter(li => { const r = li.getBoundingClientRect();"
        "   const x = (r.left - box.left - pad + board.scrollLeft) % page;"
        "   return r.bottom > box.bottom || x + r.width > page - gap + 1; })"
        "   .map(li => li.innerText)}"
    )


def test_the_demo_floor_fits_on_a_1080p_screen(browser):
    """The demo's Oakland floor (many products, several categories) on the store's TV."""
    with _demo_database() as demo:
        env = {**ENV, "LEAFLEDGER_DATABASE_URL": demo, "LEAFLEDGER_REDIS_PREFIX": "display-demo:"}
        with api_processes(1, env) as (api,), httpx.Client(base_url=api.http) as http:
            login = {"e": ADMIN.email, "p": DEMO_PASSWORD}
            token = http.post("/graphql", json={"query": LOGIN, "variables": login})
            headers = {"Authorization": f"Bearer {token.json()['data']['login']['token']}"}
            locations = http.post(
                "/graphql", json={"query": "{ locations { id licenseNumber } }"}, headers=headers
            ).json()["data"]["locations"]
            oakland = next(x["id"] for x in locations if x["licenseNumber"] == CA.license_number)
            key_input = {
                "name": "Oakland floor TV",
                "scopes": ["READ_FLOOR_STOCK"],
                "locationIds": [oakland],
            }
            created = http.post(
                "/graphql",
                json={"query": CREATE_KEY, "variables": {"input": key_input}},
                headers=headers,
            ).json()["data"]["createApiKey"]
            assert created["__typename"] == "ApiKeyCreated", created

            browser.get(f"{api.http}/display/{oakland}?key={created['secret']}")
            _wait_for(browser, lambda b: _state(b) == "live")
            _wait_for(browser, lambda b: _board(b)["products"])
            board = _board(browser)
            ARTIFACTS.mkdir(exist_ok=True)
            browser.save_screenshot(str(ARTIFACTS / "floor-display-demo.png"))

    assert len(board["categories"]) >= 3, board
    assert len(board["products"]) >= 10, board
    # More than a screenful: shown a page at a time, every product whole on one of the pages.
    assert board["pages"] > 1, board
    assert board["page"] == "1"
    assert 0 < board["shown"] < len(board["products"])
    assert board["unseen"] == [], board["unseen"]
