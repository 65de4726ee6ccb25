"""Office forms for 保育 利用調整 (input parsing only; the rules live in benefits.childcare_services)."""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.utils.translation import gettext_lazy as _

from madoguchi.benefits.models_childcare import PlacementPreference

WAITING = "waiting"


class OutcomeForm(forms.Form):
    """利用調整の結果: one of the ranked facilities (内定) or 保留（待機）."""

    outcome = forms.ChoiceField(
        label=_("利用調整の結果"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("利用調整の結果を選んでください。"),
            "invalid_choice": _("利用調整の結果は、希望施設のいずれかか保留を選んでください。"),
        },
    )
    note = forms.CharField(label=_("記録（任意）"), max_length=500, required=False)

    def __init__(
        self, *args: object, preferences: Sequence[PlacementPreference] = (), **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        choices: list[tuple[str, str]] = [
            (str(p.facility_id), f"{p.rank}. {p.facility.name if p.facility else p.facility_name}")
            for p in preferences
            if p.facility_id is not None
        ]
        choices.append((WAITING, str(_("保留（待機）"))))
        self.fields["outcome"].choices = choices  # type: ignore[attr-defined]

    def facility_id(self) -> int | None:
        value = self.cleaned_data["outcome"]
        return None if value == WAITING else int(value)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("記録（任意）"), max_length=500, required=False)
