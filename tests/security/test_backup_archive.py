"""`duban backup` is one private archive with the database, every evidence and 督办 reply file and the
data folder's key: after a restore onto an empty data folder, evidence downloads and templates signed
before the backup are accepted."""

from __future__ import annotations

import shutil
import stat
import tarfile

from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session, sessionmaker

from conftest import BACKEND
from duban.exchange.template import make_template
from duban.persistence.models import EntryRow, OrgUnitRow, PeriodRow, PlanRow
from duban.persistence.reporting_models import EvidenceRow
from duban.services.backup import backup, restore
from duban.settings import Settings
from duban.web.app import create_app
from duban.web.auth import secret_key
from security.conftest import PDF, World, filled_template
from web.conftest import log_in


def _template(factory: sessionmaker[Session], world: World, key: str) -> bytes:
    with factory() as session:
        entry = session.get_one(EntryRow, world.entry)
        plan_row = session.get_one(PlanRow, session.get_one(PeriodRow, entry.period_id).plan_id)
        content = make_template(session=session, plan_row=plan_row, unit=session.get_one(OrgUnitRow, world.victim_unit),
                                period=session.get_one(PeriodRow, entry.period_id), key=key)  # fmt: skip
    return filled_template(content, value=420)


def test_a_restore_onto_an_empty_data_folder_brings_back_files_and_the_key(
    factory: sessionmaker[Session], engine: Engine, settings: Settings, world: World, tmp_path
):
    # SQLite's key may be generated into the data folder; PostgreSQL's servers share DUBAN_SECRET_KEY
    in_folder = BACKEND != "postgres"
    site = settings.model_copy(update={"secret_key": None}) if in_folder else settings
    template = _template(factory, world, secret_key(site))
    summary = backup(settings=site, target=tmp_path / "backups" / "site.tar")
    assert (summary.files, summary.missing, summary.key) == (2, [], in_folder)
    assert stat.S_IMODE(summary.path.stat().st_mode) == 0o600
    assert not list(summary.path.parent.glob("*.part"))
    with tarfile.open(summary.path) as tar:
        assert ("secret.key" in tar.getnames()) is in_folder and "manifest.json" in tar.getnames()

    shutil.rmtree(site.data_dir)  # the machine is lost: files and key gone, and the figures changed
    with factory() as session, session.begin():
        session.execute(delete(EvidenceRow))
    engine.dispose()
    restore(settings=site, source=summary.path)

    with TestClient(create_app(site)) as client:
        token = log_in(client, "zhenxiong")
        evidence = client.get(f"/evidence/{world.evidence}")
        upload = client.post(f"/api/periods/{world.period_key}/units/{world.victim_unit}/upload",
                             files={"file": ("t.xlsx", template)}, headers={"X-CSRF-Token": token})  # fmt: skip
        log_in(client, "admin")
        reply = client.get(f"/supervision/items/{world.answered_item}/evidence/{world.reply}")
    assert evidence.status_code == 200 and evidence.content == PDF
    assert reply.status_code == 200 and reply.content == PDF
    assert "校验码" not in upload.text
    if in_folder:
        assert stat.S_IMODE((site.data_dir / "secret.key").stat().st_mode) == 0o600
