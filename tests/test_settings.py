from pathlib import Path

from duban.settings import Settings, settings_table

DOC = Path(__file__).resolve().parents[1] / "docs" / "settings.md"


def test_every_setting_is_documented():
    assert settings_table() in DOC.read_text(encoding="utf-8")


def test_every_setting_has_a_description():
    assert [n for n, f in Settings.model_fields.items() if not f.description] == []


def test_settings_come_from_duban_environment(monkeypatch):
    monkeypatch.setenv("DUBAN_CUTOFF_DAY", "28")
    monkeypatch.setenv("DUBAN_DATABASE_URL", "postgresql+psycopg://x@h/db")
    settings = Settings()
    assert (settings.cutoff_day, settings.sqlalchemy_url()) == (28, "postgresql+psycopg://x@h/db")
