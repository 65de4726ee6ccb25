"""児童扶養手当 reads for the office: the recipient list (scoped), one recipient, one review (access-logged)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from madoguchi.benefits.models_child_rearing import (
    ChildRearingAssessment,
    ChildRearingRecipient,
    ChildRearingReview,
)
from madoguchi.core.access import log_access, require, scoped
from madoguchi.core.errors import NotFoundInMunicipality
from madoguchi.core.models import StaffUser
from madoguchi.core.roles import Action


def list_recipients(*, actor: StaffUser) -> QuerySet[ChildRearingRecipient]:
    """The municipality's 受給者 by certificate number (list only: no single record is opened)."""
    require(actor, Action.SEARCH_RESIDENTS)
    return scoped(ChildRearingRecipient.objects.select_related("resident"), actor).order_by(
        "certificate_number"
    )


@dataclass(frozen=True)
class RecipientView:
    recipient: ChildRearingRecipient
    reviews: tuple[
        ChildRearingReview, ...
    ]  # newest year first; each with `latest` (its current result or None)


def access_recipient(*, actor: StaffUser, recipient_id: int, purpose: str) -> RecipientView:
    """One recipient with the reviews per year; the read is logged with its purpose."""
    require(actor, Action.VIEW_RESIDENT)
    recipient = (
        scoped(ChildRearingRecipient.objects.select_related("resident", "registered_by"), actor)
        .filter(pk=recipient_id)
        .first()
    )
    if recipient is None:
        raise NotFoundInMunicipality("child-rearing recipient")
    log_access(actor=actor, subject_type="resident", subject_id=recipient.resident_id, purpose=purpose)
    reviews = tuple(
        recipient.reviews.prefetch_related(
            Prefetch("assessments", queryset=ChildRearingAssessment.objects.order_by("-revision"))
        ).order_by("-fiscal_year")
    )
    for review in reviews:
        assessments = list(review.assessments.all())
        review.latest = assessments[0] if assessments else None  # type: ignore[attr-defined]
    return RecipientView(recipient, reviews)


@dataclass(frozen=True)
class ReviewView:
    review: ChildRearingReview
    assessments: tuple[ChildRearingAssessment, ...]  # newest revision first

    @property
    def current(self) -> ChildRearingAssessment | None:
        return self.assessments[0] if self.assessments else None


def access_review(*, actor: StaffUser, review_id: int, purpose: str) -> ReviewView:
    """One annual review with all its result revisions; the read is logged with its purpose."""
    require(actor, Action.VIEW_RESIDENT)
    review = (
        scoped(ChildRearingReview.objects.select_related("recipient__resident"), actor)
        .filter(pk=review_id)
        .first()
    )
    if review is None:
        raise NotFoundInMunicipality("child-rearing review")
    log_access(actor=actor, subject_type="resident", subject_id=review.recipient.resident_id, purpose=purpose)
    return ReviewView(review, tuple(review.assessments.select_related("confirmed_by").order_by("-revision")))
