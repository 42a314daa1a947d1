// The bot: a seat of its own, run by the host's client (coinop's Bot). It
// steers by itself, writing its own stick input ("steer") the way a phone's
// joystick writes a person's; the host moves every dot from its input.
import { Bot } from "coinop";
import { heading } from "./rules.js";

/** How often a bot picks a new direction. */
const TURN_MS = 700;

export class Roamer extends Bot {
  onReady() {
    let angle = Math.random() * 2 * Math.PI;
    const turn = () => {
      angle += (Math.random() - 0.5) * Math.PI;
      this.setState("steer", heading(angle));
    };
    turn();
    const timer = setInterval(turn, TURN_MS);
    this.onQuit(() => clearInterval(timer));
  }
}

/** The options every client passes to insertCoin: any of them may become host and run the bots. */
export const BOT_OPTIONS = { enableBots: true, botOptions: { botClass: Roamer } };
