"""A server warms WeasyPrint up in a thread of its own at start: its first PDF does not wait for the imports."""

from __future__ import annotations

import sys

from duban.reports.pdf import warm_up


def test_the_warm_up_imports_weasyprint_and_renders_in_its_own_thread():
    thread = warm_up()
    assert thread.daemon and thread.name == "duban-pdf-warm-up"
    thread.join(timeout=120)
    assert not thread.is_alive()
    assert "weasyprint" in sys.modules
