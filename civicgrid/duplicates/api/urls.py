# REST endpoints of duplicate detection, mounted under /api/v1/ by civicgrid/urls.py.
urlpatterns: list = []
