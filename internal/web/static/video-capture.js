// In-page capture for the video identification upload form. The form
// works without this script (file fields, which a phone offers its camera
// for); with it, the page can take the document photos from the camera
// (a canvas snapshot) and record a short selfie video (MediaRecorder),
// and puts each result into the same file field the form sends.
(function () {
  "use strict";
  var section = document.getElementById("camera");
  var form = document.getElementById("evidence");
  if (!section || !form) {
    return;
  }
  var status = document.getElementById("cam-status");
  var say = function (text) { status.textContent = text; };
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia ||
      typeof DataTransfer === "undefined") {
    return; // the form's fields are all there is
  }
  section.hidden = false;
  var view = document.getElementById("cam-view");
  var actions = document.getElementById("cam-actions");
  var stream = null;

  // put places a captured file into the form's field of that name.
  function put(name, blob, filename) {
    var input = form.elements[name];
    var dt = new DataTransfer();
    dt.items.add(new File([blob], filename, { type: blob.type }));
    input.files = dt.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  document.getElementById("cam-open").addEventListener("click", function () {
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "user" }, audio: false })
      .then(function (s) {
        stream = s;
        view.srcObject = s;
        view.hidden = false;
        actions.hidden = false;
        say("");
      })
      .catch(function () { say(section.dataset.unsupported); });
  });

  Array.prototype.forEach.call(section.querySelectorAll("[data-shot]"), function (button) {
    button.addEventListener("click", function () {
      if (!stream) {
        return;
      }
      var canvas = document.createElement("canvas");
      canvas.width = view.videoWidth;
      canvas.height = view.videoHeight;
      canvas.getContext("2d").drawImage(view, 0, 0);
      canvas.toBlob(function (blob) {
        if (blob) {
          put(button.dataset.shot, blob, button.dataset.shot + ".jpg");
          say(button.textContent + " ✓");
        }
      }, "image/jpeg", 0.92);
    });
  });

  var record = document.getElementById("cam-record");
  record.addEventListener("click", function () {
    if (!stream || typeof MediaRecorder === "undefined") {
      say(section.dataset.unsupported);
      return;
    }
    var type = ["video/webm;codecs=vp9", "video/webm", "video/mp4"].find(function (t) {
      return MediaRecorder.isTypeSupported(t);
    });
    if (!type) {
      say(section.dataset.unsupported);
      return;
    }
    var chunks = [];
    var rec = new MediaRecorder(stream, { mimeType: type, videoBitsPerSecond: 1500000 });
    rec.ondataavailable = function (e) { if (e.data.size) { chunks.push(e.data); } };
    rec.onstop = function () {
      var blob = new Blob(chunks, { type: type.split(";")[0] });
      put("selfie-video", blob, "selfie." + (type.indexOf("mp4") >= 0 ? "mp4" : "webm"));
      record.disabled = false;
      say(record.textContent + " ✓");
    };
    record.disabled = true;
    var seconds = parseInt(record.dataset.seconds, 10) || 8;
    var left = seconds;
    say(String(left));
    var tick = setInterval(function () {
      left -= 1;
      if (left > 0) {
        say(String(left));
      } else {
        clearInterval(tick);
      }
    }, 1000);
    rec.start();
    setTimeout(function () { rec.stop(); }, seconds * 1000);
  });
})();
