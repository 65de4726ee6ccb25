"""Office forms for registry events (異動). Input parsing only: every rule lives in registry.services.

Each form knows the service it feeds (`to_kwargs`) and which form field a service error names (`field_for`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from madoguchi.registry import relationships
from madoguchi.registry.history import field_label
from madoguchi.registry.models import Household, Resident, ResidentKind, Sex
from madoguchi.registry.services import CORRECTABLE_FIELDS

DATE_ERROR = _("日付は年-月-日の形で入力してください（例: 2026-04-01）。")


def date_field(label: Any, *, required: bool = True, help_text: Any = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "invalid": DATE_ERROR,
            "required": _("%(label)sを入力してください。") % {"label": label},
        },
    )


def text_field(
    label: Any, *, required: bool = True, max_length: int = 120, help_text: Any = ""
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        error_messages={"required": _("%(label)sを入力してください。") % {"label": label}},
    )


def member_choices(members: Sequence[Resident]) -> list[tuple[str, Any]]:
    return [(str(m.pk), f"{m.full_name}（{relationships.display(m.relationship)}）") for m in members]


class EventForm(forms.Form):
    """Base: `to_kwargs` gives the service's keyword arguments; `field_for` maps a service error to a field."""

    field_map: dict[str, str] = {}

    def to_kwargs(self) -> dict[str, Any]:
        return dict(self.cleaned_data)

    def field_for(self, service_field: str) -> str | None:
        name = self.field_map.get(service_field, service_field)
        if service_field.startswith("relationships."):
            name = "rel_" + service_field.split(".", 1)[1]
        return name if name in self.fields else None


class _MembersMixin:
    fields: dict[str, forms.Field]

    def _add_relationship_fields(
        self, members: Sequence[Resident], *, required: bool, help_text: Any = ""
    ) -> None:
        options = [
            ("", _("（変更しない）") if not required else _("選んでください")),
            *relationships.choices(include_head=False),
        ]
        for m in members:
            self.fields[f"rel_{m.pk}"] = forms.ChoiceField(
                label=_("%(name)sさんの続柄") % {"name": m.full_name},
                choices=options,
                required=required,
                help_text=help_text,
                error_messages={"required": _("続柄を選んでください。")},
            )

    def _relationships(self, cleaned: dict[str, Any]) -> dict[int, str]:
        return {int(k[4:]): v for k, v in cleaned.items() if k.startswith("rel_") and v}


class MoveInForm(EventForm):
    family_name = text_field(_("氏"), max_length=60)
    given_name = text_field(_("名"), required=False, max_length=60)
    family_name_kana = text_field(_("氏（フリガナ）"), help_text=_("全角カタカナ"))
    given_name_kana = text_field(_("名（フリガナ）"), required=False, help_text=_("全角カタカナ"))
    birth_date = date_field(_("生年月日"))
    sex = forms.ChoiceField(label=_("性別"), choices=Sex.choices)
    kind = forms.ChoiceField(label=_("住民種別"), choices=ResidentKind.choices, initial=ResidentKind.JAPANESE)
    resident_record_code = forms.RegexField(
        label=_("住民票コード"),
        regex=r"^\d{11}$",
        help_text=_("転出証明書またはマイナンバーカードで確認した11桁の番号"),
        error_messages={"invalid": _("住民票コードは11桁の数字で入力してください。")},
    )
    individual_number = text_field(
        _("個人番号"), required=False, max_length=20, help_text=_("12桁。特例転入では必須です")
    )
    special_move_in = forms.BooleanField(label=_("特例転入（マイナンバーカードによる転入）"), required=False)
    previous_address = text_field(_("転入前の住所（従前の住所）"), max_length=200)
    effective_on = date_field(_("転入日（住み始めた日）"))
    filed_on = date_field(_("届出日"))

    def __init__(self, *args: Any, household: Household | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.household = household
        if household is None:
            self.fields["postal_code"] = text_field(_("郵便番号"), required=False, max_length=8)
            self.fields["machiaza"] = text_field(_("町字"), max_length=60)
            self.fields["block_number"] = text_field(_("番地・号"), max_length=60)
            self.fields["address_supplement"] = text_field(_("方書"), required=False, max_length=120)
        else:
            self.fields["relationship"] = forms.ChoiceField(
                label=_("世帯主との続柄"),
                choices=[("", _("選んでください")), *relationships.choices(include_head=False)],
                error_messages={"required": _("続柄を選んでください。")},
            )

    def to_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if self.household is not None:
            data["household_id"] = self.household.pk
        return data


class MoveOutForm(EventForm, _MembersMixin):
    effective_on = date_field(_("転出予定日"), help_text=_("今日以前の日付なら、記録と同時に除票になります"))
    filed_on = date_field(_("届出日"))
    destination_address = text_field(_("転出先の住所"), max_length=200)
    special_move_out = forms.BooleanField(label=_("特例転出（マイナンバーカードによる転出）"), required=False)

    def __init__(self, *args: Any, members: Sequence[Resident], resident: Resident, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["resident_ids"] = forms.MultipleChoiceField(
            label=_("転出する方"),
            choices=member_choices(members),
            initial=[str(resident.pk)],
            widget=forms.CheckboxSelectMultiple,
            error_messages={"required": _("転出する方を選んでください。")},
        )
        self.fields["new_head_id"] = forms.ChoiceField(
            label=_("新しい世帯主（世帯主が転出し、残る方がいる場合）"),
            choices=[("", _("（指定しない）")), *member_choices(members)],
            required=False,
        )
        self.order_fields(["resident_ids", "effective_on", "filed_on", "destination_address"])

    def to_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["resident_ids"] = [int(i) for i in data["resident_ids"]]
        data["new_head_id"] = int(data["new_head_id"]) if data.get("new_head_id") else None
        return data


class RelocationForm(EventForm, _MembersMixin):
    effective_on = date_field(_("転居日（住み始めた日）"))
    filed_on = date_field(_("届出日"))
    postal_code = text_field(_("郵便番号"), required=False, max_length=8)
    machiaza = text_field(_("町字"), max_length=60)
    block_number = text_field(_("番地・号"), max_length=60)
    address_supplement = text_field(_("方書"), required=False, max_length=120)

    def __init__(self, *args: Any, members: Sequence[Resident], resident: Resident, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["resident_ids"] = forms.MultipleChoiceField(
            label=_("転居する方"),
            choices=member_choices(members),
            initial=[str(m.pk) for m in members],
            widget=forms.CheckboxSelectMultiple,
            help_text=_("世帯の一部だけが転居する場合、転居する方で新しい世帯を設けます"),
            error_messages={"required": _("転居する方を選んでください。")},
        )
        head_choices = [("", _("（指定しない）")), *member_choices(members)]
        self.fields["new_head_id"] = forms.ChoiceField(
            label=_("転居後の世帯の世帯主（世帯の一部が転居する場合）"), choices=head_choices, required=False
        )
        self.fields["remaining_head_id"] = forms.ChoiceField(
            label=_("元の世帯に残る方の新しい世帯主（世帯主が転居する場合）"),
            choices=head_choices,
            required=False,
        )
        self.order_fields(["resident_ids", "effective_on", "filed_on"])

    def to_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["resident_ids"] = [int(i) for i in data["resident_ids"]]
        for key in ("new_head_id", "remaining_head_id"):
            data[key] = int(data[key]) if data.get(key) else None
        return data


class DeathForm(EventForm):
    effective_on = date_field(_("死亡日"))
    filed_on = date_field(_("届出日"), help_text=_("死亡届の届出日（または通知を受けた日）"))

    def __init__(self, *args: Any, members: Sequence[Resident], resident: Resident, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        others = [m for m in members if m.pk != resident.pk]
        if resident.is_head and others:
            self.fields["new_head_id"] = forms.ChoiceField(
                label=_("新しい世帯主"),
                choices=[("", _("選んでください")), *member_choices(others)],
                required=False,
                help_text=_("世帯主が亡くなったため、残る方から新しい世帯主を選びます"),
            )
        self.resident = resident

    def to_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["resident_id"] = self.resident.pk
        data["new_head_id"] = int(data["new_head_id"]) if data.get("new_head_id") else None
        return data


class NameChangeForm(EventForm):
    family_name = text_field(_("変更後の氏"), max_length=60)
    given_name = text_field(_("変更後の名"), required=False, max_length=60)
    family_name_kana = text_field(_("変更後の氏（フリガナ）"), help_text=_("全角カタカナ"))
    given_name_kana = text_field(_("変更後の名（フリガナ）"), required=False, help_text=_("全角カタカナ"))
    effective_on = date_field(_("変更日"), help_text=_("戸籍の届出（婚姻など）の効力が生じた日"))
    filed_on = date_field(_("届出日・通知日"), required=False)
    reason = text_field(_("事由"), required=False, max_length=100, help_text=_("例: 婚姻、離婚、養子縁組"))
    record_former_name = forms.BooleanField(
        label=_("旧氏を記載する（本人の請求による旧氏併記）"), required=False
    )

    def __init__(self, *args: Any, resident: Resident, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.resident = resident
        if not self.is_bound:
            for name in ("family_name", "given_name", "family_name_kana", "given_name_kana"):
                self.fields[name].initial = getattr(resident, name)

    def to_kwargs(self) -> dict[str, Any]:
        return {**self.cleaned_data, "resident_id": self.resident.pk}


class CorrectionForm(EventForm):
    field = forms.ChoiceField(label=_("修正する項目"), choices=[])
    value = text_field(
        _("修正後の値"),
        required=False,
        max_length=200,
        help_text=_("日付は年-月-日、性別は male / female、続柄は下の一覧から選んでください"),
    )
    relationship = forms.ChoiceField(
        label=_("修正後の続柄（続柄を修正する場合）"),
        choices=[("", _("（続柄以外を修正）")), *relationships.choices()],
        required=False,
    )
    effective_on = date_field(
        _("修正の効力日"), help_text=_("この日から修正後の値が正しい記載になります（さかのぼれます）")
    )
    reason = text_field(
        _("修正の理由"), max_length=200, help_text=_("例: 戸籍の記載との照合による誤記の訂正")
    )
    field_map = {"values": "value"}

    def __init__(self, *args: Any, resident: Resident, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.resident = resident
        field_choice = self.fields["field"]
        assert isinstance(field_choice, forms.ChoiceField)
        field_choice.choices = [(name, field_label(name)) for name in CORRECTABLE_FIELDS]

    def field_for(self, service_field: str) -> str | None:
        if service_field in CORRECTABLE_FIELDS:
            return "relationship" if service_field == "relationship" else "value"
        return super().field_for(service_field)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("field") == "relationship" and not data.get("relationship"):
            self.add_error("relationship", _("修正後の続柄を選んでください。"))
        return data

    def to_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        value = data["relationship"] if data["field"] == "relationship" else data["value"]
        return {
            "resident_id": self.resident.pk,
            "values": {data["field"]: value},
            "effective_on": data["effective_on"],
            "reason": data["reason"],
        }


class BirthForm(EventForm):
    family_name = text_field(_("氏"), max_length=60)
    given_name = text_field(_("名"), max_length=60)
    family_name_kana = text_field(_("氏（フリガナ）"), help_text=_("全角カタカナ"))
    given_name_kana = text_field(_("名（フリガナ）"), help_text=_("全角カタカナ"))
    birth_date = date_field(_("生年月日"))
    sex = forms.ChoiceField(label=_("性別"), choices=Sex.choices)
    relationship = forms.ChoiceField(
        label=_("世帯主との続柄"), choices=relationships.choices(include_head=False), initial="10"
    )
    filed_on = date_field(_("届出日"), help_text=_("出生届の届出日（出生の日から14日以内）"))
    resident_record_code = forms.RegexField(
        label=_("住民票コード"),
        regex=r"^\d{11}$",
        help_text=_("新たに付番した11桁の番号"),
        error_messages={"invalid": _("住民票コードは11桁の数字で入力してください。")},
    )
    individual_number = text_field(
        _("個人番号"), required=False, max_length=20, help_text=_("生成済みの場合のみ（12桁）")
    )

    def __init__(self, *args: Any, household: Household, head: Resident | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.household = household
        if head is not None and not self.is_bound:
            self.fields["family_name"].initial = head.family_name
            self.fields["family_name_kana"].initial = head.family_name_kana

    def to_kwargs(self) -> dict[str, Any]:
        return {**self.cleaned_data, "household_id": self.household.pk}


class HeadChangeForm(EventForm, _MembersMixin):
    effective_on = date_field(_("変更日"))
    filed_on = date_field(_("届出日"))

    def __init__(self, *args: Any, household: Household, members: Sequence[Resident], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.household = household
        self.fields["new_head_id"] = forms.ChoiceField(
            label=_("新しい世帯主"),
            choices=[("", _("選んでください")), *member_choices([m for m in members if not m.is_head])],
            error_messages={"required": _("新しい世帯主を選んでください。")},
        )
        self.order_fields(["new_head_id", "effective_on", "filed_on"])
        self._add_relationship_fields(
            members,
            required=False,
            help_text=_("新しい世帯主から見た続柄。これまでの世帯主の続柄は必ず選んでください"),
        )

    def to_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "household_id": self.household.pk,
            "new_head_id": int(data["new_head_id"]),
            "effective_on": data["effective_on"],
            "filed_on": data["filed_on"],
            "relationships": self._relationships(data),
        }


class SplitForm(EventForm, _MembersMixin):
    effective_on = date_field(_("分離の日"))
    filed_on = date_field(_("届出日"))

    def __init__(self, *args: Any, household: Household, members: Sequence[Resident], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["resident_ids"] = forms.MultipleChoiceField(
            label=_("新しい世帯に移る方"),
            choices=member_choices(members),
            widget=forms.CheckboxSelectMultiple,
            error_messages={"required": _("新しい世帯に移る方を選んでください。")},
        )
        self.fields["new_head_id"] = forms.ChoiceField(
            label=_("新しい世帯の世帯主"),
            choices=[("", _("選んでください")), *member_choices(members)],
            error_messages={"required": _("新しい世帯の世帯主を選んでください。")},
        )
        self.fields["remaining_head_id"] = forms.ChoiceField(
            label=_("元の世帯の新しい世帯主（世帯主が移る場合）"),
            choices=[("", _("（指定しない）")), *member_choices(members)],
            required=False,
        )
        self.order_fields(["resident_ids", "new_head_id", "remaining_head_id", "effective_on", "filed_on"])

    def to_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "resident_ids": [int(i) for i in data["resident_ids"]],
            "new_head_id": int(data["new_head_id"]),
            "remaining_head_id": int(data["remaining_head_id"]) if data.get("remaining_head_id") else None,
            "effective_on": data["effective_on"],
            "filed_on": data["filed_on"],
        }


class MergeForm(EventForm, _MembersMixin):
    target_household_number = text_field(_("合併先の世帯番号"), max_length=20)
    effective_on = date_field(_("合併の日"))
    filed_on = date_field(_("届出日"))
    field_map = {"target_household_id": "target_household_number"}

    def __init__(self, *args: Any, household: Household, members: Sequence[Resident], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.household = household
        self.target: Household | None = None
        self._add_relationship_fields(members, required=True, help_text=_("合併先の世帯主から見た続柄"))

    def to_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        assert self.target is not None
        return {
            "household_id": self.household.pk,
            "target_household_id": self.target.pk,
            "effective_on": data["effective_on"],
            "filed_on": data["filed_on"],
            "relationships": self._relationships(data),
        }


def as_of_date(raw: str | None) -> dt.date | None:
    """Parse the optional ?on=YYYY-MM-DD of the history pages (None when absent or malformed)."""
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        return None


class AsOfForm(forms.Form):
    on = date_field(_("基準日"), help_text=_("この日の記載を表示します"))
