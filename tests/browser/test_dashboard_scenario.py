"""The dashboard during a shipped scenario started from the page: tower-outage at 60 times real
time takes tower CM-2 down ten scenario minutes in; the picture shows it down with its traffic
held while the campaign goes on. The screenshot of that moment is the README's
(docs/dashboard.png is a copy of var/screenshots/dashboard-scenario.png)."""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import open_page
from tests.smsc.conftest import call, running_smsc

SPEED = 60  # tower-outage's 10th minute comes 10 s after the start


@pytest.fixture(scope="module")
def scenario_smsc(tmp_path_factory):
    """An SMSC of its own: the scenario leaves faults and towers as its steps left them."""
    with running_smsc(tmp_path_factory.mktemp("smsc-scenario")) as served:
        yield served


def test_tower_outage_started_from_the_page(browser, scenario_smsc, screenshot):
    errors = []
    page = open_page(browser, scenario_smsc.api, errors, width=1400, height=900)
    page.goto("/")
    expect(page.get_by_test_id("link")).to_have_text("live")
    page.locator("summary", has_text="Scenario in real time").click()
    page.get_by_test_id("scenario-name").select_option("tower-outage")
    page.locator("#scenario input[name=speed]").fill(str(SPEED))
    page.locator("#scenario button[type=submit]").click()
    status = page.get_by_test_id("scenario-status")
    expect(status).to_contain_text(f"tower-outage ×{SPEED}: running")
    down = page.locator("#network g.tower[data-tower='CM-2']")
    expect(down).to_have_class(re.compile(r"\bdown\b"), timeout=30_000)
    expect(down.locator("text.held")).to_have_text(re.compile(r"DOWN · [1-9]\d* held"), timeout=15_000)
    page.wait_for_function("window.dashboard.hopsDrawn > 20")
    time.sleep(2)  # a few more messages in flight for the picture
    expect(page.locator("[data-tile=submitted]")).not_to_have_text("0")  # the campaign's rate, a second
    expect(page.locator("[data-tile=held]")).not_to_have_text("0")
    page.locator("summary", has_text="Scenario in real time").scroll_into_view_if_needed()
    screenshot(page, "dashboard-scenario")
    page.locator("#scenario-stop").click()
    expect(status).to_contain_text(re.compile(r"stopping|finished"))
    run = call(scenario_smsc.api, "GET", "/api/scenarios")[1]["run"]
    assert run["name"] == "tower-outage" and run["sent"] > 0
    page.context.close()
    assert not errors, errors
