"""Browser terminals in headless Chromium against `cyberrange serve` and a real range."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from records.recordings import file_sha256, read_cast, recording_path
from records.terminal_sessions import SessionInfo, sessions
from tests.integration.browser.conftest import Site, log_in, screenshot
from tests.integration.browser.terminal_support import exec_shells, wait_no_shells, web_login
from tests.integration.browser.terminal_support import term_range as deployed
from tests.unit.webui.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.docker]


@pytest.fixture(scope="module")
def term_range(
    site: Site, docker_engine: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TermRange]:
    folder = tmp_path_factory.mktemp("term-range")
    with deployed(site.settings, site.engine, "browser", folder) as name:
        yield TermRange(name)


@dataclass(frozen=True)
class TermRange:
    name: str  # range and exercise name

    def url(self, site: Site, host: str, copy: int) -> str:
        return f"{site.url}/x/{self.name}/terminal/{host}/{copy}"


def _screen(browser: WebDriver) -> str:
    return str(browser.execute_script("return window.cyberrangeTerminal.text();"))


def _state(browser: WebDriver) -> str:
    return str(browser.find_element(By.ID, "terminal").get_attribute("data-state") or "")


def test_terminal_runs_a_command_and_its_recording_replays(
    browser: WebDriver, site: Site, term_range: TermRange
) -> None:
    log_in(browser, site, "blue1")
    browser.get(f"{site.url}/x/{term_range.name}/terminals")
    links = browser.find_elements(By.CSS_SELECTOR, "#terminal-hosts a.open-terminal")
    assert [a.get_attribute("href") for a in links] == [term_range.url(site, "box", 1)]
    links[0].click()
    WebDriverWait(browser, 30).until(lambda d: _state(d) == "open")
    WebDriverWait(browser, 90).until(lambda d: "#" in _screen(d) or "$" in _screen(d))
    marker = secrets.token_hex(4)
    browser.find_element(By.CSS_SELECTOR, "#terminal textarea").send_keys(
        f"echo hello-$((6*7))-{marker}; hostname\n"
    )
    WebDriverWait(browser, 30).until(lambda d: f"hello-42-{marker}" in _screen(d))
    screenshot(browser, "terminal")
    container = f"{term_range.name}-c1-box"
    assert len(exec_shells(container)) == 1
    browser.get(f"{site.url}/")  # leaving the page closes the socket mid-session
    assert wait_no_shells(container) == [], "the session's shell outlived its socket"

    ended = _ended_session(site, term_range.name)
    assert ended.user == "blue1" and ended.host == "box" and ended.copy == 1
    path = recording_path(site.settings.data_dir, term_range.name, ended.session)
    assert file_sha256(path) == ended.sha256 and path.stat().st_size == ended.size
    cast = read_cast(path)
    typed = "".join(data for _, code, data in cast.events if code == "i")
    assert f"hello-$((6*7))-{marker}" in typed
    shown = "".join(data for _, code, data in cast.events if code == "o")
    assert f"hello-42-{marker}" in shown

    log_in(browser, site, "auditor")
    browser.get(f"{site.url}/x/{term_range.name}/terminals")
    replays = browser.find_elements(By.CSS_SELECTOR, "#terminal-sessions a.replay")
    assert replays, "the auditor sees no recording"
    browser.get(f"{site.url}/x/{term_range.name}/recordings/{ended.session}")
    WebDriverWait(browser, 60).until(lambda d: _state(d) == "done")
    assert f"hello-42-{marker}" in _screen(browser)
    screenshot(browser, "terminal-replay")


def _ended_session(site: Site, exercise: str) -> SessionInfo:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        done = [s for s in sessions(site.engine, exercise) if not s.live]
        if done:
            return done[0]
        time.sleep(0.5)
    pytest.fail("no terminal.end entry in the audit log")


def _session(site: Site, username: str) -> requests.Session:
    return web_login(site.url, username, PASSWORD)


def test_forbidden_hosts_answer_403_or_404(site: Site, term_range: TermRange) -> None:
    blue1 = _session(site, "blue1")
    assert blue1.get(term_range.url(site, "box", 1), timeout=30).status_code == 200
    assert blue1.get(term_range.url(site, "box", 2), timeout=30).status_code == 403
    assert blue1.get(term_range.url(site, "attacker", 0), timeout=30).status_code == 403
    assert blue1.get(term_range.url(site, "nothere", 1), timeout=30).status_code == 404
    red = _session(site, "redteam")
    assert red.get(term_range.url(site, "attacker", 0), timeout=30).status_code == 200
    assert red.get(term_range.url(site, "box", 1), timeout=30).status_code == 403
    auditor = _session(site, "auditor")
    assert auditor.get(term_range.url(site, "box", 1), timeout=30).status_code == 403
    # The socket itself: a handshake for another copy's host is refused before upgrading.
    headers = {
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        "Origin": site.url,
    }
    refused = blue1.get(f"{term_range.url(site, 'box', 2)}/ws", headers=headers, timeout=30)
    assert refused.status_code == 403, refused.text[:300]
    foreign = blue1.get(
        f"{term_range.url(site, 'box', 1)}/ws",
        timeout=30,
        headers={**headers, "Origin": "http://evil.example"},
    )
    assert foreign.status_code == 403
    for client in (blue1, red, auditor):
        client.close()
