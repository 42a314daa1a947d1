// Types of bots, the joystick and the browser replica, as a consumer uses them.
import { addBot, Bot, insertCoin, indexedDbReplicas, myPlayer, type BotOptions, type ReplicaStorage } from "coinop";
import { Joystick, type JoystickOptions } from "coinop/joystick";

class Robo extends Bot {
  onReady(): void {
    this.setState("hp", 3, true);
    const hp: number | undefined = this.getState<number>("hp");
    console.log(this.id, hp, this.getProfile().name, this.isBot());
  }
}

export async function parity(): Promise<void> {
  const botOptions: BotOptions = { botClass: Robo, botParams: { level: 2 } };
  const replica: ReplicaStorage | undefined = indexedDbReplicas();
  await insertCoin({ skipLobby: true, enableBots: true, botOptions, replica: replica ?? false });
  const bot: Bot = await addBot();
  const isBot: boolean = myPlayer().isBot();
  const mine: Bot | undefined = myPlayer().bot;
  const options: JoystickOptions = { type: "dpad", buttons: [{ id: "jump", label: "Jump" }], zones: { up: { id: "boost" } }, keyboard: true };
  const pad = new Joystick(myPlayer(), options);
  const angle: number = pad.angle();
  const dir: "left" | "right" | undefined = pad.dpad().x;
  console.log(bot.id, isBot, mine, angle, dir, pad.isPressed("jump"), pad.isJoystickPressed());
  pad.destroy();
}
