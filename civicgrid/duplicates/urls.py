# Web pages of duplicate detection, mounted by civicgrid/urls.py.
app_name = "duplicates"
urlpatterns: list = []
