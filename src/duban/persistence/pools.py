"""How many connections each server process may open, so that every process of every server fits the store.

PostgreSQL refuses a connection beyond `max_connections` ("sorry, too many clients already"): a request
that met that refusal would fail at once, where one that waits for a pooled connection gets 503 系统繁忙
with Retry-After after DUBAN_DB_POOL_TIMEOUT. So `duban serve` reads the limit once, takes its share
(DUBAN_DB_CONNECTION_SHARE) of what is left after a reserve, divides it between its processes, and each
process's pools (worker threads, read pool, overflow) are shrunk to fit.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text

from duban.persistence.db import make_engine

ADMIN_RESERVE = (
    5  # beyond the superusers' own: psql, migrations, backups, `duban` commands run beside the servers
)


LOOP_READS = 1  # the event loop's own connection, for the page copies' checks (`persistence.loopreads`)


class TooFewConnections(ValueError):
    """The store allows a process fewer connections than one worker thread and its pools need."""


@dataclass(frozen=True)
class PoolSizes:
    """One process's pools: the write pool has a connection per worker thread; each pool has `overflow` more;
    the event loop keeps one of its own (`LOOP_READS`)."""

    threads: int
    read: int
    overflow: int

    @property
    def connections(self) -> int:
        """The most connections the process opens: both pools, both overflows, the event loop's."""
        return self.threads + self.read + 2 * self.overflow + LOOP_READS


def process_budget(*, max_connections: int, reserved: int, share: float, processes: int) -> int:
    """Connections one of `processes` processes may open: `share` of what the server allows after the reserve."""
    usable = max_connections - reserved - ADMIN_RESERVE
    return int(usable * share) // processes


def fitted(wanted: PoolSizes, budget: int | None) -> PoolSizes:
    """`wanted`, shrunk to at most `budget` connections (None: no limit): overflow and read pool to a tenth
    of the budget (at least 1), the worker threads to the rest."""
    if budget is None or wanted.connections <= budget:
        return wanted
    tenth = max(1, budget // 10)
    overflow, read = min(wanted.overflow, tenth), min(wanted.read, tenth)
    threads = min(wanted.threads, budget - read - 2 * overflow - LOOP_READS)
    if threads < 1:
        raise TooFewConnections(f"每个服务进程只能分到 {budget} 个数据库连接，不足以运行")
    return PoolSizes(threads=threads, read=read, overflow=overflow)


def server_connection_limit(url: str) -> tuple[int, int] | None:
    """PostgreSQL's max_connections and the connections it reserves for superusers, read once; None for SQLite."""
    if url.startswith("sqlite"):
        return None
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            limit = int(connection.execute(text("SHOW max_connections")).scalar_one())
            reserved = int(connection.execute(text("SHOW superuser_reserved_connections")).scalar_one())
    finally:
        engine.dispose()
    return limit, reserved


def pools_for(*, url: str, share: float, processes: int, wanted: PoolSizes) -> PoolSizes:
    """`wanted`, fitted to what one of `processes` processes may open of the store's connections."""
    limit = server_connection_limit(url)
    if limit is None:
        return wanted
    max_connections, reserved = limit
    budget = process_budget(
        max_connections=max_connections, reserved=reserved, share=share, processes=processes
    )
    return fitted(wanted, budget)
