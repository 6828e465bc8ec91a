/* The plan's choropleth: the boundaries of its region's parts from this server (the file the page names),
   the figures from the page; a boundary is matched to its unit by 行政区划代码, never by name. */
(function () {
  "use strict";
  var box = document.getElementById("map-chart");
  if (!box || !window.echarts) { return; }
  var shades = JSON.parse(document.getElementById("map-data").textContent);
  var kept = Array.prototype.map.call(  // the year (and region) the page is about, kept by links within the plan
    document.querySelectorAll("form.picker input[name=year], form.picker input[name=region]"),
    function (i) { return "&" + i.name + "=" + encodeURIComponent(i.value); }).join("");
  var names = {};  // adcode → the name shown: the store's (徐州市鼓楼区) for a unit of the plan, else the file's
  fetch(box.getAttribute("data-geo")).then(function (r) { return r.json(); }).then(function (geo) {
    geo.features.forEach(function (f) { names[f.properties.adcode] = f.properties.name; });
    shades.forEach(function (s) { if (s.drawn) { names[s.code] = s.name; } });
    echarts.registerMap("region", geo);
    var shown = function (p) { return echarts.format.encodeHTML(names[p.name] || p.name); };
    var chart = echarts.init(box, null, { renderer: "canvas" });
    chart.setOption({
      tooltip: { trigger: "item", formatter: function (p) {
        return shown(p) + "<br>" + echarts.format.encodeHTML((p.data && p.data.words) || "不在本计划中");
      } },
      series: [{
        type: "map", map: "region", nameProperty: "adcode", roam: false, selectedMode: false, layoutCenter: ["50%", "50%"], layoutSize: "95%",
        label: { show: true, formatter: shown, fontSize: box.clientWidth < 420 ? 10 : 12, color: "#1f2328" },
        labelLayout: { hideOverlap: true },  /* on a phone 绥江县 and 水富市 would print over each other */
        emphasis: { label: { color: "#000" }, itemStyle: { areaColor: "#f5d37a" } },
        itemStyle: { borderColor: "#fff", borderWidth: 1.2 },
        data: shades.filter(function (s) { return s.drawn; }).map(function (s) {
          return { name: s.code, value: s.value, words: s.label, link: s.plan_map || (s.page && s.page + kept), itemStyle: { areaColor: s.colour } };
        })
      }]
    });
    window.dubanMap = chart;
    box.setAttribute("data-ready", "1");
    chart.on("click", function (p) { if (p.data && p.data.link) { window.location.href = p.data.link; } });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
