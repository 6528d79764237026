/*
 * Cardkit widget loader. A partner page adds
 *
 *   <div data-cardkit-widget data-session="wst_..."></div>
 *   <script src="https://<cardkit>/widget.js" async></script>
 *
 * and this script mounts the widget in an iframe served by Cardkit. The frame takes its
 * container's width (no minimum of its own) and the height its content reports, so it never
 * scrolls or clips inside. Optional attributes on the element: data-theme="light|dark",
 * data-accent="#1d4ed8", data-radius="0..24" (px), data-height="640" (px, the height until the
 * widget reports its own), data-title (the frame's accessible name).
 *
 * Events: the element receives `cardkit:created`, `cardkit:status_changed`, `cardkit:activated`,
 * `cardkit:failed` and, for each of them, `cardkit:event` (CustomEvent; `detail` is
 * {source, event, card_id, status, stage}). Only messages from Cardkit's origin and from this
 * element's own frame are passed on; they never carry a card number or CVC.
 */
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script) return;
  var cardkitOrigin = new URL(script.src, location.href).origin;
  var EVENTS = ['created', 'status_changed', 'activated', 'failed'];
  // A reported height outside this range is not the widget's: ignored.
  var MIN_HEIGHT = 120;
  var MAX_HEIGHT = 4000;

  function mount(host) {
    if (host.getAttribute('data-cardkit-mounted')) return;
    host.setAttribute('data-cardkit-mounted', 'true');
    var params = new URLSearchParams();
    params.set('session', host.getAttribute('data-session') || '');
    params.set('parent', location.origin);
    ['theme', 'accent', 'radius'].forEach(function (name) {
      var value = host.getAttribute('data-' + name);
      if (value) params.set(name, value);
    });
    var frame = document.createElement('iframe');
    frame.src = cardkitOrigin + '/widget/frame?' + params.toString();
    frame.title = host.getAttribute('data-title') || 'Create a virtual card';
    frame.setAttribute('allow', 'clipboard-write');
    frame.setAttribute('referrerpolicy', 'origin');
    frame.style.display = 'block';
    frame.style.width = '100%';
    frame.style.border = '0';
    frame.style.height = (parseInt(host.getAttribute('data-height'), 10) || 720) + 'px';
    host.appendChild(frame);

    window.addEventListener('message', function (message) {
      if (message.origin !== cardkitOrigin || message.source !== frame.contentWindow) return;
      var data = message.data;
      if (!data || data.source !== 'cardkit') return;
      if (data.event === 'resize') {
        var height = Number(data.height);
        if (height >= MIN_HEIGHT && height <= MAX_HEIGHT) frame.style.height = Math.ceil(height) + 'px';
        return;
      }
      if (EVENTS.indexOf(data.event) < 0) return;
      var detail = {
        source: 'cardkit',
        event: data.event,
        card_id: data.card_id,
        status: data.status,
        stage: data.stage
      };
      host.dispatchEvent(new CustomEvent('cardkit:' + data.event, { detail: detail, bubbles: true }));
      host.dispatchEvent(new CustomEvent('cardkit:event', { detail: detail, bubbles: true }));
    });
  }

  function mountAll() {
    Array.prototype.forEach.call(document.querySelectorAll('[data-cardkit-widget]'), mount);
  }

  window.Cardkit = { mount: mount };
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', mountAll);
  } else {
    mountAll();
  }
})();
