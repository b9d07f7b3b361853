"""A guided training in headless Chromium: a trainee reads, takes a hint, misses, solves
two levels; the trainer's page follows it live (no reload)."""

from __future__ import annotations

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from scoring.training import play
from scoring.training.catalog import import_definition
from scoring.training.loader import load_training
from tests.conftest import ROOT
from tests.integration.browser.conftest import Site, chromium, log_in, screenshot

pytestmark = pytest.mark.browser
COURSE = "first-steps"


def _cells(driver: WebDriver) -> list[str]:
    rows = driver.find_elements(By.CSS_SELECTOR, "#trainees tbody tr")
    return [c.text for c in rows[0].find_elements(By.TAG_NAME, "td")] if rows else []


def _click(driver: WebDriver, selector: str) -> None:
    WebDriverWait(driver, 30).until(
        expected_conditions.element_to_be_clickable((By.CSS_SELECTOR, selector))).click()


def _wait_text(driver: WebDriver, element: str, text: str) -> None:
    """Wait for the page the last click loads (an element id; main-flash: the flashes)."""
    locator = (By.CSS_SELECTOR, "p.flash") if element == "main-flash" else (By.ID, element)
    WebDriverWait(driver, 30, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: any(text in e.text for e in d.find_elements(*locator)))


def _answer(driver: WebDriver, text: str) -> None:
    box = WebDriverWait(driver, 30).until(
        expected_conditions.element_to_be_clickable((By.ID, "answer")))
    box.clear()
    box.send_keys(text)
    _click(driver, "#submit-answer")


def test_a_trainee_solves_two_levels_and_the_trainer_sees_it_live(
    browser: WebDriver, site: Site
) -> None:
    import_definition(site.engine, load_training(ROOT / "trainings" / COURSE / "training.yaml"))
    # The sandbox (pool allocation) is the pool tests' business: this run gets copy 1.
    play.start(site.engine, COURSE, "blue1", COURSE, 1)
    log_in(browser, site, "trainer")
    browser.get(f"{site.url}/training/{COURSE}/trainees")
    assert _cells(browser)[:3] == ["blue1", "1", "1/4"]
    with chromium(site) as trainee:
        log_in(trainee, site, "blue1")
        trainee.get(f"{site.url}/training")
        _click(trainee, f'tr[data-training="{COURSE}"] a.continue')
        _wait_text(trainee, "level", "Your sandbox")
        _click(trainee, "#next")
        _wait_text(trainee, "hints", "Which command")
        _click(trainee, "button.take-hint")
        _wait_text(trainee, "hints", "ip -4 -brief addr")
        _answer(trainee, "192.168.0.1")
        _wait_text(trainee, "main-flash", "Not that")
        _answer(trainee, "10.1.0.10")
        _wait_text(trainee, "level", "The flag")
        assert trainee.find_element(By.ID, "training-score").text == "7"  # 10 - hint 3
        screenshot(trainee, "training-trainee")
    # training.js rebuilds the table every 2 s: a row read mid-rebuild is stale, read again.
    WebDriverWait(browser, 30, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: _cells(d)[2:5] == ["3/4", "The flag", "7"])
    screenshot(browser, "training-trainer")
