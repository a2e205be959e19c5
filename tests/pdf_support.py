"""Reading just enough of a PDF to count its pages: WeasyPrint packs its objects into compressed object
streams, so the page objects are found in the inflated streams as well as in the plain file."""

from __future__ import annotations

import re
import zlib

_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
_PAGE = re.compile(rb"/Type\s*/Page(?![s\w])")


def page_count(pdf: bytes) -> int:
    inflated = []
    for body in _STREAM.findall(pdf):
        try:
            inflated.append(zlib.decompress(body))
        except zlib.error:
            continue  # not a Flate stream (an image, a font subset): holds no page objects
    return sum(len(_PAGE.findall(part)) for part in [pdf, *inflated])
