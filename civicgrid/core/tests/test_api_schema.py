"""The OpenAPI schema is served, validates, and names every endpoint of the API."""

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_schema_generates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert schema["info"]["title"] == "civicgrid API"
    assert sorted(schema["paths"]) == [
        "/api/v1/appeals/",
        "/api/v1/appeals/track/",
        "/api/v1/appeals/{tracking_number}/reveal/",
        "/api/v1/areas/",
        "/api/v1/areas/locate/",
        "/api/v1/areas/{code}/",
        "/api/v1/baolian/",
        "/api/v1/baolian/{id}/",
        "/api/v1/buildings/",
        "/api/v1/buildings/{code}/",
        "/api/v1/categories/",
        "/api/v1/classify/predict/",
        "/api/v1/classify/versions/",
        "/api/v1/classify/versions/{id}/activate/",
        "/api/v1/classify/versions/{id}/rollback/",
        "/api/v1/dashboard/categories/",
        "/api/v1/dashboard/escalated/",
        "/api/v1/dashboard/map/",
        "/api/v1/dashboard/overdue/",
        "/api/v1/dashboard/participation/",
        "/api/v1/dashboard/rankings/",
        "/api/v1/dashboard/summary/",
        "/api/v1/dashboard/trend/",
        "/api/v1/dashboard/whistles/",
        "/api/v1/deliberation/meetings/{meeting_id}/",
        "/api/v1/deliberation/meetings/{meeting_id}/cancel/",
        "/api/v1/deliberation/polls/{poll_id}/close/",
        "/api/v1/deliberation/polls/{poll_id}/open/",
        "/api/v1/deliberation/polls/{poll_id}/votes/",
        "/api/v1/deliberation/posts/{post_id}/hide/",
        "/api/v1/deliberation/posts/{post_id}/report/",
        "/api/v1/deliberation/posts/{post_id}/unhide/",
        "/api/v1/deliberation/reports/",
        "/api/v1/deliberation/tasks/{task_id}/progress/",
        "/api/v1/deliberation/topics/",
        "/api/v1/deliberation/topics/{topic_id}/",
        "/api/v1/deliberation/topics/{topic_id}/meetings/",
        "/api/v1/deliberation/topics/{topic_id}/move/",
        "/api/v1/deliberation/topics/{topic_id}/participants/",
        "/api/v1/deliberation/topics/{topic_id}/polls/",
        "/api/v1/deliberation/topics/{topic_id}/posts/",
        "/api/v1/deliberation/topics/{topic_id}/ratings/",
        "/api/v1/deliberation/topics/{topic_id}/tasks/",
        "/api/v1/duplicates/orders/{number}/me-too/",
        "/api/v1/duplicates/orders/{number}/merge/",
        "/api/v1/duplicates/suggestions/",
        "/api/v1/echo-wall/",
        "/api/v1/field/baolian/chain/",
        "/api/v1/field/baolian/gaps/",
        "/api/v1/field/care/overdue/",
        "/api/v1/field/care/policies/",
        "/api/v1/field/care/policies/{policy_id}/",
        "/api/v1/field/center-figures/",
        "/api/v1/field/coverage/",
        "/api/v1/field/patrol-log/",
        "/api/v1/field/patrols/",
        "/api/v1/field/patrols/{patrol_id}/end/",
        "/api/v1/field/patrols/{patrol_id}/points/",
        "/api/v1/field/snap/",
        "/api/v1/field/visits/",
        "/api/v1/grids/{code}/profile/",
        "/api/v1/households/",
        "/api/v1/households/{id}/",
        "/api/v1/households/{id}/reveal/",
        "/api/v1/inbox/",
        "/api/v1/inbox/read-all/",
        "/api/v1/inbox/{id}/",
        "/api/v1/inbox/{id}/read/",
        "/api/v1/me/",
        "/api/v1/me/token/",
        "/api/v1/metrics/areas/",
        "/api/v1/metrics/units/",
        "/api/v1/notices/",
        "/api/v1/orders/",
        "/api/v1/orders/{number}/",
        "/api/v1/orders/{number}/attachments/",
        "/api/v1/orders/{number}/callbacks/",
        "/api/v1/orders/{number}/transitions/",
        "/api/v1/orders/{number}/whistles/",
        "/api/v1/proactive/findings/",
        "/api/v1/proactive/monthly/",
        "/api/v1/proactive/rescan/",
        "/api/v1/proactive/tasks/",
        "/api/v1/proactive/tasks/{id}/",
        "/api/v1/proposals/campaigns/",
        "/api/v1/proposals/campaigns/{id}/",
        "/api/v1/proposals/campaigns/{id}/panel/",
        "/api/v1/proposals/campaigns/{id}/phase/",
        "/api/v1/proposals/campaigns/{id}/selection/",
        "/api/v1/proposals/campaigns/{id}/selection/confirm/",
        "/api/v1/proposals/campaigns/{id}/similar/",
        "/api/v1/proposals/items/",
        "/api/v1/proposals/items/{id}/",
        "/api/v1/proposals/items/{id}/merge/",
        "/api/v1/proposals/items/{id}/scores/",
        "/api/v1/proposals/items/{id}/screen/",
        "/api/v1/proposals/items/{id}/support/",
        "/api/v1/proposals/milestones/{id}/progress/",
        "/api/v1/proposals/projects/",
        "/api/v1/proposals/projects/{id}/",
        "/api/v1/proposals/projects/{id}/finish/",
        "/api/v1/proposals/projects/{id}/milestones/",
        "/api/v1/proposals/projects/{id}/ratings/",
        "/api/v1/proposals/projects/{id}/updates/",
        "/api/v1/reports/",
        "/api/v1/reports/{id}/",
        "/api/v1/reports/{id}/{fmt}/",
        "/api/v1/responsibilities/",
        "/api/v1/textcheck/orders/{number}/",
        "/api/v1/textcheck/orders/{number}/answer/",
        "/api/v1/textcheck/replies/",
        "/api/v1/textcheck/replies/check/",
        "/api/v1/textcheck/replies/{id}/approve/",
        "/api/v1/textcheck/urgency/",
        "/api/v1/units/",
        "/api/v1/units/{code}/",
        "/api/v1/users/",
        "/api/v1/users/{id}/",
        "/api/v1/whistles/{id}/report/",
        "/api/v1/wishes/",
        "/api/v1/wishes/figures/",
        "/api/v1/wishes/problems/",
        "/api/v1/wishes/problems/{id}/",
        "/api/v1/wishes/problems/{id}/moves/",
        "/api/v1/wishes/rankings/",
        "/api/v1/wishes/{id}/",
        "/api/v1/wishes/{id}/moves/",
    ]


def test_schema_and_docs_are_served_without_the_internet(client):
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200
    docs = client.get("/api/v1/docs/").content.decode()
    assert "cdn" not in docs.lower()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in docs


# --- responses against the schema ----------------------------------------------------------------
def _json_schema(node):
    """OpenAPI 3.0 to JSON Schema: ``nullable: true`` becomes a "null" type."""
    if isinstance(node, list):
        return [_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _json_schema(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def _conforms(path: str, body) -> None:
    import jsonschema
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    response = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    document = _json_schema({**response, "components": schema["components"]})
    jsonschema.validate(body, document)


def test_order_detail_and_area_list_answer_as_the_schema_says():
    from rest_framework.test import APIClient

    from civicgrid.workorders.testing import make_order, make_world

    world = make_world()
    order = make_order(world, area=world.tree.grid1)  # no handler yet, merged into nothing
    client = APIClient()
    client.force_authenticate(world.users["district"])
    body = client.get(f"/api/v1/orders/{order.number}/").json()
    assert (body["handler"], body["merged_into"]) == (None, None)
    _conforms("/api/v1/orders/{number}/", body)
    areas = client.get("/api/v1/areas/").json()
    assert areas["type"] == "FeatureCollection" and areas["features"]
    _conforms("/api/v1/areas/", areas)


def test_the_served_description_says_how_to_sign_in_and_verify_a_webhook_as_the_platform_signs():
    import hashlib
    import hmac

    from rest_framework.test import APIClient

    from civicgrid.notifications.services import sign

    body = APIClient().get("/api/v1/schema/", {"format": "json"})
    description = body.json()["info"]["description"]
    for phrase in ("Authorization: Token <key>", "Idempotency-Key", "page_size` from 1 to 500",
                   "X-Civicgrid-Signature: sha256=<hex>", 'HMAC(secret, timestamp + "." + body)'):
        assert phrase in description
    # The recipe as written verifies what the platform sends.
    secret, timestamp, raw = "s3cret", "1796293283", '{"event":"order.dispatch"}'.encode()
    documented = "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + raw, hashlib.sha256).hexdigest()
    assert sign(secret, timestamp, raw) == documented


@pytest.mark.parametrize("component, prop", [
    ("Version", "created_by"), ("Version", "scope_area"), ("DelibOption", "votes"), ("Proposal", "merged_into"),
    ("Wish", "claimer_team"), ("Wish", "claimer_branch"), ("Problem", "task"), ("Problem", "branch"),
    ("Problem", "secretary"), ("ProblemDetail", "task"), ("OrderDetail", "handler"), ("OrderDetail", "merged_into"),
])
def test_fields_that_answer_null_are_documented_nullable(component, prop):
    """Each of these answered null against a schema that said it never does (schemathesis, ST108)."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert schema["components"]["schemas"][component]["properties"][prop].get("nullable") is True


def test_every_refusal_is_documented_with_the_error_shape_and_its_codes():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    error = schema["components"]["schemas"]["Error"]["properties"]["error"]
    assert error["required"] == ["code", "message", "fields", "codes"]
    ref = {"$ref": "#/components/schemas/Error"}
    appeal_post = schema["paths"]["/api/v1/appeals/"]["post"]["responses"]
    for status in ("400", "409", "422", "default"):
        assert appeal_post[status]["content"]["application/json"]["schema"] == ref
    for item in schema["paths"].values():
        for operation in item.values():
            assert operation["responses"]["default"]["content"]["application/json"]["schema"] == ref
