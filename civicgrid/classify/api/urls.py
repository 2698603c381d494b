# REST endpoints of the category classifier, mounted under /api/v1/ by civicgrid/urls.py.
urlpatterns: list = []
