// Types of the Cardkit widget loader (`<cardkit>/widget.js`), served at `<cardkit>/widget.d.ts`.

export type CardkitEventName =
  | 'ready'
  | 'loaderror'
  | 'expired'
  | 'refused'
  | 'created'
  | 'status_changed'
  | 'activated'
  | 'failed'
  | 'resumed';

/** What every event carries. */
export interface CardkitEventBase {
  source: 'cardkit';
  event: CardkitEventName;
}

/** `created`, `status_changed`, `activated`, `failed`, `resumed`: never a card number or CVC. */
export interface CardkitCardEvent extends CardkitEventBase {
  event: 'created' | 'status_changed' | 'activated' | 'failed' | 'resumed';
  card_id: string;
  /** The card's status code, e.g. `INIT`, `ACTIVE`, `CARD FAILED REFUND`. */
  status: string;
  /** The provisioning stage code, e.g. `opening_card`, `activated`. */
  stage: string;
  /** Once the card has a number. */
  last4: string | null;
  brand: string;
  /** Once the card has a number: 1–12. */
  exp_month: number | null;
  /** Once the card has a number: four digits. */
  exp_year: number | null;
  /** The deposit, in cents of `currency`. */
  amount: number;
  currency: string;
  /** Why provisioning failed (`failed`), else null. */
  fail_reason: string | null;
}

/** `ready`: the form works. `expired`: the session ran out (mint a new one and mount again). */
export interface CardkitStateEvent extends CardkitEventBase {
  event: 'ready' | 'expired';
}

/** `refused`: this page may not show the session. `loaderror`: the widget could not start. */
export interface CardkitProblemEvent extends CardkitEventBase {
  event: 'refused' | 'loaderror';
  /** `origin`/`session` (refused); `unreachable`, `unavailable`, `bundle`, `timeout` (loaderror). */
  reason: string;
  /** What to fix, also written to the console. */
  message: string;
}

export type CardkitEvent = CardkitCardEvent | CardkitStateEvent | CardkitProblemEvent;

export interface CardkitTheme {
  theme?: 'light' | 'dark';
  /** `#rgb` or `#rrggbb`. */
  accent?: string;
  /** 0–24 px. */
  radius?: number;
}

export interface CardkitMountOptions extends CardkitTheme {
  /** The `session_token` your backend minted (`POST /api/widget/v1/sessions`). */
  session: string;
  /** The frame's height in px until the widget reports its own. */
  height?: number;
  /** The frame's accessible name. */
  title?: string;
  /** Handlers by event name, as with `on`. */
  on?: Partial<Record<CardkitEventName, (event: CardkitEvent) => void>>;
}

export interface CardkitWidget {
  readonly element: HTMLElement;
  /** The iframe; null once destroyed. */
  readonly frame: HTMLIFrameElement | null;
  on(name: CardkitEventName, handler: (event: CardkitEvent) => void): CardkitWidget;
  off(name: CardkitEventName, handler: (event: CardkitEvent) => void): CardkitWidget;
  /** A new theme, applied in place (the form keeps what was typed). */
  update(theme: CardkitTheme): CardkitWidget;
  /** Removes the frame and every handler. */
  destroy(): void;
}

export interface CardkitLoader {
  /** Mounts the widget in `element` (once: a second call answers the same handle). */
  mount(element: HTMLElement, options: CardkitMountOptions): CardkitWidget;
}

declare global {
  interface Window {
    Cardkit: CardkitLoader;
  }
  interface HTMLElementEventMap {
    'cardkit:event': CustomEvent<CardkitEvent>;
    'cardkit:ready': CustomEvent<CardkitStateEvent>;
    'cardkit:expired': CustomEvent<CardkitStateEvent>;
    'cardkit:refused': CustomEvent<CardkitProblemEvent>;
    'cardkit:loaderror': CustomEvent<CardkitProblemEvent>;
    'cardkit:created': CustomEvent<CardkitCardEvent>;
    'cardkit:status_changed': CustomEvent<CardkitCardEvent>;
    'cardkit:activated': CustomEvent<CardkitCardEvent>;
    'cardkit:failed': CustomEvent<CardkitCardEvent>;
    'cardkit:resumed': CustomEvent<CardkitCardEvent>;
  }
}
