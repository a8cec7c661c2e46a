"""The planner: coverage gaps of MINT offers for schools and day care, by area.

Layers, one way: :mod:`.params` (URL -> parameters), :mod:`.sources` (snapshot -> offers,
demand points, regions; caches), :mod:`.analysis` (pure numpy/scipy in EPSG:25832),
:mod:`.export` (GeoJSON/JSON/CSV), :mod:`.mapview` (folium), :mod:`.view` (table rows).
The Flask side is ``explorer.web.planner`` (routes) and ``explorer.web.planner_work``.
"""

from .analysis import DEMAND_GROUPS, Coverage, Points, analyse, encode_groups
from .geometry import StudyArea, bbox_study_area, load_outline, make_grid
from .params import CoverageParams, parse_params
from .sources import Planner

__all__ = ["DEMAND_GROUPS", "Coverage", "CoverageParams", "Planner", "Points", "StudyArea",
           "analyse", "bbox_study_area", "encode_groups", "load_outline", "make_grid",
           "parse_params"]
