"""The bulletin's charts as a grey photocopy shows them: every status told apart, labels whole, notes clear."""

import re
from io import BytesIO
from itertools import combinations

import pytest
from PIL import Image

from duban.choices import Status
from duban.reports import charts
from duban.reports.model import Bar, Chart
from duban.reports.raster import cjk_font, png

LONG = "磷基新材料产业集群计划开工项目总投资"


def luma(colour: str) -> float:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.299 * r + 0.587 * g + 0.114 * b


@pytest.mark.parametrize(("one", "other"), list(combinations(Status, 2)))
def test_statuses_differ_in_grey_or_pattern(one, other):
    (a, pa), (b, pb) = charts.PRINT_STYLE[one], charts.PRINT_STYLE[other]
    assert abs(luma(a) - luma(b)) >= 40 or pa != pb, (one, other)


def test_done_and_far_behind_no_longer_the_same_grey():
    done, far = charts.PRINT_STYLE[Status.DONE], charts.PRINT_STYLE[Status.FAR_BEHIND]
    assert done[1] != far[1]


@pytest.mark.parametrize(
    ("label", "lines"),
    [
        ("镇雄县", ["镇雄县"]),
        ("新开工项目数", ["新开工项目数"]),
        (LONG, ["磷基新材料产业集群", "计划开工项目总投资"]),
    ],
)
def test_labels_wrap_never_cut(label, lines):
    assert charts.label_lines(label) == lines
    assert "".join(charts.label_lines(label)) == label


def progress_chart(completion: float, expected: float) -> Chart:
    bar = Bar(LONG, (charts.segment(Status.BEHIND, completion),), f"{completion:g}%", expected)
    return Chart("项目建设目标完成率与序时进度", (bar,), 120.0, marker_label="序时进度",
                 **charts.legend_of(charts.STATUS_ORDER[:5]))  # fmt: skip


def test_svg_note_sits_right_of_the_marker_and_label_is_whole():
    drawn = charts.svg(progress_chart(40, 95))
    marker = max(
        float(x)
        for x in re.findall(
            r'<line x1="([\d.]+)" y1="\d+" x2="\1" y2="\d+" stroke="#24292f" stroke-width="2"', drawn
        )
    )
    note_x = float(re.search(r'<text x="([\d.]+)"[^>]*>40%</text>', drawn)[1])
    assert note_x > marker + 2
    assert "磷基新材料产业集群" in drawn and "计划开工项目总投资" in drawn and "…" not in drawn


@pytest.mark.skipif(cjk_font(12) is None, reason="no CJK font for the Word charts")
def test_grey_raster_keeps_the_statuses_apart():
    chart = charts.status_chart(counts=dict.fromkeys(Status, 3), title="状态分布")
    image = Image.open(BytesIO(png(chart))).convert("L")
    scale = image.width // charts.WIDTH
    looks = []
    for row in range(len(chart.bars)):
        y = (charts.TOP + row * charts.ROW_H + charts.ROW_H // 2) * scale
        strip = [
            image.getpixel((x, y))
            for x in range((charts.LABEL_W + 10) * scale, (charts.LABEL_W + 60) * scale)
        ]
        looks.append((round(sum(strip) / len(strip) / 25), tuple(sorted(set(strip)))[:3]))
    assert len(set(looks)) == len(looks), looks
