"""Every command asks the policy, as every route does: the command line acts as the office."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from duban.cli import app
from duban.cli.runtime import Operator
from duban.policy import RULES, Action, Rule, Scope, allowed
from test_cli_politeness import app_commands


@pytest.mark.parametrize(
    ("name", "callback"),
    [(name, command.callback) for name, command in app_commands()],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_every_command_names_an_action_the_office_may_take(name, callback):
    action = getattr(callback, "action", None)
    assert isinstance(action, Action), f"{name}: register it with asks(Action.…) in duban/cli/__init__.py"
    assert allowed(Operator(), action)  # the office of the whole deployment: no unit, every subtree


def test_a_command_the_policy_refuses_stops_with_its_chinese_reason(monkeypatch, tmp_path):
    monkeypatch.setitem(
        RULES, Action.OPERATE_STORE, Rule(Scope.NONE, Scope.NONE, Scope.NONE, no_role="命令行不可备份")
    )
    result = CliRunner().invoke(app, ["backup", str(tmp_path / "backup.tar")])
    assert result.exit_code == 1
    assert "命令行不可备份" in result.output
    assert not (tmp_path / "backup.tar").exists()
    assert "Traceback" not in result.output
