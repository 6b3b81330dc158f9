"""Durable consumers of every service: who reads which subjects.

Declared beside the streams so that provisioning and NATS permissions follow one list.
"""

from __future__ import annotations

from pilar_contracts.streams import CASES, NOTIFICATIONS, PRIVATE, REGISTRY, ConsumerSpec

CASES_REGISTRY = ConsumerSpec(
    "cases-registry",
    REGISTRY.name,
    "pilar.registry.>",
    description="cases' replica of the registry",
)
NOTIFICATIONS_REGISTRY = ConsumerSpec(
    "notifications-registry",
    REGISTRY.name,
    "pilar.registry.>",
    description="registry events a person must hear about",
)
NOTIFICATIONS_CASES = ConsumerSpec(
    "notifications-cases", CASES.name, "pilar.cases.>", description="referrals and disasters"
)
NOTIFICATIONS_CONTACTS = ConsumerSpec(
    "notifications-contacts",
    PRIVATE.name,
    "pilar.private.registry.contact.>",
    description="the recipient directory",
)
ANALYTICS_REGISTRY = ConsumerSpec("analytics-registry", REGISTRY.name, "pilar.registry.>")
ANALYTICS_CASES = ConsumerSpec("analytics-cases", CASES.name, "pilar.cases.>")
ANALYTICS_NOTIFICATIONS = ConsumerSpec(
    "analytics-notifications", NOTIFICATIONS.name, "pilar.notifications.>"
)
REGISTRY_CASES = ConsumerSpec(
    "registry-cases", CASES.name, "pilar.cases.>", description="disasters and referral load"
)

CONSUMERS: tuple[ConsumerSpec, ...] = (
    CASES_REGISTRY,
    NOTIFICATIONS_REGISTRY,
    NOTIFICATIONS_CASES,
    NOTIFICATIONS_CONTACTS,
    ANALYTICS_REGISTRY,
    ANALYTICS_CASES,
    ANALYTICS_NOTIFICATIONS,
    REGISTRY_CASES,
)
