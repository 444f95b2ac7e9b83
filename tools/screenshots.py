"""Screenshots of every page, as a user sees them, for looking at (not a test).

    .venv/bin/python tools/screenshots.py --url http://127.0.0.1:8501 --out screenshots
        [--pages overview,dues] [--widths 1440,1280] [--langs zh,en] [--query "year=2025&quarter=2"]
        [--user admin --password demo-admin-2025]

Drives the system Chromium (/usr/bin/chromium) with Playwright; the page and the language come
from the URL (?lang=en), so a shot is exactly what that link shows. The viewport is tall enough
for the whole page to render without the app's own scrolling.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

PAGES = (
    "overview",
    "organisation",
    "contracts",
    "dues",
    "welfare",
    "activities",
    "reporting",
    "upload",
    "targets",
    "units",
    "report",
    "accounts",
    "audit",
)
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DONE = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    return app && app.getAttribute('data-test-script-state') === 'notRunning';
}"""


def sign_in(page, url: str, user: str, password: str) -> None:
    """Through the login form, as a person signs in (the session cookie then holds for the context)."""
    page.goto(url)
    form, signed_in = page.get_by_label("账号"), page.get_by_text("当前账号：")
    form.or_(signed_in).first.wait_for(timeout=120_000)
    if form.count():
        page.get_by_label("账号").fill(user)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录", exact=True).click()
        page.get_by_text(f"当前账号：{user}").wait_for(timeout=60_000)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8501")
    parser.add_argument("--out", type=Path, default=Path("screenshots"))
    parser.add_argument("--pages", default=",".join(PAGES))
    parser.add_argument("--widths", default="1440,1280")
    parser.add_argument("--langs", default="zh,en")
    parser.add_argument("--query", default="")
    parser.add_argument("--height", type=int, default=5000)
    parser.add_argument("--user", default="admin", help="account to sign in with (the demo admin)")
    parser.add_argument("--password", default="demo-admin-2025")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
        for width in (int(w) for w in args.widths.split(",")):
            context = browser.new_context(viewport={"width": width, "height": args.height}, locale="zh-CN")
            page = context.new_page()
            sign_in(page, args.url, args.user, args.password)
            for lang in args.langs.split(","):
                for name in args.pages.split(","):
                    path = "" if name == "overview" else name
                    query = "&".join(q for q in (f"lang={lang}", args.query) if q)
                    page.goto(f"{args.url}/{path}?{query}")
                    page.wait_for_selector('[data-testid="stApp"]')
                    page.wait_for_function(DONE, timeout=120_000)
                    page.wait_for_timeout(1500)  # charts draw after the script run ends
                    out = args.out / f"{name}-{lang}-{width}.png"
                    height = page.evaluate(
                        "() => document.querySelector('[data-testid=\"stMainBlockContainer\"]').scrollHeight"
                    )
                    page.screenshot(
                        path=str(out),
                        clip={"x": 0, "y": 0, "width": width, "height": min(height + 80, args.height)},
                    )
                    print(out)
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
