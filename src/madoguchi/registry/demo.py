"""Deterministic synthetic residents for the demo and for benchmarks (never real people).

Households are drawn by type with Japanese census-like shares, ages from a population pyramid close to Japan's
(2020s), names with matching kanji and katakana, addresses inside the municipality, and a few removed records.
The generator is pure (a seeded `random.Random`); `load_demo_residents` persists it in bulk.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from madoguchi.common.checkdigits import individual_number_check_digit

from .data.demo_names import BUILDING_NAMES, CHIYODA_MACHIAZA, FEMALE_GIVEN_NAMES, MALE_GIVEN_NAMES, SURNAMES

# Population by 5-year age band, per cent (approximately Japan, 2023 estimates); the last band is 100+.
AGE_BANDS: list[float] = [
    3.6,
    4.0,
    4.3,
    4.4,
    5.0,
    5.1,
    5.2,
    5.8,
    6.4,
    7.6,
    7.6,
    6.6,
    6.1,
    6.3,
    7.6,
    5.9,
    4.9,
    3.5,
    1.7,
    0.5,
    0.1,
]
GENERIC_MACHIAZA = [
    "本町",
    "中央",
    "栄町",
    "緑町",
    "旭町",
    "幸町",
    "桜町",
    "新町",
    "東町",
    "西町",
    "南町",
    "北町",
]

# Household types with approximate shares of households (国勢調査 2020: 単独 38 %, 夫婦のみ 20 %, 夫婦と子 25 %,
# ひとり親と子 9 %, その他 8 %).
HOUSEHOLD_TYPES: list[tuple[str, float]] = [
    ("single", 38.0),
    ("couple", 20.0),
    ("couple_children", 25.0),
    ("single_parent", 9.0),
    ("three_generation", 8.0),
]


@dataclass
class PersonSpec:
    family_name: str
    family_name_kana: str
    given_name: str
    given_name_kana: str
    name_romaji: str
    sex: str
    birth_date: dt.date
    relationship: str
    is_head: bool
    individual_number: str
    resident_record_code: str
    became_resident_on: dt.date
    status: str = "current"
    removed_on: dt.date | None = None


@dataclass
class HouseholdSpec:
    household_number: str
    created_on: dt.date
    machiaza: str
    machiaza_id: str
    postal_code: str
    block_number: str
    address_supplement: str
    members: list[PersonSpec] = field(default_factory=list)


class DemoGenerator:
    """Deterministic generator: the same (municipality, seed) gives the same people."""

    def __init__(self, *, municipality_code: str, seed: int, today: dt.date) -> None:
        self.rng = random.Random(f"{municipality_code}:{seed}")
        self.today = today
        self.municipality_code = municipality_code
        self._surnames = [s[:3] for s in SURNAMES]
        self._surname_weights = [s[3] for s in SURNAMES]
        self._used_numbers: set[str] = set()
        self._used_codes: set[str] = set()
        self._household_seq = 0
        self._machiaza = (
            CHIYODA_MACHIAZA
            if municipality_code == "131016"
            else [(m, "", "", True) for m in GENERIC_MACHIAZA]
        )

    # --- primitives -------------------------------------------------------------------------------------------
    def _age(self, low: int = 0, high: int = 104) -> int:
        while True:
            band = self.rng.choices(range(len(AGE_BANDS)), weights=AGE_BANDS)[0]
            age = band * 5 + self.rng.randrange(5)
            if low <= age <= high:
                return age

    def _birth_date(self, age: int) -> dt.date:
        # A birth date such that the person is `age` today (days spread evenly over the year).
        latest = (
            self.today.replace(year=self.today.year - age)
            if not (self.today.month == 2 and self.today.day == 29)
            else dt.date(self.today.year - age, 2, 28)
        )
        return latest - dt.timedelta(days=self.rng.randrange(365))

    def _individual_number(self) -> str:
        while True:
            base = f"{self.rng.randrange(10**11):011d}"
            number = base + str(individual_number_check_digit(base))
            if number not in self._used_numbers:
                self._used_numbers.add(number)
                return number

    def _record_code(self) -> str:
        # 住民票コード: 10 digits + 1 check digit whose formula (告示第436号) is unconfirmed, so demo codes carry a
        # random 11th digit and are never validated (see docs/glossary.md).
        while True:
            code = f"{self.rng.randrange(10**11):011d}"
            if code not in self._used_codes:
                self._used_codes.add(code)
                return code

    def _given(self, sex: str) -> tuple[str, str, str]:
        return self.rng.choice(MALE_GIVEN_NAMES if sex == "male" else FEMALE_GIVEN_NAMES)

    def _person(
        self,
        surname: tuple[str, str, str],
        sex: str,
        age: int,
        relationship: str,
        is_head: bool,
        moved_in: dt.date,
    ) -> PersonSpec:
        given = self._given(sex)
        birth = self._birth_date(age)
        return PersonSpec(
            family_name=surname[0],
            family_name_kana=surname[1],
            given_name=given[0],
            given_name_kana=given[1],
            name_romaji=f"{surname[2].upper()} {given[2]}",
            sex=sex,
            birth_date=birth,
            relationship=relationship,
            is_head=is_head,
            individual_number=self._individual_number(),
            resident_record_code=self._record_code(),
            became_resident_on=max(birth, moved_in),
        )

    # --- households ---------------------------------------------------------------------------------------------
    def household(self) -> HouseholdSpec:
        """One household with a plausible composition."""
        self._household_seq += 1
        kind = self.rng.choices([h[0] for h in HOUSEHOLD_TYPES], weights=[h[1] for h in HOUSEHOLD_TYPES])[0]
        surname = self.rng.choices(self._surnames, weights=self._surname_weights)[0]
        moved_in = self.today - dt.timedelta(days=self.rng.randrange(1, 365 * 30))
        machiaza, postal, machiaza_id, has_chome = self.rng.choice(self._machiaza)
        chome = f"{self.rng.randint(1, 4)}丁目" if has_chome else ""
        block = f"{chome}{self.rng.randint(1, 30)}番{self.rng.randint(1, 25)}号"
        supplement = ""
        if self.rng.random() < 0.55:
            supplement = f"{machiaza}{self.rng.choice(BUILDING_NAMES)}{self.rng.randint(1, 12)}{self.rng.randint(1, 9):02d}号室"
        spec = HouseholdSpec(
            household_number=f"{self._household_seq:08d}",
            created_on=moved_in,
            machiaza=machiaza,
            machiaza_id=machiaza_id,
            postal_code=postal,
            block_number=block,
            address_supplement=supplement,
        )
        head_sex = "male" if self.rng.random() < 0.6 else "female"
        other = "female" if head_sex == "male" else "male"
        spouse_rel = "妻" if head_sex == "male" else "夫"
        members = spec.members
        if kind == "single":
            # About half of single-person households are people aged 65+ (国勢調査 2020).
            age = self._age(65) if self.rng.random() < 0.55 else self._age(18, 64)
            members.append(self._person(surname, head_sex, age, "世帯主", True, moved_in))
        elif kind == "couple":
            # Couple-only households are mostly older couples whose children have left.
            age = self._age(65) if self.rng.random() < 0.7 else self._age(22, 64)
            members.append(self._person(surname, head_sex, age, "世帯主", True, moved_in))
            members.append(
                self._person(
                    surname, other, max(18, age + self.rng.randint(-5, 3)), spouse_rel, False, moved_in
                )
            )
        else:
            high = 62 if kind != "three_generation" else 55
            age = self._age(28, high)
            members.append(self._person(surname, head_sex, age, "世帯主", True, moved_in))
            if kind != "single_parent":
                members.append(
                    self._person(
                        surname, other, max(18, age + self.rng.randint(-5, 3)), spouse_rel, False, moved_in
                    )
                )
            # Children are born when the parent is 20–45.
            youngest, eldest = max(0, age - 45), age - 20
            for _ in range(self.rng.choices([1, 2, 3, 4], weights=[58, 33, 7, 2])[0]):
                if eldest < youngest:
                    break
                child_age = self._age(youngest, eldest)
                members.append(
                    self._person(
                        surname, self.rng.choice(["male", "female"]), child_age, "子", False, moved_in
                    )
                )
            if kind == "three_generation":
                parent_age = min(104, age + self.rng.randint(24, 36))
                members.append(self._person(surname, "female", parent_age, "母", False, moved_in))
                if self.rng.random() < 0.45:
                    members.append(
                        self._person(surname, "male", min(104, parent_age + 2), "父", False, moved_in)
                    )
        self._remove_some(members)
        return spec

    def _remove_some(self, members: list[PersonSpec]) -> None:
        # About 2.5 % moved out and 1 % died (除票); never the head, so every household keeps its head.
        for person in members[1:]:
            roll = self.rng.random()
            age = self.today.year - person.birth_date.year
            if roll < 0.025:
                person.status = "moved_out"
                person.removed_on = self.today - dt.timedelta(days=self.rng.randrange(1, 900))
            elif roll < 0.035 + (0.04 if age > 80 else 0):
                person.status = "deceased"
                person.removed_on = self.today - dt.timedelta(days=self.rng.randrange(1, 900))
            if person.removed_on and person.removed_on < person.became_resident_on:
                person.removed_on = person.became_resident_on + dt.timedelta(days=1)

    def residents(self, count: int) -> Iterator[HouseholdSpec]:
        """Households until at least `count` residents have been generated (the last household may overshoot)."""
        made = 0
        while made < count:
            household = self.household()
            made += len(household.members)
            yield household


def generate(
    *,
    municipality_code: str,
    count: int,
    seed: int,
    today: dt.date,
    on_progress: Callable[[int], None] | None = None,
) -> list[HouseholdSpec]:
    """All households for `count` residents (pure; used by seed_demo and the benchmarks)."""
    gen = DemoGenerator(municipality_code=municipality_code, seed=seed, today=today)
    out = []
    for household in gen.residents(count):
        out.append(household)
        if on_progress:
            on_progress(len(household.members))
    return out
