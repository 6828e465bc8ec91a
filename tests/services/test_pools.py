"""Each server process's pools fit its share of the database's connections, whatever the processes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from duban.persistence.db import make_engine
from duban.persistence.pools import (
    ADMIN_RESERVE,
    PoolSizes,
    TooFewConnections,
    fitted,
    process_budget,
    server_connection_limit,
)


def test_two_servers_of_two_processes_fit_a_hundred_connections():
    budget = process_budget(max_connections=100, reserved=3, share=0.5, processes=2)
    sizes = fitted(PoolSizes(threads=20, read=2, overflow=10), budget)
    assert (budget, sizes) == (23, PoolSizes(threads=16, read=2, overflow=2))
    assert 2 * 2 * sizes.connections <= 100 - 3 - ADMIN_RESERVE


def test_pools_that_fit_are_left_as_asked():
    wanted = PoolSizes(threads=10, read=2, overflow=3)
    assert fitted(wanted, 19) == wanted  # 10 threads, 2 read, 3 + 3 overflow, the event loop's 1
    assert fitted(wanted, None) == wanted  # SQLite: no limit to read


def test_a_budget_too_small_for_one_thread_is_refused():
    with pytest.raises(TooFewConnections, match="3 个数据库连接"):
        fitted(PoolSizes(threads=10, read=2, overflow=10), 3)


@given(
    max_connections=st.integers(20, 2000),
    reserved=st.integers(0, 10),
    share=st.floats(0.05, 1.0),
    processes=st.integers(1, 16),
    threads=st.integers(1, 100),
    read=st.integers(1, 10),
    overflow=st.integers(0, 20),
)
def test_every_process_of_a_server_together_stays_within_its_share(
    max_connections, reserved, share, processes, threads, read, overflow
):
    budget = process_budget(
        max_connections=max_connections, reserved=reserved, share=share, processes=processes
    )
    try:
        sizes = fitted(PoolSizes(threads=threads, read=read, overflow=overflow), budget)
    except TooFewConnections:
        assert budget < 5  # a thread, a read connection, an overflow of one for each pool, the loop's own
        return
    assert processes * sizes.connections <= share * (max_connections - reserved - ADMIN_RESERVE)
    assert 1 <= sizes.threads <= threads and 1 <= sizes.read <= read and sizes.overflow <= overflow


def test_the_limit_is_read_from_postgresql_and_there_is_none_on_sqlite(db_url):
    limit = server_connection_limit(db_url)
    if db_url.startswith("sqlite"):
        assert limit is None
        return
    engine = make_engine(db_url)
    with engine.connect() as connection:
        wanted = tuple(
            int(connection.execute(text(f"SHOW {name}")).scalar_one())
            for name in ("max_connections", "superuser_reserved_connections")
        )
    engine.dispose()
    assert limit == wanted
