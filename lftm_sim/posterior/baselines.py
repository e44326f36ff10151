"""Fair baselines: forecasts made from exactly the points the model's level was fitted on.

Each takes a series' fit-window points (years, values) and the years to forecast, and
returns the point forecast with its 50% and 90% prediction intervals:
- last value: the last point carried forward; intervals of a random walk whose step sd is
  that of the fit points' year-on-year changes;
- linear trend: ordinary least squares on the year, with OLS prediction intervals;
- damped trend: Holt's additive damped trend, fitted by statsmodels' ETSModel (maximum
  likelihood, its prediction intervals);
- logistic: a logistic curve towards 100% (the logit of the share linear in the year),
  fitted by least squares, intervals from the logit-scale OLS, mapped back.
A method that cannot be fitted on the points given (a trend from one point) gives NaN.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy import stats

LEVELS = (0.5, 0.9)
COLUMNS = ["point", "lo50", "hi50", "lo90", "hi90"]


def _frame(point, sd=None, lo_hi: dict | None = None) -> pd.DataFrame:
    out = pd.DataFrame({"point": np.asarray(point, dtype=float)})
    for lv in LEVELS:
        tag = int(lv * 100)
        if lo_hi is not None:
            out[f"lo{tag}"], out[f"hi{tag}"] = lo_hi[lv]
        elif sd is not None:
            z = stats.norm.ppf(0.5 + lv / 2)
            out[f"lo{tag}"], out[f"hi{tag}"] = out["point"] - z * sd, out["point"] + z * sd
        else:
            out[f"lo{tag}"] = out[f"hi{tag}"] = np.nan
    return out


def _nan(n: int) -> pd.DataFrame:
    return _frame(np.full(n, np.nan))


def last_value(years: np.ndarray, values: np.ndarray, ahead: np.ndarray) -> pd.DataFrame:
    steps = np.diff(values)
    sd = steps.std(ddof=1) * np.sqrt(ahead - years[-1]) if len(steps) >= 2 else None
    return _frame(np.full(len(ahead), values[-1]), sd)


def _ols(x: np.ndarray, y: np.ndarray, x_new: np.ndarray) -> dict:
    import statsmodels.api as sm

    res = sm.OLS(y, sm.add_constant(x)).fit()
    exog = sm.add_constant(x_new, has_constant="add")
    out = {"point": res.predict(exog)}
    for lv in LEVELS:
        sf = res.get_prediction(exog).summary_frame(alpha=1 - lv)
        out[lv] = (sf["obs_ci_lower"].to_numpy(), sf["obs_ci_upper"].to_numpy())
    return out


def linear_trend(years: np.ndarray, values: np.ndarray, ahead: np.ndarray) -> pd.DataFrame:
    if len(values) < 3:  # two points leave no residual to size an interval
        return (
            _nan(len(ahead))
            if len(values) < 2
            else _frame(np.polyval(np.polyfit(years, values, 1), ahead))
        )
    fit = _ols(years - years[0], values, ahead - years[0])
    return _frame(fit["point"], lo_hi={lv: fit[lv] for lv in LEVELS})


def logistic(years: np.ndarray, values: np.ndarray, ahead: np.ndarray) -> pd.DataFrame:
    if len(values) < 3:
        return _nan(len(ahead))
    share = np.clip(values / 100, 1e-3, 1 - 1e-3)
    fit = _ols(years - years[0], np.log(share / (1 - share)), ahead - years[0])

    def back(z):
        return 100 / (1 + np.exp(-np.asarray(z)))

    return _frame(back(fit["point"]), lo_hi={lv: tuple(back(b) for b in fit[lv]) for lv in LEVELS})


def damped_trend(years: np.ndarray, values: np.ndarray, ahead: np.ndarray) -> pd.DataFrame:
    if len(values) < 3:
        return _nan(len(ahead))
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    series = pd.Series(values, index=pd.RangeIndex(len(values)), dtype=float)
    h = (ahead - years[-1]).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ETSModel(series, trend="add", damped_trend=True).fit(disp=False)
        pred = res.get_prediction(start=len(values), end=len(values) + int(h.max()) - 1)
        frames = {lv: pred.summary_frame(alpha=1 - lv) for lv in LEVELS}
    pick = h - 1
    mean = frames[LEVELS[0]]["mean"].to_numpy()[pick]
    lo_hi = {
        lv: (f["pi_lower"].to_numpy()[pick], f["pi_upper"].to_numpy()[pick])
        for lv, f in frames.items()
    }
    return _frame(mean, lo_hi=lo_hi)


BASELINES: dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray], pd.DataFrame]] = {
    "last value": last_value,
    "linear trend": linear_trend,
    "damped trend": damped_trend,
    "logistic": logistic,
}
