"""The permission matrix, role × action, stated explicitly so any change to it is deliberate."""

import pytest

from madoguchi.core.roles import Action, Role, role_can

Y, N = True, False
# columns: clerk, reviewer, approver, administrator, auditor
MATRIX = {
    Action.VIEW_MUNICIPALITY: (Y, Y, Y, Y, Y),
    Action.SEARCH_RESIDENTS: (Y, Y, Y, N, N),
    Action.VIEW_RESIDENT: (Y, Y, Y, N, N),
    Action.RECORD_REGISTRY_EVENT: (Y, Y, Y, N, N),
    Action.CORRECT_REGISTRY: (N, Y, Y, N, N),
    Action.REVEAL_INDIVIDUAL_NUMBER: (Y, N, Y, N, N),
    Action.ISSUE_CERTIFICATE: (Y, Y, Y, N, N),
    Action.IMPORT_RESIDENTS: (N, N, N, Y, N),
    Action.EXPORT_RESIDENTS: (N, N, N, Y, N),
    Action.REVIEW_CASE: (N, Y, Y, N, N),
    Action.DECIDE_CASE: (N, N, Y, N, N),
    Action.RUN_BENEFIT_PAYMENTS: (N, Y, Y, N, N),
    Action.TAKE_COUNTER_APPLICATION: (Y, Y, Y, N, N),
    Action.MANAGE_STAFF: (N, N, N, Y, N),
    Action.CONFIGURE_PROCEDURES: (N, N, N, Y, N),
    Action.VIEW_AUDIT_LOG: (N, N, N, N, Y),
    Action.VIEW_ACCESS_LOG: (N, N, N, N, Y),
}
ROLES = [Role.COUNTER_CLERK, Role.REVIEWER, Role.APPROVER, Role.ADMINISTRATOR, Role.AUDITOR]


def test_matrix_covers_every_action() -> None:
    assert set(MATRIX) == set(Action)


@pytest.mark.parametrize("action", list(MATRIX))
@pytest.mark.parametrize("index", range(len(ROLES)))
def test_role_action(action: str, index: int) -> None:
    assert role_can(ROLES[index], action) is MATRIX[action][index]


def test_unknown_role_can_do_nothing() -> None:
    assert not any(role_can("intern", a) for a in Action)


@pytest.mark.django_db
def test_staff_without_municipality_can_do_nothing(make_staff, chiyoda) -> None:
    user = make_staff(chiyoda, "approver")
    user.municipality = None
    assert not user.can(Action.VIEW_RESIDENT)
