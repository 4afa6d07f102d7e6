/**
 * The launcher's whole CSS, inside its closed shadow root. Sizes in px (the page's
 * rem must not scale it); `all: initial` on the host so page CSS cannot reach in
 * through inheritance. The panel's own CSS lives in the panel page.
 */
export const LAUNCHER_CSS = `
:host{all:initial!important;display:block!important;position:static!important}
button{all:initial;position:fixed;z-index:2147483647;box-sizing:border-box;width:52px;height:52px;border-radius:26px;display:flex;align-items:center;justify-content:center;background:#3b5bdb;color:#fff;box-shadow:0 6px 20px rgba(0,0,0,.25),0 1px 3px rgba(0,0,0,.2);cursor:pointer;touch-action:none;user-select:none}
button:focus-visible{outline:3px solid #7b93ff;outline-offset:3px}
button[aria-expanded=true]{background:#2f4ac0}
svg{width:24px;height:24px;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round;pointer-events:none}
iframe{all:initial;position:fixed;z-index:2147483647;box-sizing:border-box;border:0;border-radius:16px;background:transparent;color-scheme:normal;box-shadow:0 16px 48px rgba(15,20,40,.22),0 2px 8px rgba(15,20,40,.12)}
iframe[hidden]{display:none}
@media (prefers-color-scheme:dark){button{background:#5c7cfa}button[aria-expanded=true]{background:#4c6ef5}}
`;

export const CHAT_ICON = 'M4 5.5A2.5 2.5 0 0 1 6.5 3h11A2.5 2.5 0 0 1 20 5.5v8a2.5 2.5 0 0 1-2.5 2.5H10l-4.5 4v-4h0A1.5 1.5 0 0 1 4 14.5z';
export const CLOSE_ICON = 'M6 6l12 12M18 6L6 18';
