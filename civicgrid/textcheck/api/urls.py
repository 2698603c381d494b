# REST endpoints of the urgency and reply-quality checks, mounted under /api/v1/ by civicgrid/urls.py.
urlpatterns: list = []
