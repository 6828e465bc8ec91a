"""The ASGI entry point for uvicorn or gunicorn workers: `uvicorn duban.web.asgi:app --workers 4`."""

from duban.settings import get_settings
from duban.web.app import create_app, settle_process
from duban.web.ops import configure_logging

configure_logging()
app = create_app(get_settings())
settle_process(app)
