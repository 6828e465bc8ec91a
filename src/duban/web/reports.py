"""Download the 督查通报 from the web app: /reports/2026-06.pdf, /reports/2026-06.docx?unit=镇雄县.

Leaders and the office may download any bulletin; a county's reporter only that county's (the city
bulletin is not theirs to take); other reporters none.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from duban.choices import OrgKind, Role
from duban.reports.service import FORMATS, MEDIA_TYPES, ReportError, bulletin_for, file_name, render
from duban.store.models import OrgUnitRow
from duban.web.auth import CurrentUser, db_session, require_user

router = APIRouter()


def allowed_unit(*, session: Session, user: CurrentUser, unit: str | None) -> str | None:
    """The county whose bulletin `user` may have, given the one asked for; refuse otherwise."""
    if user.role in (Role.ADMIN, Role.LEADER):
        return unit
    own = session.get(OrgUnitRow, user.unit_id) if user.unit_id else None
    if own is not None and own.kind == OrgKind.COUNTY and unit in (None, own.name):
        return own.name
    raise HTTPException(status_code=403, detail="只能下载本县（市、区）的督查通报")


@router.get("/reports/{period}.{fmt}", name="report_download")
def report_download(
    request: Request, period: str, fmt: str, user: Annotated[CurrentUser, Depends(require_user)],
    unit: str | None = None,
) -> Response:  # fmt: skip
    """The bulletin of `period` as a file, for the city or `?unit=` a county."""
    if fmt not in FORMATS:
        raise HTTPException(status_code=404, detail=f"不支持的格式“{fmt}”")
    session = db_session(request)
    wanted = allowed_unit(session=session, user=user, unit=unit or None)
    try:
        bulletin = bulletin_for(session=session, period=period, unit=wanted, today=_today(request))
    except ReportError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    name = quote(file_name(bulletin=bulletin, fmt=fmt))
    headers = {"Content-Disposition": f"attachment; filename*=UTF-8''{name}"}
    return Response(render(bulletin=bulletin, fmt=fmt), media_type=MEDIA_TYPES[fmt], headers=headers)


def _today(request: Request) -> date:
    configured = request.app.state.settings.today
    return date.fromisoformat(configured) if configured else date.today()
