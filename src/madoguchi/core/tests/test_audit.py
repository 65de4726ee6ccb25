"""The audit chain: written in the caller's transaction, verified, and every kind of tampering located."""

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from madoguchi.core.audit import record_audit, verify_chain
from madoguchi.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def _write(municipality, n: int) -> None:
    for i in range(n):
        with transaction.atomic():
            record_audit(
                actor=None,
                municipality=municipality,
                action="test_action",
                target_type="thing",
                target_id=i,
                before={"value": i},
                after={"value": i + 1},
            )


def _run_verify(capsys, code: str) -> tuple[int, str]:
    try:
        call_command("audit_verify", municipality=code)
        status = 0
    except SystemExit as exc:
        status = int(exc.code or 0)
    return status, capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_record_outside_a_transaction_is_refused() -> None:
    from madoguchi.core.models import Municipality
    from madoguchi.testing import ensure_municipalities

    ensure_municipalities()  # an earlier transactional test's flush may have emptied the table
    chiyoda = Municipality.objects.get(code="131016")
    with pytest.raises(RuntimeError):
        record_audit(actor=None, municipality=chiyoda, action="x", target_type="t", target_id=1)


def test_intact_chain_verifies(chiyoda, capsys) -> None:
    _write(chiyoda, 5)
    checked, breaks = verify_chain(chiyoda.code)
    assert checked == 5 and breaks == []
    status, out = _run_verify(capsys, chiyoda.code)
    assert status == 0 and "OK 131016: 5 rows" in out


def test_modified_row_is_located(chiyoda, capsys) -> None:
    _write(chiyoda, 5)
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE core_auditentry SET actor_display = %s WHERE municipality_id = %s AND sequence = 3",
            ["改ざん者", chiyoda.code],
        )
    status, out = _run_verify(capsys, chiyoda.code)
    assert status == 1
    assert "row 3 modified" in out
    assert "row 2" not in out and "row 4" not in out


def test_deleted_row_is_located(chiyoda, capsys) -> None:
    _write(chiyoda, 5)
    AuditEntry.objects.filter(municipality=chiyoda, sequence=2).delete()
    status, out = _run_verify(capsys, chiyoda.code)
    assert status == 1 and "row 2 deleted" in out


def test_deleted_and_renumbered_row_is_located(chiyoda, capsys) -> None:
    _write(chiyoda, 4)
    AuditEntry.objects.filter(municipality=chiyoda, sequence=2).delete()
    with connection.cursor() as cur:
        for seq in (3, 4):
            cur.execute(
                "UPDATE core_auditentry SET sequence = %s WHERE municipality_id = %s AND sequence = %s",
                [seq - 1, chiyoda.code, seq],
            )
    status, out = _run_verify(capsys, chiyoda.code)
    assert status == 1 and "row 2 deleted" in out


def test_deleted_tail_is_located(chiyoda, capsys) -> None:
    _write(chiyoda, 5)
    AuditEntry.objects.filter(municipality=chiyoda, sequence__gte=4).delete()
    status, out = _run_verify(capsys, chiyoda.code)
    assert status == 1 and "row 4 deleted" in out and "4–5" in out


def test_reordered_rows_are_located(chiyoda, capsys) -> None:
    _write(chiyoda, 5)
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE core_auditentry SET sequence = 100 WHERE municipality_id = %s AND sequence = 2",
            [chiyoda.code],
        )
        cur.execute(
            "UPDATE core_auditentry SET sequence = 2 WHERE municipality_id = %s AND sequence = 3",
            [chiyoda.code],
        )
        cur.execute(
            "UPDATE core_auditentry SET sequence = 3 WHERE municipality_id = %s AND sequence = 100",
            [chiyoda.code],
        )
    status, out = _run_verify(capsys, chiyoda.code)
    assert status == 1
    assert "row 2 reordered" in out and "row 3 reordered" in out
    assert "modified" not in out


def test_chains_are_per_municipality(chiyoda, sapporo) -> None:
    _write(chiyoda, 3)
    _write(sapporo, 2)
    AuditEntry.objects.filter(municipality=sapporo, sequence=1).update(action="forged")
    assert verify_chain(chiyoda.code)[1] == []
    assert [b.kind for b in verify_chain(sapporo.code)[1]] == ["modified"]


def test_crash_mid_write_leaves_no_row_and_an_intact_chain(chiyoda) -> None:
    _write(chiyoda, 2)

    class Crash(Exception):
        pass

    with pytest.raises(Crash), transaction.atomic():
        record_audit(actor=None, municipality=chiyoda, action="half", target_type="t", target_id=9)
        raise Crash
    assert AuditEntry.objects.filter(municipality=chiyoda).count() == 2
    _write(chiyoda, 1)
    checked, breaks = verify_chain(chiyoda.code)
    assert checked == 3 and breaks == []
