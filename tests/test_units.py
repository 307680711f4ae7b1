import math

import pytest
from hypothesis import given, strategies as st

from scaleplan.errors import InputError
from scaleplan.units import (format_money, format_number, format_si, parse_duration_hours, parse_money,
                             parse_quantity, positive)


@pytest.mark.parametrize("text, expected", [
    ("1e23", 1e23), ("3.8e25", 3.8e25), ("7e9", 7e9), ("7B", 7e9), ("70b", 70e9), ("2T", 2e12),
    ("1.5M", 1.5e6), ("500k", 5e5), ("125m", 125e6), ("1_000", 1000.0), ("  42 ", 42.0), (".5", 0.5),
    (7, 7.0), (2.5e3, 2500.0),
])
def test_parse_quantity(text, expected):
    assert parse_quantity(text) == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize("text", ["abc", "nan", "inf", "-inf", "1e400", "7X", "", "1.2.3", "B7"])
def test_parse_quantity_rejects(text):
    with pytest.raises(InputError) as err:
        parse_quantity(text, "--flops")
    assert "--flops" in str(err.value)
    assert "\n" not in str(err.value)


def test_positive_rejects_zero_and_negative():
    for value in (0.0, -1.0, math.inf, math.nan):
        with pytest.raises(InputError):
            positive(value, "x")
    assert positive(3.0, "x") == 3.0


@pytest.mark.parametrize("text, expected", [("$2e6", 2e6), ("2e6", 2e6), ("$1.5M", 1.5e6), ("2M USD", 2e6)])
def test_parse_money(text, expected):
    assert parse_money(text) == pytest.approx(expected)


@pytest.mark.parametrize("text, hours", [("30d", 720.0), ("720h", 720.0), ("2w", 336.0), ("90min", 1.5), ("3", 72.0)])
def test_parse_duration(text, hours):
    assert parse_duration_hours(text) == pytest.approx(hours)


def test_parse_duration_rejects_unknown_unit():
    with pytest.raises(InputError):
        parse_duration_hours("3 fortnights")


@pytest.mark.parametrize("value, text", [(7.3e10, "73.0B"), (1.34e12, "1.34T"), (29.5e9, "29.5B"),
                                         (999.9, "1.00k"), (12.0, "12.0"), (5e5, "500k"),
                                         (3.2e27, "3.20e27")])
def test_format_si(value, text):
    assert format_si(value) == text


def test_format_money_and_number():
    assert format_money(1.6e6) == "$1.60M"
    assert format_number(1e23) == "1.00e23"
    assert format_number(18.4) == "18.4"


@given(st.floats(min_value=1e-3, max_value=1e30, allow_nan=False, allow_infinity=False))
def test_format_si_round_trips_within_rounding(value):
    assert parse_quantity(format_si(value, sig=6)) == pytest.approx(value, rel=1e-5)
