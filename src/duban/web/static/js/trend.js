/* An indicator's year: actual figures, the 序时进度 line, the target, the forecast range and last year's line. */
(function () {
  "use strict";
  var box = document.getElementById("trend-chart");
  if (!box || !window.echarts) { return; }
  var d = JSON.parse(document.getElementById("chart-data").textContent);
  var months = [];
  for (var m = 1; m <= 12; m++) { months.push(m + "月"); }
  var series = [
    { name: "实际完成", type: "line", data: d.actual.map(function (p) { return [p[0] - 1, p[1]]; }), symbolSize: 7,
      lineStyle: { width: 3, color: "#1f6feb" }, itemStyle: { color: "#1f6feb" } },
    { name: "序时进度", type: "line", data: d.expected, symbol: "none", lineStyle: { type: "dashed", color: "#b3261e" }, itemStyle: { color: "#b3261e" } },
    { name: "目标", type: "line", data: months.map(function () { return d.target; }), symbol: "none", lineStyle: { color: "#1a7f37" }, itemStyle: { color: "#1a7f37" } }
  ];
  var legend = ["实际完成", "序时进度", "目标", "预测"];
  if (d.last_year && d.last_year.points.length) {
    var lastName = d.last_year.year + "年同期";
    legend.push(lastName);
    series.push({ name: lastName, type: "line", data: d.last_year.points.map(function (p) { return [p[0] - 1, p[1]]; }), symbolSize: 4,
      lineStyle: { type: "dashed", width: 2, color: "#8250df" }, itemStyle: { color: "#8250df" } });
  }
  if (d.forecast) {
    var f = d.forecast, start = [f.from[0] - 1, f.from[1]];
    series.push({ name: "预测", type: "line", data: [start, [11, f.point]], lineStyle: { type: "dotted", color: "#6e7781" }, itemStyle: { color: "#6e7781" } });
    series.push({ name: "预测区间", type: "line", data: [start, [11, f.high]], symbol: "none", lineStyle: { opacity: 0 }, areaStyle: { color: "rgba(110,119,129,.12)", origin: "start" }, stack: null });
    series.push({ name: "预测下限", type: "line", data: [start, [11, f.low]], symbol: "none", lineStyle: { type: "dotted", color: "#afb8c1" }, itemStyle: { color: "#afb8c1" } });
    series.push({ name: "预测上限", type: "line", data: [start, [11, f.high]], symbol: "none", lineStyle: { type: "dotted", color: "#afb8c1" }, itemStyle: { color: "#afb8c1" } });
  }
  var chart = echarts.init(box);
  chart.setOption({
    tooltip: { trigger: "axis" }, legend: { top: 0, data: legend },
    grid: { left: 60, right: 20, top: 40, bottom: 30 },
    xAxis: { type: "category", data: months, boundaryGap: false },
    yAxis: { type: "value", name: d.unit, scale: false },
    series: series.filter(function (s) { return s.name !== "预测区间"; })
  });
  box.setAttribute("data-ready", "1");
  window.addEventListener("resize", function () { chart.resize(); });
})();
