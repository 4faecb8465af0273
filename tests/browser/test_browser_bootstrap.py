"""The browser chain works end to end: Debian's Chromium, driven by Playwright, reads the
running SMSC's HTTP address, reports page errors and keeps screenshots."""

import subprocess

import pytest

from tests.peers import browser as browser_peer


class TestBrowserBootstrap:
    def test_page_reads_the_api_index(self, page, screenshot):
        """The headless browser opens the HTTP API's index and sees its list of endpoints."""
        response = page.goto("/api/")
        assert response.status == 200
        assert "endpoints" in page.locator("body").inner_text()
        assert screenshot(page, "bootstrap-api-index").stat().st_size > 0

    @pytest.mark.allow_page_errors
    def test_page_errors_are_recorded(self, page, page_errors):
        """A console error and an uncaught error in the page are both recorded for the test."""
        page.goto("/api/")
        page.evaluate("console.error('dashboard broke')")
        with page.expect_event("pageerror"):
            page.evaluate("setTimeout(() => { throw new TypeError('no such tower') }, 0)")
        assert any("dashboard broke" in error for error in page_errors)
        assert any("TypeError: no such tower" in error for error in page_errors)


class TestSystemChromium:
    def test_missing_browser_without_apt_fails_clearly(self, monkeypatch, tmp_path):
        """With no Chromium and no apt-get, the test asking for the browser fails saying so."""
        monkeypatch.setattr(browser_peer, "CHROMIUM", str(tmp_path / "chromium"))
        monkeypatch.setattr(browser_peer.shutil, "which", lambda name: None)
        with pytest.raises(AssertionError, match="no apt-get"):
            browser_peer.system_chromium()

    def test_failed_install_names_the_command_and_its_error(self, monkeypatch, tmp_path):
        """A failing apt-get step fails the test with that command and the end of its stderr."""
        monkeypatch.setattr(browser_peer, "CHROMIUM", str(tmp_path / "chromium"))
        monkeypatch.setattr(browser_peer.shutil, "which", lambda name: f"/usr/bin/{name}")
        monkeypatch.setattr(browser_peer.os, "geteuid", lambda: 0)
        failed = subprocess.CompletedProcess([], 100, "", "E: Unable to locate package chromium\n")
        monkeypatch.setattr(browser_peer.subprocess, "run", lambda command, **options: failed)
        with pytest.raises(AssertionError, match=r"/usr/bin/apt-get update failed \(100\)(.|\n)*Unable to locate"):
            browser_peer.system_chromium()
