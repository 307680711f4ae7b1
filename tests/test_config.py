import pytest

from scaleplan.config import Fields, configs_dir, load_yaml, load_yaml_text
from scaleplan.errors import ConfigError


def test_yaml_reads_exponent_floats_as_numbers():
    data = load_yaml_text("a: 1e23\nb: 3.8e25\nc: 1.0e-3\nd: .5\ne: 7\nf: 2T\ng: -2e-5\n")
    assert data == {"a": 1e23, "b": 3.8e25, "c": 1e-3, "d": 0.5, "e": 7, "f": "2T", "g": -2e-5}
    assert isinstance(data["a"], float)


def test_malformed_yaml_names_file_and_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("a: [1, 2\nb: 3\n")
    with pytest.raises(ConfigError) as err:
        load_yaml(path)
    assert str(path) in str(err.value) and "line" in str(err.value)


def test_missing_file_is_config_error(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        load_yaml(tmp_path / "nope.yaml")


def test_fields_errors_name_key_path():
    fields = Fields({"outer": {"x": "text"}}, "f.yaml")
    with pytest.raises(ConfigError, match=r"f\.yaml: outer\.x: expected a number"):
        fields.sub("outer").number("x")
    with pytest.raises(ConfigError, match=r"outer\.missing: required key is missing"):
        fields.sub("outer").number("missing")
    with pytest.raises(ConfigError, match="did you mean 'outer'"):
        Fields({"outr": 1}, "f.yaml").check_keys(["outer"])


def test_configs_dir_has_laws():
    assert (configs_dir() / "laws").is_dir()
