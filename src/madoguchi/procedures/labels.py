"""Display labels for the catalogue's enumerations (translated through Django i18n; the codes stay English)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# "What happened?" — the portal starts from the resident's situation (UX.md), in the order shown on the home page.
LIFE_SITUATION_LABELS: dict[str, Promise] = {
    "pregnancy": _("妊娠した"),
    "birth": _("子どもが生まれた"),
    "moving_in": _("引っ越してきた（転入）"),
    "care": _("家族に介護が必要になった"),
    "disaster": _("災害で家が被害を受けた"),
    "death": _("家族が亡くなった"),
    "childcare": _("子育て・保育園"),
    "school": _("子どもの学校（給食費など）"),
    "single_parent": _("ひとり親家庭"),
    "relocation": _("市内で引っ越した（転居）"),
    "moving_out": _("市外へ引っ越す（転出）"),
    "name_change": _("名前や住所が変わった"),
    "lost_document": _("証明書をなくした・汚した"),
    "vehicle": _("自動車を買った・手放した"),
}

LIFE_SITUATION_HINTS: dict[str, Promise] = {
    "pregnancy": _("妊娠の届出と母子健康手帳"),
    "birth": _("児童手当、保育園の申込み"),
    "moving_in": _("児童手当、介護認定の引継ぎ"),
    "care": _("要介護認定、介護保険の給付"),
    "disaster": _("罹災証明書"),
    "death": _("未支払の児童手当"),
    "childcare": _("児童手当、保育の認定と申込み"),
    "school": _("学校給食費などの徴収"),
    "single_parent": _("児童扶養手当の現況届"),
    "relocation": _("住所変更の届出"),
    "moving_out": _("児童手当の受給事由消滅"),
    "name_change": _("児童手当の氏名・住所変更"),
    "lost_document": _("介護保険の証の再交付"),
    "vehicle": _("都道府県・警察の手続のご案内"),
}

CATEGORY_LABELS: dict[str, Promise] = {
    "child_rearing": _("子育て"),
    "long_term_care": _("介護"),
    "disaster": _("被災者支援"),
    "vehicle": _("自動車（都道府県・警察の手続）"),
}

APPLICANT_ROLE_LABELS: dict[str, Promise] = {
    "self": _("本人"),
    "head_of_household": _("世帯主"),
    "household_member": _("同じ世帯の方"),
    "family": _("家族"),
    "legal_guardian": _("成年後見人など法定代理人"),
    "heir": _("相続人"),
    "support_provider": _("地域包括支援センター・居宅介護支援事業者など（提出代行）"),
    "proxy": _("代理人（委任状が必要）"),
}

BUSINESS_LABELS: dict[str, Promise] = {
    "child_allowance": _("児童手当"),
    "child_rearing_allowance": _("児童扶養手当"),
    "childcare": _("保育・幼児教育"),
    "pregnancy": _("母子保健"),
    "care_insurance": _("介護保険"),
    "disaster": _("被災者支援"),
}
