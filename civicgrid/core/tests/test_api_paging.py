"""Lists that grow without bound are paged like every generic list ({count, next, previous,
results}, ``page`` and ``page_size``), instead of an array cut at 50, 200 or 500 rows with no sign
that more exist; the schema says so."""

import pytest
from rest_framework.test import APIClient

from civicgrid.deliberation import services as delib_services
from civicgrid.deliberation.testing import make_delib_world, topic_at

pytestmark = pytest.mark.django_db


def test_a_topics_posts_come_in_pages_with_the_total():
    world = make_delib_world()
    topic = topic_at(world, "deliberate", title="加装电梯")
    for n in range(3):
        delib_services.create_post(actor=world.users["resident"], topic=topic, body=f"意见{n}", position="for",
                                   parent=None)
    client = APIClient()
    client.force_authenticate(world.users["resident"])
    url = f"/api/v1/deliberation/topics/{topic.pk}/posts/"
    first = client.get(url, {"page_size": 2}).json()
    assert (first["count"], [p["body"] for p in first["results"]], first["previous"]) == (3, ["意见0", "意见1"], None)
    assert first["next"] == f"http://testserver{url}?page=2&page_size=2"
    second = client.get(first["next"]).json()
    assert ([p["body"] for p in second["results"]], second["next"]) == (["意见2"], None)
    assert client.get(url, {"page_size": 501}).status_code == 400


@pytest.mark.parametrize("path", [
    "/api/v1/deliberation/topics/{topic_id}/posts/",
    "/api/v1/deliberation/topics/{topic_id}/ratings/",
    "/api/v1/field/patrols/",
    "/api/v1/field/visits/",
    "/api/v1/field/patrol-log/",
    "/api/v1/field/care/overdue/",
    "/api/v1/proactive/tasks/",
    "/api/v1/textcheck/replies/",
    "/api/v1/wishes/problems/",
])
def test_the_schema_documents_the_page_envelope_and_parameters(path):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"][path]["get"]
    assert {"page", "page_size"} <= {p["name"] for p in operation.get("parameters", [])}
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    component = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert sorted(component["properties"]) == ["count", "next", "previous", "results"]
