"""Every command speaks Chinese and fails politely: an error nobody caught becomes one line, exit code 1.

`make_polite(app)` wraps the callback of every command of a Typer app once, at start-up; a command
never prints a traceback, whatever the store, the files or the network did.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from duban.cli.runtime import BEHIND, unreachable

HELP_OPTION = "显示本帮助并退出。"


class ChineseCommand(TyperCommand):
    """A command whose --help option is described in Chinese, as everything else is."""

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = HELP_OPTION
        return option


class ChineseGroup(TyperGroup):
    """A command group whose --help option is described in Chinese."""

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = HELP_OPTION
        return option


def make_polite(app: typer.Typer) -> None:
    """Wrap every command of `app` and of its sub-apps, once; their --help speaks Chinese."""
    app.info.cls = app.info.cls or ChineseGroup
    for command in app.registered_commands:
        if command.cls in (None, TyperCommand):
            command.cls = ChineseCommand
        if command.callback is not None and not getattr(command.callback, "polite", False):
            command.callback = polite(command.callback)
    for group in app.registered_groups:
        if group.typer_instance is not None:
            make_polite(group.typer_instance)


def polite(func: Callable[..., Any]) -> Callable[..., Any]:
    """`func`, with any error it did not handle turned into one line on stderr and exit code 1."""

    @functools.wraps(func)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except KeyboardInterrupt:
            typer.echo("已中断", err=True)
            raise typer.Exit(130) from None
        except Exception as exc:
            if _ours(exc):
                raise
            typer.echo(explain(exc), err=True)
            raise typer.Exit(1) from None

    run.polite = True  # type: ignore[attr-defined]
    return run


def explain(exc: BaseException) -> str:
    """One line that says what went wrong and, where duban knows, what to do."""
    return " ".join(_explain(exc).split())


def _explain(exc: BaseException) -> str:
    if type(exc).__module__.startswith("sqlalchemy"):
        return _database(exc)
    if isinstance(exc, FileNotFoundError):
        return f"找不到文件或文件夹“{exc.filename}”：请检查路径"
    if isinstance(exc, PermissionError):
        return f"没有权限读写“{exc.filename}”：请检查文件权限"
    if isinstance(exc, IsADirectoryError | NotADirectoryError):
        return f"“{exc.filename}”不是文件：请给出文件路径"
    if isinstance(exc, OSError):
        return f"读写文件或网络出错：{exc.strerror or exc}"
    if type(exc).__name__ == "ValidationError" and type(exc).__module__.startswith("pydantic"):
        return f"配置有误：请检查 DUBAN_ 开头的环境变量或 .env 文件（{_first_line(exc)}）"
    if type(exc).__name__ == "SharedKeyMissing" or isinstance(exc, ValueError):
        return str(exc) or type(exc).__name__
    return f"出错了（{type(exc).__name__}）：{_first_line(exc)}"


def _database(exc: BaseException) -> str:
    from duban.cli.runtime import get_settings
    from duban.persistence.db import StoreState, bad_url, store_fault

    fault = store_fault(exc)
    if fault is StoreState.BEHIND:
        return BEHIND
    if fault is StoreState.UNREACHABLE:
        try:
            url = get_settings().sqlalchemy_url()
        except Exception:  # the settings themselves are broken: name the setting
            url = ""
        return unreachable(url)
    if bad_url(exc):
        return f"数据库地址无效：请检查 DUBAN_DATABASE_URL({_first_line(exc)})"
    return f"数据库出错：{_first_line(getattr(exc, 'orig', None) or exc)}"


def _first_line(exc: object) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _ours(exc: BaseException) -> bool:
    """typer's and click's own exits and usage errors: they already speak to the user."""
    return type(exc).__module__.split(".")[0] in ("typer", "click")
