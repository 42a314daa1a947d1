// The lobby's styles. They live in its shadow root, so page styles don't
// reach in and these don't leak out; `all: initial` also stops inherited
// properties (font, colour, …) from the page.

/** CSS for the lobby's shadow root. */
export const LOBBY_CSS: string = `
:host { all: initial; position: fixed; inset: 0; z-index: 2147483000; display: block; }
/* Set again inside: page rules matching the host element itself beat :host. */
.backdrop { font: 16px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1b1f;
  text-align: left; letter-spacing: normal; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
.backdrop { position: absolute; inset: 0; background: rgba(16, 16, 24, .72); display: flex;
  align-items: center; justify-content: center; padding: 12px; }
.card { background: #fff; border-radius: 14px; width: 100%; max-width: 440px; max-height: 100%;
  display: flex; flex-direction: column; box-shadow: 0 12px 40px rgba(0, 0, 0, .35); outline: none; }
.scroll { overflow: auto; padding: 16px 16px 8px; }
h2 { font-size: 1.25rem; margin: 0 0 4px; }
h3 { font-size: 1rem; margin: 16px 0 6px; }
.code { font-family: ui-monospace, Menlo, Consolas, monospace; letter-spacing: .08em; background: #eef0f6;
  padding: 1px 6px; border-radius: 6px; }
.status { margin: 4px 0 0; color: #4a4f5c; }
.status:empty { margin: 0; }
ul { list-style: none; margin: 0; padding: 0; }
li { display: flex; align-items: center; gap: 10px; padding: 6px 0; border-bottom: 1px solid #eceef3; }
li:last-child { border-bottom: 0; }
.avatar { flex: none; width: 36px; height: 36px; border-radius: 50%; display: grid; place-items: center;
  font-size: 20px; color: #fff; border: 3px solid; overflow: hidden; background: #f4f5f8; }
.avatar img { width: 100%; height: 100%; object-fit: cover; }
.pname { flex: 1; min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.tag { font-size: .75rem; background: #eef0f6; border-radius: 999px; padding: 1px 8px; color: #333; }
label { display: block; font-size: .85rem; font-weight: 600; margin: 8px 0 2px; }
input, select, button { font: inherit; color: inherit; }
input[type=text], input:not([type]), select { width: 100%; padding: 8px 10px; border: 1px solid #b8bdc9;
  border-radius: 8px; background: #fff; }
input[type=color] { width: 56px; height: 40px; padding: 2px; border: 1px solid #b8bdc9; border-radius: 8px; background: #fff; }
.grid { display: grid; grid-template-columns: 1fr auto; gap: 0 12px; }
.row { display: flex; gap: 8px; }
.row input { flex: 1; min-width: 0; }
button { cursor: pointer; border: 1px solid #b8bdc9; background: #f4f5f8; border-radius: 8px; padding: 8px 12px; min-height: 40px; }
button:hover { background: #e8eaf0; }
button.primary { background: #3b5bdb; border-color: #3b5bdb; color: #fff; font-weight: 700; width: 100%; min-height: 48px; }
button.primary:hover { background: #2f4ac0; }
button.small { min-height: 32px; padding: 4px 10px; font-size: .85rem; }
:focus-visible { outline: 3px solid #f59f00; outline-offset: 2px; }
/* The dialog takes focus only so that Tab starts inside it; no ring there. */
.card:focus-visible { outline: none; }
.share { display: flex; gap: 12px; align-items: center; }
.qr { flex: none; width: 112px; height: 112px; }
.qr svg { width: 100%; height: 100%; display: block; }
.share .link { flex: 1; min-width: 0; }
.actions { padding: 12px 16px 16px; border-top: 1px solid #eceef3; display: flex; gap: 8px; }
.actions > * { flex: 1; }
button.bot { flex: none; }
.waiting { margin: 0; text-align: center; color: #4a4f5c; }
.error { padding: 16px; }
.error p { margin: 0 0 12px; font-weight: 600; color: #c92a2a; }
@media (max-width: 380px) { .qr { width: 96px; height: 96px; } .scroll { padding: 12px 12px 6px; } }
`;
