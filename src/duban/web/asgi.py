"""The ASGI entry point for uvicorn or gunicorn workers: `uvicorn duban.web.asgi:app --workers 4`."""

from duban.reports.pdf import warm_up
from duban.settings import get_settings
from duban.web.app import create_app
from duban.web.ops import configure_logging

configure_logging()
app = create_app(get_settings())
# before the worker takes its first request: imports running beside requests held /healthz over 200 ms
warm_up().join()
