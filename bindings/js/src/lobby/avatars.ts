// Built-in avatars: a profile's `avatar` is an index into this list (as a
// string, Playroom's `avatarIndex`), an image URL, or "" for the initial.

/** The avatars the lobby offers, with names for screen readers. */
export const AVATARS: ReadonlyArray<{ emoji: string; name: string }> = [
  { emoji: "🐱", name: "Cat" },
  { emoji: "🐶", name: "Dog" },
  { emoji: "🦊", name: "Fox" },
  { emoji: "🐼", name: "Panda" },
  { emoji: "🐸", name: "Frog" },
  { emoji: "🐵", name: "Monkey" },
  { emoji: "🦁", name: "Lion" },
  { emoji: "🐯", name: "Tiger" },
  { emoji: "🐨", name: "Koala" },
  { emoji: "🐙", name: "Octopus" },
  { emoji: "🦄", name: "Unicorn" },
  { emoji: "🐧", name: "Penguin" },
];

/** What to show for `avatar`: an emoji, an image URL, or the name's initial. */
export function avatarFace(avatar: string, name: string): { text?: string; image?: string } {
  if (/^\d+$/.test(avatar)) {
    const entry = AVATARS[Number(avatar)];
    if (entry) return { text: entry.emoji };
  }
  if (/^(https?:|data:image\/)/.test(avatar)) return { image: avatar };
  return { text: (name.trim()[0] ?? "?").toUpperCase() };
}
