// The completion trend on the training report, drawn with Chart.js from the JSON the page embeds.
// No inline script or style: it runs under the portal's strict Content-Security-Policy.
(function () {
  "use strict";
  var canvas = document.getElementById("training-trend");
  var source = document.getElementById("training-trend-data");
  if (!canvas || !source || typeof window.Chart === "undefined") { return; }
  var rows = JSON.parse(source.textContent);
  new window.Chart(canvas, {
    type: "bar",
    data: {
      labels: rows.map(function (row) { return row.month; }),
      datasets: [{ label: canvas.dataset.label, data: rows.map(function (row) { return row.completed; }),
                   backgroundColor: "#1f3a63" }]
    },
    options: { responsive: true, maintainAspectRatio: false, animation: false,
               scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
  });
  canvas.dataset.drawn = "true";
})();
