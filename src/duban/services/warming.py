"""What a server computes for itself after it starts, before the first leader asks: the default plan's
dashboard summaries of the 当前报送期 and the month before (the judged periods under them with them).

On a province (5.4 M figures) the first `GET /` after a start read and judged both months from the store:
4.5 s of CPU. Computed here, on a thread of its own once the server takes requests, they are what the
first dashboard and map data are answered from; a request that comes first waits for the same computation
(`readcache.remembered`), never a second one.
"""

from __future__ import annotations

import threading
from datetime import date

from duban.persistence.db import Sessions
from duban.services.office import current_month, office_settings
from duban.services.plans import plan_of_year
from duban.services.summary import remembered_summary


def warm_dashboard(*, sessions: Sessions, today: date, stop: threading.Event) -> list[int]:
    """Remember the default plan's summaries of the current month and the month before; the months done.
    `stop` is looked at before each month (a server stopping meanwhile finishes the month under way)."""
    done: list[int] = []
    with sessions() as session:
        plan_row = plan_of_year(session=session, today=today)
        if plan_row is None:
            return done
        month = current_month(session=session, plan_row=plan_row, today=today)
        basis = office_settings(session=session, plan_id=plan_row.id).basis
        for wanted in (month, month - 1) if month > 1 else (month,):
            if stop.is_set():
                break
            remembered_summary(session=session, plan_row=plan_row, month=wanted, today=today, basis=basis)
            done.append(wanted)
    return done
