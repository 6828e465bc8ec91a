"""`duban user add | disable | reset`."""

from __future__ import annotations

import typer

from duban.cli.runtime import fail, transaction


def add(
    username: str = typer.Argument(..., help="登录名"),
    role: str = typer.Option(..., help="admin（督查室）/ reporter（填报员）/ leader（领导）"),
    unit: str | None = typer.Option(None, help="填报员所属单位，如 镇雄县"),
    name: str | None = typer.Option(None, help="显示名称"),
    email: str | None = typer.Option(None, help="接收督办提醒的邮箱"),
) -> None:
    """新增账号，随机生成初始密码并只显示一次（从不使用默认密码）。"""
    from duban.choices import Role
    from duban.services.users import AccountError, add_user, new_password

    password = new_password()
    try:
        chosen = Role.from_label(role)
        with transaction() as session:
            add_user(session=session, username=username, password=password, role=Role(chosen),
                     unit=unit, display_name=name, email=email)  # fmt: skip
    except (AccountError, ValueError) as exc:
        fail(f"未能创建账号：{exc}")
    typer.echo(f"已创建账号 {username}，初始密码（只显示这一次）：{password}")


def disable(username: str = typer.Argument(..., help="登录名")) -> None:
    """停用账号；它的登录立即失效。"""
    from duban.services.users import AccountError, set_active

    try:
        with transaction() as session:
            set_active(session=session, username=username, active=False)
    except AccountError as exc:
        fail(str(exc))
    typer.echo(f"已停用账号 {username}")


def reset(username: str = typer.Argument(..., help="登录名")) -> None:
    """为账号重新随机生成密码（只显示一次），并重新启用它。"""
    from duban.services.users import AccountError, new_password, set_active, set_password

    password = new_password()
    try:
        with transaction() as session:
            set_password(session=session, username=username, password=password)
            set_active(session=session, username=username, active=True)
    except AccountError as exc:
        fail(str(exc))
    typer.echo(f"已重置 {username} 的密码（只显示这一次）：{password}")
