# Web pages of the category classifier, mounted by civicgrid/urls.py.
app_name = "classify"
urlpatterns: list = []
