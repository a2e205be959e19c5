// Refreshes the audience's count as its form changes. Optional: without JavaScript the form's
// "Räkna"/"Count" button shows the same count.
(function () {
  var form = document.getElementById("audience-form");
  var region = document.getElementById("audience-count");
  if (!form || !region) return;
  var pending = null;
  function refresh() {
    var fields = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrf" && typeof value === "string") fields.append(name, value);
    });
    fetch(form.dataset.count + "?" + fields.toString(), { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("audience-count-fragment");
        if (fresh) region.innerHTML = fresh.outerHTML;
      })
      .catch(function () { /* the Count button still works */ });
  }
  function soon() { clearTimeout(pending); pending = setTimeout(refresh, 300); }
  form.addEventListener("change", soon);
  form.addEventListener("input", function (event) { if (event.target.name === "industries") soon(); });
})();
