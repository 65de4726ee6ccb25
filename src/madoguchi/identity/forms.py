"""Forms of the card login (portal) and of the local OIDC provider's login page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .selectors import demo_test_cards


class CardLoginForm(forms.Form):
    """Choose a test card (simulation of the card reader) and enter the 4-digit 利用者証明用 PIN."""

    card = forms.ChoiceField(
        label=_("使うカード"),
        widget=forms.RadioSelect,
        help_text=_(
            "デモ用のテストカード（模擬）です。本番ではカードリーダーやスマートフォンでカードを読み取ります。"
        ),
        error_messages={
            "required": _("使うカードを選んでください。"),
            "invalid_choice": _("一覧にあるカードを選んでください。"),
        },
    )
    pin = forms.CharField(
        label=_("利用者証明用電子証明書の暗証番号（数字4桁）"),
        max_length=4,
        min_length=4,
        strip=True,
        widget=forms.PasswordInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]{4}"}
        ),
        error_messages={
            "required": _("暗証番号（数字4桁）を入力してください。"),
            "min_length": _("暗証番号は数字4桁で入力してください。"),
            "max_length": _("暗証番号は数字4桁で入力してください。"),
        },
    )
    challenge = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["card"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(card.card_id, card.label) for card in demo_test_cards()]

    def clean_pin(self) -> str:
        pin = str(self.cleaned_data["pin"])
        if not pin.isascii() or not pin.isdigit():
            raise forms.ValidationError(_("暗証番号は数字4桁で入力してください。"))
        return pin


class CardSignForm(forms.Form):
    """The signing step of the local provider: choose a test card and enter the 署名用 PIN (6–16 characters).

    The PIN's format is checked by the card itself (a malformed PIN uses no try), so the field only bounds its length.
    """

    card = forms.ChoiceField(
        label=_("署名に使うカード"),
        widget=forms.RadioSelect,
        help_text=_(
            "デモ用のテストカード（模擬）です。本番ではスマートフォンでマイナンバーカードを読み取ります。"
        ),
        error_messages={
            "required": _("署名に使うカードを選んでください。"),
            "invalid_choice": _("一覧にあるカードを選んでください。"),
        },
    )
    pin = forms.CharField(
        label=_("署名用電子証明書の暗証番号（英数字6〜16文字）"),
        max_length=16,
        strip=True,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        error_messages={
            "required": _("署名用電子証明書の暗証番号（英数字6〜16文字）を入力してください。"),
            "max_length": _("署名用電子証明書の暗証番号は16文字以内で入力してください。"),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["card"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(card.card_id, card.label) for card in demo_test_cards()]
