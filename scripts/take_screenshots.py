"""Screenshots of the demo database for the README (called by
scripts/screenshots, which serves the database)."""

import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE, OUT = sys.argv[1], Path(sys.argv[2])
BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
]


def login(page, login, password):
    page.goto(f"{BASE}/web/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("load")


def res_id(page, xmlid):
    module, name = xmlid.split(".")
    result = page.evaluate(
        """async ([module, name]) => {
            const response = await fetch("/web/dataset/call_kw", {
                method: "POST",
                headers: {"Content-Type": "application/json"},
                body: JSON.stringify({jsonrpc: "2.0", method: "call", params: {
                    model: "ir.model.data", method: "search_read",
                    args: [[["module", "=", module], ["name", "=", name]], ["res_id"]],
                    kwargs: {},
                }}),
            });
            return (await response.json()).result;
        }""",
        [module, name],
    )
    return result[0]["res_id"]


def shot(page, url, name, click=None, wait=3000):
    page.goto(f"{BASE}{url}")
    page.wait_for_load_state("load")
    page.wait_for_timeout(wait)
    if click:
        page.click(click)
        page.wait_for_timeout(1000)
    path = OUT / name
    page.screenshot(path=str(path))
    print(f"wrote {path}")


def main():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=BROWSER, args=ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        login(page, "admin", "admin")
        complaint = res_id(page, "quality_complaint.complaint_leak_solution_demo")
        dashboard = res_id(
            page, "quality_complaint.spreadsheet_dashboard_quality_complaints"
        )
        action = "/odoo/action-quality_complaint.helpdesk_ticket_action_quality"
        shot(page, f"{action}/{complaint}", "screenshot_complaint_form.png")
        shot(
            page,
            f"{action}/{complaint}",
            "screenshot_complaint_8d.png",
            click=".o_notebook a[name='investigation']",
        )
        shot(
            page,
            "/odoo/action-quality_complaint.quality_batch_issue_action",
            "screenshot_batch_problems.png",
        )
        shot(
            page,
            "/odoo/action-quality_complaint.quality_replacement_plan_action",
            "screenshot_replacement_plan.png",
            click=".o_data_row td.o_data_cell",
        )
        shot(
            page,
            f"/odoo/dashboards?dashboard_id={dashboard}",
            "screenshot_dashboard.png",
            wait=6000,
        )
        page.context.clear_cookies()
        login(page, "distributor", "distributor")
        shot(page, "/my/quality/complaint/new", "screenshot_portal_form.png")
        browser.close()


if __name__ == "__main__":
    main()
