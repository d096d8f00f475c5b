"""The matter catalogue and the demo hall: read, validate and load them idempotently.

The data lives in `resources/catalogue/` as human-edited JSON (see its README.md):
`matters*.json` (matters and their materials), `scenarios.json` (一件事), `empowerment.json`
(township lists, example configuration) and `demo_hall.json` (demo sites, zones, queues,
windows, staff, appointments). Nothing here commits: the caller owns the transaction.

One module per job:
- `spec`: the typed content of the files (`MatterSpec` …) and the field-by-field validation;
- `reader`: reading the catalogue files (size-capped) into a `CatalogueData`;
- `pinyin`: the search forms of a matter name;
- `loader`: idempotent upserts into the hall database (`load_catalogue`);
- `empowerment`: importing a real township empowerment list from CSV/text;
- `demo_hall`: the demo hall file's content and validation;
- `demo`: seeding the demo hall (`seed_demo`), the one place demo rows are written.
"""

from __future__ import annotations

from app.catalogue.demo import SeedReport, seed_demo
from app.catalogue.demo_hall import (
    AppointmentSpec,
    CategorySpec,
    SiteSpec,
    StaffSpec,
    WindowSpec,
    ZoneSpec,
    read_demo_hall,
)
from app.catalogue.empowerment import EmpowermentImportReport, import_empowerment
from app.catalogue.loader import KindCount, LoadReport, load_catalogue
from app.catalogue.pinyin import matter_pinyin, normalise_name
from app.catalogue.reader import MAX_FILE_BYTES, read_catalogue
from app.catalogue.spec import (
    CATALOGUE_DIR,
    EMPOWERMENT_FILE,
    HALL_FILE,
    LEGAL_UNITS,
    MATERIAL_FORMS,
    MATTER_FLAGS,
    MATTER_GLOB,
    SCENARIO_FILE,
    SITE_KINDS,
    CatalogueData,
    CatalogueError,
    EmpowermentSpec,
    MaterialSpec,
    MatterSpec,
    ScenarioSpec,
)

__all__ = [
    "CATALOGUE_DIR",
    "EMPOWERMENT_FILE",
    "HALL_FILE",
    "LEGAL_UNITS",
    "MATERIAL_FORMS",
    "MATTER_FLAGS",
    "MATTER_GLOB",
    "MAX_FILE_BYTES",
    "SCENARIO_FILE",
    "SITE_KINDS",
    "AppointmentSpec",
    "CatalogueData",
    "CatalogueError",
    "CategorySpec",
    "EmpowermentImportReport",
    "EmpowermentSpec",
    "KindCount",
    "LoadReport",
    "MaterialSpec",
    "MatterSpec",
    "ScenarioSpec",
    "SeedReport",
    "SiteSpec",
    "StaffSpec",
    "WindowSpec",
    "ZoneSpec",
    "import_empowerment",
    "load_catalogue",
    "matter_pinyin",
    "normalise_name",
    "read_catalogue",
    "read_demo_hall",
    "seed_demo",
]
