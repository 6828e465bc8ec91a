"""Every page for every role in a real Chromium: axe-core finds no serious or critical fault, and nothing scrolls
sideways on a 360 px phone.

The store is what `duban demo` builds (SQLite, as the other browser tests use whatever DUBAN_TEST_DB says: the
server's store is the page's concern, not the backend's). Each role (督查室, a county's and a department's
reporter, 市领导) starts at the seeds of `demo_pages` and follows the links its pages show, one page per route
template. On each page at 1366 px, axe-core (npm, fetched by `scripts/fetch_assets.sh --test`) is injected and
run; the same page is then narrowed to 360 px and its document must be no wider. A page that fails is saved as
a screenshot under test-output/screenshots/; each role's home page is saved at both widths.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser.conftest import REPO, running_server, shoot
from demo_pages import ROLES, SEEDS, TODAY, RouteQuota, build_demo_store, demo_passwords, page_links
from duban.settings import Settings
from duban.web.app import create_app

pytestmark = pytest.mark.browser
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
OFFICE = {"width": 1366, "height": 900}
PHONE = {"width": 360, "height": 740}
PER_ROUTE = 1
# at 360 px the colours are those of 1366 px (the phone CSS changes layout only): contrast, axe's slowest rule,
# is checked once
AXE_AT = {1366: "{resultTypes: ['violations']}",
          360: "{resultTypes: ['violations'], rules: {'color-contrast': {enabled: false}}}"}  # fmt: skip
RUN_AXE = """options => axe.run(document, options).then(r => r.violations
    .filter(v => ['serious', 'critical'].includes(v.impact))
    .map(v => ({rule: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.slice(0, 5).map(n => n.target.join(' '))})))"""
SETTLED = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The base URL of a `duban serve` on a demo store, and the store's folder."""
    if not AXE.exists():
        pytest.skip(f"{AXE} is missing: run `bash scripts/fetch_assets.sh --test`")
    data_dir = tmp_path_factory.mktemp("every-page-demo")
    build_demo_store(data_dir=data_dir, url=f"sqlite:///{data_dir / 'duban.db'}")
    with running_server(data_dir, TODAY) as base:
        yield base, data_dir


@pytest.fixture
def role_page(browser: Any, demo_site: tuple[str, Path], request: pytest.FixtureRequest) -> Iterator[Any]:
    """A page signed in as the demo account of the role the test is parametrized with."""
    base, data_dir = demo_site
    context = browser.new_context(viewport=OFFICE, locale="zh-CN", base_url=base)
    page = context.new_page()
    username = ROLES[request.node.callspec.params["role"]]
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", demo_passwords(data_dir)[username])
    page.click("button[type=submit].primary")
    page.wait_for_url(lambda url: "/login" not in url)
    yield page
    context.close()


def visit(page: Any, path: str) -> bool:
    """Open `path`; whether it is an HTML page (not a file to download)."""
    response = page.goto(path, wait_until="load")
    return response is not None and response.headers.get("content-type", "").startswith("text/html")


def grave_faults(page: Any, width: int = 1366) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page open in `page`, `width` px wide."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return list(page.evaluate(f"() => ({RUN_AXE})({AXE_AT[width]})"))


def scroll_width(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def shot_name(role: str, path: str, width: int) -> str:
    slug = "".join(c if c.isalnum() else "-" for c in path.strip("/")) or "home"
    return f"every-{role}-{slug[:60]}-{width}"


def check_page(page: Any, role: str, path: str) -> tuple[list[str], int]:
    """axe-core's grave faults at both widths, and how many pixels the page is wider than a 360 px phone."""
    faults, overflow = [], 0
    for size in (OFFICE, PHONE):
        page.set_viewport_size(size)
        page.evaluate(SETTLED)  # the charts follow the new width (a resize event, then a frame)
        found = grave_faults(page, size["width"])
        faults += [f"{path} at {size['width']} px: {f['impact']} {f['rule']} ({f['help']}) at {f['targets']}"
                   for f in found]  # fmt: skip
        if size is PHONE:
            overflow = max(0, scroll_width(page) - PHONE["width"])
        if found or overflow or path == "/":
            shoot(page, shot_name(role, path, size["width"]))
    page.set_viewport_size(OFFICE)
    return faults, overflow


@pytest.mark.parametrize("role", ROLES)
def test_every_page_passes_axe_and_fits_a_phone(
    role_page: Any, demo_site: tuple[str, Path], role: str
) -> None:
    page = role_page
    quota = RouteQuota(create_app(Settings(data_dir=demo_site[1], secret_key="x", today=TODAY)), PER_ROUTE)
    queue, done, faults, wide = [*SEEDS], set(), [], {}
    while queue:
        path = queue.pop(0)  # the seeds (among them a 404) are visited whatever their route's quota
        if path in done or (path not in SEEDS and not quota.admit(path)) or not visit(page, path):
            continue
        done.add(path)
        queue += page_links(page.content())
        found, overflow = check_page(page, role, path)
        faults += found
        if overflow:
            wide[path] = overflow
    assert len(done) >= 10, sorted(done)
    assert not faults and not wide, (
        f"{len(faults)} axe-core faults ({role}, {len(done)} pages):\n"
        + "\n".join(faults)
        + f"\npages wider than a 360 px phone (px too wide): {wide}"
    )


def test_the_check_finds_what_axe_calls_grave(browser: Any) -> None:
    """The check is not blind: a nameless field, a nameless button and faint text are reported."""
    context = browser.new_context(viewport=OFFICE)
    page = context.new_page()
    page.set_content('<html lang="zh-CN"><title>t</title><main><p style="color:#bbb">浅灰文字</p>'
                     '<input type="text"><button></button></main></html>')  # fmt: skip
    rules = {fault["rule"] for fault in grave_faults(page)}
    context.close()
    assert {"color-contrast", "label", "button-name"} <= rules, rules
