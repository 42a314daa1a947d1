/**
 * coinop: shared state for multiplayer games and collaborative apps, with
 * Playroom Kit's API, on a relay you host yourself.
 *
 * ```ts
 * import { insertCoin, setState, getState, onPlayerJoin, myPlayer } from "coinop";
 *
 * await insertCoin({ relayUrl: "ws://127.0.0.1:8787", skipLobby: true });
 * onPlayerJoin((player) => console.log("joined", player.getProfile().name));
 * setState("round", 1);
 * myPlayer().setState("pos", { x: 1, y: 2 }); // unreliable by default
 * ```
 *
 * @packageDocumentation
 */
import { CoinopClient, createPageClient } from "./client.js";

export { CoinopClient, createClient, type DisconnectEvent } from "./client.js";
export { Bot } from "./bot.js";
export type { BotOptions } from "./options.js";
export { CoinopError } from "./errors.js";
export { memoryStorage, type Identity } from "./identity.js";
export { indexedDbReplicas, type ReplicaStorage } from "./replica_store.js";
export type { ListMyRoomsOptions, MyRoom } from "./rooms.js";
export type { PublicRoom } from "./public_rooms.js";
export type { InitOptions } from "./options.js";
export { PlayerState } from "./player_state.js";
export type { PlayerProfile } from "./profile.js";
export { Mode as RpcModes, type Rpc, type RpcCallOptions, type RpcHandler, type RpcMode } from "./rpc.js";
export type { ConnectionState, IdentityStorage, Role, Status } from "./backend.js";

/** The client behind the global functions (and the React hooks' default); the one that follows the page URL's `#r=`. */
export const defaultClient: CoinopClient = createPageClient();

const c = defaultClient;
/** Playroom Kit's `RPC`: `RPC.register`, `RPC.call`, `RPC.Mode`. */
export const RPC = c.RPC;
export const insertCoin: CoinopClient["insertCoin"] = (...a) => c.insertCoin(...a);
export const setState: CoinopClient["setState"] = (...a) => c.setState(...a);
export const getState: CoinopClient["getState"] = (...a) => c.getState(...a);
export const getStateKeys: CoinopClient["getStateKeys"] = () => c.getStateKeys();
export const increment: CoinopClient["increment"] = (...a) => c.increment(...a);
export const resetStates: CoinopClient["resetStates"] = (...a) => c.resetStates(...a);
export const resetPlayersStates: CoinopClient["resetPlayersStates"] = (...a) => c.resetPlayersStates(...a);
export const waitForState: CoinopClient["waitForState"] = (...a) => c.waitForState(...a);
export const waitForPlayerState: CoinopClient["waitForPlayerState"] = (...a) => c.waitForPlayerState(...a);
export const myPlayer: CoinopClient["myPlayer"] = () => c.myPlayer();
export const me: CoinopClient["me"] = () => c.me();
export const getPlayer: CoinopClient["getPlayer"] = (...a) => c.getPlayer(...a);
export const getPlayers: CoinopClient["getPlayers"] = () => c.getPlayers();
export const getHostId: CoinopClient["getHostId"] = () => c.getHostId();
export const onPlayerJoin: CoinopClient["onPlayerJoin"] = (...a) => c.onPlayerJoin(...a);
export const onStateChange: CoinopClient["onStateChange"] = (...a) => c.onStateChange(...a);
export const onPlayerStateChange: CoinopClient["onPlayerStateChange"] = (...a) => c.onPlayerStateChange(...a);
export const onHostChange: CoinopClient["onHostChange"] = (...a) => c.onHostChange(...a);
export const onStatusChange: CoinopClient["onStatusChange"] = (...a) => c.onStatusChange(...a);
export const onDisconnect: CoinopClient["onDisconnect"] = (...a) => c.onDisconnect(...a);
export const onError: CoinopClient["onError"] = (...a) => c.onError(...a);
export const isHost: CoinopClient["isHost"] = () => c.isHost();
export const transferHost: CoinopClient["transferHost"] = (...a) => c.transferHost(...a);
export const getRoomCode: CoinopClient["getRoomCode"] = () => c.getRoomCode();
export const getStatus: CoinopClient["getStatus"] = () => c.getStatus();
export const getServerTime: CoinopClient["getServerTime"] = () => c.getServerTime();
export const addBot: CoinopClient["addBot"] = () => c.addBot();
export const leaveRoom: CoinopClient["leaveRoom"] = () => c.leaveRoom();
export const getIdentity: CoinopClient["getIdentity"] = () => c.getIdentity();
export const listMyRooms: CoinopClient["listMyRooms"] = (...a) => c.listMyRooms(...a);
export const deleteMyRoom: CoinopClient["deleteMyRoom"] = (...a) => c.deleteMyRoom(...a);
export const deleteRoom: CoinopClient["deleteRoom"] = () => c.deleteRoom();
export const unbanPlayer: CoinopClient["unbanPlayer"] = (...a) => c.unbanPlayer(...a);
export const isStreamScreen: CoinopClient["isStreamScreen"] = () => c.isStreamScreen();
export const isSpectator: CoinopClient["isSpectator"] = () => c.isSpectator();
export const getRoster: CoinopClient["getRoster"] = () => c.getRoster();
export const setPersistentData: CoinopClient["setPersistentData"] = (...a) => c.setPersistentData(...a);
export const getPersistentData: CoinopClient["getPersistentData"] = (...a) => c.getPersistentData(...a);
export const insertPersistentData: CoinopClient["insertPersistentData"] = (...a) => c.insertPersistentData(...a);
export const startMatchmaking: CoinopClient["startMatchmaking"] = () => c.startMatchmaking();
export const listPublicRooms: CoinopClient["listPublicRooms"] = (...a) => c.listPublicRooms(...a);
