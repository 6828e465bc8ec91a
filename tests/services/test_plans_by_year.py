"""Which plan a request means when several years are stored: the year asked for, else today's year,
else the newest plan not in the future (a year still being closed), else the earliest."""

from datetime import date

from builders import make_plan
from duban.services.plan_loading import save_plan
from duban.services.plans import plan_of_year, plan_years


def _years(session, *years: int, region: str = "昭通市") -> None:
    for year in years:
        save_plan(
            session=session, plan=make_plan(year=year, region=region, title=f"{region}{year}年重点工作")
        )
    session.flush()


def _year(session, today: str, **kwargs) -> int | None:
    row = plan_of_year(session=session, today=date.fromisoformat(today), **kwargs)
    return row.year if row else None


def test_one_plan_is_the_plan_whatever_the_day(session):
    _years(session, 2026)
    assert [_year(session, day) for day in ("2025-03-01", "2026-06-10", "2028-01-01")] == [2026] * 3


def test_the_current_year_by_default_and_any_year_by_name(session):
    _years(session, 2026, 2027)
    assert _year(session, "2026-12-20") == 2026  # 2027 loaded early: the office still works in 2026
    assert _year(session, "2027-01-15") == 2027
    assert _year(session, "2027-01-15", year=2026) == 2026
    assert _year(session, "2027-01-15", year=2025) is None
    assert plan_years(session=session) == [(2026, "昭通市"), (2027, "昭通市")]


def test_without_a_plan_for_this_year_the_newest_past_one(session):
    _years(session, 2025, 2026, 2029)
    assert _year(session, "2027-02-01") == 2026  # not the 2029 plan, loaded ahead of its time
    assert _year(session, "2024-02-01") == 2025  # all in the future: the earliest


def test_a_region_chooses_among_the_plans_of_one_year(session):
    _years(session, 2026)
    _years(session, 2026, region="镇雄县")
    assert plan_of_year(session=session, today=date(2026, 6, 1), region="昭通市").region == "昭通市"
    assert plan_of_year(session=session, today=date(2026, 6, 1), region="镇雄县").region == "镇雄县"
