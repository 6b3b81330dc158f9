"""What the dashboard's DOM says about itself: its state, tiles, charts and tables."""

from __future__ import annotations

import math
from html.parser import HTMLParser

# The coverage bands of the page (peta.js) and their colours (dasbor.css), as a specification.
BANDS = (("merah", 0.5), ("oranye", 0.75), ("kuning", 1.0), ("hijau", math.inf))
COLOURS = {
    "merah": (215, 48, 39),
    "oranye": (252, 141, 89),
    "kuning": (254, 224, 139),
    "hijau": (26, 152, 80),
    "kosong": (217, 217, 217),
}


def expected_band(ratio: float | None, target: float) -> str:
    """The band a PSKS:PMKS ratio falls in against the target; no open PMKS is "kosong"."""
    if ratio is None:
        return "kosong"
    return next(key for key, below in BANDS if ratio < below * target)


class Page(HTMLParser):
    """Attributes of the body, of elements with an id, and of the province tiles; all text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.body: dict[str, str] = {}
        self.by_id: dict[str, dict[str, str]] = {}
        self.tiles: dict[str, dict[str, str]] = {}
        self.texts: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Keep the attributes of the elements the test reads."""
        values = {name: value or "" for name, value in attrs}
        if tag == "body":
            self.body = values
        if "id" in values:
            self.by_id[values["id"]] = values
        if "ubin" in values.get("class", "").split():
            self.tiles[values["data-region"]] = values

    def handle_data(self, data: str) -> None:
        """Keep the text."""
        self.texts.append(data)

    @property
    def state(self) -> str:
        """``loading``, ``ready``, ``login`` or ``error``."""
        return self.body.get("data-state", "")

    @property
    def text(self) -> str:
        """All text of the page."""
        return " ".join(self.texts)

    def data(self, element_id: str, name: str) -> str:
        """A ``data-*`` attribute of the element with an id ("" when absent)."""
        return self.by_id.get(element_id, {}).get(f"data-{name}", "")
