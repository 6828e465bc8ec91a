"""Schemathesis drives every operation of the app's OpenAPI description as the office and finds no server error.

Cases come from the description itself (`/api/openapi.json`); half of them aim their path parameters at
objects that exist (镇雄县's June figure, its evidence, its 督办 items), so the handlers past the 404 are
reached too. Each operation gets a bounded number of examples so the run stays around a minute or two.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from security.conftest import World

EXAMPLES = 100
# FastAPI documents 200 and its own 422 only; the API's refusals (401/403/404/409/413/422/423) carry a Chinese
# `detail` of their own, so their status and body are held to "no server error" and the content type only.
REFUSAL_CHECKS = [not_a_server_error, content_type_conformance]
SUCCESS_CHECKS = [*REFUSAL_CHECKS, response_schema_conformance]


def known_parameters(world: World) -> dict[str, st.SearchStrategy[Any]]:
    """Path parameters that name existing objects of the attacked store."""
    return {
        "key": st.sampled_from([world.period_key, "2026-05", "2026-13", "1-1"]),
        "period": st.sampled_from([world.period_key, "2026-05"]),
        "unit_id": st.sampled_from([world.victim_unit, world.attacker_unit]),
        "indicator_id": st.just(world.indicator),
        "entry_id": st.just(world.entry),
        "evidence_id": st.just(world.evidence),
        "item_id": st.sampled_from([world.pending_item, world.answered_item]),
    }


def steered(operation: Any, world: World) -> st.SearchStrategy[Case]:
    """The operation's generated cases, half of them with path parameters naming existing objects."""
    known = known_parameters(world)

    def aim(case: Case, chosen: dict[str, Any]) -> Case:
        for name in case.path_parameters or {}:
            if name in chosen:
                case.path_parameters[name] = chosen[name]
        return case

    aimed = st.tuples(operation.as_strategy(), st.fixed_dictionaries(known)).map(lambda pair: aim(*pair))
    return st.one_of(operation.as_strategy(), aimed)


def run_operation(operation: Any, world: World, call: Callable[[Case], None]) -> None:
    """Hypothesis over one operation, bounded, without shrinking (a failure is reported as found)."""

    @settings(max_examples=EXAMPLES, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(case=steered(operation, world))
    def check(case: Case) -> None:
        call(case)

    check()


@pytest.mark.slow
def test_no_operation_answers_with_a_server_error_or_off_its_schema(
    app: FastAPI, world: World, session_as: Callable[[str | None], tuple[TestClient, str]]
) -> None:
    client, token = session_as("admin")
    headers, cookies = {"X-CSRF-Token": token}, dict(client.cookies)
    schema = schemathesis.openapi.from_asgi(
        "/api/openapi.json", app, cookies=cookies
    )  # the office may read it

    def call(case: Case) -> None:
        response = case.call(headers=headers, cookies=cookies)
        checks = SUCCESS_CHECKS if response.status_code < 400 else REFUSAL_CHECKS
        case.validate_response(response, checks=checks, excluded_checks=[status_code_conformance])

    failures: dict[str, str] = {}
    operations = list(schema.get_all_operations())
    assert len(operations) > 20, "the OpenAPI description lost its operations"
    for result in operations:
        if not isinstance(result, Ok):
            failures[str(result.err())] = "invalid in the OpenAPI description"
            continue
        try:
            run_operation(result.ok(), world, call)
        except (Exception, BaseExceptionGroup) as exc:  # collected, then all reported together
            failures[result.ok().label] = _described(exc)[:3000]
    assert not failures, "\n\n".join(f"{label}\n{failure}" for label, failure in failures.items())


def _described(exc: BaseException) -> str:
    """The failure with the exceptions inside it (hypothesis's FlakyFailure hides the first call's in a group)."""
    inner = [_described(e) for e in getattr(exc, "exceptions", ())]
    return "\n  ".join([f"{type(exc).__name__}: {exc}", *inner])
