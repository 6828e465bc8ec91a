"""What operators rely on: liveness, readiness, metrics and request ids."""

import json
import logging

from sqlalchemy import text

from duban.web.ops import JsonFormatter
from web.conftest import log_in


def test_healthz_answers_without_login(client):
    response = client.get("/healthz")
    assert (response.status_code, response.text) == (200, "ok")


def test_readyz_checks_database_and_migrations(client):
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json() == {"ready": True, "reason": "", "warmed": None}


def test_readyz_is_503_when_the_schema_is_behind(client, engine):
    with engine.begin() as connection:
        head = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one()
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0004_supervision'")
    try:
        response = client.get("/readyz")
        assert response.status_code == 503 and "duban db upgrade" in response.json()["reason"]
    finally:  # on PostgreSQL the store is shared by the tests that follow
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})


def test_every_response_carries_a_request_id_and_is_counted(client):
    first = client.get("/healthz", headers={"X-Request-ID": "abc123"})
    assert first.headers["X-Request-ID"] == "abc123"
    assert len(client.get("/healthz").headers["X-Request-ID"]) == 32
    log_in(client, "admin")
    metrics = client.get("/metrics").text
    assert 'duban_request_seconds_count{method="GET",route="/healthz"} 2.0' in metrics


def test_every_response_says_the_servers_time_for_it(client):
    timing = client.get("/healthz").headers["Server-Timing"]
    name, duration = timing.split(";dur=")
    assert name == "app" and 0 <= float(duration) < 60_000


def test_log_lines_are_json():
    record = logging.LogRecord("duban", logging.WARNING, __file__, 1, "数据库慢了", None, None)
    line = json.loads(JsonFormatter().format(record))
    assert (line["level"], line["message"]) == ("WARNING", "数据库慢了")


def test_metrics_read_the_store_so_every_server_reports_the_same(client, factory):
    from sqlalchemy import select

    from duban.persistence.models import IndicatorRow, OrgUnitRow, PlanRow
    from duban.services.entries import ensure_periods, record_value

    with factory() as session, session.begin():
        plan = session.scalars(select(PlanRow)).one()
        period = ensure_periods(session=session, plan=plan, cutoff_day=25, combine_jan_feb=False)[0]
        unit = session.scalar(select(OrgUnitRow.id).where(OrgUnitRow.name == "市交通运输局"))
        record_value(session=session, indicator_id=session.scalar(select(IndicatorRow.id)), unit_id=unit,
                     period_id=period.id, user_id=None, value=1)  # fmt: skip
    log_in(client, "admin")
    assert 'duban_entries{state="draft"} 1.0' in client.get("/metrics").text
