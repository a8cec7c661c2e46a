"""Planner analysis on small hand-made layouts with known answers (EPSG:25832 metres)."""

import json
import re
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyproj import Geod

from explorer.layers import load_layers
from explorer.load import load_dataset
from explorer.planner import export
from explorer.planner.analysis import Points, analyse, encode_groups, restrict_demand
from explorer.planner.geometry import (
    Region,
    StudyArea,
    bbox_study_area,
    load_outline,
    make_grid,
    study_area_for,
    to_lonlat,
    to_metric,
)
from explorer.planner.sources import LRU, as_list, demand_from
from explorer.store import Snapshot
from tests.conftest import GEODATA

REPO = Path(__file__).resolve().parent.parent
# A 10 km square in the middle of Bochum, aligned to 100 m.
X0, Y0 = 370_000.0, 5_700_000.0
SQUARE = shapely.box(X0, Y0, X0 + 10_000, Y0 + 10_000)
STUDY = StudyArea(SQUARE, "test")


def points(xy, groups, kinds=None, ids=None) -> Points:
    xy = np.asarray(xy, float).reshape(-1, 2)
    n = len(xy)
    ids = ids or [f"p{i}" for i in range(n)]
    return Points(ids, [f"name {i}" for i in ids], xy[:, 0], xy[:, 1], encode_groups(groups),
                  kinds or ["school"] * n, ["schools"] * n, [""] * n)


NO_DEMAND = points(np.zeros((0, 2)), [])


def cell_at(coverage, x, y) -> int:
    grid = coverage.cells.grid
    return int(np.argmin(np.hypot(grid.x - x, grid.y - y)))


def test_a_cell_1_5_km_from_the_only_offer_reads_1_5_km():
    offer = (X0 + 5050, Y0 + 5050)  # a cell centre
    coverage = analyse(points([offer], [["sek1"]]), NO_DEMAND, STUDY, [], 2000, 100)
    i = cell_at(coverage, offer[0] + 1500, offer[1])
    assert coverage.cells.grid.x[i] == offer[0] + 1500
    assert coverage.cells.distance_m[i] == pytest.approx(1500, abs=3)
    assert coverage.cells.in_reach[i] == 1
    # The grid's metres are UTM metres: true (geodesic) length differs by well under 3 m.
    lon, lat = to_lonlat(np.array([offer[0], coverage.cells.grid.x[i]]),
                         np.array([offer[1], coverage.cells.grid.y[i]]))
    _, _, geodesic = Geod(ellps="GRS80").inv(lon[0], lat[0], lon[1], lat[1])
    assert geodesic == pytest.approx(coverage.cells.distance_m[i], abs=3)


def test_counts_within_reach_and_no_offers_means_infinite_distance():
    offers = points([(X0 + 5050, Y0 + 5050), (X0 + 5050, Y0 + 6050), (X0 + 9950, Y0 + 9950)],
                    [["sek1"]] * 3)
    coverage = analyse(offers, NO_DEMAND, STUDY, [], 1000, 100)
    i = cell_at(coverage, X0 + 5050, Y0 + 5550)  # 500 m from both, 6.4 km from the third
    assert coverage.cells.in_reach[i] == 2
    empty = analyse(points(np.zeros((0, 2)), []), NO_DEMAND, STUDY, [], 1000, 100)
    assert np.isinf(empty.cells.distance_m).all() and (empty.cells.in_reach == 0).all()
    assert (export.distance_classes(empty.cells.distance_m, 1000) == export.NO_OFFER_CLASS).all()


def test_school_3_km_away_with_2_km_reach_is_underserved():
    offer = (X0 + 2000, Y0 + 5000)
    demand = points([(X0 + 5000, Y0 + 5000), (X0 + 3900, Y0 + 5000)],
                    [["grundschule"], ["grundschule"]], ids=["far", "near"])
    coverage = analyse(points([offer], [["grundschule"]]), demand, STUDY, [], 2000, 250)
    served = coverage.served
    assert served.distance_m.tolist() == pytest.approx([3000, 1900])
    assert served.underserved.tolist() == [True, False]
    rows = export.demand_rows(coverage, only_underserved=True)
    assert [r["id"] for r in rows] == ["far"] and rows[0]["distance_m"] == 3000
    assert rows[0]["nearest_offer_id"] == "p0"


def test_a_kita_is_not_served_by_an_offer_only_for_sek2():
    spot = (X0 + 5000, Y0 + 5000)
    offers = points([(spot[0] + 10, spot[1]), (spot[0] + 4000, spot[1])],
                    [["sek2"], ["kita", "familien"]], ids=["sek2-lab", "kita-garden"])
    demand = points([spot, spot, spot], [["kita"], ["sek1", "sek2"], ["grundschule"]],
                    kinds=["daycare", "school", "school"], ids=["kita", "gym", "primary"])
    served = analyse(offers, demand, STUDY, [], 2000, 500).served
    assert served.distance_m.tolist() == pytest.approx([4000, 10, np.inf])
    assert [offers.ids[j] if j >= 0 else None for j in served.nearest] == [
        "kita-garden", "sek2-lab", None]
    assert served.underserved.tolist() == [True, False, True]
    assert served.in_reach.tolist() == [0, 1, 0]


def test_group_filter_keeps_only_those_stages_and_needs():
    demand = points([(X0, Y0)] * 3, [["kita"], ["grundschule", "sek1"], ["sek2"]])
    kept = restrict_demand(demand, ["grundschule", "familien"])
    assert kept.ids == ["p1"] and kept.bits.tolist() == encode_groups([["grundschule"]]).tolist()
    assert len(restrict_demand(demand, ["familien"])) == 0
    assert len(restrict_demand(demand, [])) == 3


def test_area_figures_and_city_comparison():
    area = Region("focus", {"de": "Fokus", "en": "Focus"}, "focus",
                  shapely.box(X0, Y0, X0 + 2000, Y0 + 2000))
    offers = points([(X0 + 1000, Y0 + 1000), (X0 + 3000, Y0 + 1000), (X0 + 9000, Y0 + 9000)],
                    [["sek1"]] * 3)
    demand = points([(X0 + 1000, Y0 + 1500), (X0 + 500, Y0 + 500), (X0 + 9000, Y0 + 5000)],
                    [["sek1"]] * 3)
    coverage = analyse(offers, demand, STUDY, [area], 1000, 100)
    focus, city = coverage.regions[0], coverage.city
    assert (focus.offers_inside, focus.offers_within_reach) == (1, 2)  # 1 km off the edge
    assert (focus.demand_points, focus.underserved) == (2, 0)
    assert focus.median_distance_m == pytest.approx((500 + np.hypot(500, 500)) / 2)
    cx, cy = np.meshgrid(np.arange(50, 2000, 100), np.arange(50, 2000, 100))
    brute = np.minimum(np.hypot(cx - 1000, cy - 1000), np.hypot(cx - 3000, cy - 1000))
    assert focus.cells == 400 and focus.cells_beyond_reach == int((brute > 1000).sum())
    assert (city.demand_points, city.underserved) == (3, 1)
    assert city.share_underserved == pytest.approx(1 / 3)
    summary = export.summary(coverage, "en")
    assert summary["areas"][0]["vs_city"]["share_underserved_pp"] == pytest.approx(-33.3)
    rows = export.area_rows(coverage, "de")
    assert [r["id"] for r in rows] == ["bochum", "focus"]


def test_grid_is_aligned_clipped_and_bounded():
    grid = make_grid(SQUARE, 250)
    assert len(grid) == 40 * 40
    assert set(np.unique(grid.x % 250)) == {125.0}
    triangle = shapely.Polygon([(X0, Y0), (X0 + 1000, Y0), (X0, Y0 + 1000)])
    assert 0 < len(make_grid(triangle, 100)) < 100
    with pytest.raises(ValueError, match="cells exceed"):
        make_grid(SQUARE, 100, max_cells=1000)
    rings = make_grid(shapely.box(X0, Y0, X0 + 100, Y0 + 100), 100).corners_lonlat()
    assert rings.shape == (1, 5, 2) and (rings[0, 0] == rings[0, -1]).all()


def test_bbox_study_area_covers_bochum():
    area = bbox_study_area()
    x, y = to_metric(np.array([7.2278]), np.array([51.4854]))  # the planetarium
    assert shapely.contains_xy(area.geometry, x, y)[0]
    assert 250e6 < area.geometry.area < 300e6  # 0.25 x 0.14 degrees: about 270 km^2


def test_outline_with_districts_and_a_broken_outline(tmp_path):
    def feature(name, w, e):
        return {"type": "Feature", "properties": {"name": name},
                "geometry": shapely.geometry.mapping(shapely.box(w, 51.42, e, 51.52))}
    path = tmp_path / "outline.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        feature("West", 7.12, 7.22), feature("Ost", 7.22, 7.32)]}))
    area = load_outline(path)
    assert area.source == "outline" and [d.name["de"] for d in area.districts] == ["West", "Ost"]
    assert area.geometry.area == pytest.approx(sum(d.geometry.area for d in area.districts))
    broken = tmp_path / "broken.geojson"
    broken.write_text("{not json")
    fallback = study_area_for(str(broken), {})
    assert fallback.source == "bbox" and fallback.error


def snapshot_with_layers(tmp_path, layers: dict) -> Snapshot:
    (tmp_path / "layers").mkdir()
    for name, features in layers.items():
        (tmp_path / "layers" / f"{name}.geojson").write_text(
            json.dumps({"type": "FeatureCollection", "features": features}))
    return Snapshot.build(load_dataset(GEODATA), load_layers(tmp_path))


def layer_feature(pid, kind, groups, lon=7.22, lat=51.48, name="X"):
    return {"type": "Feature", "id": pid, "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"poi_id": pid, "name": name, "kind": kind, "groups": groups,
                           "street": "Weg 1", "postcode": "44787"}}


def test_demand_from_layers_skips_non_schools_and_merges_duplicates(tmp_path):
    snap = snapshot_with_layers(tmp_path, {
        "schools": [layer_feature("1", "school", ["grundschule"]),
                    layer_feature("1", "school", ["sek1"]),  # same poi_id, second category
                    layer_feature("2", "university", ["sek2"]),
                    layer_feature("3", "school", []),  # e.g. a music school
                    layer_feature("4", "school", "sek1,sek2")],
        "daycare": [layer_feature("9", "daycare", None)],
    })
    demand, origin, skipped = demand_from(snap)
    assert origin == "layers" and skipped == 2
    assert demand.ids == ["schools:1", "schools:4", "daycare:9"]
    assert demand.bits.tolist() == encode_groups(
        [["grundschule", "sek1"], ["sek1", "sek2"], ["kita"]]).tolist()
    assert demand.addresses[0] == "Weg 1 44787"


def test_demand_falls_back_to_curated_schools():
    snap = Snapshot.build(load_dataset(GEODATA))
    demand, origin, _ = demand_from(snap)
    schools = snap.places[(snap.places["kind"] == "school")
                          & snap.places["groups"].map(bool)]  # a school stage is known
    assert origin == "places" and set(demand.ids) == set(schools["id"])
    assert "ruhr-universitaet-bochum" not in demand.ids


@pytest.mark.parametrize("value, expected", [
    (None, []), (float("nan"), []), ("kita", ["kita"]), ("sek1, sek2", ["sek1", "sek2"]),
    ('["sek1"]', ["sek1"]), (["kita"], ["kita"]), (np.array(["sek2"]), ["sek2"]),
])
def test_layer_groups_in_any_shape(value, expected):
    assert as_list(value) == expected


def test_lru_keeps_the_most_recent():
    lru = LRU(2)
    for key in "abac":
        lru.get(key, lambda k=key: k.upper())
    assert "a" in lru and "c" in lru and "b" not in lru
    assert (lru.hits, lru.misses) == (1, 3)


def test_legend_css_matches_the_palette():
    css = (REPO / "explorer" / "static" / "planner.css").read_text()
    found = dict(re.findall(r"\.swatch-(\d+) \{ background: (#[0-9a-f]{6}); \}", css))
    assert [found[str(i)] for i in range(len(export.PALETTE))] == list(export.PALETTE)


def test_csv_export_neutralises_spreadsheet_formulas():
    import csv
    import io

    from explorer.planner.export import to_csv

    rows = [{"name": "=HYPERLINK(\"http://evil\")", "n": -3, "note": "+cmd", "ok": "Schule"},
            {"name": "@SUM(A1)", "n": 2, "note": "-1+1", "ok": "Kita"}]
    text = to_csv(rows, ["name", "n", "note", "ok"])
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[1][0] == "'=HYPERLINK(\"http://evil\")" and parsed[1][2] == "'+cmd"
    assert parsed[2][0] == "'@SUM(A1)" and parsed[2][2] == "'-1+1"
    assert parsed[1][1] == "-3" and parsed[1][3] == "Schule"  # numbers and plain text kept


def test_nearest_agrees_with_geopandas_sjoin_nearest_and_a_brute_force_count():
    """The k-d tree is chosen for speed; geopandas' spatial index gives the same answer."""
    import geopandas as gpd
    import numpy as np

    from explorer.planner.analysis import nearest

    rng = np.random.default_rng(42)
    ox, oy = rng.uniform(370_000, 390_000, 300), rng.uniform(5_695_000, 5_710_000, 300)
    qx, qy = rng.uniform(370_000, 390_000, 2_000), rng.uniform(5_695_000, 5_710_000, 2_000)
    distance, index, counts = nearest(qx, qy, ox, oy, reach_m=2_000)
    offers = gpd.GeoDataFrame(geometry=gpd.points_from_xy(ox, oy), crs="EPSG:25832")
    cells = gpd.GeoDataFrame(geometry=gpd.points_from_xy(qx, qy), crs="EPSG:25832")
    joined = gpd.sjoin_nearest(cells, offers, distance_col="d").groupby(level=0)["d"].min()
    assert np.allclose(distance, joined.sort_index().to_numpy(), atol=1e-6)
    brute = np.hypot(qx[:, None] - ox[None, :], qy[:, None] - oy[None, :])
    assert np.array_equal(index, brute.argmin(axis=1))
    assert np.array_equal(counts, (brute <= 2_000).sum(axis=1))
