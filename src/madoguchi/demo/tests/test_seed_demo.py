"""seed_demo: deterministic, idempotent, realistic synthetic residents."""

import datetime as dt
from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from madoguchi.common.ages import age_on
from madoguchi.common.checkdigits import is_valid_individual_number
from madoguchi.common.kana import is_katakana
from madoguchi.core.audit import verify_chain
from madoguchi.core.models import StaffUser
from madoguchi.registry.demo import generate
from madoguchi.registry.models import Household, RegistryEvent, Resident

TODAY = dt.date(2026, 11, 26)


def _people(count: int, seed: int = 1) -> list:
    households = generate(municipality_code="131016", count=count, seed=seed, today=TODAY)
    return [p for h in households for p in h.members]


def test_same_seed_same_people_other_seed_other_people() -> None:
    a, b, c = _people(300), _people(300), _people(300, seed=2)
    assert [(p.family_name, p.given_name, p.birth_date) for p in a] == [
        (p.family_name, p.given_name, p.birth_date) for p in b
    ]
    assert [p.birth_date for p in a] != [p.birth_date for p in c]


def test_population_looks_like_japan() -> None:
    people = _people(20000)
    ages = [age_on(p.birth_date, TODAY) for p in people]
    share = lambda pred: sum(1 for a in ages if pred(a)) / len(ages)  # noqa: E731
    assert 0.08 <= share(lambda a: a < 15) <= 0.16  # Japan ≈ 11–12 %
    assert 0.24 <= share(lambda a: a >= 65) <= 0.36  # Japan ≈ 29 %
    assert 0.50 <= share(lambda a: 15 <= a < 65) <= 0.66  # Japan ≈ 59 %
    sexes = Counter(p.sex for p in people)
    assert 0.45 <= sexes["female"] / len(people) <= 0.56


def test_households_are_plausible() -> None:
    households = generate(municipality_code="131016", count=5000, seed=3, today=TODAY)
    for h in households:
        heads = [p for p in h.members if p.is_head]
        assert len(heads) == 1 and heads[0].status == "current"
        for child in (p for p in h.members if p.relationship == "子"):
            gap = age_on(heads[0].birth_date, TODAY) - age_on(child.birth_date, TODAY)
            assert gap >= 15, "a child is at least 15 years younger than the head"
        assert h.machiaza and h.block_number
    sizes = Counter(len(h.members) for h in households)
    assert 0.30 <= sizes[1] / len(households) <= 0.46  # single-person households ≈ 38 %


def test_names_numbers_and_removed_records() -> None:
    people = _people(3000)
    assert all(is_katakana(p.family_name_kana) and is_katakana(p.given_name_kana) for p in people)
    assert all(is_valid_individual_number(p.individual_number) for p in people)
    assert len({p.individual_number for p in people}) == len(people)
    assert len({p.resident_record_code for p in people}) == len(people)
    statuses = Counter(p.status for p in people)
    assert statuses["moved_out"] > 0 and statuses["deceased"] > 0
    assert all(p.removed_on and p.removed_on >= p.became_resident_on for p in people if p.status != "current")


@pytest.mark.django_db
def test_seed_demo_loads_once_and_is_audited(capsys) -> None:
    call_command("seed_demo", municipality="131016", residents=200, seed=1, today="2026-11-26")
    out = capsys.readouterr().out
    assert "demo staff logins" in out and "TOTP secret" in out
    count = Resident.objects.filter(municipality_id="131016").count()
    assert count >= 200
    events = RegistryEvent.objects.filter(municipality_id="131016")
    assert events.filter(kind="initial_registration").count() == count
    assert events.filter(kind="relocation").exists(), "some demo residents have a history"
    assert Household.objects.filter(municipality_id="131016").count() > 50
    assert StaffUser.objects.filter(municipality_id="131016").count() == 5
    call_command("seed_demo", municipality="131016", residents=200, seed=1, today="2026-11-26")
    assert Resident.objects.filter(municipality_id="131016").count() == count
    assert StaffUser.objects.filter(municipality_id="131016").count() == 5
    assert verify_chain("131016")[1] == []


@pytest.mark.django_db
def test_seed_demo_rejects_a_bad_code() -> None:
    with pytest.raises(CommandError, match="check digit"):
        call_command("seed_demo", municipality="131017", residents=10)


@pytest.mark.django_db
def test_seed_demo_insures_every_resident_aged_65_or_over(capsys) -> None:
    from madoguchi.benefits.insured_numbers import is_valid_insured_number
    from madoguchi.benefits.models import CareInsuranceQualification
    from madoguchi.benefits.selectors import get_active_care_qualification

    call_command("seed_demo", municipality="131016", residents=300, seed=1, today="2026-11-26", no_staff=True)
    assert "介護保険 qualifications" in capsys.readouterr().out
    elderly = [
        r
        for r in Resident.objects.filter(municipality_id="131016", status="current")
        if r.birth_date and age_on(r.birth_date, TODAY) >= 65
    ]
    assert len(elderly) > 30
    for r in elderly:
        q = get_active_care_qualification(municipality_code="131016", resident_id=r.pk, on=TODAY)
        assert q is not None and q.category == "1" and is_valid_insured_number(q.insured_number)
        assert q.acquired_on >= r.became_resident_on
    younger = CareInsuranceQualification.objects.filter(
        resident__status="current", resident__birth_date__gt=dt.date(1961, 11, 27)
    )
    assert not younger.exists()
    numbers = dict(
        CareInsuranceQualification.objects.values_list("resident__resident_record_code", "insured_number")
    )
    assert len(set(numbers.values())) == len(numbers)
    call_command("seed_demo", municipality="131016", residents=300, seed=1, today="2026-11-26", no_staff=True)
    assert CareInsuranceQualification.objects.count() == len(numbers)  # idempotent
    assert verify_chain("131016")[1] == []
