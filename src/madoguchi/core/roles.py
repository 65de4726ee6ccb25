"""Staff roles and the permission matrix (role × action). The only place that says who may do what."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COUNTER_CLERK = "counter_clerk", _("窓口担当")
    REVIEWER = "reviewer", _("審査担当")
    APPROVER = "approver", _("決裁権者")
    ADMINISTRATOR = "administrator", _("システム管理者")
    AUDITOR = "auditor", _("監査担当")


class Action(models.TextChoices):
    VIEW_MUNICIPALITY = "view_municipality", _("自治体情報の閲覧")
    SEARCH_RESIDENTS = "search_residents", _("住民の検索")
    VIEW_RESIDENT = "view_resident", _("住民記録の閲覧")
    RECORD_REGISTRY_EVENT = "record_registry_event", _("異動の記録")
    CORRECT_REGISTRY = "correct_registry", _("職権修正")
    REVEAL_INDIVIDUAL_NUMBER = "reveal_individual_number", _("個人番号の表示")
    ISSUE_CERTIFICATE = "issue_certificate", _("証明書の交付")
    IMPORT_RESIDENTS = "import_residents", _("住民データの取込")
    EXPORT_RESIDENTS = "export_residents", _("住民データの出力")
    REVIEW_CASE = "review_case", _("申請の審査")
    DECIDE_CASE = "decide_case", _("決裁")
    RUN_BENEFIT_PAYMENTS = "run_benefit_payments", _("給付の支払処理（振込データの作成・出力）")
    TAKE_COUNTER_APPLICATION = "take_counter_application", _("窓口での申請の受付（書かない窓口）")
    MANAGE_STAFF = "manage_staff", _("職員アカウントの管理")
    CONFIGURE_PROCEDURES = "configure_procedures", _("オンライン手続の設定")
    VIEW_AUDIT_LOG = "view_audit_log", _("監査ログの閲覧")
    VIEW_ACCESS_LOG = "view_access_log", _("アクセスログの閲覧")


_ALL_WORK = {Action.VIEW_MUNICIPALITY, Action.SEARCH_RESIDENTS, Action.VIEW_RESIDENT}

# Separation of duties: the administrator manages accounts but does not do casework; the auditor reads the logs
# and nothing else (監査担当は業務データを変更しない).
PERMISSIONS: dict[str, frozenset[str]] = {
    Role.COUNTER_CLERK: frozenset(
        _ALL_WORK
        | {
            Action.RECORD_REGISTRY_EVENT,
            Action.ISSUE_CERTIFICATE,
            Action.REVEAL_INDIVIDUAL_NUMBER,
            Action.TAKE_COUNTER_APPLICATION,
        }
    ),
    Role.REVIEWER: frozenset(
        _ALL_WORK
        | {
            Action.RECORD_REGISTRY_EVENT,
            Action.CORRECT_REGISTRY,
            Action.ISSUE_CERTIFICATE,
            Action.REVIEW_CASE,
            Action.TAKE_COUNTER_APPLICATION,
            Action.RUN_BENEFIT_PAYMENTS,
        }
    ),
    Role.APPROVER: frozenset(
        _ALL_WORK
        | {
            Action.RECORD_REGISTRY_EVENT,
            Action.CORRECT_REGISTRY,
            Action.ISSUE_CERTIFICATE,
            Action.REVIEW_CASE,
            Action.DECIDE_CASE,
            Action.REVEAL_INDIVIDUAL_NUMBER,
            Action.TAKE_COUNTER_APPLICATION,
            Action.RUN_BENEFIT_PAYMENTS,
        }
    ),
    Role.ADMINISTRATOR: frozenset(
        {
            Action.VIEW_MUNICIPALITY,
            Action.MANAGE_STAFF,
            Action.IMPORT_RESIDENTS,
            Action.EXPORT_RESIDENTS,
            Action.CONFIGURE_PROCEDURES,
        }
    ),
    Role.AUDITOR: frozenset({Action.VIEW_MUNICIPALITY, Action.VIEW_AUDIT_LOG, Action.VIEW_ACCESS_LOG}),
}


def role_can(role: str, action: str) -> bool:
    """Whether a staff role may perform an action (the permission matrix)."""
    return action in PERMISSIONS.get(role, frozenset())
