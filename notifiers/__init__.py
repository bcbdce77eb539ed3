"""Render emails from templates/ and send them through one of the senders.

One module per sender, registered here by the `sender` of [campus.mail]."""

from facultativo.notifiers.base import Sender, SendError
from facultativo.notifiers.compose import Email, compose
from facultativo.settings.registry import Registry

SENDERS = Registry(
    "sender",
    {
        "outbox": "facultativo.notifiers.outbox",
        "smtp": "facultativo.notifiers.smtp",
        "gmail": "facultativo.notifiers.gmail",
    },
)

__all__ = ["SENDERS", "Email", "SendError", "Sender", "compose"]
