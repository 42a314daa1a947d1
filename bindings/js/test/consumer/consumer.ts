// A TypeScript consumer of the published types: `tsc --noEmit` must accept it.
import {
  CoinopError,
  createClient,
  deleteMyRoom,
  deleteRoom,
  getIdentity,
  getState,
  insertCoin,
  listMyRooms,
  isHost,
  myPlayer,
  onPlayerJoin,
  onStateChange,
  RPC,
  setState,
  unbanPlayer,
  type Identity,
  type MyRoom,
  type PlayerState,
  type Status,
} from "coinop";

interface Pos {
  x: number;
  y: number;
}

export async function main(): Promise<void> {
  await insertCoin({ relayUrl: "ws://127.0.0.1:8787", maxPlayersPerRoom: 4, defaultStates: { round: 0 }, skipLobby: true });
  setState("round", 1);
  const round: number | undefined = getState<number>("round");
  const me: PlayerState = myPlayer();
  me.setState("pos", { x: 1, y: 2 } satisfies Pos);
  const pos = me.getState<Pos>("pos");
  const name: string = me.getProfile().name;
  const hex: string = me.getProfile().color.hexString;
  onPlayerJoin((p) => p.onQuit(() => console.log(p.id, "left")));
  const stop: () => void = onStateChange((key: string, value: unknown, by: string | null) => console.log(key, value, by));
  stop();
  RPC.register("ping", async (data: number, caller: PlayerState) => `${data} from ${caller.id}`);
  const reply: string = await RPC.call("ping", 1, RPC.Mode.HOST);
  await RPC.call("ping", 2, { player: me.id }, { timeout: 1000 });
  const host: boolean = isHost();
  const client = createClient();
  const status: Status = client.getStatus();
  const connection: "connecting" | "connected" | "reconnecting" | "offline" = status.connection;
  const now: number = client.getServerTime();
  try {
    await client.insertCoin({ roomCode: "ABCD" });
  } catch (e) {
    if (e instanceof CoinopError && e.code === "ROOM_LIMIT_EXCEEDED") console.log("full");
  }
  const identity: Identity | undefined = getIdentity();
  if (identity) await insertCoin({ identity: { playerId: identity.playerId, secret: identity.secret }, identityKey: "host" });
  const rooms: MyRoom[] = await listMyRooms({ relayUrl: "wss://relay.example.com", identityKey: "host" });
  const mine: { roomCode: string; host: boolean; lastJoinedMs: number }[] = await client.listMyRooms();
  await client.insertCoin({ roomCode: "ABCD", onlyExisting: true });
  await unbanPlayer("kicked-player");
  await deleteMyRoom("ABCD", { identityKey: "host" });
  await client.deleteMyRoom("ABCD");
  await deleteRoom();
  console.log(round, pos, name, hex, reply, host, connection, now, rooms, mine);
}
