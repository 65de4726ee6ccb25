"""Synthetic applications for the zone-channel tests (intake's internal API, casework's crash tests)."""

from __future__ import annotations

import datetime as dt


def seed_counter_applications(count: int, prefix: str) -> list[str]:
    """Counter applications (書かない窓口: no card signature) with their first timeline event, as intake writes them;
    returns their receipt numbers (call with Django set up)."""
    from django.db import transaction
    from django.utils import timezone

    from madoguchi.intake.models import Application, ApplicationStatus, ApplicationStatusEvent

    now = timezone.now() - dt.timedelta(seconds=30)
    for n in range(count):
        with transaction.atomic():
            application = Application.objects.create(
                municipality_id="131016",
                receipt_number=f"{prefix}{n:04d}",
                procedure_code="pregnancy_notification",
                form_version=1,
                procedure_name="妊娠届",
                applicant_auth_serial=f"AUTH-{prefix}{n:04d}",
                applicant_sign_serial="",
                applicant_name="試験 花子",
                answers={"note": f"synthetic {n}"},
                signed_content=b"",
                signature=b"",
                signing_certificate_pem="",
                verification_reason="assisted",
                subject_key=f"{prefix}{n}",
                created_at=now,
                submitted_at=now,
                updated_at=now,
                is_assisted=True,
                assistance={"clerk": "test", "identity_method": "card"},
            )
            ApplicationStatusEvent.objects.create(
                municipality_id="131016",
                application=application,
                at=now,
                from_status="",
                to_status=ApplicationStatus.RECEIVED,
                actor_id="staff:test",
                actor_display="窓口",
            )
    return [f"{prefix}{n:04d}" for n in range(count)]
