/*
 * The framed widget page's side of the conversation with widget.js on the partner page, in plain
 * script written into the page (not the WASM bundle), so it works from the first parse, before
 * and even without the bundle. The server calls it with what it found for the session:
 *
 *   origin         the partner page's origin, already checked against the session; the browser
 *                  delivers every message to that origin only
 *   opened         "open" | "expired" | "refused" | "unavailable"
 *   resumed        the partner message for a card the session already made, or null
 *   expires_in_ms  how long the session has left, or null
 *
 * It says `hello` at once (a frame the browser refused to show never does: that is how widget.js
 * tells a refusal), reports the page's height whenever it changes, says `ready` when the bundle
 * has hydrated the page (then `resumed`, if a card was found), `expired` when the session runs
 * out, and `loaderror` when the bundle does not load. It also applies a new theme the partner
 * sends, computed by the server from the same rules as the first.
 */
(function (config) {
  'use strict';
  var parent = window.parent;
  if (parent === window || !config.origin) return;
  function post(message) {
    message.source = 'cardkit';
    try {
      parent.postMessage(message, config.origin);
    } catch (error) {
      // An origin the browser cannot parse: nobody to tell.
    }
  }

  post({ event: 'hello' });

  var root = document.documentElement;
  if (window.ResizeObserver) {
    var lastHeight = 0;
    new ResizeObserver(function () {
      var height = Math.ceil(root.getBoundingClientRect().height);
      if (height === lastHeight) return;
      lastHeight = height;
      post({ event: 'resize', height: height });
    }).observe(root);
  }

  if (config.opened === 'expired') post({ event: 'expired' });
  if (config.opened === 'refused') post({ event: 'refused', reason: 'session' });
  if (config.opened === 'unavailable') post({ event: 'loaderror', reason: 'unavailable' });
  if (config.opened === 'open' && config.expires_in_ms !== null) {
    setTimeout(function () {
      post({ event: 'expired' });
    }, Math.max(0, config.expires_in_ms));
  }

  var ready = false;
  function whenHydrated() {
    if (ready || !document.body || document.body.getAttribute('data-hydrated') !== 'true') return;
    ready = true;
    hydration.disconnect();
    post({ event: 'ready' });
    if (config.resumed) post(config.resumed);
  }
  var hydration = new MutationObserver(whenHydrated);
  hydration.observe(root, { subtree: true, attributes: true, attributeFilter: ['data-hydrated'] });
  // The bundle is loaded by a module script: a failure to fetch or start it rejects its promise.
  window.addEventListener('unhandledrejection', function () {
    if (!ready && config.opened === 'open') post({ event: 'loaderror', reason: 'bundle' });
  });

  window.addEventListener('message', function (message) {
    if (message.source !== parent || message.origin !== config.origin) return;
    var data = message.data;
    if (!data || data.source !== 'cardkit-host' || data.event !== 'theme') return;
    var query = new URLSearchParams();
    ['theme', 'accent', 'radius'].forEach(function (name) {
      if (data[name] !== undefined && data[name] !== null) query.set(name, String(data[name]));
    });
    fetch('/widget/theme?' + query.toString())
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (theme) {
        if (!theme || !document.body) return;
        document.body.setAttribute('data-theme', theme.scheme);
        document.body.setAttribute('style', theme.style);
      })
      .catch(function () {
        // The theme stays as it was; the widget works on.
      });
  });
})
