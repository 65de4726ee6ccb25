"""Identity data: the certificate-serial ↔ resident link table (office zone), demo test cards, login nonces,
verification evidence and the local OIDC provider's codes, tokens and sign transactions.

The link table follows the 申請管理 standard's シリアル番号の紐付情報管理: a municipality keeps, per resident, the
serials of the card's certificates and the 新旧紐付け when a signing certificate is re-issued, so an old serial still
identifies the person (jpki.md §6, procedures.md §3).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from madoguchi.core.models import TenantModel


class CertificatePurpose(models.TextChoices):
    SIGN = "sign", _("署名用電子証明書")
    AUTH = "auth", _("利用者証明用電子証明書")


class CertificateLink(TenantModel):
    """One certificate serial linked to a resident (office-zone data, 番号紐付情報)."""

    serial = models.CharField(_("シリアル番号"), max_length=40)  # upper-case hex, as verify() prints it
    purpose = models.CharField(_("証明書の種類"), max_length=4, choices=CertificatePurpose.choices)
    issuer_sha256 = models.CharField(_("発行元CAの指紋"), max_length=95, blank=True)
    card_id = models.CharField(_("カード識別子"), max_length=64, blank=True, db_index=True)
    resident = models.ForeignKey(
        "registry.Resident", verbose_name=_("住民"), on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(_("発行日時"))
    expires_at = models.DateTimeField(_("有効期限"))
    revoked_at = models.DateTimeField(_("失効日時"), null=True, blank=True)
    revocation_reason = models.CharField(_("失効理由"), max_length=40, blank=True)
    # 新旧紐付け: the serial that replaced this one (re-issue) and the link back.
    succeeded_by = models.CharField(_("後継のシリアル番号"), max_length=40, blank=True)
    predecessor = models.OneToOneField(
        "self",
        verbose_name=_("前の証明書"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="successor",
    )

    class Meta:
        verbose_name = _("電子証明書の紐付け")
        verbose_name_plural = _("電子証明書の紐付け")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "purpose", "serial"], name="certificate_link_unique_serial"
            )
        ]
        indexes = [models.Index(fields=["purpose", "serial"])]

    def __str__(self) -> str:
        return f"{self.purpose}:{self.serial}"


class TestCardRecord(TenantModel):
    """A SIMULATED My Number card (software card) for the demo and tests — never a real card.

    `card_data` is `SoftwareCard.to_dict()`: it holds the card's private keys unencrypted and the PIN counters, which
    is acceptable only because the TEST CA is trusted by nothing outside this test world.
    """

    __test__ = False  # not a pytest test class

    card_id = models.CharField(_("カード識別子"), max_length=64, unique=True)
    resident = models.ForeignKey(
        "registry.Resident", verbose_name=_("住民"), on_delete=models.PROTECT, related_name="+"
    )
    label = models.CharField(_("表示名"), max_length=120)
    card_data = models.JSONField(_("テストカードのデータ（模擬）"))
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    class Meta:
        verbose_name = _("テストカード（模擬）")
        verbose_name_plural = _("テストカード（模擬）")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.label


class NonceKind(models.TextChoices):
    JPKI_LOGIN = "jpki_login", _("カードログインのチャレンジ")
    CLIENT_ASSERTION = "client_assertion", _("クライアント認証JWTのjti")


class LoginNonce(models.Model):
    """A single-use server nonce (portal zone); consumed with one conditional UPDATE so two requests cannot both win."""

    kind = models.CharField(max_length=20, choices=NonceKind.choices, default=NonceKind.JPKI_LOGIN)
    token = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    consumed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("ログイン用ノンス")
        verbose_name_plural = _("ログイン用ノンス")

    def __str__(self) -> str:
        return f"{self.kind}:{self.token[:8]}…"


class VerificationEvidence(models.Model):
    """What a JPKI verification decided (jpki.md §4.7: time, result, serial, CA, revocation source — not the cert)."""

    checked_at = models.DateTimeField(_("確認日時"), db_index=True)
    context = models.CharField(_("場面"), max_length=30)  # portal_login | oidc_login | document_signature
    purpose = models.CharField(_("証明書の種類"), max_length=4, choices=CertificatePurpose.choices)
    valid = models.BooleanField(_("有効"))
    reason = models.CharField(_("結果"), max_length=30)
    serial = models.CharField(_("シリアル番号"), max_length=40, blank=True)
    policy = models.CharField(_("ポリシーOID"), max_length=64, blank=True)
    issuer_sha256 = models.CharField(_("発行元CAの指紋"), max_length=95, blank=True)
    revocation_source = models.CharField(_("失効確認の方法"), max_length=20, blank=True)
    revocation_reason = models.CharField(_("失効理由"), max_length=40, blank=True)
    detail = models.CharField(_("詳細"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("検証記録")
        verbose_name_plural = _("検証記録")
        ordering = ["-checked_at", "-id"]

    def __str__(self) -> str:
        return f"{self.context} {self.reason} {self.serial}"


class OidcAuthorizationCode(models.Model):
    """An authorization code of the local OIDC provider (stored as a hash; single use, short TTL)."""

    code_hash = models.CharField(max_length=64, unique=True)
    client_id = models.CharField(max_length=255)
    redirect_uri = models.CharField(max_length=500)
    scope = models.CharField(max_length=200)
    nonce = models.CharField(max_length=255)
    code_challenge = models.CharField(max_length=128)
    auth_serial = models.CharField(max_length=40)
    claims = models.JSONField(default=dict)
    # The sign transaction this authorization signed (scope `sign`); carried into the access token.
    sign_transaction_id = models.UUIDField(null=True, blank=True)
    authenticated_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    consumed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("認可コード（ローカルOIDC）")
        verbose_name_plural = _("認可コード（ローカルOIDC）")

    def __str__(self) -> str:
        return f"code for {self.client_id}"


class GrantType(models.TextChoices):
    AUTHORIZATION_CODE = "authorization_code", _("認可コード（利用者）")
    CLIENT_CREDENTIALS = "client_credentials", _("クライアントクレデンシャル（サービス）")


class OidcAccessToken(models.Model):
    """An access token of the local OIDC provider (hash only): a resident's (userinfo, sign result) or a client's
    own (client credentials, to create sign transactions)."""

    token_hash = models.CharField(max_length=64, unique=True)
    client_id = models.CharField(max_length=255)
    grant_type = models.CharField(
        max_length=20, choices=GrantType.choices, default=GrantType.AUTHORIZATION_CODE
    )
    scope = models.CharField(max_length=200)
    subject = models.CharField(max_length=64)
    claims = models.JSONField(default=dict)
    sign_transaction_id = models.UUIDField(null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = _("アクセストークン（ローカルOIDC）")
        verbose_name_plural = _("アクセストークン（ローカルOIDC）")

    def __str__(self) -> str:
        return f"token for {self.client_id}"


class SignTransactionStatus(models.TextChoices):
    PENDING = "pending", _("署名待ち")
    SIGNED = "signed", _("署名済み")
    DELIVERED = "delivered", _("結果を受け渡し済み")
    CANCELLED = "cancelled", _("中止")


class SignTransaction(models.Model):
    """A signing transaction of the local provider (simulated デジタル認証アプリ, jpki.md §8).

    Created by a relying party with the SHA-256 digest of its document; bound to one authorization request
    (`sign_transaction_id`); signed at the provider with the card after the signing PIN; its result (signature and
    署名用 certificate) is handed out once, as a JWE, to the resident's access token.
    """

    transaction_id = models.UUIDField(unique=True)
    client_id = models.CharField(max_length=255)
    digest_algorithm = models.CharField(max_length=20, default="SHA-256")
    digest_b64 = models.CharField(max_length=44)  # standard base64 of the 32-byte SHA-256 digest
    status = models.CharField(
        max_length=10, choices=SignTransactionStatus.choices, default=SignTransactionStatus.PENDING
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    subject = models.CharField(max_length=64, blank=True)  # pairwise sub of the resident who signed
    signature = models.BinaryField(null=True, blank=True)
    certificate_der = models.BinaryField(null=True, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    result_expires_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    ended_reason = models.CharField(max_length=40, blank=True)

    class Meta:
        verbose_name = _("署名トランザクション（ローカルOIDC）")
        verbose_name_plural = _("署名トランザクション（ローカルOIDC）")

    def __str__(self) -> str:
        return f"sign transaction {self.transaction_id} ({self.status})"
