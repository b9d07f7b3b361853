"""The web UI in headless Chromium against `cyberrange serve` (gunicorn)."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

from records.incidents import IncidentInput, file_incident
from scoring.exercise import get_exercise
from scoring.flags import FlagCodec, FlagKind
from scoring.submissions import Submitter
from tests.integration.browser.conftest import Site, log_in, screenshot
from tests.unit.webui.conftest import EXERCISE

pytestmark = pytest.mark.browser
X = f"/x/{EXERCISE}"


def _flag(site: Site, copy: int, slot: int) -> str:
    exercise = get_exercise(site.engine, EXERCISE)
    assert exercise.id is not None
    return FlagCodec(exercise.secret, exercise.id).encode(FlagKind.SERVICE, 1, copy, slot)


def _total(browser: WebDriver, team: str) -> str:
    cell = browser.find_element(By.CSS_SELECTOR, f'#ranking td.total[data-team="{team}"]')
    return str(cell.text)


def test_login_and_submit_a_flag(browser: WebDriver, site: Site) -> None:
    browser.get(f"{site.url}/login")
    screenshot(browser, "login")
    log_in(browser, site, "redteam")
    assert EXERCISE in browser.find_element(By.ID, "exercises").text
    browser.get(f"{site.url}{X}/submit")
    browser.find_element(By.ID, "flags").send_keys(f"{_flag(site, 1, 0)}\nFLAG{{wrong}}")
    browser.find_element(By.CSS_SELECTOR, "#submit-form button").click()
    answers = WebDriverWait(browser, 30).until(
        expected_conditions.presence_of_element_located((By.ID, "answers")))
    cells = [c.text for c in answers.find_elements(By.CSS_SELECTOR, "td.answer")]
    assert cells == ["accepted", "invalid"]
    browser.get(f"{site.url}{X}/team")
    assert "accepted" in browser.find_element(By.TAG_NAME, "main").text


def test_scoreboard_updates_live(browser: WebDriver, site: Site) -> None:
    log_in(browser, site, "trainer")
    browser.get(f"{site.url}{X}/scoreboard")
    WebDriverWait(browser, 30).until(
        expected_conditions.visibility_of_element_located((By.ID, "board-live")))
    before = _total(browser, "red")
    # A capture made outside the browser (as the game's API would), then no reload.
    results = Submitter(site.engine, EXERCISE).submit("red", [_flag(site, 2, 1)])
    assert [r.answer for r in results] == ["accepted"]
    WebDriverWait(browser, 30).until(lambda driver: _total(driver, "red") != before)
    assert float(_total(browser, "red")) > float(before)
    assert browser.find_elements(By.CSS_SELECTOR, "#chart svg polyline")
    screenshot(browser, "scoreboard")


def test_scoreboard_polls_when_no_live_stream_is_free(
    browser: WebDriver, one_stream_site: Site
) -> None:
    site = one_stream_site
    log_in(browser, site, "trainer")
    browser.get(f"{site.url}{X}/scoreboard")  # this tab takes the server's only stream
    live = (By.ID, "board-live")
    WebDriverWait(browser, 30).until(expected_conditions.visibility_of_element_located(live))
    browser.switch_to.new_window("tab")
    browser.get(f"{site.url}{X}/scoreboard")  # refused a stream (503): polls the JSON
    before = _total(browser, "red")
    results = Submitter(site.engine, EXERCISE).submit("red", [_flag(site, 2, 1)])
    assert [r.answer for r in results] == ["accepted"]
    WebDriverWait(browser, 30).until(lambda driver: _total(driver, "red") != before)
    assert not browser.find_element(*live).is_displayed()  # updated, but not by a stream


def test_file_an_incident_report_with_evidence(
    browser: WebDriver, site: Site, tmp_path: Path
) -> None:
    log_in(browser, site, "blue1")
    browser.get(f"{site.url}{X}/team")
    statuses = browser.find_elements(By.CSS_SELECTOR, ".services-table td.status-mumble")
    assert [cell.text.lower() for cell in statuses] == ["mumble"]
    screenshot(browser, "team-dashboard")
    browser.get(f"{site.url}{X}/reports/new")
    evidence = tmp_path / "access.log"
    evidence.write_text("198.51.100.10 - - \"POST /login HTTP/1.1\" 500 ' OR 1=1 --\n")
    browser.find_element(By.NAME, "title").send_keys("SQL injection against the shop <b>")
    browser.find_element(By.NAME, "description").send_keys("500 errors after quotes in login.")
    Select(browser.find_element(By.NAME, "severity")).select_by_visible_text("High")
    Select(browser.find_element(By.NAME, "rsit")).select_by_value(
        "intrusions/application-compromise")
    Select(browser.find_element(By.NAME, "hosts")).select_by_visible_text("web")
    Select(browser.find_element(By.NAME, "techniques")).select_by_value("T1190")
    browser.find_element(By.NAME, "observables").send_keys("ip 198.51.100.10")
    browser.find_element(By.NAME, "evidence").send_keys(str(evidence))
    screenshot(browser, "report-form")
    browser.find_element(By.CSS_SELECTOR, "#report-form button[type=submit]").click()
    title = WebDriverWait(browser, 30).until(
        expected_conditions.presence_of_element_located((By.ID, "report-title")))
    assert title.text == "SQL injection against the shop <b>"
    assert "access.log" in browser.find_element(By.ID, "evidence").text


def test_trainer_console(browser: WebDriver, site: Site) -> None:
    log_in(browser, site, "trainer")
    browser.get(f"{site.url}{X}/console")
    assert "is not deployed" in browser.find_element(By.ID, "range-status").text
    WebDriverWait(browser, 60).until(lambda driver: driver.execute_script(
        "var i = document.querySelector('img.topology'); return i.complete && i.naturalWidth > 0"))
    screenshot(browser, "trainer-console")


def test_auditor_downloads_a_csv(browser: WebDriver, site: Site) -> None:
    file_incident(site.engine, EXERCISE, "blue-2", "blue2",
                  IncidentInput(title="=HYPERLINK(\"http://evil\") phishing", severity="Low"))
    log_in(browser, site, "auditor")
    browser.get(f"{site.url}{X}/audit/incidents")
    screenshot(browser, "auditor-area")
    browser.find_element(By.ID, "csv-incidents").click()
    target = site.downloads / f"{EXERCISE}-incidents.csv"
    deadline = time.monotonic() + 60
    while not target.exists() and time.monotonic() < deadline:
        time.sleep(0.3)
    assert target.exists(), f"no download in {list(site.downloads.iterdir())}"
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    titles = [r["title"] for r in rows]
    assert "'=HYPERLINK(\"http://evil\") phishing" in titles  # inert in a spreadsheet
