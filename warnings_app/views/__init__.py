from warnings_app.views.companies import (
    CompanyCreateView,
    CompanyDetailView,
    CompanyEditView,
    CompanyListView,
)
from warnings_app.views.contacts import ContactCreateView, ContactEditView
from warnings_app.views.health import healthz
from warnings_app.views.home import HomeView

__all__ = [
    "CompanyCreateView",
    "CompanyDetailView",
    "CompanyEditView",
    "CompanyListView",
    "ContactCreateView",
    "ContactEditView",
    "HomeView",
    "healthz",
]
