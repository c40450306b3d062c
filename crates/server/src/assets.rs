//! Files the page and the offline report embed, served by the binary itself
//! (an intranet without internet access must see every chart).

/// Chart.js 4.5.1 (MIT, <https://www.chartjs.org>), the UMD build: draws the
/// scorecard's charts on the page and in `sopflow report --format html`.
/// Its licence is `assets/vendor/chart.js.LICENSE.md`.
pub const CHART_JS: &str = include_str!("../assets/vendor/chart.umd.min.js");
