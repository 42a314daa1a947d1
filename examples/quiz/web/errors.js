// Human words for coinop's error codes (`e.code`), shown next to the form
// that caused them.

const MESSAGES = {
  ROOM_LIMIT_EXCEEDED: "This quiz is full. Ask the host to make room, or start your own.",
  NO_QUIZ: "There is no quiz with that code. Check the 4 digits with your host.",
  ROOM_NOT_FOUND: "There is no quiz with that code. Check the 4 digits with your host.",
  ROOM_DELETED: "The host deleted this quiz.",
  BAD_CODE: "A quiz code is 4 digits, like 0427.",
  NO_NAME: "Pick a name so others can see who you are.",
  NOT_OWNER: "That session belongs to another host.",
  NO_HOST_KEY: "This device has no host key yet: create a session, or open your host key link here.",
  BAD_HOST_KEY: "That host key is not valid. Copy the whole link or key again.",
  UNAUTHORIZED: "The quiz server does not know this host key.",
  NO_FREE_CODE: "Could not find a free quiz code. Try again.",
  TIMEOUT: "The quiz server did not answer in time. Check your connection and try again.",
  NETWORK_ERROR: "Cannot reach the quiz server. Check your connection and try again.",
  WRONG_SECRET: "This browser's saved identity was refused. Clear this site's data and try again.",
  REPLACED: "This quiz was opened in another tab or on another device, so this page stopped.",
  KICKED: "The host removed you from this quiz.",
  RATE_LIMITED: "Too many actions at once: the quiz server disconnected this page. Reload to continue.",
};

/** A sentence for an error thrown by coinop or by this app (anything with a `code`). */
export function messageFor(error) {
  const code = error?.code;
  if (code && MESSAGES[code]) return MESSAGES[code];
  console.error(error);
  return `Something went wrong${code ? ` (${code})` : ""}: ${error?.detail ?? error?.message ?? error}`;
}

/** An `Error` with a `code`, like coinop's own. */
export function appError(code, message = code) {
  return Object.assign(new Error(message), { code });
}

/** Rejects with `TIMEOUT` if `promise` takes longer than `ms`. */
export function withTimeout(promise, ms) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(appError("TIMEOUT")), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
