"""The tiny condition language used by form definitions (`when`, `required_when`, form rules).

A condition is plain JSON data, never code, so it can be stored, diffed and evaluated without `eval`:

    {"field": "spouse.exists", "equals": true}          a value test on a (non-repeating) form field
    {"sibling": "lives_together", "equals": false}      the same, on a field of the current repeating item
    {"some": "children", "where": {...}}                true when at least one item of a repeating group matches
    {"count": "children", "gte": 1}                     the number of items of a repeating group
    {"all": [...]} / {"any": [...]} / {"not": {...}}    combinators

Value tests: equals, not_equals, in (list), contains (for multi-choice answers), filled (true/false),
gt/gte/lt/lte (numbers). A test on an absent value is false, except `filled: false` and `not_equals`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

VALUE_OPERATORS = ("equals", "not_equals", "in", "contains", "filled", "gt", "gte", "lt", "lte")
NUMERIC_OPERATORS = ("gt", "gte", "lt", "lte")
_TARGET_KEYS = ("field", "sibling", "count", "some", "all", "any", "not")

Condition = Mapping[str, Any]


class ConditionError(ValueError):
    """A condition is not well formed."""


def get_path(data: Mapping[str, Any] | None, path: str) -> Any:
    """The value at a dotted path in nested answers, or None when any step is missing."""
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _is_filled(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return value.strip() != ""
    if isinstance(value, (list, tuple, dict)):
        return len(value) > 0
    return True


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _test(value: Any, cond: Condition) -> bool:
    operators = [op for op in VALUE_OPERATORS if op in cond]
    op = operators[0]
    target = cond[op]
    if op == "filled":
        return _is_filled(value) is bool(target)
    if op == "not_equals":
        return value != target
    if value is None:
        return False
    if op == "equals":
        return bool(value == target and type(value) is type(target)) or (
            _is_number(value) and _is_number(target) and value == target
        )
    if op == "in":
        return value in target
    if op == "contains":
        return isinstance(value, (list, tuple)) and target in value
    if not _is_number(value):
        return False
    if op == "gt":
        return bool(value > target)
    if op == "gte":
        return bool(value >= target)
    if op == "lt":
        return bool(value < target)
    return bool(value <= target)


def evaluate(cond: Condition, answers: Mapping[str, Any], item: Mapping[str, Any] | None = None) -> bool:
    """Evaluate a condition against (cleaned) answers; `item` is the current repeating-group item."""
    if "all" in cond:
        return all(evaluate(c, answers, item) for c in cond["all"])
    if "any" in cond:
        return any(evaluate(c, answers, item) for c in cond["any"])
    if "not" in cond:
        return not evaluate(cond["not"], answers, item)
    if "some" in cond:
        items = get_path(answers, cond["some"])
        if not isinstance(items, list):
            return False
        return any(evaluate(cond["where"], answers, it) for it in items if isinstance(it, Mapping))
    if "count" in cond:
        items = get_path(answers, cond["count"])
        return _test(len(items) if isinstance(items, list) else 0, cond)
    if "sibling" in cond:
        value = item.get(cond["sibling"]) if item is not None else None
        return _test(value, cond)
    return _test(get_path(answers, cond["field"]), cond)


def check_shape(cond: Any, where: str) -> list[str]:
    """Structural problems of a condition (unknown keys, wrong operand types); [] when well formed."""
    if not isinstance(cond, Mapping):
        return [f"{where}: a condition must be an object, got {type(cond).__name__}"]
    targets = [k for k in _TARGET_KEYS if k in cond]
    if len(targets) != 1:
        return [f"{where}: a condition needs exactly one of {', '.join(_TARGET_KEYS)}; got {sorted(cond)}"]
    kind = targets[0]
    problems: list[str] = []
    if kind in ("all", "any"):
        extra = set(cond) - {kind}
        if extra:
            problems.append(f"{where}: unexpected keys {sorted(extra)} beside {kind!r}")
        subs = cond[kind]
        if not isinstance(subs, list) or not subs:
            return [*problems, f"{where}: {kind!r} needs a non-empty list"]
        for i, sub in enumerate(subs):
            problems += check_shape(sub, f"{where}.{kind}[{i}]")
        return problems
    if kind == "not":
        extra = set(cond) - {"not"}
        if extra:
            problems.append(f"{where}: unexpected keys {sorted(extra)} beside 'not'")
        return problems + check_shape(cond["not"], f"{where}.not")
    if kind == "some":
        extra = set(cond) - {"some", "where"}
        if extra:
            problems.append(f"{where}: unexpected keys {sorted(extra)} in 'some'")
        if not isinstance(cond["some"], str):
            problems.append(f"{where}: 'some' must name a repeating group")
        if "where" not in cond:
            return [*problems, f"{where}: 'some' needs a 'where' condition"]
        return problems + check_shape(cond["where"], f"{where}.where")
    if not isinstance(cond[kind], str) or not cond[kind]:
        problems.append(f"{where}: {kind!r} must be a non-empty string")
    operators = [op for op in VALUE_OPERATORS if op in cond]
    extra = set(cond) - {kind, *VALUE_OPERATORS}
    if extra:
        problems.append(f"{where}: unknown keys {sorted(extra)}")
    if len(operators) != 1:
        problems.append(f"{where}: a test needs exactly one operator of {', '.join(VALUE_OPERATORS)}")
        return problems
    op = operators[0]
    operand = cond[op]
    if kind == "count" and op not in (*NUMERIC_OPERATORS, "equals", "not_equals"):
        problems.append(f"{where}: 'count' supports equals/not_equals/gt/gte/lt/lte only")
    if op == "in" and not (isinstance(operand, list) and operand):
        problems.append(f"{where}: 'in' needs a non-empty list")
    if op == "filled" and not isinstance(operand, bool):
        problems.append(f"{where}: 'filled' needs true or false")
    if op in NUMERIC_OPERATORS and not _is_number(operand):
        problems.append(f"{where}: {op!r} needs a number")
    if op in ("equals", "not_equals", "contains") and not isinstance(operand, (str, bool, int)):
        problems.append(f"{where}: {op!r} needs a string, number or boolean")
    return problems


def iter_tests(cond: Condition, in_item_of: str | None = None) -> Iterator[tuple[str, str, Condition, bool]]:
    """Yield (kind, name, test, via_some) for every leaf test (kind: field/sibling/count/some).

    Sibling names are qualified with their group ("children.lives_together"): `in_item_of` is the group of the
    field being defined; inside `some` it is the quantified group and `via_some` is true.
    """
    yield from _iter_tests(cond, in_item_of, False)


def _iter_tests(
    cond: Condition, group: str | None, via_some: bool
) -> Iterator[tuple[str, str, Condition, bool]]:
    if "all" in cond or "any" in cond:
        for sub in cond.get("all") or cond.get("any") or ():
            yield from _iter_tests(sub, group, via_some)
    elif "not" in cond:
        yield from _iter_tests(cond["not"], group, via_some)
    elif "some" in cond:
        yield ("some", cond["some"], cond, via_some)
        yield from _iter_tests(cond["where"], cond["some"], True)
    elif "count" in cond:
        yield ("count", cond["count"], cond, via_some)
    elif "sibling" in cond:
        name = f"{group}.{cond['sibling']}" if group else ""
        yield ("sibling", name, cond, via_some)
    else:
        yield ("field", cond["field"], cond, via_some)


def operand_of(test: Condition) -> tuple[str, Any]:
    """The (operator, operand) pair of a leaf test."""
    for op in VALUE_OPERATORS:
        if op in test:
            return op, test[op]
    raise ConditionError("not a leaf test")
