from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo-only commands that span apps (seed_demo, demo_totp); nothing here runs in production."""

    name = "madoguchi.demo"
    label = "demo"
    verbose_name = "デモ (demo data)"
