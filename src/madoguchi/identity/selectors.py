"""Reads of identity data: resolve a certificate serial to a resident through the link table (office zone)."""

from __future__ import annotations

from django.db.models import QuerySet

from madoguchi.registry.models import Resident

from .jpki import parse_serial, serial_hex
from .models import CertificateLink, TestCardRecord

MAX_SUCCESSION_STEPS = 100  # a person gets a new signing certificate per move; a loop would be a data error


def normalize_serial(serial: str | int) -> str | None:
    """Upper-case, even-length hex as verify() prints it; None when it is not a serial."""
    try:
        value = serial if isinstance(serial, int) else parse_serial(str(serial))
    except (ValueError, TypeError):
        return None
    return serial_hex(value) if value > 0 else None


def _link_for(serial: str, purpose: str, municipality: str | None) -> CertificateLink | None:
    queryset = CertificateLink.objects.filter(purpose=purpose, serial=serial)
    if municipality is not None:
        queryset = queryset.filter(municipality_id=municipality)
    links = list(queryset.select_related("resident")[:2])
    # A serial is national; two municipalities claiming it is a data error — identify nobody rather than guess.
    return links[0] if len(links) == 1 else None


def latest_link(
    serial: str | int, purpose: str, *, municipality: str | None = None
) -> CertificateLink | None:
    """The newest link in the succession chain starting at `serial` (新旧紐付け followed forward)."""
    normalized = normalize_serial(serial)
    if normalized is None:
        return None
    link = _link_for(normalized, purpose, municipality)
    steps = 0
    while link is not None and link.succeeded_by and steps < MAX_SUCCESSION_STEPS:
        successor = _link_for(link.succeeded_by, purpose, link.municipality_id)
        if successor is None:
            break
        link = successor
        steps += 1
    return link


def resolve_resident_by_serial(
    serial: str | int, purpose: str, *, municipality: str | None = None
) -> Resident | None:
    """The resident a signing/auth certificate serial identifies (申請管理: シリアル番号による申請者特定), or None.

    Old serials keep identifying the person through the succession links of re-issued certificates.
    """
    link = latest_link(serial, purpose, municipality=municipality)
    return link.resident if link is not None else None


def linked_serials(resident: Resident) -> QuerySet[CertificateLink]:
    """Every certificate link of a resident, newest first."""
    return CertificateLink.objects.filter(
        municipality_id=resident.municipality_id, resident=resident
    ).order_by("-issued_at", "-id")


def demo_test_cards(*, municipality: str | None = None) -> list[TestCardRecord]:
    """Test cards offered on the login page (simulation only)."""
    queryset = TestCardRecord.objects.order_by("id")
    if municipality is not None:
        queryset = queryset.filter(municipality_id=municipality)
    return list(queryset[:50])
