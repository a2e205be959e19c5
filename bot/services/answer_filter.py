"""Which invited contacts a results view or an export covers: by the business's area, its industry (an
SNI prefix: "56" takes "56.100" and "56100") and the channel the response came on (or the invitation went
out on). An empty criterion takes everyone; the results pages, the exports and the board report share it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

MAX_FILTER_CHARS = 100
_SNI_PREFIX = re.compile(r"\d[\d.]{0,9}")


class FilterError(ValueError):
    """A filter value a person typed that cannot be a filter (one line, in plain words); `field` names
    it and `reason` says why ("too_long" | "not_sni"), for a page to say it in its own language."""

    def __init__(self, field: str, reason: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.reason = reason


def sni_digits(code: str) -> str:
    """An SNI code without its dots: "56.100" and "56100" are the same code."""
    return code.replace(".", "").strip()


@dataclass(frozen=True)
class AnswerFilter:
    area: str = ""
    industry: str = ""  # an SNI code or prefix
    channel: str = ""

    @classmethod
    def parse(cls, *, area: str = "", industry: str = "", channel: str = "") -> AnswerFilter:
        """The filter from typed values, or FilterError naming the bad one."""
        area, industry, channel = (value.strip() for value in (area, industry, channel))
        for name, value in (("area", area), ("industry", industry), ("channel", channel)):
            if len(value) > MAX_FILTER_CHARS:
                raise FilterError(name, "too_long", f"the {name} filter is longer than {MAX_FILTER_CHARS} characters")
        if industry and not _SNI_PREFIX.fullmatch(industry):
            raise FilterError(
                "industry", "not_sni", f"industry {industry!r} is not an SNI code: write digits, like 56 or 56.100"
            )
        return cls(area=area, industry=industry, channel=channel)

    @property
    def active(self) -> bool:
        return bool(self.area or self.industry or self.channel)

    def matches(self, *, area: str, industry: str, channel: str) -> bool:
        if self.area and area.casefold() != self.area.casefold():
            return False
        if self.industry and not sni_digits(industry).startswith(sni_digits(self.industry)):
            return False
        return not self.channel or channel == self.channel

    def as_dict(self) -> dict[str, Any]:
        """The criteria given, for the audit log and the JSON export."""
        return {name: value for name, value in vars(self).items() if value}

    def query(self) -> dict[str, str]:
        """The criteria as a page's query parameters."""
        return {name: str(value) for name, value in self.as_dict().items()}
