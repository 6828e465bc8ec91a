"""The one error ingest raises: the document cannot be read, said in Chinese."""

from __future__ import annotations


class IngestError(Exception):
    """The document cannot be turned into a draft plan; the message is for the user."""
