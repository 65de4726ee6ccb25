"""Casework forms (input parsing only; the rules live in services)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.forms.utils import flatatt
from django.utils.functional import lazy
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import DecisionOutcome
from .services import NOTE_MAX_LENGTH, REASON_MAX_LENGTH

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

DATE_STYLES = (("wareki", _("和暦")), ("seireki", _("西暦")))
_SELECTED = mark_safe(" selected")


class PlainSelect(forms.Select):
    """A single `<select>` written in Python: the markup of Django's widget without rendering one template per
    `<option>` (the case list's filters have ~100 options; their templates were a large share of the page)."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        chosen = {str(v) for v in self.format_value(value)}
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((v, _SELECTED if str(v) in chosen else "", label) for v, label in self.choices),
        )
        return format_html(
            '<select name="{}"{}>{}</select>', name, flatatt(self.build_attrs(self.attrs, attrs)), options
        )


class CaseFilterForm(forms.Form):
    q = forms.CharField(label=_("受付番号・申請者名（先頭から）"), required=False, max_length=60)
    status = forms.ChoiceField(label=_("状況"), required=False, widget=PlainSelect)
    queue = forms.ChoiceField(label=_("担当業務"), required=False, widget=PlainSelect)
    procedure = forms.ChoiceField(label=_("手続"), required=False, widget=PlainSelect)
    assignee = forms.ChoiceField(label=_("担当者"), required=False, widget=PlainSelect)
    overdue = forms.BooleanField(label=_("期限を過ぎた案件だけ"), required=False)
    dates = forms.ChoiceField(label=_("日付の表示"), required=False, choices=DATE_STYLES, widget=PlainSelect)

    def __init__(
        self,
        *args: Any,
        statuses: list[tuple[str, str]],
        queues: list[tuple[str, str]],
        procedures: list[tuple[str, str]],
        staff: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["status"]).choices = [("", _("すべて")), *statuses]
        cast(forms.ChoiceField, self.fields["queue"]).choices = [("", _("すべて")), *queues]
        cast(forms.ChoiceField, self.fields["procedure"]).choices = [("", _("すべて")), *procedures]
        cast(forms.ChoiceField, self.fields["assignee"]).choices = [
            ("", _("すべて")),
            ("me", _("自分")),
            ("none", _("未割当て")),
            *staff,
        ]


def _text(
    label: StrOrPromise, *, required: bool, limit: int, help_text: StrOrPromise = ""
) -> forms.CharField:
    # Forms are built at import: the label and messages stay lazy so that each request gets its own language.
    def required_message() -> str:
        return gettext("「%(label)s」を入力してください。") % {"label": label}

    def too_long_message() -> str:
        return gettext("「%(label)s」は%(limit)d文字以内で入力してください。") % {
            "label": label,
            "limit": limit,
        }

    return forms.CharField(
        label=label,
        required=required,
        max_length=limit,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": lazy(required_message, str)(),
            "max_length": lazy(too_long_message, str)(),
        },
    )


class ConfirmForm(forms.Form):
    """Actions that need no input: the page states the consequence and the button confirms it."""


class CorrectionForm(forms.Form):
    message_ja = _text(
        _("申請者へのお願いの内容"),
        required=True,
        limit=REASON_MAX_LENGTH,
        help_text=_("申請者の状況ページにそのまま表示されます。直す項目と直し方を具体的に書いてください。"),
    )


class NoteForm(forms.Form):
    text = _text(
        _("メモ"),
        required=True,
        limit=NOTE_MAX_LENGTH,
        help_text=_("職員だけが読めます。申請者には表示されません。"),
    )


class ProposeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("決定案"),
        choices=DecisionOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("「決定案」を選んでください。")},
    )
    reason = _text(
        _("決定案の理由"),
        required=True,
        limit=REASON_MAX_LENGTH,
        help_text=_("決定通知書に記載されます（却下の場合は却下の理由）。"),
    )


class ApproveForm(forms.Form):
    reason = _text(_("意見（任意）"), required=False, limit=REASON_MAX_LENGTH)


class ReasonForm(forms.Form):
    reason = _text(_("理由"), required=True, limit=REASON_MAX_LENGTH)


class AssignForm(forms.Form):
    assignee_id = forms.TypedChoiceField(
        label=_("担当者"),
        coerce=int,
        error_messages={"required": _("「担当者」を選んでください。")},
    )
    reason = forms.CharField(label=_("理由（任意）"), required=False, max_length=200)

    def __init__(self, *args: Any, staff: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["assignee_id"]).choices = [("", _("選んでください")), *staff]
