/*
 * Cardkit widget loader. A partner page adds
 *
 *   <div data-cardkit-widget data-session="wst_..."></div>
 *   <script src="https://<cardkit>/widget.js" async></script>
 *
 * or mounts it from script:
 *
 *   const widget = Cardkit.mount(element, { session: 'wst_...', theme: 'dark', accent: '#1d4ed8' });
 *   widget.on('activated', (detail) => { ... });
 *   widget.update({ accent: '#7c3aed' });
 *   widget.destroy();
 *
 * The widget lives in an iframe served by Cardkit. The frame takes its container's width (no
 * minimum of its own) and the height its content reports, so it never scrolls or clips inside.
 * Options (or data-* attributes on the element): session, theme ("light" | "dark"), accent
 * ("#rgb" | "#rrggbb"), radius (0..24 px), height (px, until the widget reports its own), title
 * (the frame's accessible name).
 *
 * Events, each given to `on` handlers and dispatched on the element as `cardkit:<name>` and
 * `cardkit:event` (CustomEvent, `detail` as below): ready, loaderror, expired, refused, created,
 * status_changed, activated, failed, resumed. Card events carry card_id, status, stage, last4,
 * brand, exp_month, exp_year, amount (cents), currency and fail_reason; never a card number or
 * CVC. Only messages from Cardkit's origin and from this element's own frame are passed on.
 * Types: <cardkit>/widget.d.ts.
 */
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script || window.Cardkit) return;
  var cardkitOrigin = new URL(script.src, location.href).origin;
  var EVENTS = [
    'ready', 'loaderror', 'expired', 'refused',
    'created', 'status_changed', 'activated', 'failed', 'resumed'
  ];
  var CARD_FIELDS = [
    'card_id', 'status', 'stage', 'last4', 'brand', 'exp_month', 'exp_year',
    'amount', 'currency', 'fail_reason'
  ];
  // A reported height outside this range is not the widget's: ignored.
  var MIN_HEIGHT = 120;
  var MAX_HEIGHT = 4000;
  // After the frame's load event, its first message may still be on its way.
  var HELLO_GRACE_MS = 500;
  // A frame that loaded but has not started its bundle by then will not.
  var READY_TIMEOUT_MS = 20000;

  function optionsFrom(element) {
    var options = {};
    ['session', 'theme', 'accent', 'radius', 'height', 'title'].forEach(function (name) {
      var value = element.getAttribute('data-' + name);
      if (value !== null && value !== '') options[name] = value;
    });
    return options;
  }

  function mount(element, options) {
    if (!element || element.nodeType !== 1) throw new TypeError('Cardkit.mount: an element is required');
    if (element.cardkitWidget) return element.cardkitWidget;
    options = options || optionsFrom(element);
    var handlers = {};
    var said = {};
    var params = new URLSearchParams();
    params.set('session', options.session || '');
    params.set('parent', location.origin);
    ['theme', 'accent', 'radius'].forEach(function (name) {
      if (options[name] !== undefined && options[name] !== null) params.set(name, String(options[name]));
    });
    var frame = document.createElement('iframe');
    frame.src = cardkitOrigin + '/widget/frame?' + params.toString();
    frame.title = options.title || 'Create a virtual card';
    frame.setAttribute('allow', 'clipboard-write');
    frame.setAttribute('referrerpolicy', 'origin');
    frame.style.display = 'block';
    frame.style.width = '100%';
    frame.style.border = '0';
    frame.style.height = (parseInt(options.height, 10) || 720) + 'px';

    function emit(name, detail) {
      detail.source = 'cardkit';
      detail.event = name;
      (handlers[name] || []).slice().forEach(function (handler) {
        try {
          handler(detail);
        } catch (error) {
          setTimeout(function () { throw error; });
        }
      });
      element.dispatchEvent(new CustomEvent('cardkit:' + name, { detail: detail, bubbles: true }));
      element.dispatchEvent(new CustomEvent('cardkit:event', { detail: detail, bubbles: true }));
    }

    function refusedOrUnreachable() {
      // A frame the browser refused to show (frame-ancestors) loads an error page that never says
      // hello. Tell a refusal from an unreachable Cardkit by asking Cardkit's health probe.
      fetch(cardkitOrigin + '/healthz', { mode: 'no-cors', cache: 'no-store' }).then(
        function () {
          var message = 'Cardkit refused to show the widget on ' + location.origin + '. Add "' +
            location.origin + '" to allowed_origins when your backend mints the widget session, ' +
            'and check that the session token is the one it returned.';
          console.error(message);
          emit('refused', { reason: 'origin', message: message });
        },
        function () {
          var message = 'The Cardkit widget could not be loaded from ' + cardkitOrigin + '.';
          console.error(message);
          emit('loaderror', { reason: 'unreachable', message: message });
        }
      );
    }

    function onMessage(message) {
      if (message.origin !== cardkitOrigin || message.source !== frame.contentWindow) return;
      var data = message.data;
      if (!data || data.source !== 'cardkit') return;
      if (data.event === 'hello') {
        said.hello = true;
        return;
      }
      if (data.event === 'resize') {
        var height = Number(data.height);
        if (height >= MIN_HEIGHT && height <= MAX_HEIGHT) frame.style.height = Math.ceil(height) + 'px';
        return;
      }
      if (EVENTS.indexOf(data.event) < 0) return;
      if (data.event === 'ready') said.ready = true;
      var detail = {};
      if (data.event === 'refused' || data.event === 'loaderror') {
        detail.reason = String(data.reason || '');
        detail.message = data.event === 'refused'
          ? 'Cardkit refused to show the widget: the session does not allow ' + location.origin + '.'
          : 'The Cardkit widget could not start (' + detail.reason + ').';
        console.error(detail.message);
      } else if (data.card_id !== undefined) {
        CARD_FIELDS.forEach(function (field) {
          detail[field] = data[field] === undefined ? null : data[field];
        });
      }
      emit(data.event, detail);
    }

    var readyTimer = null;
    function onLoad() {
      setTimeout(function () {
        if (!handle.frame) return;
        if (!said.hello) return refusedOrUnreachable();
        if (said.ready || readyTimer) return;
        readyTimer = setTimeout(function () {
          if (handle.frame && !said.ready) {
            emit('loaderror', { reason: 'timeout', message: 'The Cardkit widget did not start in time.' });
          }
        }, READY_TIMEOUT_MS);
      }, HELLO_GRACE_MS);
    }

    var handle = {
      element: element,
      frame: frame,
      on: function (name, handler) {
        (handlers[name] = handlers[name] || []).push(handler);
        return handle;
      },
      off: function (name, handler) {
        handlers[name] = (handlers[name] || []).filter(function (h) { return h !== handler; });
        return handle;
      },
      update: function (theme) {
        if (!handle.frame || !frame.contentWindow) return handle;
        var message = { source: 'cardkit-host', event: 'theme' };
        ['theme', 'accent', 'radius'].forEach(function (name) {
          var value = theme && theme[name] !== undefined ? theme[name] : options[name];
          if (value !== undefined && value !== null) message[name] = String(value);
          options[name] = value;
        });
        frame.contentWindow.postMessage(message, cardkitOrigin);
        return handle;
      },
      destroy: function () {
        if (!handle.frame) return;
        window.removeEventListener('message', onMessage);
        clearTimeout(readyTimer);
        frame.remove();
        handle.frame = null;
        handlers = {};
        delete element.cardkitWidget;
        element.removeAttribute('data-cardkit-mounted');
      }
    };
    if (options.on) {
      Object.keys(options.on).forEach(function (name) { handle.on(name, options.on[name]); });
    }
    window.addEventListener('message', onMessage);
    frame.addEventListener('load', onLoad);
    element.cardkitWidget = handle;
    element.setAttribute('data-cardkit-mounted', 'true');
    element.appendChild(frame);
    return handle;
  }

  function mountAll() {
    Array.prototype.forEach.call(document.querySelectorAll('[data-cardkit-widget]'), function (element) {
      if (!element.cardkitWidget) mount(element, optionsFrom(element));
    });
  }

  window.Cardkit = { mount: mount };
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', mountAll);
  } else {
    mountAll();
  }
})();
