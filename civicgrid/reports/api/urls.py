# REST endpoints of the monthly analysis report, mounted under /api/v1/ by civicgrid/urls.py.
urlpatterns: list = []
