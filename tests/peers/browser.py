"""A real browser for the dashboard's tests and bench: Debian's headless Chromium, installed
with apt-get when missing, driven by the Python Playwright package. Playwright's own browser
download (`playwright install`) is not used: CI reaches the package registries only."""

import os
import shutil
import subprocess
import time

CHROMIUM = "/usr/bin/chromium"

# Headless as root, with nothing of Chromium's own reaching out: without the background
# networking flags it keeps dialling Google's services, which on a closed network is a flood of
# refused connections in the log and wasted CPU while we measure.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

APT_TIMEOUT = 900  # seconds for each apt-get step: Chromium and its libraries are ~100 MB


def system_chromium() -> str:
    """The path of Debian's chromium, installed (apt-get update, then install) when missing.
    A machine where that cannot be done fails the test that asks, naming the command and what
    it printed; it never skips."""
    if os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    apt_get = shutil.which("apt-get")
    assert apt_get, f"{CHROMIUM} is missing and there is no apt-get to install Debian's chromium package"
    prefix = []
    if os.geteuid() != 0:
        sudo = shutil.which("sudo")
        assert sudo, f"{CHROMIUM} is missing; installing it needs root or sudo, and neither is here"
        prefix = [sudo, "-n"]
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    started = time.monotonic()
    for step in (["update"], ["install", "-y", "--no-install-recommends", "chromium"]):
        command = [*prefix, apt_get, *step]
        try:
            done = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=APT_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{' '.join(command)} took over {APT_TIMEOUT} s") from None
        assert done.returncode == 0, (
            f"{' '.join(command)} failed ({done.returncode}) installing the browser tests' Chromium:\n{done.stderr[-2000:]}"
        )
    assert os.access(CHROMIUM, os.X_OK), f"apt-get installed chromium but {CHROMIUM} is not there"
    print(f"installed Debian's chromium in {time.monotonic() - started:.0f} s")
    return CHROMIUM


def launch(playwright, *extra_flags: str, **options):
    """Headless Chromium (Debian's, see system_chromium) launched by Playwright with FLAGS and
    any extra_flags. Playwright gives each launch a fresh profile folder and removes it on close."""
    return playwright.chromium.launch(
        executable_path=system_chromium(), headless=True, args=[*FLAGS, *extra_flags], **options
    )
