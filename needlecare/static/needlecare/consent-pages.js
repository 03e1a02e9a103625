// Consent pages: the signature pad (finger, stylus or mouse) and the print button. No inline script:
// the CSP forbids it. The pad writes SVG path data ("M x y" then "L x y" per point) in a 600 x 200 box,
// the only grammar the server accepts (needlecare/consent/signature.py).
(function () {
  "use strict";

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () {
      window.print();
    });
  });

  var pad = document.querySelector("[data-signature-pad]");
  if (!pad) return;
  var canvas = pad.querySelector("[data-signature-canvas]");
  var field = document.querySelector("[data-signature-field]");
  var clear = document.querySelector("[data-signature-clear]");
  var maxPoints = parseInt(field.getAttribute("data-max-points"), 10) || 5000;
  var context = canvas.getContext("2d");
  var path = field.value || "";
  var points = 0;
  var drawing = false;
  var last = null;

  context.lineWidth = 2.5;
  context.lineCap = "round";
  context.lineJoin = "round";
  context.strokeStyle = "#1c2733";

  function where(event) {
    var box = canvas.getBoundingClientRect();
    var x = ((event.clientX - box.left) / box.width) * canvas.width;
    var y = ((event.clientY - box.top) / box.height) * canvas.height;
    return {
      x: Math.round(Math.min(Math.max(x, 0), canvas.width) * 10) / 10,
      y: Math.round(Math.min(Math.max(y, 0), canvas.height) * 10) / 10,
    };
  }

  function add(command, point) {
    if (points >= maxPoints) return false;
    path += command + point.x + " " + point.y;
    points += 1;
    return true;
  }

  function finish() {
    // A path of lone moves draws nothing: keep it only once it has a line in it.
    field.value = path.indexOf("L") >= 0 ? path : "";
    pad.classList.toggle("signed", field.value !== "");
  }

  function replay(text) {
    // Redraw a signature the server sent back (the form was shown again for another field's error).
    var commands = text.match(/[ML][0-9.]+ [0-9.]+/g) || [];
    commands.forEach(function (command) {
      var parts = command.slice(1).split(" ");
      var x = parseFloat(parts[0]);
      var y = parseFloat(parts[1]);
      if (command[0] === "M") {
        context.beginPath();
        context.moveTo(x, y);
      } else {
        context.lineTo(x, y);
        context.stroke();
      }
      points += 1;
    });
  }

  canvas.addEventListener("pointerdown", function (event) {
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    last = where(event);
    if (!add("M", last)) return;
    drawing = true;
    context.beginPath();
    context.moveTo(last.x, last.y);
  });

  canvas.addEventListener("pointermove", function (event) {
    if (!drawing) return;
    var point = where(event);
    if (last && point.x === last.x && point.y === last.y) return;
    if (!add("L", point)) {
      drawing = false;
      finish();
      return;
    }
    context.lineTo(point.x, point.y);
    context.stroke();
    last = point;
  });

  function stop() {
    if (!drawing) return;
    drawing = false;
    finish();
  }
  canvas.addEventListener("pointerup", stop);
  canvas.addEventListener("pointercancel", stop);
  canvas.addEventListener("pointerleave", stop);

  clear.addEventListener("click", function () {
    context.clearRect(0, 0, canvas.width, canvas.height);
    path = "";
    points = 0;
    finish();
  });

  if (path) replay(path);
  finish();
})();
