"""End to end in a real headless browser: `lftm dashboard` served, driven by Playwright.

Debian's chromium (installed by `make test` when missing), no browser download. The test
starts the command on a free port, waits for the page to build, steps, plays, pauses,
checks that the plots change and that nothing is fetched from off the machine, and saves
a screenshot (out/test-artifacts/dashboard.png).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

CHROMIUM = Path("/usr/bin/chromium")
pytest.importorskip("solara")
sync_api = pytest.importorskip("playwright.sync_api")
if not CHROMIUM.exists():
    pytest.skip("no /usr/bin/chromium (make test installs it as root)", allow_module_level=True)

from lftm_sim.dashboard.served import is_local, served  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parents[1] / "out" / "test-artifacts"
PLOTS = "img"  # matplotlib figures arrive as images


def _images(page) -> list[str]:
    """The src of every plot image now on the page."""
    return page.eval_on_selector_all(PLOTS, "els => els.map(e => e.src)")


def _banner(page) -> str:
    return page.locator("h2", has_text="Year").first.inner_text()


def _wait_change(page, before: list[str], timeout: float = 20.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = _images(page)
        if now != before and len(now) >= len(before):
            return now
        time.sleep(0.1)
    raise AssertionError("the plots did not change")


def _not_blank(png: Path) -> None:
    """A rendered page: plots, not a white sheet (many distinct colours, real contrast)."""
    from matplotlib.image import imread

    pixels = imread(png)[..., :3].reshape(-1, 3)
    distinct = len(np.unique((pixels * 255).astype(np.uint8), axis=0))
    assert distinct > 200, f"screenshot looks blank ({distinct} colours)"
    assert pixels.std() > 0.05


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield b
        b.close()


def test_dashboard_in_a_real_browser(browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with served() as url:
        page = browser.new_page(viewport={"width": 1500, "height": 1150})
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.on("websocket", lambda ws: requests.append(ws.url))
        page.goto(url)
        page.wait_for_selector("text=STEP", timeout=60_000)
        page.wait_for_function("document.querySelectorAll('img').length >= 3", timeout=60_000)
        start, before = _banner(page), _images(page)
        assert start.startswith("Year 0")
        assert all(src for src in before), "a plot is missing its image"

        step = page.get_by_role("button", name="STEP")
        for _ in range(3):
            step.click()
            before = _wait_change(page, before)
        assert _banner(page) != start, "Step did not advance the year"

        page.get_by_role("button", name="▶").click()
        time.sleep(2.5)
        playing = _images(page)
        assert playing != before, "Play did not move the plots"
        page.get_by_role("button", name="❚❚").click()
        time.sleep(1.0)  # Pause must take effect within a second
        paused = (_banner(page), _images(page))
        time.sleep(1.5)
        assert (_banner(page), _images(page)) == paused, "the page kept playing after Pause"

        shot = ARTIFACTS / "dashboard.png"
        page.screenshot(path=str(shot))
        _not_blank(shot)
        offsite = [u for u in requests if not is_local(u)]
        assert not offsite, f"the page fetched from off the machine: {offsite[:5]}"
        assert any(u.startswith(url) for u in requests)
        page.close()
