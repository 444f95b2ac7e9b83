"""集体合同: cards, progress against plan, trend, unit ranking and the tables behind them."""

from dashboard.views import render_theme

render_theme("contracts")
