from pathlib import Path

import pytest

from explorer import config, create_app
from explorer.schema import DataError

README = Path(__file__).resolve().parent.parent / "README.md"


def test_defaults_then_env_then_test_config(monkeypatch, app_config):
    monkeypatch.setenv("EXPLORER_CACHE_MAX_AGE", "7")
    monkeypatch.setenv("EXPLORER_DEFAULT_LANG", "en")
    app = create_app({**app_config, "DEFAULT_LANG": "de"})
    assert app.config["CACHE_MAX_AGE"] == 7  # from the environment, typed
    assert app.config["DEFAULT_LANG"] == "de"  # test_config wins
    assert app.config["TILE_ATTRIBUTION"] == config.defaults()["TILE_ATTRIBUTION"]


def test_malformed_env_value_names_the_variable():
    with pytest.raises(SystemExit, match="EXPLORER_PORT"):
        config.from_env({"EXPLORER_PORT": "eighty"})


def test_bad_data_stops_start_up(data_dir, app_config):
    (data_dir / "places.geojson").write_text("{not json", encoding="utf-8")
    with pytest.raises(DataError, match="places.geojson.*line 1"):
        create_app({**app_config, "DATA_DIR": str(data_dir)})


def test_every_setting_is_documented_in_the_readme():
    readme = README.read_text(encoding="utf-8")
    missing = [s.name for s in config.SETTINGS if f"EXPLORER_{s.name}" not in readme]
    assert not missing, f"settings missing from README: {missing}"
