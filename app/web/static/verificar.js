// The pre-check page without this file is complete: a plain form. This adds drag and drop,
// the chosen file's name, a size check before uploading, and focus on the verdict.
"use strict";
(function () {
  var form = document.getElementById("formulario");
  var input = document.getElementById("constancia");
  var zone = document.getElementById("zona");
  var chosen = document.getElementById("elegido");
  var button = document.getElementById("revisar");
  if (!form || !input || !zone) return;
  var maxBytes = parseInt(form.getAttribute("data-max-bytes"), 10) || 0;
  var maxMb = form.getAttribute("data-max-mb");

  Array.prototype.forEach.call(document.querySelectorAll(".solo-js"), function (el) {
    el.hidden = false;
  });

  function tooBig(file) {
    return maxBytes && file.size > maxBytes;
  }

  function show() {
    var file = input.files && input.files[0];
    input.setCustomValidity("");
    if (!file) {
      chosen.textContent = "";
      return;
    }
    if (tooBig(file)) {
      var msg = "«" + file.name + "» pesa más de " + maxMb + " MB: la constancia del IMSS pesa " +
        "mucho menos. Descárgala de nuevo y súbela tal como la descargas.";
      input.setCustomValidity(msg);
      chosen.textContent = msg;
      return;
    }
    chosen.textContent = "Archivo elegido: " + file.name;
  }

  input.addEventListener("change", show);
  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (event) {
      event.preventDefault();
      zone.classList.add("encima");
    });
  });
  ["dragleave", "drop"].forEach(function (name) {
    zone.addEventListener(name, function () {
      zone.classList.remove("encima");
    });
  });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    if (event.dataTransfer && event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
      show();
    }
  });
  form.addEventListener("submit", function (event) {
    if (!form.checkValidity()) return;
    if (button.disabled) {
      event.preventDefault();
      return;
    }
    button.disabled = true;
    button.textContent = "Revisando…";
  });
  // Back from the verdict page (bfcache): the button works again.
  window.addEventListener("pageshow", function () {
    button.disabled = false;
    button.textContent = "Revisar mi constancia";
  });
  var heading = document.getElementById("titulo-resultado") ||
    document.getElementById("titulo-aviso");
  if (heading) heading.focus();
})();
