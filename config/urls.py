from django.contrib import admin
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path
from django.views import defaults

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("warnings_app.api.urls")),
    path("", include("warnings_app.urls")),
]


def handler404(request: HttpRequest, exception: Exception) -> HttpResponse:
    """API clients get JSON for an address that matches no route, as for every other error."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)
