"""Portal pages of the procedure catalogue: find a procedure by situation, category or search; one page each.

Public pages (no login). The portal's municipality is the configured demo municipality
(settings.MADOGUCHI_DEMO_MUNICIPALITY); every page works without JavaScript.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from madoguchi.core.errors import NotFoundInMunicipality

from . import selectors
from .i18n import SOURCE_LANGUAGE, catalogue_language, localize, shows_official_japanese, text_of
from .labels import (
    APPLICANT_ROLE_LABELS,
    BUSINESS_LABELS,
    CATEGORY_LABELS,
    LIFE_SITUATION_HINTS,
    LIFE_SITUATION_LABELS,
)
from .presentation import describe_required_when
from .schema import Attachment


def portal_municipality_code() -> str:
    """The municipality the portal serves (the demo municipality until per-host routing exists)."""
    return str(settings.MADOGUCHI_DEMO_MUNICIPALITY or "")


def current_lang() -> str:
    """The language catalogue texts are shown in (the active language, normalised; see procedures.i18n)."""
    return catalogue_language(translation.get_language())


def situation_choices() -> list[dict[str, Any]]:
    """Life situations that have at least one entry, in home-page order, with label, hint and count."""
    counts = selectors.life_situation_counts()
    return [
        {
            "code": code,
            "label": label,
            "hint": LIFE_SITUATION_HINTS.get(code, ""),
            "count": counts.get(code, 0),
        }
        for code, label in LIFE_SITUATION_LABELS.items()
        if counts.get(code, 0) > 0
    ]


class ProcedureSearchForm(forms.Form):
    q = forms.CharField(
        label=_("キーワード"),
        required=False,
        max_length=100,
        help_text=_(
            "手続の名前や内容で探せます。ひらがな・カタカナ・半角でも探せます（例: ほいく、ｼﾞﾄﾞｳﾃｱﾃ）。"
        ),
    )
    situation = forms.ChoiceField(label=_("どんなとき"), required=False)
    category = forms.ChoiceField(label=_("分野"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("すべて"))]
        situation_field = self.fields["situation"]
        category_field = self.fields["category"]
        assert isinstance(situation_field, forms.ChoiceField) and isinstance(
            category_field, forms.ChoiceField
        )
        situation_field.choices = everything + [(s["code"], s["label"]) for s in situation_choices()]
        category_field.choices = everything + list(CATEGORY_LABELS.items())


def procedure_list(request: HttpRequest) -> HttpResponse:
    """The list by life situation and category, with a search box (GET form; works without JavaScript)."""
    form = ProcedureSearchForm(request.GET or None)
    lang = current_lang()
    municipality_code = portal_municipality_code()
    situation = category = query = ""
    if form.is_bound and form.is_valid():
        situation = form.cleaned_data["situation"]
        category = form.cleaned_data["category"]
        query = form.cleaned_data["q"].strip()
    filtered = bool(situation or category or query)
    results = (
        selectors.list_procedures(
            municipality_code=municipality_code,
            life_situation=situation or None,
            category=category or None,
            query=query,
            lang=lang,
        )
        if not form.errors
        else []
    )
    groups = []
    if not filtered and not form.errors:
        for code, label in CATEGORY_LABELS.items():
            items = [r for r in results if r.category == code]
            if items:
                groups.append({"code": code, "label": label, "items": items})
    context = {
        "form": form,
        "situations": situation_choices(),
        "categories": list(CATEGORY_LABELS.items()),
        "situation": situation,
        "situation_label": LIFE_SITUATION_LABELS.get(situation, ""),
        "category": category,
        "category_label": CATEGORY_LABELS.get(category, ""),
        "query": query,
        "filtered": filtered,
        "results": results,
        "groups": groups,
        "lang": lang,
        "show_official": shows_official_japanese(lang),
    }
    return render(request, "procedures/list.html", context, status=400 if form.errors else 200)


def apply_url(code: str) -> str:
    """Where the online application for `code` starts (the intake journey's start page)."""
    # The intake journey (another app) owns /apply/<code>/; use its URL name once it exists.
    try:
        return reverse("intake:start", args=[code])
    except NoReverseMatch:
        return f"/apply/{code}/"


def procedure_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One procedure (or referral) page: what, who, what you need, deadline, time, online or counter, contact."""
    try:
        page = selectors.get_procedure_page(municipality_code=portal_municipality_code(), code=code)
    except NotFoundInMunicipality:
        raise Http404("no such procedure") from None
    lang = current_lang()
    context: dict[str, Any] = {
        "page": page,
        "lang": lang,
        "setting": page.setting,
        "show_official": shows_official_japanese(lang),
    }
    if page.referral is not None:
        r = page.referral
        context.update(
            name=text_of(r, "name", lang=lang),
            name_ja=r.name_ja,
            authority=text_of(r, "authority", lang=lang),
            explanation=text_of(r, "explanation", lang=lang),
            link_text=text_of(r, "link_text", lang=lang),
            situations=[
                (s, LIFE_SITUATION_LABELS[s]) for s in r.life_situations if s in LIFE_SITUATION_LABELS
            ],
        )
        return render(request, "procedures/referral.html", context)
    p = page.procedure
    assert p is not None

    def when(a: Attachment) -> str:
        if a.required_when is None and a.optional:
            return str(_("任意（あれば添付してください）"))
        return localize(
            describe_required_when(p.form, a.required_when, "ja"),
            lang=lang,
            english_text=describe_required_when(p.form, a.required_when, "en"),
        )

    attachments = [
        {
            "name": text_of(a, "name", lang=lang),
            "name_ja": a.name_ja,
            "help": text_of(a, "help", lang=lang),
            "when": when(a),
            "always": a.required_when is None and not a.optional,
            "original_needed": a.original_needed,
            "max_files": a.max_files,
        }
        for a in p.attachments
    ]
    context.update(
        procedure=p,
        name=text_of(p, "name", lang=lang),
        summary=text_of(p, "summary", lang=lang),
        notes=text_of(p, "notes", lang=lang),
        # The やさしい日本語 box is for Japanese readers; in ja-easy the summary itself is the easy one.
        show_easy=lang == SOURCE_LANGUAGE and p.category == "child_rearing" and bool(p.summary_ja_easy),
        category_label=CATEGORY_LABELS.get(p.category, ""),
        business_label=BUSINESS_LABELS.get(p.business, ""),
        who=[
            {
                "label": APPLICANT_ROLE_LABELS.get(w.role, w.role),
                "authorization": (
                    next(
                        (
                            text_of(a, "name", lang=lang)
                            for a in p.attachments
                            if a.code == w.authorization_attachment
                        ),
                        "",
                    )
                    if w.authorization_attachment
                    else ""
                ),
            }
            for w in p.who_may_apply
        ],
        attachments=attachments,
        deadline_text=text_of(p.deadline, "text", lang=lang) if p.deadline else "",
        deadline_strict=bool(p.deadline and p.deadline.strict),
        legal_basis=[
            {
                "statute": text_of(lb, "statute", lang=lang),
                "article": text_of(lb, "article", lang=lang),
                "statute_ja": lb.statute_ja,
                "article_ja": lb.article_ja,
                "unconfirmed": lb.unconfirmed,
            }
            for lb in p.legal_basis
        ],
        situations=[(s, LIFE_SITUATION_LABELS[s]) for s in p.life_situations if s in LIFE_SITUATION_LABELS],
        note=page.setting.note(lang),
        section=page.setting.section(lang),
        hours=page.setting.hours(lang),
        apply_url=apply_url(p.code) if page.online_available else "",
    )
    return render(request, "procedures/detail.html", context)
