"""Benchmark: signed submissions per second (児童手当 認定請求) with 32 concurrent clients, against raw inserts.

Workload: synthetic residents from `madoguchi.registry.demo.generate` loaded through `load_demo_residents` (the
`seed_demo` path); every head of a household with children under 17 gets a TEST card (`identity.services.
issue_test_card`, so the certificate serials are linked to the resident as in the demo) and one distinct,
valid 児童手当 認定請求: the answers a parent sends (card prefill + household facts + typed fields), the canonical
JSON signed with the software card's signing key exactly as the portal does (`intake.signing.sign_with_card`).
Measured: `intake.services.submit_application` — the function the web view and the API call — for every
submission, by `--concurrency` clients (worker processes × threads, each thread its own database connection):
form rules, JPKI verification (chain, policy, validity, CRL), signer = applicant, registry match and children in
the household through the office answers channel (audited), the duplicate guard, application + signature use +
status event + receipt number + audit row.
Raw baseline in the same run: the same three rows per submission (application, status event, audit row) inserted
with plain SQL at the same concurrency, one transaction each, no checks (into another municipality).

Usage: python bench/intake_submit.py [--submissions 5000] [--database sqlite|postgresql] [--concurrency 32]
       [--processes 2] [--profile]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import os
import queue
import statistics
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from registry_common import (
    MUNICIPALITY,
    RESULTS,
    bench_database,
    database_info,
    machine,
    python_version,
)

PROCEDURE = "child_allowance_certification"
RAW_MUNICIPALITY = (
    "011002"  # the raw baseline writes under another tenant: no receipt/audit chain interference
)
TARGET_RATE = 500.0
TARGET_P95_MS = 100.0
SIGN_PIN = "BENCH123"
AUTH_PIN = "1234"
KEY_POOL = 8


@dataclass(frozen=True)
class Submission:
    """One signed application ready to send: who sends it and what (as the API receives it)."""

    identity: Any  # PortalIdentity
    answers: dict[str, Any]
    signature: bytes
    certificate_pem: str


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# ---------------------------------------------------------------------------------------------------------------
# Set-up


def _seed(residents: int, seed: int, today: dt.date) -> None:
    from madoguchi.core.audit import SYSTEM
    from madoguchi.core.models import Municipality
    from madoguchi.registry.demo import generate
    from madoguchi.registry.services import load_demo_residents

    municipality = Municipality.objects.get(code=MUNICIPALITY)
    households = generate(municipality_code=MUNICIPALITY, count=residents, seed=seed, today=today)
    load_demo_residents(actor=SYSTEM, municipality=municipality, households=households, today=today)


def _applicant_households(limit: int, today: dt.date) -> list[tuple[Any, list[Any], Any | None]]:
    """(head, children under 17, spouse) of households whose current head has such children, by household id."""
    from madoguchi.common.ages import age_on
    from madoguchi.registry.models import Resident

    members: dict[int, list[Any]] = {}
    for r in Resident.objects.filter(municipality_id=MUNICIPALITY, status="current").order_by(
        "household_id", "id"
    ):
        if r.household_id is not None:
            members.setdefault(r.household_id, []).append(r)
    out = []
    for _household_id, people in sorted(members.items()):
        head = next((p for p in people if p.is_head), None)
        children = [
            p for p in people if p.relationship == "子" and p.birth_date and age_on(p.birth_date, today) < 17
        ]
        if head is None or not children or head.birth_date is None:
            continue
        spouse = next((p for p in people if p.relationship in ("妻", "夫")), None)
        out.append((head, children, spouse))
        if len(out) == limit:
            break
    return out


def _answers(
    identity: Any, head: Any, children: Sequence[Any], spouse: Any | None, today: dt.date
) -> dict[str, Any]:
    """The answers a parent sends: the card's 基本4情報 and the office's reading/postal code/children (prefill),
    plus what they type."""
    answers: dict[str, Any] = {
        "applicant": {
            "name": identity.name,
            "name_kana": head.full_name_kana,
            "birth_date": identity.birth_date,
            "postal_code": head.postal_code,
            "address": identity.address,
            "phone": "09012345678",
            "is_public_servant": False,
            "pension": "employees_pension",
        },
        "claim": {
            "reason": "moving_in",
            "event_on": (today - dt.timedelta(days=3)).isoformat(),
            "is_main_earner": True,
        },
        "spouse": {"exists": False},
        "children": [
            {
                "name": c.full_name,
                "name_kana": c.full_name_kana,
                "birth_date": c.birth_date.isoformat(),
                "relationship": "child",
                "is_cared_for": True,
            }
            for c in children[:10]
        ],
        "children_apart_exists": False,
        "older_children_exists": False,
        "payment": {"method": "public_fund_account"},
        "declaration": {"public_records_consent": True, "truthful": True},
    }
    if spouse is not None and spouse.birth_date is not None:
        answers["spouse"] = {
            "exists": True,
            "name": spouse.full_name,
            "name_kana": spouse.full_name_kana,
            "birth_date": spouse.birth_date.isoformat(),
            "lives_together": True,
            "pension": "national_pension",
        }
    return answers


def prepare(count: int, seed: int) -> tuple[list[Submission], dict[str, float]]:
    """Seed residents, issue test cards and build `count` distinct signed submissions; seconds per stage."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    from madoguchi.identity import runtime
    from madoguchi.identity import services as identity_services
    from madoguchi.identity.jpki import card as card_module
    from madoguchi.identity.jpki import serial_hex
    from madoguchi.identity.jpki.attributes import decode_subject_alt_names
    from madoguchi.identity.jpki.ca import generate_rsa_key
    from madoguchi.identity.portal_session import PortalIdentity
    from madoguchi.identity.services import issue_test_card
    from madoguchi.procedures.engine import canonical_json, clean_answers, get_catalogue

    stages: dict[str, float] = {}
    today = dt.date.today()
    started = time.perf_counter()
    residents = max(2000, count * 12)
    while True:
        _seed(residents, seed, today)
        households = _applicant_households(count, today)
        if len(households) >= count:
            break
        from madoguchi.registry.models import Household, RegistryEvent, Resident

        RegistryEvent.objects.all().delete()
        Resident.objects.all().delete()
        Household.objects.all().delete()
        residents = int(residents * 1.5 * count / max(1, len(households)))
    stages["seed_residents"] = time.perf_counter() - started
    stages["residents"] = residents

    # Test cards: RSA key generation (2 × ~50 ms per card) is not what is measured here, so the cards draw their
    # keys from a small pool. Every certificate is still distinct (own serial, own 基本4情報) and verified in full.
    # Likewise the TEST CA is loaded from its directory once, not once per card.
    pool = [generate_rsa_key() for _ in range(KEY_POOL)]
    turn = iter(range(10**9))
    # The issued card objects are kept in memory (re-reading their keys from the stored record is slow and the same).
    original_key, original_ca, original_issue = (
        card_module.generate_rsa_key,
        runtime.test_ca,
        identity_services.issue_card,
    )
    ca = runtime.test_ca()
    issued: list[Any] = []

    def keep(*args: Any, **kwargs: Any) -> Any:
        card = original_issue(*args, **kwargs)
        issued.append(card)
        return card

    card_module.generate_rsa_key = lambda: pool[next(turn) % KEY_POOL]  # type: ignore[assignment]
    runtime.test_ca = lambda **_kwargs: ca  # type: ignore[assignment]
    identity_services.issue_card = keep  # type: ignore[assignment]
    started = time.perf_counter()
    cards = []
    try:
        for head, children, spouse in households:
            issue_test_card(actor=None, resident_id=head.pk, signing_pin=SIGN_PIN, auth_pin=AUTH_PIN)
            cards.append((issued[-1], head, children, spouse))
    finally:
        card_module.generate_rsa_key = original_key  # type: ignore[assignment]
        runtime.test_ca = original_ca  # type: ignore[assignment]
        identity_services.issue_card = original_issue  # type: ignore[assignment]
    stages["issue_cards"] = time.perf_counter() - started

    form = get_catalogue().procedures[PROCEDURE].form
    started = time.perf_counter()
    submissions = []
    for card, head, children, spouse in cards:
        sign_cert = card.signing_certificate()
        san = sign_cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        subject = decode_subject_alt_names(san)
        identity = PortalIdentity(
            method="jpki_card",
            auth_serial=serial_hex(card.authentication_certificate().serial_number),
            authenticated_at=dt.datetime.now(dt.UTC).isoformat(),
            name=subject.name,
            address=subject.address,
            birth_date=head.birth_date.isoformat(),
            sex={"male": "1", "female": "2"}.get(head.sex, "9"),
            sign_serial=serial_hex(sign_cert.serial_number),
        )
        answers = _answers(identity, head, children, spouse, today)
        # The portal's signing: canonical JSON of the cleaned answers and attachment hashes (`draft_signing_content`),
        # signed by the card after the PIN (`signing.sign_with_card` → `SoftwareCard.sign`; the card is used here
        # directly, without the persisted PIN counter, which only costs set-up time).
        content = canonical_json(clean_answers(form, answers), {}, form=form)
        signature = card.sign(content, SIGN_PIN)
        pem = sign_cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
        submissions.append(Submission(identity, answers, signature, pem))
    stages["sign"] = time.perf_counter() - started
    return submissions, stages


# ---------------------------------------------------------------------------------------------------------------
# Concurrent runs


def _submit_ours(item: Submission) -> None:
    from madoguchi.intake import services

    result = services.submit_application(
        identity=item.identity,
        municipality_code=MUNICIPALITY,
        procedure_code=PROCEDURE,
        form_version=1,
        answers=item.answers,
        signature=item.signature,
        signing_certificate_pem=item.certificate_pem,
    )
    if not result.created:
        raise RuntimeError(f"submission not created (duplicate={result.duplicate})")


def _insert_sql(model: Any) -> tuple[str, list[Any]]:
    """INSERT … RETURNING id over every column of `model` (taken from the model, so it follows the schema)."""
    from django.db import connection

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    return f"INSERT INTO {model._meta.db_table} ({columns}) VALUES ({marks}) RETURNING id", fields


def _params(fields: list[Any], values: dict[str, Any]) -> list[Any]:
    from django.db import connection

    return [
        f.get_db_prep_save(values[f.attname] if f.attname in values else f.get_default(), connection)
        for f in fields
    ]


def _raw_writer(worker: int) -> Callable[[Submission], None]:
    """Insert the three rows of one submission with plain SQL in one transaction (no checks)."""
    import hashlib

    from django.db import connection, transaction
    from django.utils import timezone

    from madoguchi.core.models import AuditEntry
    from madoguchi.intake.models import Application, ApplicationStatusEvent

    counter = iter(range(1, 10**9))
    app_sql, app_fields = _insert_sql(Application)
    event_sql, event_fields = _insert_sql(ApplicationStatusEvent)
    audit_sql, audit_fields = _insert_sql(AuditEntry)

    def write(item: Submission) -> None:
        sequence = worker * 10_000_000 + next(counter)
        now = timezone.now()
        digest = hashlib.sha256(item.signature).hexdigest()
        receipt = f"R{sequence:010d}"
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                app_sql,
                _params(
                    app_fields,
                    {
                        "municipality_id": RAW_MUNICIPALITY,
                        "receipt_number": receipt,
                        "procedure_code": PROCEDURE,
                        "form_version": 1,
                        "procedure_name": "児童手当 認定請求",
                        "applicant_auth_serial": item.identity.auth_serial,
                        "applicant_sign_serial": item.identity.sign_serial,
                        "applicant_name": item.answers["applicant"]["name"],
                        "applicant_role": "self",
                        "answers": item.answers,
                        "signed_content": json.dumps(item.answers, ensure_ascii=False).encode(),
                        "signature": item.signature,
                        "signing_certificate_pem": item.certificate_pem,
                        "verification_reason": "ok",
                        "subject_key": digest,
                        "created_at": now,
                        "submitted_at": now,
                        "updated_at": now,
                    },
                ),
            )
            app_id = cursor.fetchone()[0]
            cursor.execute(
                event_sql,
                _params(
                    event_fields,
                    {
                        "municipality_id": RAW_MUNICIPALITY,
                        "application_id": app_id,
                        "at": now,
                        "from_status": "",
                        "to_status": "received",
                        "actor_id": "resident:raw",
                        "actor_display": "住民（電子申請）",
                    },
                ),
            )
            cursor.execute(
                audit_sql,
                _params(
                    audit_fields,
                    {
                        "municipality_id": RAW_MUNICIPALITY,
                        "sequence": sequence,
                        "at": now,
                        "actor_id": "resident:raw",
                        "actor_display": "住民（電子申請）",
                        "action": "intake.submit_application",
                        "target_type": "application",
                        "target_id": receipt,
                        "after": {"signature_sha256": digest},
                        "previous_hash": "0" * 64,
                        "entry_hash": digest,
                    },
                ),
            )

    return write


def _warm_up(item: Submission) -> None:
    """What a server worker has done before its first request: catalogue loaded, connection open, JPKI anchors and
    CRLs read once (a verification of the first item's signature, which writes nothing)."""
    import django.db
    from django.utils import timezone

    from madoguchi.intake import signing
    from madoguchi.procedures.engine import canonical_json, clean_answers, get_catalogue

    form = get_catalogue().procedures[PROCEDURE].form
    content = canonical_json(clean_answers(form, item.answers), {}, form=form)
    verdict = signing.verify_application_signature(
        certificate_pem=item.certificate_pem, data=content, signature=item.signature, at=timezone.now()
    )
    assert verdict.valid, verdict.reason
    django.db.connection.ensure_connection()


def _worker(
    index: int,
    kind: str,
    items: list[Submission],
    threads: int,
    start_at: Any,
    results: Any,
) -> None:
    """One worker process: `threads` client threads, each with its own connection, share `items`."""
    from django.db import connections

    connections.close_all()  # never share the parent's connections across fork
    work: queue.SimpleQueue[Submission] = queue.SimpleQueue()
    for item in items:
        work.put(item)
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def client(thread_index: int) -> None:
        op = _submit_ours if kind == "ours" else _raw_writer(index * 100 + thread_index)
        mine: list[float] = []
        while True:
            try:
                item = work.get_nowait()
            except queue.Empty:
                break
            started = time.monotonic()
            try:
                op(item)
            except Exception as exc:
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}"[:300])
                continue
            mine.append(time.monotonic() - started)
        connections.close_all()
        with lock:
            latencies.extend(mine)

    if kind == "ours" and items:
        _warm_up(items[0])
    pool = [threading.Thread(target=client, args=(t,)) for t in range(threads)]
    while time.monotonic() < start_at:  # every process starts at the same instant
        time.sleep(0.001)
    begin = time.monotonic()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    results.put((index, begin, time.monotonic(), latencies, errors))


def run_concurrent(kind: str, items: list[Submission], concurrency: int, processes: int) -> dict[str, Any]:
    """Submit `items` with `concurrency` clients over `processes` forked workers; throughput and latencies."""
    from django.db import connections

    connections.close_all()
    context = mp.get_context("fork")
    results = context.Queue()
    threads = max(1, concurrency // processes)
    shares = [items[i::processes] for i in range(processes)]
    start_at = time.monotonic() + 1.0
    load_before = load_average()
    workers = [
        context.Process(target=_worker, args=(i, kind, shares[i], threads, start_at, results))
        for i in range(processes)
    ]
    for w in workers:
        w.start()
    outcomes = [results.get() for _ in workers]
    for w in workers:
        w.join()
    begin = min(o[1] for o in outcomes)
    end = max(o[2] for o in outcomes)
    latencies = sorted(x for o in outcomes for x in o[3])
    errors = [e for o in outcomes for e in o[4]]
    if errors:
        raise SystemExit(f"{kind}: {len(errors)} submissions failed, e.g. {errors[:3]}")
    elapsed = end - begin

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return {
        "submissions": len(latencies),
        "seconds": round(elapsed, 3),
        "per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(pct(0.95), 1),
        "p99_ms": round(pct(0.99), 1),
        "max_ms": round(latencies[-1] * 1000, 1),
        "clients": threads * processes,
        "processes": processes,
        "threads_per_process": threads,
        "load_average_before": load_before,
        "load_average_after": load_average(),
    }


def profile(items: list[Submission]) -> None:
    """cProfile of sequential submissions in this process (the shape of the path, not its speed under load)."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for item in items:
        _submit_ours(item)
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(60)
    stats.sort_stats("tottime").print_stats(30)


def _backend_cpu_s() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (from /proc: the server runs here)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def sequential(items: list[Submission]) -> dict[str, float]:
    """One client, one submission after another: wall time, this process's CPU and the database backend's CPU
    per submission — what a submission costs, without queueing (the budget at 500/s on 2 cores is 4 ms)."""
    from django.db import connection

    postgres = connection.vendor == "postgresql"
    _warm_up(items[0])
    backend_before = _backend_cpu_s() if postgres else 0.0
    cpu_before, wall_before = time.process_time(), time.perf_counter()
    for item in items:
        _submit_ours(item)
    cpu = time.process_time() - cpu_before
    wall = time.perf_counter() - wall_before
    backend = (_backend_cpu_s() - backend_before) if postgres else 0.0
    n = len(items)
    return {
        "submissions": n,
        "wall_ms": round(wall / n * 1000, 2),
        "client_cpu_ms": round(cpu / n * 1000, 2),
        "database_cpu_ms": round(backend / n * 1000, 2),
    }


def check_stored(expected: int) -> None:
    """Every submission is on file once, with its status event and audit row, and the audit chain verifies."""
    from madoguchi.core.audit import verify_chain
    from madoguchi.core.models import AuditEntry
    from madoguchi.intake.models import Application, ApplicationStatusEvent

    apps = Application.objects.filter(municipality_id=MUNICIPALITY).count()
    events = ApplicationStatusEvent.objects.filter(municipality_id=MUNICIPALITY).count()
    audits = AuditEntry.objects.filter(
        municipality_id=MUNICIPALITY, action="intake.submit_application"
    ).count()
    if not apps == events == audits == expected:
        raise SystemExit(
            f"stored {apps} applications, {events} events, {audits} audit rows; expected {expected}"
        )
    breaks = verify_chain(MUNICIPALITY)[1]
    if breaks:
        raise SystemExit(f"audit chain broken after the run: {breaks[:3]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=5000, help="distinct signed submissions to send")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent clients in all")
    parser.add_argument("--processes", type=int, default=0, help="worker processes (default: one per core)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="cProfile 200 sequential submissions first")
    parser.add_argument(
        "--sequential",
        type=int,
        default=200,
        help="first send this many one after another and report the cost of one submission (0: skip)",
    )
    args = parser.parse_args()
    args.processes = args.processes or os.cpu_count() or 2
    if args.submissions < 10:
        raise SystemExit("--submissions must be at least 10")

    with bench_database(args.database):
        # The benchmark measures the code, not the console: the per-submission INFO lines go nowhere.
        import logging

        logging.getLogger("madoguchi").setLevel(logging.WARNING)
        started = time.perf_counter()
        profiled = (200 if args.profile else 0) + args.sequential
        submissions, stages = prepare(args.submissions + profiled, args.seed)
        print(
            f"  prepared {len(submissions):,} signed submissions from {stages['residents']:,} residents in "
            f"{time.perf_counter() - started:.0f} s (seed {stages['seed_residents']:.0f} s, cards "
            f"{stages['issue_cards']:.0f} s, signing {stages['sign']:.0f} s)"
        )
        cost: dict[str, float] = {}
        if args.sequential:
            cost = sequential(submissions[: args.sequential])
            print(
                f"  one at a time: {cost['wall_ms']} ms per submission (this process's CPU {cost['client_cpu_ms']} ms,"
                f" database backend CPU {cost['database_cpu_ms']} ms)"
            )
        if args.profile:
            profile(submissions[args.sequential : profiled])
        submissions = submissions[profiled:]
        raw = run_concurrent("raw", submissions, args.concurrency, args.processes)
        print(
            f"  raw:  {raw['per_s']:,.0f}/s p50 {raw['p50_ms']} ms p95 {raw['p95_ms']} ms  load {raw['load_average_before']}"
        )
        ours = run_concurrent("ours", submissions, args.concurrency, args.processes)
        print(
            f"  ours: {ours['per_s']:,.0f}/s p50 {ours['p50_ms']} ms p95 {ours['p95_ms']} ms  load {ours['load_average_before']}"
        )
        check_stored(len(submissions) + profiled)
        db = database_info()
    ratio = ours["per_s"] / raw["per_s"]
    result = {
        "name": "intake_submit",
        "unit": "submissions/s",
        "figures": {"ours": ours, "raw": raw, "one_at_a_time": cost},
        "ratio": round(ratio, 3),
        "target": {"per_s": TARGET_RATE, "p95_ms": TARGET_P95_MS, "database": "postgresql"},
        "meets_target": ours["per_s"] >= TARGET_RATE and ours["p95_ms"] < TARGET_P95_MS,
        "baseline": "plain SQL insert of the same application, status event and audit row, one transaction each",
        "workload": {
            "procedure": PROCEDURE,
            "submissions": len(submissions),
            "residents": stages["residents"],
            "concurrency": args.concurrency,
            "processes": args.processes,
            "profiled_first": profiled,
            "seed": args.seed,
        },
        "machine": machine(),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "python": python_version(),
        "database": db,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "intake_submit.json").write_text(
        json.dumps(result, indent=2, ensure_ascii=False) + "\n", "utf-8"
    )
    print(
        f"bench intake_submit: {ours['per_s']:,.0f} submissions/s (p95 {ours['p95_ms']} ms), {ratio:.3f} of raw "
        f"{raw['per_s']:,.0f}/s ({db['vendor']} {db['version']}, {args.concurrency} clients, load {ours['load_average_before']})"
    )


if __name__ == "__main__":
    main()
