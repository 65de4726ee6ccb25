"""Fixed JPKI identifiers: OIDs, CA distinguished names, policy sets, production anchor pins.

Values follow /work/shared/reference/jpki.md (公的個人認証サービス プロファイル仕様書 as reconstructed from real
certificate dumps). Items marked *unconfirmed* there are marked here too.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from cryptography import x509
from cryptography.x509.oid import NameOID

Purpose = Literal["sign", "auth"]
PURPOSES: tuple[Purpose, ...] = ("sign", "auth")

# Japan Standard Time: certificate validity ends at the end of the day in Japan.
JST = dt.timezone(dt.timedelta(hours=9), "JST")

# --- Certificate policies (certificatePolicies is critical in JPKI end-entity certificates) ---------------------
PRODUCTION_SIGN_POLICY = "1.2.392.200149.8.5.1.1.20"
PRODUCTION_AUTH_POLICY = "1.2.392.200149.8.5.1.3.30"
# Test-environment cards use 1.2.392.200149.8.5.1.0.20 for signing (unconfirmed); the authentication value is our
# analogy to it (unconfirmed). Only the TEST CA issues these.
TEST_SIGN_POLICY = "1.2.392.200149.8.5.1.0.20"
TEST_AUTH_POLICY = "1.2.392.200149.8.5.1.0.30"
CPS_URI = "http://www.jpki.go.jp/cps.html"

PRODUCTION_POLICIES: dict[Purpose, frozenset[str]] = {
    "sign": frozenset({PRODUCTION_SIGN_POLICY}),
    "auth": frozenset({PRODUCTION_AUTH_POLICY}),
}
TEST_POLICIES: dict[Purpose, frozenset[str]] = {
    "sign": frozenset({TEST_SIGN_POLICY}),
    "auth": frozenset({TEST_AUTH_POLICY}),
}
KNOWN_POLICIES: dict[Purpose, frozenset[str]] = {
    "sign": PRODUCTION_POLICIES["sign"] | TEST_POLICIES["sign"],
    "auth": PRODUCTION_POLICIES["auth"] | TEST_POLICIES["auth"],
}

# --- 基本4情報 in the signing certificate's subjectAltName (arc 1.2.392.200149.8.5.5 = jpki-personalData) -------
OID_NAME = "1.2.392.200149.8.5.5.1"
OID_NAME_SUBSTITUTIONS = "1.2.392.200149.8.5.5.2"
OID_SEX = "1.2.392.200149.8.5.5.3"
OID_BIRTH_DATE = "1.2.392.200149.8.5.5.4"
OID_ADDRESS = "1.2.392.200149.8.5.5.5"
OID_ADDRESS_SUBSTITUTIONS = "1.2.392.200149.8.5.5.6"
# フリガナ in the certificate is announced for around 2026 with an unconfirmed format. Until J-LIS publishes its
# OID the simulation writes the reading under a UUID-derived OID (ITU-T X.667 arc 2.25, no registration needed) so
# it can never collide with a real J-LIS assignment.
OID_NAME_KANA_SIMULATION = "2.25.229770335180452410785329768401916353941"

# --- Distinguished names ---------------------------------------------------------------------------------------
AGENCY_OU = "Japan Agency for Local Authority Information Systems"
SIGN_CA_OU = "JPKI for digital signature"
AUTH_CA_OU = "JPKI for user authentication"
SERVICE_NAME_JA = "公的個人認証サービス"
CA_OU: dict[Purpose, str] = {"sign": SIGN_CA_OU, "auth": AUTH_CA_OU}


def ca_name(purpose: Purpose) -> x509.Name:
    """The CA subject (= issuer) DN for `purpose`: C=JP, O=JPKI, OU=<purpose>, OU=<agency> (C PrintableString)."""
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "JPKI"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, CA_OU[purpose]),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, AGENCY_OU),
        ]
    )


def service_dir_name() -> x509.Name:
    """DirName C=JP, O=公的個人認証サービス (UTF8String), used as CA subjectAltName and leaf issuerAltName."""
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, SERVICE_NAME_JA),
        ]
    )


def crl_partition_name(purpose: Purpose, prefecture: str, city: str) -> x509.Name:
    """Leaf CRL distribution point DirName, partitioned per municipality (exact strings unconfirmed)."""
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "JPKI"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, CA_OU[purpose]),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "CRL Distribution Points"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, prefecture),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{city} CRLDP"),
        ]
    )


# SHA-256 fingerprints of the J-LIS root certificates as distributed in the MIT-licensed jpki/myna tool (src/ta).
# Unconfirmed: cross-check against https://www.jpki.go.jp/ca/pdf/sign_fingerprint.pdf before relying on them.
PRODUCTION_ANCHOR_FINGERPRINTS: dict[Purpose, dict[str, str]] = {
    "sign": {
        "sign_ca_2015": "19:64:54:05:A1:FE:14:37:74:34:BD:55:95:76:28:AC:40:38:55:7C:54:24:03:A2:24:3F:21:C7:06:FC:93:55",
        "sign_ca_2023": "D2:27:F6:CD:E1:1D:35:C5:25:21:78:F1:06:F8:43:D2:46:51:94:49:75:41:3B:53:9F:A2:FB:68:DB:FA:36:5F",
    },
    "auth": {
        "auth_ca_2015": "4D:CF:C4:CA:0A:AF:9F:B2:A3:08:1B:3F:0C:99:1C:32:0B:3A:CC:00:86:67:A3:41:EE:AE:C5:AF:1D:58:CA:7D",
        "auth_ca_2023": "64:11:4F:29:62:0C:24:ED:26:31:D4:64:76:A0:40:E7:EE:74:0D:95:60:89:C0:0B:03:6A:6A:81:18:C3:22:B5",
    },
}

# PIN rules of the card (§1): signing 6–16 of [A-Z0-9], 5 tries; authentication 4 digits, 3 tries.
PIN_MAX_TRIES: dict[Purpose, int] = {"sign": 5, "auth": 3}

# RFC 5280 CRLReason names as they appear in JPKI revocation data (§5).
REVOCATION_REASONS = frozenset(
    {
        "unspecified",
        "keyCompromise",
        "affiliationChanged",
        "superseded",
        "cessationOfOperation",
        "certificateHold",
        "privilegeWithdrawn",
    }
)


def serial_hex(serial: int) -> str:
    """Certificate serial as upper-case hex, zero-padded to an even length (as openssl and J-LIS lists print it)."""
    text = format(serial, "X")
    return text if len(text) % 2 == 0 else "0" + text


def parse_serial(text: str) -> int:
    """Inverse of `serial_hex`; accepts optional colons/spaces and a 0x prefix."""
    cleaned = text.strip().replace(":", "").replace(" ", "")
    if cleaned.lower().startswith("0x"):
        cleaned = cleaned[2:]
    return int(cleaned, 16)
