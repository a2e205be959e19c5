// Refreshes a consultation's progress while its invitations are being sent. Optional: without
// JavaScript the page's "Refresh" link does the same.
(function () {
  var region = document.getElementById("progress");
  if (!region || region.dataset.live !== "yes") return;
  var source = region.dataset.source;
  var timer = setInterval(function () {
    fetch(source, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.getElementById("progress-fragment");
        if (fresh) region.innerHTML = fresh.innerHTML;
        if (fresh && fresh.dataset.live !== "yes") clearInterval(timer);
      })
      .catch(function () { clearInterval(timer); });
  }, 5000);
})();
