"""A server warms WeasyPrint up in a thread of its own at start: its first PDF does not wait for the imports."""

from __future__ import annotations

import subprocess
import sys

import pytest

from duban.reports.pdf import warm_up


def test_the_warm_up_imports_weasyprint_and_renders_in_its_own_thread():
    thread = warm_up()
    assert thread.daemon and thread.name == "duban-pdf-warm-up"
    thread.join(timeout=120)
    assert not thread.is_alive()
    assert "weasyprint" in sys.modules


@pytest.mark.skipif(sys.platform != "linux", reason="the library search is skipped on Linux only")
def test_weasyprint_loads_its_libraries_without_running_a_program():
    """ctypes' library search ran ldconfig, gcc and ld for each name WeasyPrint tries first: 0.4 s or more cold."""
    script = (
        "import sys\n"
        "started = []\n"
        "sys.addaudithook(lambda event, args: started.append(args[0]) if event == 'subprocess.Popen' else None)\n"
        "from duban.reports.pdf import warm_up\n"
        "warm_up().join()\n"
        "print(len(started), 'weasyprint' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert (done.stdout.split(), done.stderr) == (["0", "True"], "")
