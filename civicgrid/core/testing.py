"""Small, fixed test data shared by the test suites of every app.

The tree (WGS-84 squares near Qingdao, 0.01° ≈ 1 km):

    市北区 D 370203000000
      即墨路街道 S1 370203020000            四方街道 S2 370203028000
        恩县路社区 C1 370203020009             上四方社区 C3 370203028013
          G1 ...009001   G2 ...009002            G4 ...013001
        上海路社区 C2 370203020002
          G3 ...002001
"""

from __future__ import annotations

from dataclasses import dataclass

from civicgrid.geo.models import Area, Building, Household
from civicgrid.geo.paths import depth_of, path_for


def square(lon0: float, lat0: float, size: float) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [[[lon0, lat0], [lon0 + size, lat0], [lon0 + size, lat0 + size], [lon0, lat0 + size], [lon0, lat0]]],
    }


def make_area(code: str, name: str, kind: str, parent: Area | None, boundary: dict | None) -> Area:
    path = path_for(code, parent.path if parent else None)
    centroid = None
    if boundary:
        ring = boundary["coordinates"][0][:-1]
        centroid = (sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring))
    return Area.objects.create(
        code=code, name=name, kind=kind, parent=parent, path=path, depth=depth_of(path), boundary=boundary,
        centroid_lon=centroid[0] if centroid else None, centroid_lat=centroid[1] if centroid else None,
    )


def make_building(code: str, grid: Area, address: str, lon: float, lat: float, households: int = 0) -> Building:
    building = Building.objects.create(
        code=code, address=address, address_key=address, lon=lon, lat=lat, grid=grid, area_path=grid.path,
        households_count=households,
    )
    for i in range(households):
        Household.objects.create(
            building=building, area_path=grid.path, entrance=1, room=f"{101 + i}", size=2,
            head_name="张三" if i % 2 == 0 else "欧阳娜娜", head_phone=f"1380000{i:04d}",
            head_id_number=f"37020319800101{i:04d}",
        )
    return building


@dataclass
class Tree:
    district: Area
    street1: Area
    street2: Area
    community1: Area
    community2: Area
    community3: Area
    grid1: Area
    grid2: Area
    grid3: Area
    grid4: Area


def make_tree() -> Tree:
    d = make_area("370203000000", "市北区", "district", None, square(120.30, 36.05, 0.08))
    s1 = make_area("370203020000", "即墨路街道", "street", d, square(120.30, 36.05, 0.04))
    s2 = make_area("370203028000", "四方街道", "street", d, square(120.34, 36.05, 0.04))
    c1 = make_area("370203020009", "恩县路社区", "community", s1, square(120.30, 36.05, 0.02))
    c2 = make_area("370203020002", "上海路社区", "community", s1, square(120.32, 36.05, 0.02))
    c3 = make_area("370203028013", "上四方社区", "community", s2, square(120.34, 36.05, 0.02))
    g1 = make_area("370203020009001", "恩县路第一网格", "grid", c1, square(120.30, 36.05, 0.01))
    g2 = make_area("370203020009002", "恩县路第二网格", "grid", c1, square(120.31, 36.05, 0.01))
    g3 = make_area("370203020002001", "上海路第一网格", "grid", c2, square(120.32, 36.05, 0.01))
    g4 = make_area("370203028013001", "上四方第一网格", "grid", c3, square(120.34, 36.05, 0.01))
    return Tree(d, s1, s2, c1, c2, c3, g1, g2, g3, g4)
