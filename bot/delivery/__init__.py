"""Delivery of outbox rows to Telegram: rate limits, message kinds, the sender."""

from bot.delivery.ratelimit import Deferred, RateLimiter, Reservation
from bot.delivery.render import (
    KindRegistry,
    Outgoing,
    PassthroughTranslator,
    Translator,
    TranslatorFactory,
    UnknownKind,
    message_kind,
    registry,
)
from bot.delivery.sender import DeliveryStats, OutboxSender

__all__ = [
    "Deferred",
    "DeliveryStats",
    "KindRegistry",
    "OutboxSender",
    "Outgoing",
    "PassthroughTranslator",
    "RateLimiter",
    "Reservation",
    "Translator",
    "TranslatorFactory",
    "UnknownKind",
    "message_kind",
    "registry",
]
