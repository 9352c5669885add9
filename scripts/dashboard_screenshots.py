"""Screenshots of the ZenML dashboard for the docs (docs/dashboard.md), taken with Playwright and Debian's Chromium.

    make dashboard                                   # the local ZenML server for this project's state
    python scripts/dashboard_screenshots.py          # writes docs/images/dashboard-*.png

It opens the dashboard, gets past the first-visit survey, and saves the runs list, the DAG of the latest
training run, its leaderboard, confusion matrix and model card, and the drift report of the latest
monitoring run when there is one (its script-free drift page and its per-column drift table).
It uses the system's Chromium (``apt-get install chromium``) and never downloads a browser; requests to
anything but the dashboard are blocked, so it works offline. Needs ``pip install -e '.[screenshots]'``.

The page is driven with main-world JavaScript and raw CDP commands (mouse events, insertText, screenshots),
which wait for nothing but the browser (docs/dashboard.md says why).
"""

from __future__ import annotations

import argparse
import base64
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

logger = logging.getLogger("dashboard_screenshots")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parent.parent


class DashboardError(RuntimeError):
    """The dashboard did not show what the script waited for."""


_SESSIONS: dict[int, Any] = {}


def cdp(page: Any) -> Any:
    """One CDP session per page, reused for every command."""
    if id(page) not in _SESSIONS:
        _SESSIONS[id(page)] = page.context.new_cdp_session(page)
    return _SESSIONS[id(page)]


def save_png(page: Any, path: Path, clip_css: str | None = None, scale: float = 1.0) -> None:
    """Save the viewport, or only the element matching ``clip_css`` (scaled up for legibility)."""
    params: dict[str, Any] = {"format": "png"}
    if clip_css is not None:
        box = page.evaluate(
            "(css) => { const r = document.querySelector(css).getBoundingClientRect();"
            " return {x: r.x, y: r.y, width: r.width, height: r.height}; }",
            clip_css,
        )
        params["clip"] = {**box, "scale": scale}
    data = cdp(page).send("Page.captureScreenshot", params)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(data["data"]))
    logger.info("Saved %s", path)


def body_text(page: Any) -> str:
    return str(page.evaluate("document.body ? document.body.innerText : ''"))


def wait_for_text(page: Any, text: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in body_text(page):
            return
        page.wait_for_timeout(500)
    raise DashboardError(f"'{text}' did not appear on {page.url} within {timeout:.0f}s")


FIND_BY_TEXT = """([texts, selector]) => {
  const nodes = [...document.querySelectorAll(selector)].filter(n => !n.disabled && n.getClientRects().length);
  for (const text of texts) {
    const matches = nodes.filter(n => n.innerText && n.innerText.trim().split('\\n')[0].trim() === text);
    const node = matches[matches.length - 1];
    if (node) {
      node.scrollIntoView({block: "center"});
      const r = node.getBoundingClientRect();
      return {text, x: r.x + r.width / 2, y: r.y + r.height / 2};
    }
  }
  return null;
}"""


def mouse_click(page: Any, x: float, y: float) -> None:
    """A real mouse click (pointer events included), sent through CDP."""
    for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
        cdp(page).send(
            "Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1}
        )


CLICKABLE = "button, a, [role=button], [role=tab], [role=option]"


def click_css(page: Any, css: str) -> bool:
    """Click the first visible element matching ``css`` (for icon buttons that have no text)."""
    found = page.evaluate(
        "(css) => { const n = [...document.querySelectorAll(css)].find(n => n.getClientRects().length);"
        " if (!n) return null; const r = n.getBoundingClientRect();"
        " return {x: r.x + r.width / 2, y: r.y + r.height / 2}; }",
        css,
    )
    if found is not None:
        mouse_click(page, found["x"], found["y"])
    return found is not None


def click_text(page: Any, *texts: str, selector: str = CLICKABLE) -> str | None:
    """Click the last visible element whose first line of text is one of ``texts`` (tried in order)."""
    found = page.evaluate(FIND_BY_TEXT, [list(texts), selector])
    if found is None:
        return None
    mouse_click(page, found["x"], found["y"])
    return str(found["text"])


def type_into(page: Any, css: str, text: str) -> bool:
    """Focus the first element matching ``css`` and type into it as a user would (CDP insertText)."""
    focused = page.evaluate(
        "(css) => { const el = document.querySelector(css); if (!el) return false;"
        " el.focus(); el.select && el.select(); return true; }",
        css,
    )
    if focused:
        cdp(page).send("Input.insertText", {"text": text})
    return bool(focused)


# Answers to the first-visit survey, by the text of their buttons; other steps are continued or skipped.
SURVEY_ANSWERS = ("ML Engineer", "My Laptop")
OPTION_SELECTOR = "button, [role=button], [role=radio], [role=checkbox], label"


def get_past_survey(page: Any, base: str, debug_dir: Path | None) -> None:
    """Answer the first-visit survey (account details, then a few choices) until the app shows."""
    for step in range(10):
        if "/survey" not in page.url:
            return
        if debug_dir is not None:
            save_png(page, debug_dir / f"debug-survey-{step}.png")
        text = body_text(page)
        if "Add your account details" in text:
            type_into(page, "input:not([type]), input[type=text]", "Conveyor")
            type_into(page, "input[type=email]", "dashboard@example.com")
            page.evaluate("() => { const c = document.querySelector('button[role=checkbox][data-state=checked]');"
                          " if (c) c.click(); }")
            answered: list[str] = []
        else:
            answered = [a for a in SURVEY_ANSWERS if click_text(page, a, selector=OPTION_SELECTOR)]
        page.wait_for_timeout(500)
        clicked = click_text(
            page, "Continue", "Next", "Finish", "Get started", "Go to Dashboard", "Skip this step", "Skip"
        )
        logger.info("Survey step %d: answered %s, clicked %s", step + 1, answered, clicked)
        if clicked is None:  # a final page without a known button: the answers are saved, go straight in
            page.goto(base, wait_until="domcontentloaded")
            page.wait_for_timeout(3000)
            continue
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and body_text(page) == text:
            page.wait_for_timeout(500)
    raise DashboardError(f"could not get past the first-visit survey at {page.url}")


def api(page: Any, path: str) -> Any:
    """Call the dashboard's REST API with the browser's session."""
    result = page.evaluate(
        "async (path) => { const r = await fetch(path, {credentials: 'include'});"
        " return {status: r.status, body: await r.text()}; }",
        path,
    )
    if result["status"] != 200:
        raise DashboardError(f"GET {path} answered {result['status']}: {result['body'][:200]}")
    return json.loads(result["body"])


def latest_run(page: Any, pipeline: str) -> dict[str, Any] | None:
    """The newest run of ``pipeline``, through the dashboard's own API."""
    runs = api(page, "/api/v1/runs?sort_by=desc:created&size=100")["items"]
    return next((r for r in runs if r["name"].startswith(f"{pipeline}-")), None)


def open_page(page: Any, url: str, expect: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    wait_for_text(page, expect, timeout=60)
    click_css(page, "button[aria-label='Dismiss local-server notice']")
    page.wait_for_timeout(1500)


CLICK_NODE = """(name) => {
  const node = [...document.querySelectorAll('.react-flow__node-artifact')]
    .find(n => n.innerText.trim().split('\\n')[0].trim() === name);
  if (!node) return null;
  const r = (node.querySelector('button') || node).getBoundingClientRect();
  return {x: r.x + r.width / 2, y: r.y + r.height / 2};
}"""


def show_artifact(page: Any, run_url: str, artifact: str, choose: str | None = None) -> None:
    """Open ``artifact``'s node in a run's DAG and its Visualization tab, loading the preview if asked.

    The DAG draws only the nodes in view, so the whole graph is fitted into view first (a monitoring run's
    performance steps sit outside the first view).
    """
    open_page(page, run_url, "Visualization")
    click_css(page, "button[aria-label='Fit view']")
    wait_for_text(page, artifact, timeout=60)
    where = page.evaluate(CLICK_NODE, artifact)
    if where is None:
        raise DashboardError(f"no artifact node '{artifact}' in the DAG at {run_url}")
    mouse_click(page, where["x"], where["y"])
    wait_for_text(page, "Visualization")
    page.wait_for_timeout(1000)
    click_text(page, "Visualization")
    page.wait_for_timeout(2000)
    if choose is not None and click_text(page, choose.replace("sample", "describe"), selector="button"):
        page.wait_for_timeout(800)
        click_text(page, choose, selector="[role=option], [role=menuitem], button, div")
        page.wait_for_timeout(1500)
    if click_text(page, "Load Preview"):
        page.wait_for_timeout(3000)
    page.wait_for_timeout(2000)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8237", help="the dashboard (make dashboard)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs/images", help="where the PNGs go")
    parser.add_argument("--debug", action="store_true", help="also save a picture of every survey step")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from playwright.sync_api import sync_playwright

    base = args.url.rstrip("/")
    out: Path = args.out
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1200})
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base) else route.abort())
        page.goto(base, wait_until="domcontentloaded")
        page.wait_for_timeout(3000)
        get_past_survey(page, base, out if args.debug else None)
        logger.info("Past the first-visit survey")

        open_page(page, f"{base}/projects/default/runs", "training_pipeline")
        save_png(page, out / "dashboard-runs.png")

        training = latest_run(page, "training_pipeline")
        if training is None:
            raise DashboardError("no training run yet: run `python run.py --pipeline training` first")
        run_url = f"{base}/projects/default/runs/{training['id']}"
        open_page(page, run_url, "model_card")
        click_css(page, "button[aria-label='Fit view']")
        page.wait_for_timeout(1500)
        save_png(page, out / "dashboard-training-dag.png", clip_css=".react-flow", scale=1.5)
        for artifact, choose in (
            ("leaderboard", "sample.csv"),
            ("confusion_matrix", None),
            ("model_card", None),
            ("importance_chart", None),
        ):
            show_artifact(page, run_url, artifact, choose)
            save_png(page, out / f"dashboard-{artifact.replace('_', '-')}.png")

        monitoring = latest_run(page, "monitoring_pipeline")
        if monitoring is None:
            logger.warning("No monitoring run yet: no drift report picture (run the monitoring pipeline, then rerun)")
        else:
            # drift_page and drift_table, not Evidently's HTML: the dashboard shows HTML artifacts in an iframe
            # that runs no scripts, and Evidently draws its report with scripts (it renders blank there).
            monitoring_url = f"{base}/projects/default/runs/{monitoring['id']}"
            show_artifact(page, monitoring_url, "drift_page")
            save_png(page, out / "dashboard-drift-page.png")
            show_artifact(page, monitoring_url, "drift_table", "sample.csv")
            save_png(page, out / "dashboard-drift-table.png")
            show_artifact(page, monitoring_url, "performance_page")  # live metrics and calibration, no scripts
            save_png(page, out / "dashboard-performance-page.png")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
