// The app login's pages: the changing QR on the login page, the phone's
// confirmation page and the registration of a phone's passkey. Every text
// comes from the page (data-msg-* attributes, in the page's language) or
// from the server's bilingual errors; nothing here is shown in one
// language only. The pages say so when JavaScript is off.
(function () {
  'use strict';

  function dec(s) {
    s = s.replace(/-/g, '+').replace(/_/g, '/');
    while (s.length % 4) { s += '='; }
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
    return out.buffer;
  }

  function enc(buf) {
    var a = new Uint8Array(buf), s = '';
    for (var i = 0; i < a.length; i++) { s += String.fromCharCode(a[i]); }
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  // post sends JSON and resolves to {ok, body}; the server answers errors
  // as {code, message, next, request_id} in the page's language.
  function post(url, body) {
    return fetch(url, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/json' },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (j) { return { ok: r.ok, body: j }; });
    });
  }

  function problem(j) { return j.message + ' ' + j.next; }

  function creationOptions(o) {
    var p = o.publicKey;
    p.challenge = dec(p.challenge);
    p.user.id = dec(p.user.id);
    (p.excludeCredentials || []).forEach(function (c) { c.id = dec(c.id); });
    return { publicKey: p };
  }

  function requestOptions(o) {
    var p = o.publicKey;
    p.challenge = dec(p.challenge);
    (p.allowCredentials || []).forEach(function (c) { c.id = dec(c.id); });
    return { publicKey: p };
  }

  function credentialJSON(c) {
    var r = c.response;
    var out = {
      id: c.id, rawId: enc(c.rawId), type: c.type,
      clientExtensionResults: c.getClientExtensionResults ? c.getClientExtensionResults() : {},
      response: { clientDataJSON: enc(r.clientDataJSON) }
    };
    if (c.authenticatorAttachment) { out.authenticatorAttachment = c.authenticatorAttachment; }
    if (r.attestationObject) {
      out.response.attestationObject = enc(r.attestationObject);
      if (r.getTransports) { out.response.transports = r.getTransports(); }
    }
    if (r.authenticatorData) {
      out.response.authenticatorData = enc(r.authenticatorData);
      out.response.signature = enc(r.signature);
      if (r.userHandle) { out.response.userHandle = enc(r.userHandle); }
    }
    return out;
  }

  function passkeysSupported() {
    return !!(window.PublicKeyCredential && navigator.credentials);
  }

  // The login page: a new image every second, a poll every second, and
  // on approval straight on to where the login was going.
  function loginPage(root) {
    root.hidden = false;
    var d = root.dataset;
    var img = document.getElementById('app-qr');
    var status = document.getElementById('app-status');
    var left = document.getElementById('app-countdown');
    var again = document.getElementById('app-again');
    var end = Date.now() + Number(d.seconds) * 1000;
    var said = status.textContent, stopped = false, busy = false, failures = 0, tick, poll;

    function say(msg) {
      if (msg !== said) { status.textContent = msg; said = msg; }
    }
    function stop(msg, offerAgain) {
      stopped = true;
      clearInterval(tick);
      clearInterval(poll);
      img.hidden = true;
      again.hidden = !offerAgain;
      say(msg);
    }
    function clock(s) {
      var m = Math.floor(s / 60), r = s % 60;
      return m + ':' + (r < 10 ? '0' : '') + r;
    }
    left.textContent = clock(Math.max(0, Number(d.seconds)));
    tick = setInterval(function () {
      var s = Math.max(0, Math.round((end - Date.now()) / 1000));
      left.textContent = clock(s);
      if (s === 0) { stop(d.msgExpired, true); return; }
      // Swap only a loaded image, so the code never blinks out.
      var next = new Image();
      next.onload = function () { if (!stopped) { img.src = next.src; } };
      next.src = d.qrUrl + '&t=' + Date.now();
    }, 1000);
    poll = setInterval(function () {
      if (busy || stopped) { return; }
      busy = true;
      post(d.statusUrl, { id: d.id, next: d.next }).then(function (res) {
        busy = false;
        failures = 0;
        if (!res.ok) { stop(problem(res.body), true); return; }
        switch (res.body.state) {
          case 'pending': say(d.msgWaiting); break;
          case 'scanned': say(d.msgScanned); break;
          case 'refused': stop(d.msgRefused, true); break;
          case 'expired': stop(d.msgExpired, true); break;
          case 'done':
            stop(d.msgDone, false);
            window.location.assign(res.body.next || '/account');
            break;
        }
      }).catch(function () {
        busy = false;
        if (++failures >= 5) { stop(d.msgFailed, true); }
      });
    }, 1000);
  }

  // The phone's page: the payload is in the fragment, which never leaves
  // the phone except in the POST below.
  function scanPage(root) {
    root.hidden = false;
    var d = root.dataset;
    var status = document.getElementById('scan-status');
    var question = document.getElementById('scan-question');
    var yes = document.getElementById('scan-confirm');
    var no = document.getElementById('scan-refuse');
    var payload = window.location.hash.slice(1);
    if (payload.indexOf('%') >= 0) {
      try { payload = decodeURIComponent(payload); } catch (e) { payload = ''; }
    }
    // A reload must not send a code that is seconds old.
    if (window.history && history.replaceState) {
      history.replaceState(null, '', window.location.pathname);
    }
    if (!payload) { status.textContent = d.msgNocode; return; }
    if (!passkeysSupported()) { status.textContent = d.msgUnsupported; return; }
    var scan = null;
    post('/api/v1/app/scan', { payload: payload }).then(function (res) {
      if (!res.ok) { status.textContent = problem(res.body); return; }
      scan = res.body;
      document.getElementById('scan-office').textContent = scan.office;
      document.getElementById('scan-check').textContent = scan.check;
      status.textContent = '';
      question.hidden = false;
      yes.focus();
    }).catch(function () { status.textContent = d.msgFailed; });

    function busy(b) { yes.disabled = b; no.disabled = b; }
    yes.addEventListener('click', function () {
      if (!scan) { return; }
      busy(true);
      status.textContent = d.msgWorking;
      navigator.credentials.get(requestOptions(JSON.parse(JSON.stringify(scan.options)))).then(function (cred) {
        return post('/api/v1/app/confirm', { challenge: scan.challenge, credential: credentialJSON(cred) });
      }).then(function (res) {
        question.hidden = true;
        status.textContent = res.ok ? d.msgOk : problem(res.body);
      }).catch(function (e) {
        busy(false);
        status.textContent = (e && e.name === 'TypeError') ? d.msgFailed : d.msgCancel;
      });
    });
    no.addEventListener('click', function () {
      if (!scan) { return; }
      busy(true);
      post('/api/v1/app/refuse', { challenge: scan.challenge }).then(function (res) {
        question.hidden = true;
        status.textContent = res.ok ? d.msgRefused : problem(res.body);
      }).catch(function () {
        busy(false);
        status.textContent = d.msgFailed;
      });
    });
  }

  // "My llavero" > phone app: register this phone's passkey. The options
  // are fetched ahead, so that the button's click itself calls
  // navigator.credentials.create: Safari wants the user's gesture there.
  function registerPage(root) {
    root.hidden = false;
    var d = root.dataset;
    var button = document.getElementById('app-register-button');
    var status = document.getElementById('app-register-status');
    var name = document.getElementById('app-device-name');
    if (!passkeysSupported()) {
      button.disabled = true;
      status.textContent = d.msgUnsupported;
      return;
    }
    var begun = null, at = 0;
    function begin() {
      return post('/api/v1/app/devices/begin', {}).then(function (res) {
        if (!res.ok) { throw res; }
        begun = res.body;
        at = Date.now();
        return begun;
      });
    }
    // A ceremony lasts five minutes on the server; four leave a margin.
    function fresh() { return begun && Date.now() - at < 4 * 60 * 1000; }
    begin().catch(function () { begun = null; });

    function fail(e) {
      button.disabled = false;
      begun = null;
      begin().catch(function () { begun = null; });
      if (e && e.body) {
        status.textContent = problem(e.body);
      } else {
        status.textContent = (e && e.name === 'TypeError') ? d.msgFailed : d.msgCancel;
      }
    }
    button.addEventListener('click', function () {
      button.disabled = true;
      status.textContent = d.msgWorking;
      var ready = fresh() ? Promise.resolve(begun) : begin();
      var ceremony = '';
      ready.then(function (b) {
        ceremony = b.ceremony;
        begun = null;
        return navigator.credentials.create(creationOptions(JSON.parse(JSON.stringify(b.options))));
      }).then(function (cred) {
        return post('/api/v1/app/devices/finish', { ceremony: ceremony, name: name.value, credential: credentialJSON(cred) });
      }).then(function (res) {
        if (!res.ok) { throw res; }
        status.textContent = d.msgRegistered;
        setTimeout(function () { window.location.assign('/account/app'); }, 2000);
      }).catch(fail);
    });
  }

  var el;
  if ((el = document.getElementById('app-login'))) { loginPage(el); }
  if ((el = document.getElementById('scan'))) { scanPage(el); }
  if ((el = document.getElementById('app-register'))) { registerPage(el); }
})();
