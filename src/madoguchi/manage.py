"""The `madoguchi` console script: the project's manage.py (all Django and project commands run through it)."""

import os
import sys


def main() -> None:
    """Run a Django management command with the dev settings unless DJANGO_SETTINGS_MODULE says otherwise."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "madoguchi.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
