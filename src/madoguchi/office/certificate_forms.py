"""Office form for issuing a 住民票の写し / 除票の写し (input parsing only; rules live in the service)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from madoguchi.core.models import AccessPurpose

LAYOUT_CHOICES = [
    ("household", _("住民票の写し（世帯連記式）")),
    ("individual", _("住民票の写し（個人票）")),
    ("removed_record", _("住民票の除票の写し（個人票）")),
]
PURPOSE_CHOICES = [
    (AccessPurpose.CERTIFICATE_ISSUANCE.value, AccessPurpose.CERTIFICATE_ISSUANCE.label),
    (AccessPurpose.TAX_SOCIAL_SECURITY.value, AccessPurpose.TAX_SOCIAL_SECURITY.label),
]


class CertificateIssueForm(forms.Form):
    layout = forms.ChoiceField(
        label=_("様式"),
        choices=LAYOUT_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": _("様式を選んでください。")},
    )
    members = forms.TypedMultipleChoiceField(
        label=_("記載する方（世帯連記式）"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("世帯連記式のときだけ使います。選ばなければ世帯全員を記載します。"),
    )
    include_relationship = forms.BooleanField(label=_("世帯主の氏名と続柄を記載する"), required=False)
    include_record_code = forms.BooleanField(label=_("住民票コードを記載する"), required=False)
    include_individual_number = forms.BooleanField(
        label=_("個人番号を記載する"),
        required=False,
        help_text=_(
            "番号法で認められた事務（社会保障・税）に使う場合だけ記載できます。記載したことは記録されます。"
        ),
    )
    purpose = forms.ChoiceField(label=_("利用目的"), choices=PURPOSE_CHOICES)

    def __init__(
        self,
        *args: Any,
        member_choices: Sequence[tuple[int, str]] = (),
        allow_individual_number: bool = False,
        removed: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        members = self.fields["members"]
        assert isinstance(members, forms.TypedMultipleChoiceField)
        members.choices = list(member_choices)
        if not member_choices:
            del self.fields["members"]
        if not allow_individual_number:
            del self.fields["include_individual_number"]
        layout = self.fields["layout"]
        assert isinstance(layout, forms.ChoiceField)
        # Offer only the layouts that can be issued for this record.
        layout.choices = [
            (value, label)
            for value, label in LAYOUT_CHOICES
            if (value == "removed_record") == removed and (value != "household" or member_choices)
        ]
