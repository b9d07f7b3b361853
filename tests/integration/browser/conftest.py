"""A real server (gunicorn via `cyberrange serve`) and headless Chromium."""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy.engine import Engine

from range.config import Settings
from scoring.ledger import record_check
from scoring.tables import Exercise
from tests.conftest import ROOT
from tests.unit.webui.conftest import PASSWORD, USERS, make_exercise
from webui.accounts import create_user

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOTS = ROOT / "artifacts" / "screenshots"


@dataclass
class Site:
    url: str
    engine: Engine
    settings: Settings
    downloads: Path


def seed_checks(engine: Engine, exercise: Exercise) -> None:
    """Checker results of tick 1, so service status shows on the pages."""
    statuses = {"blue-1": ("ok", "mumble", "ok"), "blue-2": ("ok", "ok", "down")}
    for team, (shop, ssh, postgres) in statuses.items():
        for host, service, status in (("web", "shop", shop), ("web", "ssh", ssh),
                                      ("db", "postgres", postgres)):
            record_check(engine, exercise, team, host, service, status, tick=1)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    host, port = url.removeprefix("http://").split(":")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited: {log.read_text()[-2000:]}")
        try:
            with socket.create_connection((host, int(port)), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"the server did not listen within 60 s: {log.read_text()[-2000:]}")


def _serve(base: Path, *options: str) -> Iterator[Site]:
    """`cyberrange serve OPTIONS` on a seeded data directory under `base`."""
    from cyberrange.tables import import_all_tables
    from range.db import open_engine

    settings = Settings(data_dir=base / "data", root=ROOT)
    import_all_tables()
    engine = open_engine(settings)
    for name, (role, team) in USERS.items():
        create_user(engine, name, PASSWORD, role, team=team)
    seed_checks(engine, make_exercise(engine))
    port, log = _free_port(), base / "server.log"
    env = {**os.environ, "CYBERRANGE_DATA_DIR": str(settings.data_dir)}
    command = [str(Path(sys.executable).parent / "cyberrange"), "serve", "--host", "127.0.0.1",
               "--port", str(port), "--workers", "1", "--insecure-cookies", *options]
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(url, process, log)
        yield Site(url, engine, settings, base / "downloads")
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        engine.dispose()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    yield from _serve(tmp_path_factory.mktemp("browser"))


@pytest.fixture
def one_stream_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A server with 2 threads: one live scoreboard stream at a time."""
    yield from _serve(tmp_path_factory.mktemp("one-stream"), "--threads", "2")


@pytest.fixture(scope="module")
def terminal_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A server whose terminals close after 15 idle seconds, two per user."""
    options = ("--terminal-idle", "15", "--terminal-sessions", "2", "--threads", "32")
    yield from _serve(tmp_path_factory.mktemp("terminals"), *options)


@contextmanager
def chromium(site: Site) -> Iterator[WebDriver]:
    """A headless Chromium of its own (its own cookies: another user)."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not path.exists():
            pytest.fail(f"{path} is missing: apt-get install chromium chromium-driver")
    site.downloads.mkdir(parents=True, exist_ok=True)
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--window-size=1280,1000"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {
        "download.default_directory": str(site.downloads),
        "download.prompt_for_download": False,
    })
    # The driver path is explicit, so Selenium Manager never tries to download one.
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def browser(site: Site) -> Iterator[WebDriver]:
    with chromium(site) as driver:
        yield driver


def log_in(driver: WebDriver, site: Site, username: str) -> None:
    driver.get(f"{site.url}/login")
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "#login-form button").click()
    WebDriverWait(driver, 30).until(expected_conditions.url_to_be(f"{site.url}/"))


def screenshot(driver: WebDriver, name: str) -> Path:
    """The whole page (not only the window) as artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    clip = {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 5000),
            "scale": 1}
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip})
    path = SCREENSHOTS / f"{name}.png"
    path.write_bytes(base64.b64decode(shot["data"]))
    return path
