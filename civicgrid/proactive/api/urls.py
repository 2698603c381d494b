# REST endpoints of hotspots and proactive tasks (未诉先办), mounted under /api/v1/ by civicgrid/urls.py.
urlpatterns: list = []
