// My own profile, editable: name (committed on Enter, on blur, and after a
// pause in typing), colour and avatar. Others see changes live.
import type { RawProfile } from "../backend.js";
import { AVATARS } from "./avatars.js";
import { h } from "./dom.js";

const TYPING_PAUSE_MS = 400;

/** The "you" form; `update(profile)` refreshes fields the user is not editing. */
export function myProfileForm(save: (profile: Partial<RawProfile>) => void): { el: HTMLElement; update(profile: RawProfile): void } {
  let stored: RawProfile = { name: "", color: "#888888", avatar: "" };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const name = h("input", { id: "coinop-name", type: "text", maxlength: "32", autocomplete: "nickname", enterkeyhint: "done" });
  const color = h("input", { id: "coinop-color", type: "color" });
  const avatar = h(
    "select",
    { id: "coinop-avatar" },
    h("option", { value: "" }, "Initial"),
    ...AVATARS.map((a, i) => h("option", { value: String(i) }, `${a.emoji} ${a.name}`)),
  );
  const commitName = () => {
    clearTimeout(timer);
    const value = name.value.trim();
    if (value && value !== stored.name) save({ name: value });
  };
  name.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(commitName, TYPING_PAUSE_MS);
  });
  name.addEventListener("change", commitName);
  name.addEventListener("blur", () => {
    if (!name.value.trim()) name.value = stored.name;
  });
  name.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      // Undo the edit, and keep Escape from closing anything else.
      clearTimeout(timer);
      name.value = stored.name;
      e.stopPropagation();
    }
  });
  color.addEventListener("change", () => save({ color: color.value }));
  color.addEventListener("input", () => save({ color: color.value }));
  avatar.addEventListener("change", () => save({ avatar: avatar.value }));
  const el = h(
    "form",
    { class: "me", onsubmit: (e: Event) => (e.preventDefault(), commitName()) },
    h("h3", {}, "You"),
    h("label", { for: "coinop-name" }, "Name"),
    name,
    h(
      "div",
      { class: "grid" },
      h("div", {}, h("label", { for: "coinop-avatar" }, "Avatar"), avatar),
      h("div", {}, h("label", { for: "coinop-color" }, "Color"), color),
    ),
  );
  return {
    el,
    update(profile) {
      const active = (el.getRootNode() as ShadowRoot).activeElement;
      if (active !== name && profile.name !== stored.name) name.value = profile.name;
      if (active !== color) color.value = /^#[0-9a-f]{6}$/i.test(profile.color) ? profile.color.toLowerCase() : "#888888";
      if (active !== avatar) avatar.value = /^\d+$/.test(profile.avatar) && AVATARS[Number(profile.avatar)] ? profile.avatar : "";
      stored = profile;
    },
  };
}
