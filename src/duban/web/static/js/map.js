/* The county choropleth: the GeoJSON from this server, the figures from the page. */
(function () {
  "use strict";
  var box = document.getElementById("map-chart");
  if (!box || !window.echarts) { return; }
  var shades = JSON.parse(document.getElementById("map-data").textContent);
  var month = document.getElementById("month").value;
  var kept = Array.prototype.map.call(  // the year (and region) the page is about, kept by links
    document.querySelectorAll("form.picker input[name=year], form.picker input[name=region]"),
    function (i) { return "&" + i.name + "=" + encodeURIComponent(i.value); }).join("");
  fetch("/static/geo/zhaotong-counties.geojson").then(function (r) { return r.json(); }).then(function (geo) {
    echarts.registerMap("zhaotong", geo);
    var chart = echarts.init(box, null, { renderer: "canvas" });
    chart.setOption({
      tooltip: { trigger: "item", formatter: function (p) { return p.name + "<br>" + ((p.data && p.data.label) || "无数据"); } },
      series: [{
        type: "map", map: "zhaotong", roam: false, selectedMode: false, layoutCenter: ["50%", "50%"], layoutSize: "95%",
        label: { show: true, fontSize: box.clientWidth < 420 ? 10 : 12, color: "#1f2328" },
        labelLayout: { hideOverlap: true },  /* on a phone 绥江县 and 水富市 would print over each other */
        emphasis: { label: { color: "#000" }, itemStyle: { areaColor: "#f5d37a" } },
        itemStyle: { borderColor: "#fff", borderWidth: 1.2 },
        data: shades.map(function (s) {
          return { name: s.name, value: s.value, label: s.label, itemStyle: { areaColor: s.colour } };
        })
      }]
    });
    window.dubanMap = chart;
    box.setAttribute("data-ready", "1");
    chart.on("click", function (p) { window.location.href = "/counties/" + encodeURIComponent(p.name) + "?month=" + month + kept; });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
