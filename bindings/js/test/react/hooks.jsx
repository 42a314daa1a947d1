// Every hook of coinop/react rendered by react-dom, for react.test.mjs to
// drive. Two clients share the page: "ann" renders the hooks, "bob" writes
// from elsewhere. `window.hooks` re-renders with other arguments, unmounts,
// and counts the hooks' live subscriptions.
import { createClient, memoryStorage } from "coinop";
import { useIsHost, useMultiplayerState, usePlayersList, usePlayersState, usePlayerState } from "coinop/react";
import { flushSync } from "react-dom";
import { createRoot } from "react-dom/client";

const params = new URLSearchParams(location.search);

async function player(name) {
  const client = createClient();
  await client.insertCoin({ relayUrl: params.get("relay"), roomCode: params.get("room"), skipLobby: true, storage: memoryStorage(), profile: { name } });
  // Counts the subscriptions the hooks hold on this client.
  const session = client._session;
  const onChange = session.onChange.bind(session);
  client.live = 0;
  session.onChange = (callback) => {
    client.live += 1;
    const stop = onChange(callback);
    return () => {
      client.live -= 1;
      stop();
    };
  };
  return client;
}

const clients = { ann: await player("ann"), bob: await player("bob") };
const { ann } = clients;
const names = (players) => players.map((p) => p.getProfile().name).join(",");

let renders = 0;

/** `roomKey` and `roomClient` go to useMultiplayerState, `who` and `playerKey` to usePlayerState and usePlayersState. */
function Hooks({ roomKey, roomClient, who, playerKey }) {
  renders += 1;
  const client = clients[roomClient];
  const [room, setRoom] = useMultiplayerState(roomKey, "-", client);
  const [mine, setMine] = usePlayerState(ann.getPlayer(clients[who].myPlayer().id), playerKey, "-", ann);
  const players = usePlayersList(false, ann);
  const states = usePlayersState(playerKey, ann);
  const host = useIsHost(ann);
  return (
    <main>
      <output id="room">{String(room)}</output>
      <output id="mine">{String(mine)}</output>
      <output id="players">{names(players)}</output>
      <output id="states">{states.map(({ player, state }) => `${player.getProfile().name}=${state ?? "-"}`).join(",")}</output>
      <output id="host">{String(host)}</output>
      <button onClick={() => setRoom(`${room}!`)}>set room</button>
      <button onClick={() => setMine(`${mine}!`)}>set mine</button>
    </main>
  );
}

const root = createRoot(document.getElementById("root"));
const text = () => Object.fromEntries([...document.querySelectorAll("output")].map((o) => [o.id, o.textContent]));

window.hooks = {
  clients,
  /** Renders with `props` and returns what shows right after (no later render helps). */
  render(props) {
    flushSync(() => root.render(<Hooks roomKey="a" roomClient="ann" who="ann" playerKey="score" {...props} />));
    return text();
  },
  text,
  renders: () => renders,
  unmount: () => root.unmount(),
};
document.title = "ready";
