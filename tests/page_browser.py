"""Headless Chromium for the page tests: file:// only, every network request aborted."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str:
    """The system Chromium (Debian's ``chromium``), installed by scripts/bootstrap.sh."""
    found = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if found is None:
        raise RuntimeError("no chromium: run `make setup` as root (apt-get install chromium)")
    return found


@contextmanager
def open_page(html: Path) -> Iterator[tuple[object, list[str], list[str]]]:
    """Load ``html`` from a file URL; yields (page, console errors, blocked request URLs)."""
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    blocked: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})

            def route(r):  # file:// only; anything else would be the network
                if r.request.url.startswith("file:"):
                    r.continue_()
                else:
                    blocked.append(r.request.url)
                    r.abort()

            page.route("**/*", route)
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(html.resolve().as_uri())
            # every card's numbers and maps, including those the page computes in idle time
            page.wait_for_function("document.body.dataset.complete === '1'")
            yield page, errors, blocked
        finally:
            browser.close()


def fill(page, selector: str, value: object) -> None:
    """Type a value into an input (fires the input event the page listens to)."""
    page.fill(selector, str(value))


def shown(page, card: str, quantity: str) -> float:
    """The full-precision value behind a displayed number (its text is that value rounded)."""
    out = page.locator(f"#{card} output[data-q='{quantity}']")
    text, value = out.text_content(), float(out.get_attribute("data-value"))
    if quantity.startswith("p_"):
        assert text == f"{value:.3f}", (text, value)
    return value


def shown_text(page, card: str, quantity: str) -> str:
    """The text a reader sees for a quantity."""
    return page.locator(f"#{card} output[data-q='{quantity}']").text_content()
