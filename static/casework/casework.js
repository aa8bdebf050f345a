// Small helpers for the phone pages: the browser's location into latitude/longitude (with the
// fields left for manual entry), and thumbnails of the photos picked before uploading.
(function () {
  "use strict";

  function setUpGeolocation(root) {
    var button = root.querySelector("[data-geo-button]");
    var status = root.querySelector("[data-geo-status]");
    var lat = root.querySelector("input[name=latitude]");
    var lng = root.querySelector("input[name=longitude]");
    if (!button || !lat || !lng || !("geolocation" in navigator)) { return; }
    button.hidden = false;
    function locate() {
      status.textContent = button.dataset.busy || "…";
      navigator.geolocation.getCurrentPosition(function (position) {
        lat.value = position.coords.latitude.toFixed(6);
        lng.value = position.coords.longitude.toFixed(6);
        status.textContent = "±" + Math.round(position.coords.accuracy) + " m";
      }, function (error) {
        status.textContent = error.message;
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    }
    button.addEventListener("click", locate);
    if (!lat.value && !lng.value) { locate(); }
  }

  function setUpPhotoPreview(input) {
    var preview = input.parentNode.querySelector("[data-photo-preview]");
    if (!preview || !window.URL) { return; }
    input.addEventListener("change", function () {
      preview.textContent = "";
      Array.prototype.forEach.call(input.files, function (file) {
        if (!/^image\//.test(file.type)) { return; }
        var img = document.createElement("img");
        img.className = "cw-thumb";
        img.alt = file.name;
        img.src = URL.createObjectURL(file);
        preview.appendChild(img);
      });
    });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-geo]"), setUpGeolocation);
    Array.prototype.forEach.call(document.querySelectorAll("[data-photo-input]"), setUpPhotoPreview);
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
