"""Coordination in headless Chromium against `cyberrange serve`: a message
thread between a blue team and the white cell (with its read receipt), and a
SITREP filed by the team and graded by the white cell."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

from scoring.exercise import get_exercise
from scoring.ledger import facts
from scoring.tables import FactKind
from tests.integration.browser.conftest import Site, log_in, screenshot
from tests.unit.webui.conftest import EXERCISE

pytestmark = pytest.mark.browser
X = f"/x/{EXERCISE}"


def _log_out(browser: WebDriver) -> None:
    browser.delete_all_cookies()


def _submit(browser: WebDriver, form: str) -> None:
    browser.find_element(By.CSS_SELECTOR, f"{form} button[type=submit]").click()


def test_a_message_thread(browser: WebDriver, site: Site) -> None:
    log_in(browser, site, "blue1")
    browser.get(f"{site.url}{X}/messages")
    browser.find_element(By.NAME, "to").send_keys("white-cell")
    browser.find_element(By.NAME, "subject").send_keys("Shop defaced")
    Select(browser.find_element(By.NAME, "tlp")).select_by_value("GREEN")
    browser.find_element(By.NAME, "body").send_keys("Our shop front page was replaced.")
    _submit(browser, "#thread-form")
    WebDriverWait(browser, 30).until(
        expected_conditions.text_to_be_present_in_element((By.ID, "thread-subject"),
                                                          "Shop defaced"))
    thread_url = browser.current_url
    assert "Not read yet." in browser.find_element(By.CSS_SELECTOR, ".message").text
    _log_out(browser)

    log_in(browser, site, "trainer")
    browser.get(f"{site.url}{X}/messages")
    assert "Shop defaced" in browser.find_element(By.ID, "threads").text
    browser.find_element(By.LINK_TEXT, "Shop defaced").click()
    WebDriverWait(browser, 30).until(
        expected_conditions.presence_of_element_located((By.ID, "reply-form")))
    browser.find_element(By.CSS_SELECTOR, "#reply-form textarea[name=body]").send_keys(
        "Received. Keep us posted.")
    _submit(browser, "#reply-form")
    WebDriverWait(browser, 30).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, ".message")) == 2)
    _log_out(browser)

    log_in(browser, site, "blue1")
    browser.get(thread_url)
    messages = browser.find_elements(By.CSS_SELECTOR, ".message")
    assert "Read by white-cell (trainer)" in messages[0].text
    assert "Received. Keep us posted." in messages[1].text
    screenshot(browser, "message-thread")
    _log_out(browser)
    log_in(browser, site, "blue2")
    browser.get(thread_url)
    assert "404" in browser.find_element(By.TAG_NAME, "main").text


def test_a_sitrep_filed_and_graded(browser: WebDriver, site: Site) -> None:
    log_in(browser, site, "blue1")
    browser.get(f"{site.url}{X}/sitreps")
    browser.find_element(By.NAME, "situation").send_keys("Web server defaced, contained.")
    browser.find_element(By.NAME, "actions").send_keys("Restored from backup.")
    _submit(browser, "#sitrep-form")
    WebDriverWait(browser, 30).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, ".sitrep")))
    _log_out(browser)

    log_in(browser, site, "trainer")
    browser.get(f"{site.url}{X}/sitreps")
    form = browser.find_element(By.CSS_SELECTOR, ".sitrep .grade-form")
    for name, value in (("accuracy", "4"), ("completeness", "2"), ("actions", "3")):
        form.find_element(By.NAME, f"score-{name}").send_keys(value)
    form.find_element(By.NAME, "reason").send_keys("clear")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(browser, 30).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, ".sitrep .grade")))
    assert "= 9 points" in browser.find_element(By.CSS_SELECTOR, ".sitrep .grade").text
    screenshot(browser, "sitrep-graded")
    found = get_exercise(site.engine, EXERCISE)
    grades = facts(site.engine, found.id or 0, kinds=[FactKind.INJECT_GRADE])
    assert [(f.team, f.points) for f in grades if "sitrep" in f.data] == [("blue-1", 9)]
