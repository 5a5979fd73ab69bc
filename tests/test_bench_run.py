"""The benchmark's choice among repeated rounds, and how the table shows it."""

from __future__ import annotations

import pytest

from bench.run import Result, median_round, parse_args, round_summary, table


def _round(ratio: float | None) -> Result:
    return Result(n=10, workers=1, words=100, ratio=ratio, words_per_s=ratio)


@pytest.mark.parametrize(("ratios", "chosen"), [
    ([0.8], 0.8),
    ([0.65, 0.8, 0.73], 0.73),
    ([0.9, 0.7], 0.7),              # even: the lower middle one
    ([None, 0.7, 0.9, 0.8], 0.8),   # a round without a ratio does not count
    ([0.7, 0.9, 0.8, 0.6], 0.7),
])
def test_median_round(ratios, chosen):
    assert median_round([_round(r) for r in ratios]).ratio == chosen


def test_no_ratio_at_all_gives_the_first_round():
    rounds = [_round(None), _round(None)]
    assert median_round(rounds) is rounds[0]


def test_table_shows_the_spread_of_the_rounds():
    rounds = [_round(0.65), _round(0.8), _round(0.73)]
    res = median_round(rounds)
    res.rounds = [round_summary(r) for r in rounds]
    row = table([res]).splitlines()[-1]
    assert "| 0.73; median of 3, 0.65–0.80 |" in row
    single = table([_round(0.5)]).splitlines()[-1]
    assert "median" not in single


def test_repeat_must_be_positive():
    assert parse_args(["--repeat", "3"]).repeat == 3
    assert parse_args([]).repeat == 1
    with pytest.raises(SystemExit):
        parse_args(["--repeat", "0"])
