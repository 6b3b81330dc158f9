"""Message templates in Bahasa Indonesia: the first line of an e-mail template is its subject."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined


@dataclass(frozen=True)
class Message:
    """A rendered message."""

    subject: str
    body: str


_env = Environment(
    loader=PackageLoader("pilar_notifications", "templates"),
    undefined=StrictUndefined,  # a missing field is a bug, never a blank in a message
    autoescape=False,  # noqa: S701  plain-text channels (SMS, e-mail text), never HTML
    keep_trailing_newline=True,
)


def render(template: str, channel: str, params: dict[str, Any]) -> Message:
    """Render one template for one channel."""
    text = _env.get_template(f"{template}.{channel}.j2").render(**params)
    subject, _, body = text.partition("\n")
    return Message(subject=subject.strip(), body=body.lstrip("\n"))
