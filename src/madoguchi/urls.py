"""URL roots per zone (MADOGUCHI_ZONE): portal at /, office at /office/, APIs under /api/v1/."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, include, path
from django.views.generic import RedirectView
from django.views.i18n import set_language

from madoguchi.core.api import MunicipalityDetailApi


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


api_v1: list[URLPattern | URLResolver] = [
    path("municipalities/<str:code>", MunicipalityDetailApi.as_view(), name="municipality-detail")
]
api_v1.append(path("benefits/", include("madoguchi.benefits.api_urls")))
api_v1.append(path("", include("madoguchi.procedures.api_urls")))  # procedures: public, both zones
if settings.MADOGUCHI_ZONE in {"all", "portal"}:
    api_v1.append(path("", include("madoguchi.intake.api_urls")))  # applications: resident session
if settings.MADOGUCHI_ZONE in {"all", "office"}:
    api_v1.append(path("office/", include("madoguchi.office.api_urls")))

urlpatterns = [
    path("healthz", healthz),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
]
if settings.MADOGUCHI_ZONE in {"all", "portal"}:
    # The office's channel into the portal (signed; never mounted in the office zone).
    urlpatterns.append(path("internal/v1/", include("madoguchi.intake.internal_urls")))
    urlpatterns.append(path("", include("madoguchi.portal.urls")))
    urlpatterns.append(path("login/", include("madoguchi.identity.urls")))
    urlpatterns.append(path("oidc/", include("madoguchi.identity.oidc_urls")))
    urlpatterns.append(path("procedures/", include("madoguchi.procedures.urls")))
    urlpatterns.append(path("benefits/", include("madoguchi.benefits.urls")))
    urlpatterns.append(path("verify/", include("madoguchi.documents.urls")))
    urlpatterns.append(path("apply/", include("madoguchi.intake.urls")))
if settings.MADOGUCHI_ZONE in {"all", "office"}:
    urlpatterns.append(path("office/", include("madoguchi.office.urls")))
if settings.MADOGUCHI_ZONE == "office":
    urlpatterns.append(path("", RedirectView.as_view(pattern_name="office:home", permanent=False)))
