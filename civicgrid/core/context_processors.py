from django.conf import settings


def civicgrid(request):
    return {"CIVICGRID_MODE": settings.MODE, "DEMO_MODE": settings.DEMO_MODE}
