# Web pages of hotspots and proactive tasks (未诉先办), mounted by civicgrid/urls.py.
app_name = "proactive"
urlpatterns: list = []
