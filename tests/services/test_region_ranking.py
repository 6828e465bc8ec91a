"""A province's dashboard ranks (and its map colours) its 州市, as its overview and bulletin do: the regions one
level below the plan's top (`plan.levels`), each scored on the targets it holds, whichever plan its figure
comes from."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from duban.persistence.models import PlanRow
from duban.services.overview import period_overview
from duban.services.summary import dashboard_summary
from yunnan import MAY, load_yunnan, shipped

TODAY = date(2026, 6, 10)


def _ranked(
    factory: sessionmaker[Session], region: str
) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    with factory() as session, session.begin():
        load_yunnan(session)
    with factory() as session:
        row = session.scalars(select(PlanRow).where(PlanRow.region == region)).one()
        views = (period_overview(session=session, plan_row=row, month=MAY, today=TODAY),
                 dashboard_summary(session=session, plan_row=row, month=MAY, today=TODAY))  # fmt: skip
        return tuple(
            [(r.unit, r.rank, round(float(r.score), 9), r.total, r.good) for r in v.rankings] for v in views
        )  # type: ignore[return-value]


def test_the_province_dashboard_ranks_its_16_cities_as_its_overview_does(factory) -> None:
    overview, summary = _ranked(factory, "云南省")
    assert summary == overview
    assert len(summary) == len(shipped("530000")) == 16
    assert summary[0][0] == "昆明市" and summary[0][2] == 100.0  # 80 of 100 by May: ahead of 序时
    assert dict((u, s) for u, _, s, *_ in summary)["曲靖市"] == 0.0  # 18 of 100 from its own plan: far behind
