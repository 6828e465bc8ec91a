"""`duban db upgrade`."""

from __future__ import annotations

import typer

from duban.cli.runtime import get_settings


def upgrade() -> None:
    """把数据库升级到最新结构（每次升级 duban 后运行一次；新数据库也用它创建）。"""
    from duban.persistence.db import safe_url
    from duban.persistence.migrate import upgrade as upgrade_store

    url = get_settings().sqlalchemy_url()
    upgrade_store(url)
    typer.echo(f"数据库已升级到最新版本：{safe_url(url)}")
