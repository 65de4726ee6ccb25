"""Pure, table-tested benefit rules (no Django). Amounts live in effective-dated parameter tables."""
