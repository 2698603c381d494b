"""The locate benchmarks run end to end on small inputs (their figures are printed, never asserted)."""

import io
import json

import pytest
from django.core.management import call_command

from civicgrid.core.testing import make_tree

pytestmark = pytest.mark.django_db


def run_bench(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("bench", *args, stdout=out, stderr=err)
    return out.getvalue()


def test_bench_locate_inside_the_grids_hits_every_point():
    make_tree()
    out = run_bench("locate", "--points", "500", "--sample", "inside", "--seed", "3")
    assert "points: 500 uniform inside 4 polygons (WGS84), seed 3" in out
    assert "located: 500 of 500 (100.0%); both methods agree on 500 of 500" in out


def test_bench_locate_agreement_against_a_small_csv(tmp_path):
    districts = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"BoroCD": 101},
             "geometry": {"type": "Polygon", "coordinates": [[[-74.0, 40.7], [-73.9, 40.7], [-73.9, 40.8], [-74.0, 40.8], [-74.0, 40.7]]]}},
            {"type": "Feature", "properties": {"BoroCD": 301},
             "geometry": {"type": "Polygon", "coordinates": [[[-73.9, 40.7], [-73.8, 40.7], [-73.8, 40.8], [-73.9, 40.8], [-73.9, 40.7]]]}},
        ],
    }
    geojson = tmp_path / "cd.geojson"
    geojson.write_text(json.dumps(districts))
    rows = [
        "community_board,latitude,longitude",
        "01 MANHATTAN,40.75,-73.95",   # agrees
        "01 BROOKLYN,40.75,-73.85",    # agrees
        "01 BROOKLYN,40.75,-73.95",    # disagrees
        "Unspecified MANHATTAN,40.75,-73.95",  # no valid board
        "01 MANHATTAN,,",              # no coordinates
    ]
    csv_path = tmp_path / "311.csv"
    csv_path.write_text("\n".join(rows) + "\n")
    out = run_bench("locate-agreement", "--geojson", str(geojson), "--csv", str(csv_path))
    assert "rows read: 5; compared: 3" in out
    assert "agreement (located district == community_board): 2 of 3 = 66.67%" in out
    assert "commonest disagreements (board->located): 301->101 x1" in out
