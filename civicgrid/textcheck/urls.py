# Web pages of the urgency and reply-quality checks, mounted by civicgrid/urls.py.
app_name = "textcheck"
urlpatterns: list = []
