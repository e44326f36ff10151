"""Dashboard speed: model steps per second and browser frames per second, measured apart.

1. Model: the wrapper stepping three strategies at 1,000 schools each (target >= 20 steps
   per second), and what one frame costs on the server (figure update and PNG encoding).
2. Browser: `lftm dashboard` served, Debian's chromium (Playwright) pressing Play with the
   page's defaults; frames per second = new plot images the page receives per second, and
   how long the page keeps moving after Pause (target: under a second).

Run: `.venv/bin/python benchmarks/dashboard.py` (part of `make bench`). Times from
time.perf_counter; ratios and rates printed, never asserted.
"""

from __future__ import annotations

import platform
import time
from pathlib import Path

from lftm_sim import __version__
from lftm_sim.dashboard.figures import DistributionFigure, NetworkFigure, SeriesFigure
from lftm_sim.dashboard.model import SideBySide

SYSTEM = {"n_schools": 1000, "n_districts": 20}  # three strategies: the page's default
STEPS = 120
CHROMIUM = Path("/usr/bin/chromium")
PLAY_SECONDS = 8.0
STOP_BY_YEAR = 10  # pause by then at the latest: the 15-year run must not end before Pause


def model_rate() -> float:
    """Wrapper steps per second (each steps all three SystemModels)."""
    model = SideBySide(**SYSTEM)
    model.step()  # warm
    start = time.perf_counter()
    for _ in range(STEPS):
        model.step()
    model_rate.last = STEPS / (time.perf_counter() - start)
    return model_rate.last


def frame_cost(frames: int = 20) -> dict[str, float]:
    """Server milliseconds per frame for each figure over the first `frames` terms: move the
    data, draw (the background too when an axis grows), encode the PNG."""
    costs = {}
    for kind in (SeriesFigure, DistributionFigure, NetworkFigure):
        model = SideBySide(**SYSTEM)
        live = kind(model)
        start = time.perf_counter()
        for _ in range(frames):
            model.step()
            live.png(model)
        costs[kind.__name__] = (time.perf_counter() - start - frames / model_rate.last) / frames
    return {name: 1000 * seconds for name, seconds in costs.items()}


def browser_rates() -> dict[str, float] | str:
    """Frames per second while playing and the delay until the page stops after Pause."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return "playwright not installed (pip install -e .[dev])"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} missing (make test installs it as root)"
    from lftm_sim.dashboard.served import served

    with served() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1500, "height": 1150})
        page.goto(url)
        page.wait_for_selector("text=STEP", timeout=60_000)
        page.wait_for_function("document.querySelectorAll('img').length >= 3", timeout=60_000)
        year = page.locator("h2", has_text="Year").first
        start_year = year.inner_text()
        page.get_by_role("button", name="▶").click()
        t0 = time.perf_counter()
        frames = _watch(page, PLAY_SECONDS, until_year=STOP_BY_YEAR)
        page.get_by_role("button", name="❚❚").click()
        t1 = time.perf_counter()
        after = _watch(page, 3.0)
        end_year = year.inner_text()
        browser.close()
    return {
        "frames_per_second": len(frames) / (t1 - t0),
        "seconds": t1 - t0,
        "pause_delay_s": max(after) - t1 if after else 0.0,
        "frames_after_pause": float(len(after)),
        "from": start_year,
        "to": end_year,
    }


def _watch(page, seconds: float, until_year: int | None = None) -> list[float]:
    """Times at which the first plot (the time series) showed a new image, polled at 50 ms;
    stops early once the page shows `until_year` (so Play can still be paused)."""
    times, last = [], page.evaluate("document.images[0].src")
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        src = page.evaluate("document.images[0].src")
        if src != last:
            times.append(time.perf_counter())
            last = src
        if until_year is not None and _year(page) >= until_year:
            break
        time.sleep(0.05)
    return times


def _year(page) -> int:
    """The year the page's banner shows ("Year 7, term 2 (of 15)" -> 7)."""
    text = page.locator("h2", has_text="Year").first.inner_text()
    return int(text.split()[1].rstrip(",:"))


def main() -> None:
    print(f"lftm-sim {__version__}, Python {platform.python_version()}, {platform.machine()}")
    print(
        f"system: 3 strategies x {SYSTEM['n_schools']} schools, {SYSTEM['n_districts']} districts"
    )
    rate = model_rate()
    print(f"\nmodel: {rate:.0f} steps/s (target >= 20; {rate / 20:.1f}x the target)")
    for name, ms in frame_cost().items():
        print(f"  server cost per frame, {name}: {ms:.0f} ms (draw + PNG, model step excluded)")
    result = browser_rates()
    if isinstance(result, str):
        print(f"\nbrowser: skipped, {result}")
        return
    print(
        f"\nbrowser (Play for {result['seconds']:.1f} s, {result['from']} -> {result['to']}): "
        f"{result['frames_per_second']:.1f} frames/s (one frame = one new plot image)"
    )
    print(
        f"  after Pause: {result['frames_after_pause']:.0f} more images, the last "
        f"{result['pause_delay_s']:.2f} s after the click (target < 1 s)"
    )


if __name__ == "__main__":
    main()
