"""报送情况's rows on the dashboard are made in Python and kept per row; they are what the template's loop wrote."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from duban.choices import OrgKind
from duban.services.reported import ReportingLine
from duban.web.pages.common import templates
from duban.web.pages.dashboard import reporting_rows

# `_dashboard_main.html`'s loop before 2026-12-07, the reference the rows are compared with
TEMPLATE_LOOP = """    {% for r in view.reporting %}
    <tr {% if r.late %}class="late"{% endif %}><td>{% if r.kind == view.level.ranked %}<a href="{% filter link %}/counties/{{ r.unit }}?month={{ view.month }}{% endfilter %}">{{ r.unit }}</a>{% else %}{{ r.unit }}{% endif %}</td>
      <td class="num">{{ r.expected }}</td><td class="num">{{ r.submitted }}</td><td class="num">{{ r.approved }}</td>
      <td class="num">{{ r.returned }}</td><td class="num {% if r.late %}error{% endif %}">{{ r.missing }}{% if r.late %} 逾期{% endif %}</td></tr>
    {% endfor %}
"""


def line(unit: str = "鲁甸县", kind: OrgKind = OrgKind.COUNTY, *, late: bool = False) -> ReportingLine:
    return ReportingLine(
        unit=unit, kind=kind, expected=12, submitted=9, approved=7, returned=1, missing=3, late=late
    )


@pytest.mark.parametrize(
    ("lines", "ranked", "kept"),
    [
        ([line()], OrgKind.COUNTY, ""),
        ([line(late=True), line("巧家县")], OrgKind.COUNTY, "year=2025"),
        ([line("第0001镇", OrgKind.TOWNSHIP, late=True)], OrgKind.CITY, ""),
        ([line('<b>"A&B"</b>')], OrgKind.COUNTY, "year=2025&plan=3"),
        ([line('<b>"A&B"</b>', OrgKind.DEPARTMENT, late=True)], OrgKind.COUNTY, "year=2025"),
        ([], OrgKind.COUNTY, ""),
    ],
)
def test_the_rows_are_what_the_templates_loop_wrote(lines, ranked, kept):
    view = SimpleNamespace(reporting=lines, level=SimpleNamespace(ranked=ranked), month=6)
    reference = templates.env.from_string(TEMPLATE_LOOP).render(view=view, plan_query=kept)
    assert "    " + reporting_rows(view=view, kept=kept) == reference  # type: ignore[arg-type]  # (Jinja drops the last newline)


def test_a_row_is_made_once_for_what_it_shows():
    view = SimpleNamespace(
        reporting=[line(), line("巧家县")], level=SimpleNamespace(ranked=OrgKind.COUNTY), month=6
    )
    first = reporting_rows(view=view, kept="")  # type: ignore[arg-type]
    view.reporting = [line(), line("巧家县", late=True)]
    second = reporting_rows(view=view, kept="")  # type: ignore[arg-type]
    assert first.split("</tr>")[0] == second.split("</tr>")[0] and 'class="late"' in second.split("</tr>")[1]
