// Helpers for driving the quiz's pages in the browser tests. Every wait is
// bounded: a stuck page fails the test with the step's name.
import { newPlayerPage } from "../e2e-support.mjs";

/** How long one step may take (a join, a phase change). */
export const STEP_MS = 15000;

/** A page as a separate player; `skewMs` shifts this page's Date.now() to prove the countdown ignores it. */
export async function openPlayer(browser, url, { skewMs = 0, phone = false } = {}) {
  const page = await newPlayerPage(browser, phone ? { viewport: { width: 390, height: 844 }, context: { isMobile: true, hasTouch: true } } : {});
  if (skewMs) {
    await page.context().addInitScript((skew) => {
      const realNow = Date.now.bind(Date);
      Date.now = () => realNow() + skew;
    }, skewMs);
  }
  await page.goto(url);
  return page;
}

/** Waits until `selector`'s text matches `pattern`; resolves to the text. */
export async function waitText(page, selector, pattern, ms = STEP_MS) {
  await page.waitForFunction(
    ([sel, source, flags]) => {
      const el = document.querySelector(sel);
      return !!el && new RegExp(source, flags).test(el.textContent ?? "");
    },
    [selector, pattern.source, pattern.flags],
    { timeout: ms },
  );
  return page.textContent(selector);
}

/** Waits until the session screen shows phase `name` (lobby, question, reveal, final). */
export async function waitPhase(page, name, ms = STEP_MS) {
  await page.waitForSelector(`#phase-${name}:not([hidden])`, { timeout: ms });
}

/** Joins from the home screen (keyboard only: type, Enter). */
export async function joinAs(page, name) {
  await page.waitForSelector("#home:not([hidden])", { timeout: STEP_MS });
  await page.fill("#join-name", name);
  await page.press("#join-name", "Enter");
}

/** The leaderboard's names, best first. */
export async function leaderboard(page) {
  return page.$$eval("#leaderboard li", (items) =>
    items.map((li) => ({
      name: (li.querySelector(".name")?.textContent ?? "").replace(/^\d+\. /, "").replace(/ \(you\)$/, ""),
      score: Number(li.querySelector(".score")?.textContent),
    })),
  );
}

/** The countdown as drawn: remaining ms, and the wall-clock time it was drawn at. */
export async function countdown(page) {
  return page.$eval("#timer", (el) => ({ remaining: Number(el.dataset.remainingMs), at: Number(el.dataset.at), text: el.textContent }));
}
