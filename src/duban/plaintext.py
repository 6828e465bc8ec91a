"""Control characters: refused in what users type, left out of every document duban writes.

XML 1.0 (so .xlsx and .docx) cannot hold C0 control characters other than tab and line breaks, nor
U+FFFE/U+FFFF or lone surrogates; PostgreSQL cannot store NUL. One note holding such a character made
a unit's template download fail for everyone, so inputs refuse them and writers drop them.
"""

from __future__ import annotations

import re

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """The text without the characters an XML document cannot hold."""
    return _CONTROL.sub("", text)


def control_character(text: str) -> str | None:
    """The first control character of the text, as 'U+0000', or None."""
    found = _CONTROL.search(text)
    return f"U+{ord(found.group()):04X}" if found else None
