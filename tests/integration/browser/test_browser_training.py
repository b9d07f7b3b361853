"""A guided training in headless Chromium: a trainee reads, takes a hint, misses, solves
two levels; the trainer's page follows it live (no reload)."""

from __future__ import annotations

import pytest
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
        assert "Your sandbox" in trainee.find_element(By.ID, "level").text
        _click(trainee, "#next")
        _click(trainee, "button.take-hint")
        assert "ip -4 -brief addr" in trainee.find_element(By.ID, "hints").text
        trainee.find_element(By.ID, "answer").send_keys("192.168.0.1")
        _click(trainee, "#submit-answer")
        assert "Not that" in trainee.find_element(By.TAG_NAME, "main").text
        trainee.find_element(By.ID, "answer").send_keys("10.1.0.10")
        _click(trainee, "#submit-answer")
        WebDriverWait(trainee, 30).until(
            lambda d: "The flag" in d.find_element(By.ID, "level").text)
        assert trainee.find_element(By.ID, "training-score").text == "7"  # 10 - hint 3
        screenshot(trainee, "training-trainee")
    WebDriverWait(browser, 30).until(lambda d: _cells(d)[2:5] == ["3/4", "The flag", "7"])
    screenshot(browser, "training-trainer")
