"""Bounds on the numbers a URL carries, so a huge id is a 422 in Chinese and never reaches the database.

Ids are INTEGER columns: a larger number names no row, and the database refuses to even compare it
(PostgreSQL: integer out of range; SQLite past 2^63: OverflowError), which would be a 500.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Path, Query

MAX_ROW_ID = 2**31 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
MonthPath = Annotated[int, Path(ge=1, le=12)]
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)]
PageQuery = Annotated[int, Query(ge=1, le=MAX_ROW_ID)]
IdForm = Annotated[int, Form(ge=1, le=MAX_ROW_ID)]
MonthForm = Annotated[int, Form(ge=1, le=12)]
