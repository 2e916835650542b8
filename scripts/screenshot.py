"""Screenshot of a call page as a supervisor sees it, mid-playback from a finding's
evidence (docs/call-page.png). Needs a running `qa-audio serve` and a reviewer account:

    .venv/bin/python scripts/screenshot.py --base http://127.0.0.1:8000 --user sup --password ... --call c004
"""

from __future__ import annotations

import argparse

from playwright.sync_api import sync_playwright


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", default="http://127.0.0.1:8000")
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--call", default="c004")
    ap.add_argument("--rule", default="closing_thanks", help="Play from this finding's evidence.")
    ap.add_argument("--out", default="docs/call-page.png")
    args = ap.parse_args()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--autoplay-policy=no-user-gesture-required"])
        page = browser.new_page(viewport={"width": 1280, "height": 860}, locale="zh-CN")
        page.goto(args.base + "/login")
        page.fill("input[name=name]", args.user)
        page.fill("input[name=password]", args.password)
        page.click("button.primary")
        page.goto(f"{args.base}/calls/{args.call}")
        page.wait_for_selector("body[data-player=ready]")
        page.locator(f"#finding-{args.rule} .evidence").first.click()
        page.wait_for_timeout(1200)
        page.evaluate("() => { window.qaPlayer.pause(); window.scrollTo(0, 0); }")
        page.screenshot(path=args.out)
        browser.close()


if __name__ == "__main__":
    main()
