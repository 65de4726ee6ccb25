"""Template filters for registry code-table labels (`{% load registry_labels %}`)."""

from __future__ import annotations

from django import template

from madoguchi.registry import relationships

register = template.Library()


@register.filter
def relationship(label: str | None) -> str:
    """A stored 続柄 label in the page language (「妻」 → Wife); empty stays empty."""
    return relationships.display(label or "")
