"""Vietnamese and English labels for everything a chart or report shows, and locale-aware number formatting.

Vietnamese is first-class: every key carries both languages, NFC-normalised, with the same `{placeholders}`
(tests/test_i18n.py checks). Numbers follow each language's convention: Vietnamese writes 1.234,5 (decimal
comma, thousands dot), English 1,234.5. `vega_format_locale` gives the same conventions to Vega (d3-format
has no vi-VN number locale, so it is defined here); charts put it in the spec's `config.locale`.

Indicator and series names live in data/raw/indicators.yaml and data/raw/series.yaml (name_vi / name_en);
`indicator_name` and `series_name` read them from there rather than repeating them.
"""

from __future__ import annotations

import math
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

LANGS = ("vi", "en")

# One entry per string shown to a reader: key -> {"vi": ..., "en": ...}. Keys are grouped by prefix:
# status.* (one per pace.STATUSES), method.*, map.*, unit.* (indicator units), legend.*, axis.*, tooltip.*,
# title.*, caption.*, subtitle.*, section.*. `{name}` placeholders are filled by `t(key, lang, name=...)`.
LABELS: dict[str, dict[str, str]] = {
    # ---- status classes (dxtrack.model.pace.STATUSES) -----------------------------------------------------------
    "status.achieved": {"vi": "Đã đạt", "en": "Achieved"},
    "status.on track": {"vi": "Đúng tiến độ", "en": "On track"},
    "status.acceleration needed": {"vi": "Cần tăng tốc", "en": "Acceleration needed"},
    "status.off track / regressing": {"vi": "Chệch hướng / đi lùi", "en": "Off track / regressing"},
    "status.insufficient data": {"vi": "Chưa đủ dữ liệu", "en": "Insufficient data"},
    "status.no data": {"vi": "Không có dữ liệu", "en": "No data"},
    "status.not assessable": {"vi": "Không đánh giá được", "en": "Not assessable"},
    # ---- forecasting methods (dxtrack.model.estimators.METHODS) -------------------------------------------------------
    "method.naive": {"vi": "Giữ nguyên giá trị gần nhất", "en": "Last value carried forward"},
    "method.linear": {"vi": "Xu thế tuyến tính", "en": "Linear trend"},
    "method.pooled": {"vi": "Xu thế gộp (Bayes thực nghiệm)", "en": "Pooled trend (empirical Bayes)"},
    # ---- maps ----------------------------------------------------------------------------------------------
    "map.63": {"vi": "63 tỉnh (trước 1/7/2025)", "en": "63 provinces (before 1 July 2025)"},
    "map.34": {"vi": "34 tỉnh (từ 1/7/2025)", "en": "34 provinces (from 1 July 2025)"},
    "map.VN": {"vi": "Cả nước", "en": "Nationwide"},
    "map.short.63": {"vi": "63 tỉnh", "en": "63-province map"},
    "map.short.34": {"vi": "34 tỉnh", "en": "34-province map"},
    "map.short.VN": {"vi": "cả nước", "en": "national"},
    "unit.country": {"vi": "Việt Nam", "en": "Viet Nam"},
    # ---- indicator units -----------------------------------------------------------------------------------
    "unit.percent": {"vi": "Phần trăm (%)", "en": "Percent (%)"},
    "unit.index": {"vi": "Chỉ số (0–1)", "en": "Index (0–1)"},
    "unit.rank": {"vi": "Thứ hạng (1 = cao nhất)", "en": "Rank (1 = best)"},
    "unit.short.percent": {"vi": "%", "en": "%"},
    "unit.short.index": {"vi": "điểm (0–1)", "en": "points (0–1)"},
    "unit.short.rank": {"vi": "hạng", "en": "rank"},
    # ---- legend entries ------------------------------------------------------------------------------------
    "legend.observed": {"vi": "Quan sát", "en": "Observed"},
    "legend.observed_published": {"vi": "Quan sát (công bố)", "en": "Observed (published)"},
    "legend.observed_derived": {"vi": "Quan sát (tính từ số liệu 63 tỉnh)",
                                "en": "Observed (derived from 63-province data)"},
    "legend.fit": {"vi": "Đường xu thế", "en": "Fitted trend"},
    "legend.projection": {"vi": "Dự báo", "en": "Projection"},
    "legend.band80": {"vi": "Khoảng dự báo 80%", "en": "80% interval"},
    "legend.band95": {"vi": "Khoảng dự báo 95%", "en": "95% interval"},
    "legend.target": {"vi": "Mục tiêu", "en": "Target"},
    "legend.goal": {"vi": "Mục tiêu xếp hạng", "en": "Rank goal"},
    "legend.highlight": {"vi": "Tỉnh đang xem", "en": "This province"},
    "legend.peer": {"vi": "Tỉnh cùng vùng", "en": "Regional peer"},
    "legend.gain": {"vi": "Tăng hạng", "en": "Moved up"},
    "legend.loss": {"vi": "Giảm hạng", "en": "Moved down"},
    "legend.status": {"vi": "Tình trạng", "en": "Status"},
    "legend.coverage": {"vi": "Tỷ lệ tỉnh có số liệu", "en": "Share of units with data"},
    # ---- axes ----------------------------------------------------------------------------------------------
    "axis.year": {"vi": "Năm", "en": "Year"},
    "axis.value": {"vi": "Giá trị", "en": "Value"},
    "axis.rank": {"vi": "Thứ hạng DTI (1 = cao nhất)", "en": "DTI rank (1 = best)"},
    "axis.province": {"vi": "Tỉnh, thành phố", "en": "Province"},
    "axis.target": {"vi": "Mục tiêu (chỉ tiêu, năm)", "en": "Target (indicator, year)"},
    "axis.rank_change": {"vi": "Số bậc thay đổi (dương = tăng hạng)", "en": "Places gained (positive = moved up)"},
    "axis.indicator": {"vi": "Chỉ tiêu", "en": "Indicator"},
    "axis.map": {"vi": "Bản đồ hành chính", "en": "Administrative map"},
    # ---- tooltips ------------------------------------------------------------------------------------------
    "tooltip.province": {"vi": "Tỉnh, thành phố", "en": "Province"},
    "tooltip.year": {"vi": "Năm", "en": "Year"},
    "tooltip.value": {"vi": "Giá trị", "en": "Value"},
    "tooltip.kind": {"vi": "Loại", "en": "Kind"},
    "tooltip.series": {"vi": "Chuỗi số liệu", "en": "Series"},
    "tooltip.period": {"vi": "Kỳ số liệu", "en": "Period"},
    "tooltip.method": {"vi": "Phương pháp dự báo", "en": "Forecast method"},
    "tooltip.mean": {"vi": "Giá trị dự báo", "en": "Projected value"},
    "tooltip.interval80": {"vi": "Khoảng dự báo 80%", "en": "80% interval"},
    "tooltip.interval95": {"vi": "Khoảng dự báo 95%", "en": "95% interval"},
    "tooltip.band": {"vi": "Vùng", "en": "Band"},
    "tooltip.target": {"vi": "Mục tiêu", "en": "Target"},
    "tooltip.target_year": {"vi": "Năm mục tiêu", "en": "Target year"},
    "tooltip.document": {"vi": "Văn bản", "en": "Document"},
    "tooltip.status": {"vi": "Tình trạng", "en": "Status"},
    "tooltip.reason": {"vi": "Lý do", "en": "Reason"},
    "tooltip.p_meet": {"vi": "Xác suất đạt mục tiêu", "en": "P(target met)"},
    "tooltip.rank": {"vi": "Thứ hạng", "en": "Rank"},
    "tooltip.rank_of": {"vi": "Trên tổng số", "en": "Out of"},
    "tooltip.rank_from": {"vi": "Hạng năm {year}", "en": "Rank in {year}"},
    "tooltip.rank_to": {"vi": "Hạng năm {year}", "en": "Rank in {year}"},
    "tooltip.change": {"vi": "Thay đổi (bậc)", "en": "Change (places)"},
    "tooltip.region": {"vi": "Vùng", "en": "Region"},
    "tooltip.indicator": {"vi": "Chỉ tiêu", "en": "Indicator"},
    "tooltip.map": {"vi": "Bản đồ", "en": "Map"},
    "tooltip.units_with_data": {"vi": "Số tỉnh có số liệu", "en": "Units with data"},
    "tooltip.units_total": {"vi": "Tổng số tỉnh", "en": "Units in map"},
    "tooltip.coverage": {"vi": "Độ phủ", "en": "Coverage"},
    "tooltip.n_targets": {"vi": "Số mục tiêu cùng năm", "en": "Targets for this year"},
    "tooltip.note": {"vi": "Ghi chú", "en": "Note"},
    "tooltip.source": {"vi": "Nguồn", "en": "Source"},
    "tooltip.boundaries": {"vi": "Ranh giới", "en": "Boundaries"},
    "tooltip.caption": {"vi": "Chú thích", "en": "Caption"},
    "value.published": {"vi": "Công bố", "en": "Published"},
    "value.derived": {"vi": "Tính từ số liệu 63 tỉnh", "en": "Derived from 63-province data"},
    "value.fit": {"vi": "Khớp số liệu", "en": "Fit"},
    "value.projection": {"vi": "Dự báo", "en": "Projection"},
    # ---- titles --------------------------------------------------------------------------------------------
    "title.trajectory": {"vi": "{indicator} — {unit}", "en": "{indicator} — {unit}"},
    "title.rank_history": {"vi": "Xếp hạng DTI — {unit}", "en": "DTI rank — {unit}"},
    "title.peers": {"vi": "{indicator}: {unit} và các tỉnh cùng vùng",
                    "en": "{indicator}: {unit} and its regional peers"},
    "title.status_matrix": {"vi": "Tình trạng thực hiện các mục tiêu chuyển đổi số",
                            "en": "Progress toward digital-transformation targets"},
    "title.choropleth": {"vi": "Tình trạng thực hiện mục tiêu theo tỉnh", "en": "Target status by province"},
    "title.movers": {"vi": "Các tỉnh thay đổi thứ hạng DTI nhiều nhất, {start}–{end}",
                     "en": "Biggest DTI rank movers, {start}–{end}"},
    "title.coverage": {"vi": "Độ phủ số liệu theo chỉ tiêu và năm", "en": "Data coverage by indicator and year"},
    "title.headline": {"vi": "Tỷ trọng kinh tế số của cả nước so với mục tiêu {targets}",
                       "en": "Viet Nam's digital economy share against its targets of {targets}"},
    # ---- subtitles (status lines) --------------------------------------------------------------------------
    "subtitle.target_status": {"vi": "Mục tiêu {target} năm {year}: {status}",
                               "en": "Target {target} by {year}: {status}"},
    "subtitle.p_meet": {"vi": "xác suất đạt {p}", "en": "P(met) {p}"},
    "subtitle.p_rank": {"vi": "xác suất vào top {n} năm {year}: {p}", "en": "P(rank ≤ {n} in {year}) {p}"},
    "subtitle.expected_rank": {"vi": "thứ hạng kỳ vọng {rank}", "en": "expected rank {rank}"},
    "subtitle.region": {"vi": "Vùng {region}, năm {year} hoặc gần nhất trước đó",
                        "en": "{region}, {year} or the latest year before"},
    "subtitle.no_peer_data": {"vi": "{n} tỉnh cùng vùng chưa có số liệu: {names}",
                              "en": "{n} regional peers without data: {names}"},
    "subtitle.movers": {"vi": "{n} tỉnh có thứ hạng ở cả hai năm; {top} tăng và {top} giảm nhiều nhất",
                        "en": "{n} provinces ranked in both years; the {top} biggest gains and losses"},
    # ---- captions ------------------------------------------------------------------------------------------
    "caption.unit": {"vi": "Đơn vị: {unit}", "en": "Unit: {unit}"},
    "caption.years_observed": {"vi": "Năm quan sát: {years}", "en": "Observed: {years}"},
    "caption.years": {"vi": "Năm: {years}", "en": "Years: {years}"},
    "caption.projection": {"vi": "Dự báo đến {year} ({method})", "en": "Projected to {year} ({method})"},
    "caption.source": {"vi": "Nguồn: {source}", "en": "Source: {source}"},
    "caption.targets": {"vi": "Mục tiêu: {documents}", "en": "Targets: {documents}"},
    "caption.model": {"vi": "dự báo: dxtrack", "en": "projection: dxtrack"},
    "caption.partial_omitted": {"vi": "{n} giá trị chưa đủ năm không được vẽ",
                                "en": "{n} part-year values not plotted"},
    "caption.map": {"vi": "Bản đồ: {map}", "en": "Map: {map}"},
    "caption.boundaries": {
        "vi": "Ranh giới: Open Development Mekong / Cục Đo đạc, Bản đồ và Thông tin địa lý Việt Nam; "
              "TopoJSON: Talia Cao (MIT); CC BY-SA 4.0",
        "en": "Boundaries: Open Development Mekong / Vietnam Department of Survey and Mapping; "
              "TopoJSON by Talia Cao (MIT); CC BY-SA 4.0",
    },
    "caption.status_source": {"vi": "Nguồn: văn bản mục tiêu của các tỉnh và Chính phủ; đánh giá: dxtrack",
                              "en": "Source: provincial and government target documents; assessment: dxtrack"},
    "caption.coverage_source": {"vi": "Nguồn: dxtrack, tổng hợp từ data/processed/observations.parquet",
                                "en": "Source: dxtrack, counted from data/processed/observations.parquet"},
    "caption.dti_source": {"vi": "Nguồn: Bộ TT&TT (nay là Bộ KH&CN), báo cáo DTI hằng năm",
                           "en": "Source: MIC (now Ministry of Science and Technology), annual DTI reports"},
    "caption.derived_note": {"vi": "số liệu 34 tỉnh tính từ 63 tỉnh (ước tính)",
                             "en": "34-province values derived from 63-province data (approximate)"},
    # ---- report sections -----------------------------------------------------------------------------------
    "section.trajectory": {"vi": "Diễn biến và dự báo", "en": "Trajectory and projection"},
    "section.rank": {"vi": "Thứ hạng DTI", "en": "DTI rank"},
    "section.peers": {"vi": "So sánh với các tỉnh cùng vùng", "en": "Regional peers"},
    "section.status": {"vi": "Tình trạng thực hiện mục tiêu", "en": "Progress toward targets"},
    "section.map": {"vi": "Bản đồ", "en": "Map"},
    "section.movers": {"vi": "Biến động thứ hạng", "en": "Rank movers"},
    "section.coverage": {"vi": "Độ phủ số liệu", "en": "Data coverage"},
    "section.headline": {"vi": "Toàn cảnh quốc gia", "en": "The national picture"},
    "section.sources": {"vi": "Nguồn số liệu", "en": "Sources"},
    "section.method": {"vi": "Phương pháp", "en": "Method"},
    # ---- short words ---------------------------------------------------------------------------------------
    "word.observed": {"vi": "Quan sát", "en": "Observed"},
    "word.projection": {"vi": "Dự báo", "en": "Projection"},
    "word.interval80": {"vi": "Khoảng dự báo 80%", "en": "80% interval"},
    "word.target": {"vi": "Mục tiêu", "en": "Target"},
    "word.source": {"vi": "Nguồn", "en": "Source"},
    "word.and": {"vi": "và", "en": "and"},
    "word.top": {"vi": "top {n}", "en": "top {n}"},
    "word.by_year": {"vi": "{value} năm {year}", "en": "{value} by {year}"},
    # ---- why a status (dxtrack.model.pace, dxtrack.model.status) ----------------------------------------------------
    "reason.no_target_value": {"vi": "văn bản không nêu giá trị mục tiêu bằng số",
                               "en": "the document gives no numeric target"},
    "reason.no_target_year": {"vi": "văn bản không nêu năm phải đạt mục tiêu",
                              "en": "the document gives no target year"},
    "reason.no_data": {"vi": "chưa có số liệu nào của chỉ tiêu này cho địa phương",
                       "en": "no observation of this indicator for this unit"},
    "reason.no_34_ranking": {"vi": "chưa có bảng xếp hạng DTI nào của 34 tỉnh, thành phố mới",
                             "en": "no DTI ranking of the 34 new units has been published yet"},
    "reason.partial_only": {"vi": "chỉ có số liệu một phần năm ({value}, kỳ {period}): không so sánh được với "
                                  "mục tiêu cả năm",
                            "en": "only partial-year figures ({value} for {period}): a part of a year is not "
                                  "comparable with a full-year target"},
    "reason.achieved": {"vi": "{latest} năm {last_year} đã đạt mục tiêu {comparator} {target}",
                        "en": "{latest} in {last_year} already meets {comparator} {target}"},
    "reason.year_passed": {"vi": "đã qua năm mục tiêu {target_year}: {value} năm {year}, mục tiêu {comparator} {target}",
                           "en": "target year {target_year} passed: {value} in {year}, target {comparator} {target}"},
    "reason.one_point": {"vi": "mới có một số liệu ({latest} năm {last_year}), chưa tính được tốc độ; cần {required} "
                               "để đạt mục tiêu",
                         "en": "one observation ({latest} in {last_year}): no observed pace; needs {required} to "
                               "reach the target"},
    "reason.pace": {"vi": "tốc độ thực tế {observed} ({first_year}–{last_year}) so với mức cần {required} đến "
                          "{target_year}",
                    "en": "observed {observed} ({first_year}–{last_year}) vs required {required} to {target_year}"},
    "reason.moving_away": {"vi": "đang đi ngược mục tiêu: ", "en": "moving away from the target: "},
    "note.merged": {"vi": "tỉnh đã hợp nhất vào {name} (34:{code}) từ {date}; sau đó không còn số liệu riêng của "
                          "tỉnh cũ, nên mục tiêu năm {year} này được theo dõi dưới tỉnh mới",
                    "en": "the unit merged into {name} (34:{code}) on {date}; no figures for the old unit are "
                          "expected after that, so this {year} target is listed under the new unit"},
    # ---- report text (dxtrack.report.text) -------------------------------------------------------------------
    "word.yes": {"vi": "Có", "en": "Yes"},
    "word.no": {"vi": "Không", "en": "No"},
    "text.province_title": {"vi": "{name}: tiến độ chuyển đổi số, báo cáo năm {year}",
                            "en": "{name}: progress on digital transformation, {year} report"},
    "text.briefing_title": {"vi": "Chuyển đổi số cấp tỉnh: báo cáo tổng hợp năm {year}",
                            "en": "Provincial digital transformation: the {year} briefing"},
    "text.identity_merged": {"vi": "{name} là đơn vị hành chính cấp tỉnh mới (một trong 34 đơn vị từ 1/7/2025), "
                                   "hợp nhất từ: {members}. Các mục tiêu dưới đây do các tỉnh cũ đặt ra trước khi "
                                   "hợp nhất, trừ khi có ghi chú khác.",
                             "en": "{name} is one of the 34 provincial units in place since 1 July 2025, formed "
                                   "from: {members}. The targets below were set by those former provinces before "
                                   "the merger unless noted."},
    "text.identity_unchanged": {"vi": "{name} giữ nguyên địa giới khi sắp xếp lại đơn vị hành chính ngày 1/7/2025.",
                                "en": "{name} kept its boundaries in the 1 July 2025 reorganisation."},
    "text.identity_old": {"vi": "{name} là một trong 63 tỉnh, thành phố trước ngày 1/7/2025; từ ngày đó thuộc {successor}.",
                          "en": "{name} was one of the 63 provinces before 1 July 2025; since then it is part of "
                                "{successor}."},
    "text.region": {"vi": "Vùng: {region}.", "en": "Region: {region}."},
    "text.no_targets": {"vi": "Chưa thu thập được mục tiêu định lượng nào của địa phương này.",
                        "en": "No numeric target of this unit has been collected yet."},
    "text.quote": {"vi": "Trích văn bản", "en": "Quote from the document"},
    "text.nothing_missing": {"vi": "Mọi mục tiêu đều có ít nhất một số liệu để đánh giá.",
                             "en": "Every target has at least one figure to assess it by."},
    "text.missing_intro": {"vi": "{n} trong {total} mục tiêu chưa có số liệu nào để đánh giá. Cần thu thập số liệu cho:",
                           "en": "{n} of {total} targets have no figure to assess them by. Figures are needed for:"},
    "text.headline_de": {"vi": "Tỷ trọng kinh tế số trong GDP: {value} năm {year} ({series}); mục tiêu 20% năm "
                               "2025 và 30% năm 2030.",
                         "en": "Digital economy share of GDP: {value} in {year} ({series}); targets 20% by 2025 and "
                               "30% by 2030."},
    "text.headline_filing": {"vi": "Tỷ lệ hồ sơ trực tuyến cả nước: {value} năm {year} ({series}).",
                             "en": "National online-filing rate: {value} in {year} ({series})."},
    "text.headline_dti": {"vi": "Chỉ số DTI quốc gia: {value} năm {year} ({series}).",
                          "en": "National DTI: {value} in {year} ({series})."},
    "text.headline_missing": {"vi": "{indicator}: chưa có số liệu cả năm cấp quốc gia.",
                              "en": "{indicator}: no full-year national figure yet."},
    "text.status_counts": {"vi": "Trong {n} mục tiêu đang có hiệu lực:", "en": "Of {n} targets in force:"},
    "text.family_level": {"vi": "Mức (tỷ lệ, điểm DTI)", "en": "Levels (shares, DTI scores)"},
    "text.family_rank": {"vi": "Thứ hạng DTI", "en": "DTI ranks"},
    "text.methods": {
        "vi": "Tốc độ: mức thay đổi bình quân mỗi năm từ số liệu đầu tiên đến gần nhất, so với mức cần đạt mỗi năm "
              "từ số liệu gần nhất đến năm mục tiêu. Tỷ số ≥ {on_track}: đúng tiến độ; ≥ {acceleration}: cần tăng "
              "tốc; thấp hơn, đi lùi hoặc đã qua năm mục tiêu mà chưa đạt: chệch hướng. Xác suất đạt mục tiêu lấy "
              "từ phân phối dự báo của phương pháp mặc định (tỷ lệ ước lượng trên thang logit để dự báo luôn nằm "
              "trong 0–100%; thứ hạng quy về điểm tiềm ẩn). Mục tiêu xếp hạng: mô phỏng đồng thời mọi tỉnh "
              "{draws} lần (cố định hạt giống ngẫu nhiên). Phương pháp mặc định của mỗi nhóm là phương pháp dự "
              "báo tốt nhất trong kiểm định quá khứ (bảng dưới).",
        "en": "Pace: the average annual change from the first to the latest figure, against the change needed each "
              "year from the latest figure to the target year. Ratio ≥ {on_track}: on track; ≥ {acceleration}: "
              "acceleration needed; lower, falling, or a target year passed unmet: off track. P(met) comes from the "
              "predictive distribution of the default method (shares are modelled on the logit scale so projections "
              "stay within 0–100%; ranks as a latent score). Rank goals: every province simulated jointly {draws} "
              "times (seeded). Each family's default method is the one that forecast best in the backtest below."},
    "text.map_rule": {"vi": "Mỗi tỉnh được tô theo tình trạng xấu nhất trong các mục tiêu còn hiệu lực đã đánh giá "
                            "được (tỉnh mới tính cả mục tiêu của các tỉnh cũ hợp thành); nếu không mục tiêu nào đánh "
                            "giá được thì theo lý do (chưa đủ dữ liệu, không có dữ liệu); để trống nếu chưa có mục tiêu.",
                      "en": "Each unit shows the worst status among its in-force targets that could be assessed (a new "
                            "unit counts its former provinces' targets); where none could be, the reason (insufficient "
                            "or no data); blank where no target was collected."},
    "text.sources_intro": {"vi": "Nguồn số liệu (mỗi dòng số liệu còn giữ đường dẫn và trích dẫn riêng):",
                           "en": "Sources (every figure also keeps its own URL and quote):"},
    "text.boundaries_credit": {"vi": "Ranh giới hành chính: TaliaCao/Vietnam-Shape-Map (TopoJSON), xem "
                                     "data/raw/reference/geo/README.md.",
                               "en": "Boundaries: TaliaCao/Vietnam-Shape-Map (TopoJSON), see "
                                     "data/raw/reference/geo/README.md."},
    "text.no_complete_ranking": {"vi": "Chưa có năm nào có đủ thứ hạng DTI của mọi tỉnh.",
                                 "en": "No year has a DTI rank for every province yet."},
    "text.leader": {"vi": "Dẫn đầu", "en": "Leader"},
    "text.laggard": {"vi": "Cuối bảng", "en": "Laggard"},
    "text.leaders_caption": {"vi": "Xếp hạng DTI năm {year} (bảng xếp hạng đầy đủ gần nhất của 63 tỉnh, thành phố).",
                             "en": "DTI ranking {year} (the latest complete ranking of the 63 provinces)."},
    "text.merger": {"vi": "{merged} tỉnh, thành phố mới được hợp nhất từ nhiều tỉnh cũ. Các mục tiêu cũ tạo thành "
                          "{groups} nhóm (tỉnh mới × chỉ tiêu × năm); ở {differ} nhóm, các giá trị mục tiêu khác nhau "
                          "và tỉnh mới sẽ phải chọn một mục tiêu chung:",
                    "en": "{merged} new units were formed from several former provinces. Their old targets fall into "
                          "{groups} groups (new unit × indicator × year); in {differ} of them the values differ, so "
                          "the new unit has to settle on one:"},
    "section.missing": {"vi": "Số liệu còn thiếu", "en": "What data is missing"},
    "section.leaders": {"vi": "Dẫn đầu và cuối bảng", "en": "Leaders and laggards"},
    "section.merger": {"vi": "Sáp nhập tỉnh và các mục tiêu", "en": "How the merger re-drew the targets"},
    "text.first_release": {"vi": "Đây là bản đầu tiên: chưa có bản trước để so sánh. Khi gửi báo cáo, chạy "
                                 "`dxtrack release` để lưu lại số liệu của bản này.",
                           "en": "This is the first release: there is no earlier one to compare with. When the "
                                 "briefing is sent, run `dxtrack release` to keep this edition's figures."},
    "text.changes_intro": {"vi": "So với bản {since}: {added} số liệu mới, {revised} số liệu được điều chỉnh, "
                                 "{withdrawn} số liệu bị rút; {statuses} mục tiêu đổi tình trạng.",
                           "en": "Since the {since} release: {added} new figures, {revised} revised, {withdrawn} "
                                 "withdrawn; {statuses} targets changed status."},
    "section.changes": {"vi": "Thay đổi so với bản trước", "en": "What changed since the last release"},
    "col.code": {"vi": "Mã tỉnh", "en": "Code"},
    "col.series": {"vi": "Chuỗi số liệu", "en": "Series"},
    "col.old_value": {"vi": "Giá trị cũ", "en": "Old value"},
    "col.new_value": {"vi": "Giá trị mới", "en": "New value"},
    "col.old_status": {"vi": "Tình trạng cũ", "en": "Previous status"},
    "col.set_by": {"vi": "Địa phương đặt mục tiêu", "en": "Set by"},
    "col.indicator": {"vi": "Chỉ tiêu", "en": "Indicator"},
    "col.target": {"vi": "Mục tiêu", "en": "Target"},
    "col.document": {"vi": "Văn bản", "en": "Document"},
    "col.in_force": {"vi": "Còn hiệu lực", "en": "In force"},
    "col.status": {"vi": "Tình trạng", "en": "Status"},
    "col.p_meet": {"vi": "Xác suất đạt", "en": "P(met)"},
    "col.reason": {"vi": "Lý do", "en": "Why"},
    "col.family": {"vi": "Nhóm chỉ tiêu", "en": "Family"},
    "col.method": {"vi": "Phương pháp", "en": "Method"},
    "col.default": {"vi": "Mặc định", "en": "Default"},
    "col.cases": {"vi": "Số trường hợp", "en": "Cases"},
    "col.mae_model": {"vi": "Sai số tuyệt đối TB (thang mô hình)", "en": "MAE (model scale)"},
    "col.mae": {"vi": "Sai số tuyệt đối TB", "en": "MAE"},
    "col.bias": {"vi": "Độ lệch", "en": "Bias"},
    "col.coverage80": {"vi": "Độ phủ khoảng 80%", "en": "80% interval coverage"},
    "col.province": {"vi": "Tỉnh, thành phố", "en": "Province"},
    "col.rank": {"vi": "Thứ hạng", "en": "Rank"},
    "col.group": {"vi": "Nhóm", "en": "Group"},
    "col.unit_34": {"vi": "Tỉnh mới", "en": "New unit"},
    "col.year": {"vi": "Năm", "en": "Year"},
    "col.members_with_target": {"vi": "Số tỉnh cũ có mục tiêu", "en": "Former provinces with a target"},
    "col.values": {"vi": "Các giá trị mục tiêu", "en": "Target values"},
    "change.percent": {"vi": "{value} điểm %/năm", "en": "{value} pp/year"},
    "change.index": {"vi": "{value} điểm/năm", "en": "{value} points/year"},
    "change.rank": {"vi": "{value} bậc/năm", "en": "{value} places/year"},
    "change.none": {"vi": "{value}/năm", "en": "{value}/year"},
}

# d3-format / d3-time-format locales (Vega `config.locale` or vega-embed's formatLocale/timeFormatLocale).
# d3-format ships no vi-VN number locale; the time locale is d3-time-format's vi-VN (as vl_convert returns it).
_NUMBER_LOCALE = {
    "vi": {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["", " ₫"]},
    "en": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["$", ""]},
}
_TIME_LOCALE = {
    "vi": {
        "dateTime": "%a, %e %b, %Y %H:%M", "date": "%d/%m/%Y", "time": "%H:%M:%S", "periods": ["AM", "PM"],
        "days": ["Chủ nhật", "Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy"],
        "shortDays": ["CN", "Thứ 2", "Thứ 3", "Thứ 4", "Thứ 5", "Thứ 6", "Thứ 7"],
        "months": ["Tháng một", "Tháng hai", "Tháng ba", "Tháng tư", "Tháng năm", "Tháng sáu", "Tháng bảy",
                   "Tháng tám", "Tháng chín", "Tháng mười", "Tháng mười một", "Tháng mười hai"],
        "shortMonths": [f"Tháng {m}" for m in range(1, 13)],
    },
    "en": {
        "dateTime": "%x, %X", "date": "%-m/%-d/%Y", "time": "%-I:%M:%S %p", "periods": ["AM", "PM"],
        "days": ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
        "shortDays": ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"],
        "months": ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                   "October", "November", "December"],
        "shortMonths": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
    },
}

MINUS = "\u2212"  # d3-format's default minus sign; fmt_number uses the same so text and charts agree
MISSING = "–"

# How comparators read in any language: "≥ 20%".
COMPARATOR_SYMBOLS = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "=": "="}


def comparator_symbol(comparator: str) -> str:
    return COMPARATOR_SYMBOLS.get(comparator, comparator)


def _check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise KeyError(f"unknown language {lang!r}: dxtrack labels exist in {', '.join(LANGS)}")
    return lang


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def t(key: str, lang: str, **fields: Any) -> str:
    """The label `key` in `lang`, with `{placeholders}` filled from `fields` (KeyError naming what is missing)."""
    _check_lang(lang)
    entry = LABELS.get(key)
    if entry is None:
        close = sorted(k for k in LABELS if k.split(".")[0] == key.split(".")[0])
        hint = f"; keys under {key.split('.')[0]!r}: {', '.join(close)}" if close else ""
        raise KeyError(f"no label {key!r} in dxtrack.report.labels.LABELS{hint}")
    text = entry.get(lang)
    if not text:
        raise KeyError(f"label {key!r} has no {lang!r} text")
    if fields:
        try:
            text = text.format(**fields)
        except KeyError as exc:
            raise KeyError(f"label {key!r} needs field {exc.args[0]!r}") from None
    return nfc(text)


def status_label(status: str, lang: str) -> str:
    return t(f"status.{status}", lang)


def method_label(method: str, lang: str) -> str:
    return t(f"method.{method}", lang)


def map_label(map_: str, lang: str, short: bool = False) -> str:
    return t(f"map.short.{map_}" if short else f"map.{map_}", lang)


def unit_label(unit: str, lang: str, short: bool = False) -> str:
    """Axis label for an indicator unit (percent, index, rank); `short` for use after a number."""
    return t(f"unit.short.{unit}" if short else f"unit.{unit}", lang)


# ---- catalogue names (indicators.yaml, series.yaml) ---------------------------------------------------------
@lru_cache(maxsize=1)
def _catalogue() -> tuple[dict, dict]:
    from dxtrack.core.paths import Project

    project = Project.find(Path(__file__).resolve().parent)
    return project.indicators, (project.series.get("series") or {})


def indicator_definition(indicator: str) -> dict:
    indicators, _ = _catalogue()
    if indicator not in indicators:
        raise KeyError(f"unknown indicator {indicator!r}: not in data/raw/indicators.yaml")
    return indicators[indicator]


def indicator_name(indicator_def: Mapping | str, lang: str) -> str:
    """An indicator's name in `lang`: from its indicators.yaml definition (a dict), or its id."""
    _check_lang(lang)
    definition = indicator_definition(indicator_def) if isinstance(indicator_def, str) else indicator_def
    name = definition.get(f"name_{lang}")
    if not name:
        raise KeyError(f"indicator definition has no name_{lang}: {dict(definition)!r}")
    return nfc(str(name))


def series_name(series: str | None, lang: str) -> str:
    """A series' name from data/raw/series.yaml; an unknown id is shown as itself."""
    _check_lang(lang)
    if not series:
        return MISSING
    _, catalogue = _catalogue()
    entry = catalogue.get(series) or {}
    return nfc(str(entry.get(f"name_{lang}") or series))


# ---- numbers --------------------------------------------------------------------------------------------
def _is_missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def fmt_number(x: float | int | None, lang: str, decimals: int = 1) -> str:
    """1234.5 -> "1.234,5" (vi) or "1,234.5" (en); None/NaN -> "–"; negatives use the minus sign."""
    _check_lang(lang)
    if _is_missing(x):
        return MISSING
    text = f"{abs(float(x)):,.{decimals}f}"
    if lang == "vi":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    if float(x) < 0 and any(c not in "0.," for c in text):
        text = MINUS + text
    return text


def fmt_percent(x: float | None, lang: str, decimals: int = 1) -> str:
    """A value already in percent (0–100): 12.66 -> "12,7%" (vi) / "12.7%" (en)."""
    return MISSING if _is_missing(x) else fmt_number(x, lang, decimals) + "%"


def fmt_probability(p: float | None, lang: str) -> str:
    """A probability (0–1) as a whole percent: 0.72 -> "72%"; below 1% "< 1%", above 99% "> 99%"."""
    _check_lang(lang)
    if _is_missing(p):
        return MISSING
    if not 0 <= p <= 1:
        raise ValueError(f"probability {p!r} is outside 0–1")
    if 0 < p < 0.005:
        return "< 1%"
    if 0.995 < p < 1:
        return "> 99%"
    return f"{round(p * 100):d}%"


def fmt_value(x: float | None, unit: str, lang: str, decimals: int | None = None) -> str:
    """A value in an indicator's unit, as a reader sees it: "12,7%", "0,610" (index), "6" (rank).
    `decimals` overrides the unit's default (1 for percent, 3 for index, 0 for rank)."""
    default = {"percent": 1, "index": 3, "rank": 0}
    if unit not in default:
        raise KeyError(f"unknown indicator unit {unit!r} (percent, index or rank)")
    d = default[unit] if decimals is None else decimals
    return fmt_percent(x, lang, d) if unit == "percent" else fmt_number(x, lang, d)


def fmt_change(x: float, unit: str | None, lang: str) -> str:
    """An annual change with its sign: "+2,3 điểm %/năm" (vi), "−1.7 places/year" (en)."""
    decimals = {"index": 3}.get(unit or "", 2)
    number = fmt_number(abs(x), lang, decimals).rstrip("0").rstrip(",.") if decimals else fmt_number(abs(x), lang, 0)
    sign = "−" if x < 0 else "+"
    return t(f"change.{unit if unit in ('percent', 'index', 'rank') else 'none'}", lang, value=f"{sign}{number}")


def fmt_target(x: float | None, unit: str, lang: str) -> str:
    """A target as documents state it: whole numbers without decimals ("20%"), others as fmt_value."""
    if _is_missing(x):
        return MISSING
    return fmt_value(x, unit, lang, 0 if float(x) == round(float(x)) and unit != "index" else None)


def vega_format_locale(lang: str) -> dict[str, dict]:
    """{"number": d3-format locale, "time": d3-time-format locale} for `lang` (Vega-Lite `config.locale`)."""
    _check_lang(lang)
    return {"number": dict(_NUMBER_LOCALE[lang]), "time": {k: (list(v) if isinstance(v, list) else v)
                                                        for k, v in _TIME_LOCALE[lang].items()}}
