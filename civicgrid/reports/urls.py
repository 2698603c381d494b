# Web pages of the monthly analysis report, mounted by civicgrid/urls.py.
app_name = "reports"
urlpatterns: list = []
