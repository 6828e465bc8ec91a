"""What every command shares: the settings, today, the store's sessions, and one way to stop.

The one place the command line opens the store. Before a command touches it, the store is checked:
it exists, answers, and is at the newest migration; otherwise the command stops with one line that
says what to do. Heavy modules are imported inside the functions, so `duban --help` stays fast.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import typer

from duban.choices import Role
from duban.policy import Action, Refused, require

if TYPE_CHECKING:
    from datetime import date

    from duban.persistence.db import Engine, Session, Sessions
    from duban.persistence.models import PlanRow
    from duban.settings import Settings

NOT_INITIALISED = "尚未初始化数据库：请先运行 duban db upgrade（或 duban demo 生成演示数据）"
BEHIND = "数据库结构不是最新版本：请先运行 duban db upgrade（每次升级 duban 后运行一次）"
AHEAD = "数据库结构比本程序新：请升级 duban 到与数据库相同的版本"


Command = TypeVar("Command", bound=Callable[..., Any])


class Operator:
    """Whoever runs the command line: holding the server's shell and its database, they act as the office."""

    role = Role.ADMIN
    unit_id = None
    unit_path = None
    region_path = None

    def path_of(self, unit: int) -> str | None:
        """Never asked: the operator has no unit, so no bound to check a unit against."""
        return None


def asks(action: Action, command: Command) -> Command:
    """`command`, asking the policy for `action` before it runs (as every route asks it)."""

    @functools.wraps(command)
    def checked(*args: Any, **kwargs: Any) -> Any:
        try:
            require(Operator(), action)
        except Refused as refused:
            fail(str(refused))
        return command(*args, **kwargs)

    checked.action = action  # type: ignore[attr-defined]  # read back by the tests
    return checked  # type: ignore[return-value]


YEAR_HELP = "计划年度，如 2027；默认为当前年度的计划（无则为最近一个不晚于今年的计划）"


def plan_of(session: Session, year: int | None, settings: Settings | None = None) -> PlanRow:
    """The plan a command is about: `--year`'s, else this year's (DUBAN_TODAY aware), else the newest plan not
    in the future; as the web chooses (`duban.services.plans.plan_of_year`)."""
    from duban.services.plans import plan_of_year

    row = plan_of_year(session=session, today=today(settings), year=year)
    if row is None:
        fail(f"数据库中没有{year}年度的计划" if year else "数据库中还没有计划，请先运行 duban plan load")
    return row


def fail(message: str) -> NoReturn:
    """Print `message` to stderr and stop with exit code 1."""
    typer.echo(message, err=True)
    raise typer.Exit(1)


def get_settings() -> Settings:
    from duban.settings import get_settings as settings

    return settings()


def today(settings: Settings | None = None) -> date:
    """Today, unless DUBAN_TODAY pretends otherwise."""
    return (settings or get_settings()).current_date()


def unreachable(url: str) -> str:
    from duban.persistence.db import safe_url

    return f"无法连接数据库 {safe_url(url)}：请检查 DUBAN_DATABASE_URL 和数据库服务是否可用"


def check_store(settings: Settings | None = None) -> None:
    """Stop with one line unless the store exists, answers and is at the newest migration."""
    settings = settings or get_settings()
    _check_sqlite_file(settings.sqlalchemy_url())
    from duban.persistence.db import make_engine

    engine = make_engine(settings.sqlalchemy_url())
    try:
        _check_schema(engine, settings.sqlalchemy_url())
    finally:
        engine.dispose()


@contextmanager
def sessions(settings: Settings | None = None) -> Iterator[Sessions]:
    """A session factory on the checked store; its connections are closed when the block ends."""
    from duban.persistence.db import make_engine, session_factory

    settings = settings or get_settings()
    url = settings.sqlalchemy_url()
    _check_sqlite_file(url)
    engine = make_engine(url)
    try:
        _check_schema(engine, url)
        yield session_factory(engine)
    finally:
        engine.dispose()


@contextmanager
def transaction(settings: Settings | None = None) -> Iterator[Session]:
    """One session on the checked store that commits on success and rolls back on any error."""
    from duban.persistence.db import transaction as store_transaction

    with sessions(settings) as factory, store_transaction(factory) as session:
        yield session


def _check_sqlite_file(url: str) -> None:
    """A SQLite store that is not there yet is not created by a command that only reads or adds to it."""
    from duban.persistence.db import missing_sqlite_file

    if missing_sqlite_file(url):
        fail(NOT_INITIALISED)


def _check_schema(engine: Engine, url: str) -> None:
    from duban.persistence.db import StoreState, schema_state

    state = schema_state(engine)
    messages = {StoreState.UNREACHABLE: unreachable(url), StoreState.EMPTY: NOT_INITIALISED,
                StoreState.BEHIND: BEHIND, StoreState.AHEAD: AHEAD}  # fmt: skip
    if state in messages:
        fail(messages[state])
