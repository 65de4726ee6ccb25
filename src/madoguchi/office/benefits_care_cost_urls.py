from django.urls import URLPattern, URLResolver, path

from madoguchi.office import benefits_care_cost_views as views

# Included by office/benefits_care_urls.py (names in the office:benefits namespace).
urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "insured/<int:resident_id>/facts/cost-ceiling/",
        views.cost_ceiling_facts,
        name="care_cost_ceiling_facts",
    ),
    path("insured/<int:resident_id>/facts/high-cost/", views.high_cost_facts, name="care_high_cost_facts"),
]
