import type { RawProfile } from "./backend.js";

/** A player's profile in Playroom Kit's shape. */
export interface PlayerProfile {
  name: string;
  color: { r: number; g: number; b: number; hex: number; hexString: string };
  photo: string;
  avatarIndex: number;
}

/** Converts the stored `{name, color: "#rrggbb", avatar}` to Playroom's shape. */
export function toPlayerProfile(raw: RawProfile | undefined): PlayerProfile {
  const hexString = /^#[0-9a-fA-F]{6}$/.test(raw?.color ?? "") ? raw!.color.toLowerCase() : "#888888";
  const hex = parseInt(hexString.slice(1), 16);
  const avatar = raw?.avatar ?? "";
  const index = Number.parseInt(avatar, 10);
  return {
    name: raw?.name ?? "",
    color: { r: (hex >> 16) & 255, g: (hex >> 8) & 255, b: hex & 255, hex, hexString },
    photo: Number.isNaN(index) ? avatar : "",
    avatarIndex: Number.isNaN(index) ? -1 : index,
  };
}

const PALETTE = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#bfef45", "#fabed4", "#469990"];

/** A default profile: a numbered name and a palette colour. */
export function defaultProfile(seed: number): RawProfile {
  return { name: `Player ${1 + (seed % 1000)}`, color: PALETTE[seed % PALETTE.length], avatar: "" };
}
