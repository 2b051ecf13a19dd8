/* Dashboards: each chart drawn by ECharts (served from our own static files) from the JSON the
   page carries; the same data is in a table beside it for screen readers and copying. */
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("dashboard-data");
    if (!source || !window.echarts) return;
    var charts = JSON.parse(source.textContent);
    var palette = ["#0b4ea2", "#3aa776", "#e0a100", "#c62f2f", "#7a4fb5", "#2b9bb8"];
    charts.forEach(function (chart) {
      var el = document.querySelector('[data-chart="' + chart.key + '"]');
      if (!el) return;
      var instance = window.echarts.init(el);
      var option;
      if (chart.kind === "pie") {
        option = {
          color: palette,
          tooltip: { trigger: "item" },
          legend: { bottom: 0 },
          series: [{ type: "pie", radius: ["35%", "65%"], data: chart.categories.map(function (name, i) {
            return { name: name, value: chart.series[0].data[i] };
          }) }]
        };
      } else if (chart.kind === "treemap") {
        option = {
          color: palette,
          tooltip: {},
          series: [{ type: "treemap", roam: false, nodeClick: false, breadcrumb: { show: false },
            data: chart.categories.map(function (name, i) {
              return { name: name + " " + chart.series[0].data[i], value: chart.series[0].data[i] };
            }) }]
        };
      } else {
        var horizontal = chart.kind === "bar" && chart.categories.length > 6;
        var categoryAxis = { type: "category", data: chart.categories, axisLabel: { interval: 0 } };
        var valueAxis = { type: "value", minInterval: 1 };
        option = {
          color: palette,
          tooltip: { trigger: "axis" },
          legend: { top: 0 },
          grid: { left: horizontal ? 110 : 40, right: 20, top: 30, bottom: 30 },
          xAxis: horizontal ? valueAxis : categoryAxis,
          yAxis: horizontal ? Object.assign({ inverse: true }, categoryAxis) : valueAxis,
          series: chart.series.map(function (s) {
            return { name: s.name, type: chart.kind, data: s.data, smooth: chart.kind === "line" };
          })
        };
      }
      instance.setOption(option);
      window.addEventListener("resize", function () { instance.resize(); });
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
})();
