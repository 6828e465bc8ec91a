"""Reads made on a server's event loop, on PostgreSQL: no worker thread, no pool, one round trip each.

A read handed to a thread waits for the GIL at every hand-over (the thread's start, the pool's checkout and
its ping, the statement's answer, the way back to the loop) behind the threads answering saves: a page
copy's check took p50 65–130 ms that way at the month-end rush (80 reporters, 20 leaders). On the loop it
waits for the loop's next turn alone. SQLite has no such reads (its reads take no network round trip).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import TypeVar

from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

T = TypeVar("T")
LoopConnection = AsyncConnection  # what a service's loop read is given (the web names no SQLAlchemy type)


class LoopReader:
    """One connection in autocommit, kept by a server process for the reads its event loop makes one at a time
    (`web.pagecache.Checks` reads for all the requests waiting at once). Open from the app's start to its
    shutdown, on the loop that serves it (`open`, `close`): a connection waits on the loop it was made on."""

    def __init__(self, url: str) -> None:
        self.engine: AsyncEngine = create_async_engine(url, poolclass=NullPool)
        self.connection: AsyncConnection | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    def open(self) -> None:
        """Read on the running event loop from now on (the connection is made at the first read)."""
        self.loop = asyncio.get_running_loop()

    def serves_this_loop(self) -> bool:
        """Whether reads may be made here: open, on the running loop (a test's client without the app's start
        runs each request on a loop of its own)."""
        return self.loop is not None and self.loop is asyncio.get_running_loop()

    async def read(self, work: Callable[[LoopConnection], Awaitable[T]]) -> T:
        """`work` on the kept connection; once more on a new one if the database had closed it (a restart)."""
        try:
            return await work(await self._connection())
        except sa_exc.DBAPIError as exc:
            await self._forget()
            if not exc.connection_invalidated:
                raise
        return await work(await self._connection())

    async def close(self) -> None:
        """Close the kept connection and read no more (at the app's shutdown)."""
        await self._forget()
        self.loop = None

    async def _forget(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            with suppress(sa_exc.DBAPIError):  # already broken: nothing left to close
                await connection.close()

    async def _connection(self) -> AsyncConnection:
        if self.connection is None:
            self.connection = await self.engine.connect()
            await self.connection.execution_options(isolation_level="AUTOCOMMIT")
        return self.connection


def loop_reader(url: str) -> LoopReader | None:
    """A server process's loop reader for the store at `url`: None on SQLite, read on a thread instead."""
    return None if url.startswith("sqlite") else LoopReader(url)
