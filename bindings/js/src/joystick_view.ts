// The joystick's on-screen controls: a stick at the bottom left and the
// buttons at the bottom right, driven by pointer events (touch, pen or
// mouse) and, when asked, the keyboard. It reports raw input only; the
// controller (joystick.ts) turns it into the player's state.
import type { ButtonOptions, JoystickOptions } from "./joystick_input.js";

/** What the view reports: the stick's raw offset (-1..1, `y` down) and whether it is held, and the buttons held. */
export interface RawInput {
  dx: number;
  dy: number;
  held: boolean;
  buttons: Set<string>;
}

const STICK = 120;
const KNOB = 56;

const css = (el: HTMLElement, style: Record<string, string>) => Object.assign(el.style, style);

/** Draws the controls in `document.body` and calls `changed` on every input change; returns the remover. */
export function showJoystick(options: JoystickOptions, changed: (input: RawInput) => void): () => void {
  const input: RawInput = { dx: 0, dy: 0, held: false, buttons: new Set() };
  const root = document.createElement("div");
  root.className = "coinop-joystick";
  css(root, { position: "fixed", inset: "auto 0 0 0", height: `${STICK + 48}px`, pointerEvents: "none", zIndex: "2147483000" });

  const stick = document.createElement("div");
  stick.className = "coinop-joystick-stick";
  stick.setAttribute("role", "slider");
  stick.setAttribute("aria-label", "joystick");
  css(stick, {
    position: "absolute", left: "24px", bottom: "24px", width: `${STICK}px`, height: `${STICK}px`,
    borderRadius: options.type === "dpad" ? "16px" : "50%", background: "rgba(0,0,0,.25)",
    pointerEvents: "auto", touchAction: "none",
  });
  const knob = document.createElement("div");
  css(knob, {
    position: "absolute", left: `${(STICK - KNOB) / 2}px`, top: `${(STICK - KNOB) / 2}px`,
    width: `${KNOB}px`, height: `${KNOB}px`, borderRadius: "50%", background: "rgba(255,255,255,.8)",
  });
  stick.append(knob);
  root.append(stick);

  const emit = () => {
    knob.style.transform = `translate(${(input.dx * STICK) / 2}px, ${(input.dy * STICK) / 2}px)`;
    changed(input);
  };
  const track = (e: PointerEvent) => {
    const box = stick.getBoundingClientRect();
    input.dx = (e.clientX - (box.left + box.width / 2)) / (box.width / 2);
    input.dy = (e.clientY - (box.top + box.height / 2)) / (box.height / 2);
    emit();
  };
  stick.addEventListener("pointerdown", (e) => {
    stick.setPointerCapture?.(e.pointerId);
    input.held = true;
    track(e);
  });
  stick.addEventListener("pointermove", (e) => input.held && track(e));
  const release = () => {
    Object.assign(input, { dx: 0, dy: 0, held: false });
    emit();
  };
  stick.addEventListener("pointerup", release);
  stick.addEventListener("pointercancel", release);

  (options.buttons ?? []).forEach((button, i) => root.append(buttonView(button, i, input, emit)));

  const stopKeys = options.keyboard ? keyboard(input, emit) : () => {};
  document.body.append(root);
  return () => {
    stopKeys();
    root.remove();
  };
}

function buttonView(button: ButtonOptions, i: number, input: RawInput, emit: () => void): HTMLElement {
  const el = document.createElement("button");
  el.className = "coinop-joystick-button";
  el.type = "button";
  el.setAttribute("aria-label", button.label ?? button.id ?? "button");
  if (button.icon) {
    const img = document.createElement("img");
    img.src = button.icon;
    img.alt = "";
    css(img, { width: "60%", height: "60%" });
    el.append(img);
  } else {
    el.textContent = button.label ?? "";
  }
  css(el, {
    position: "absolute", right: `${24 + i * 84}px`, bottom: "40px", width: "72px", height: "72px",
    borderRadius: "50%", border: "none", background: "rgba(0,0,0,.35)", color: "#fff", font: "600 14px system-ui",
    pointerEvents: "auto", touchAction: "none",
  });
  const id = button.id ?? `button${i}`;
  const set = (down: boolean) => {
    if (down === input.buttons.has(id)) return;
    if (down) input.buttons.add(id);
    else input.buttons.delete(id);
    emit();
  };
  el.addEventListener("pointerdown", (e) => {
    el.setPointerCapture?.(e.pointerId);
    set(true);
  });
  el.addEventListener("pointerup", () => set(false));
  el.addEventListener("pointercancel", () => set(false));
  return el;
}

const KEYS: Record<string, [number, number]> = {
  KeyW: [0, -1], ArrowUp: [0, -1], KeyS: [0, 1], ArrowDown: [0, 1],
  KeyA: [-1, 0], ArrowLeft: [-1, 0], KeyD: [1, 0], ArrowRight: [1, 0],
};

function keyboard(input: RawInput, emit: () => void): () => void {
  const down = new Set<string>();
  const update = () => {
    let [dx, dy] = [0, 0];
    for (const code of down) {
      dx += KEYS[code][0];
      dy += KEYS[code][1];
    }
    Object.assign(input, { dx, dy, held: down.size > 0 });
    emit();
  };
  const onDown = (e: KeyboardEvent) => {
    if (!KEYS[e.code] || down.has(e.code)) return;
    down.add(e.code);
    update();
  };
  const onUp = (e: KeyboardEvent) => {
    if (down.delete(e.code)) update();
  };
  window.addEventListener("keydown", onDown);
  window.addEventListener("keyup", onUp);
  return () => {
    window.removeEventListener("keydown", onDown);
    window.removeEventListener("keyup", onUp);
  };
}
