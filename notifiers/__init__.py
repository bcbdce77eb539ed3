"""Render emails from templates/ and send them through one of the senders."""

from .base import Sender, SendError
from .compose import Email, compose

__all__ = ["Email", "SendError", "Sender", "compose"]
