/* duban: small progressive enhancements; every page works without this file. */
(function () {
  "use strict";
  var token = function () {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  };

  /* POST a form's fields with fetch and put the HTML answer into the element data-target names. */
  function partial(form, extra) {
    var data = new FormData(form);
    if (extra) { Object.keys(extra).forEach(function (k) { data.set(k, extra[k]); }); }
    var target = document.querySelector(form.getAttribute("data-target"));
    return fetch(form.getAttribute("data-action") || form.action, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-CSRF-Token": token(), "X-Partial": "1", "Accept": "application/json, text/html" }
    }).then(function (response) {
      if (!response.ok) {
        return response.json().then(function (body) { window.alert(body.detail || "操作失败"); return response; },
                                    function () { window.alert("操作失败(" + response.status + ")"); return response; });
      }
      var left = response.headers.get("X-Review-Count");
      var counter = document.getElementById("review-count");
      if (left !== null && counter) { counter.textContent = left; }
      return response.text().then(function (html) {
        if (target) { target.outerHTML = html; }
        return response;
      });
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-partial")) { return; }
    event.preventDefault();
    var submitter = event.submitter;
    var extra = submitter && submitter.name ? (function () { var o = {}; o[submitter.name] = submitter.value; return o; })() : null;
    partial(form, extra);
  });

  /* Inline validation: when a figure changes, ask the server what is wrong with that row. */
  document.addEventListener("change", function (event) {
    var input = event.target;
    var row = input.closest ? input.closest("[data-check]") : null;
    if (!row) { return; }
    var data = new FormData();
    row.querySelectorAll("input, select, textarea").forEach(function (field) {
      if (!field.name || (field.type === "checkbox" && !field.checked)) { return; }
      data.append(field.name, field.value);
    });
    data.append("code", row.getAttribute("data-check"));
    fetch(row.getAttribute("data-check-url"), {
      method: "POST", body: data, credentials: "same-origin", headers: { "X-CSRF-Token": token() }
    }).then(function (r) { return r.text(); }).then(function (html) {
      var box = row.querySelector(".msg");
      if (box) { box.innerHTML = html; }
      row.classList.toggle("has-error", html.indexOf("class=\"error") >= 0);
    });
  });
})();
