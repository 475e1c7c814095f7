"""The standard normal and Student-t functions the model uses, evaluated with scipy.special by the same formulas
scipy.stats uses for these distributions (loc 0, scale 1): the same numbers, bit for bit (tests/test_model.py
checks), without importing scipy.stats, which took half a second of every model run."""

from __future__ import annotations

import numpy as np
from scipy import special as sc

_NORM_PDF_C = np.sqrt(2 * np.pi)
_NORM_PDF_LOGC = np.log(_NORM_PDF_C)


class norm:  # noqa: N801  # named and called like scipy.stats.norm
    @staticmethod
    def cdf(x):
        return sc.ndtr(x)

    @staticmethod
    def sf(x):
        return sc.ndtr(-np.asarray(x, dtype=float))

    @staticmethod
    def ppf(q):
        return sc.ndtri(q)

    @staticmethod
    def pdf(x):
        x = np.asarray(x, dtype=float)
        return np.exp(-(x**2) / 2.0) / _NORM_PDF_C

    @staticmethod
    def logpdf(x):
        x = np.asarray(x, dtype=float)
        return -(x**2) / 2.0 - _NORM_PDF_LOGC


class student_t:  # noqa: N801  # named and called like scipy.stats.t
    @staticmethod
    def cdf(x, df):
        return sc.stdtr(df, x)

    @staticmethod
    def sf(x, df):
        return sc.stdtr(df, -np.asarray(x, dtype=float))

    @staticmethod
    def ppf(q, df):
        # the support's ends, as scipy.stats sets them (stdtrit gives +inf at q = 0)
        q, df = np.broadcast_arrays(np.asarray(q, dtype=float), np.asarray(df, dtype=float))
        out = np.where(q == 0, -np.inf, np.where(q == 1, np.inf, sc.stdtrit(df, q)))
        return out[()] if out.ndim == 0 else out

    @staticmethod
    def logpdf(x, df):
        x, df = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(df, dtype=float))
        with np.errstate(invalid="ignore", divide="ignore"):
            t = (
                np.log(sc.poch(0.5 * df, 0.5))
                - 0.5 * (np.log(df) + np.log(np.pi))
                - (df + 1) / 2 * np.log1p(x * x / df)
            )
        return np.where(np.isinf(df), norm.logpdf(x), t)

    @staticmethod
    def pdf(x, df):
        x, df = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(df, dtype=float))
        return np.where(np.isinf(df), norm.pdf(x), np.exp(student_t.logpdf(x, df)))
