// A tiny React app over coinop/react, bundled by esbuild in react.test.mjs.
import { insertCoin, leaveRoom } from "coinop";
import { useIsHost, useMultiplayerState, usePlayersList } from "coinop/react";
import { createRoot } from "react-dom/client";

function App() {
  const [count, setCount] = useMultiplayerState("count", 0);
  const players = usePlayersList();
  const host = useIsHost();
  return (
    <main>
      <output id="count">{count}</output>
      <button onClick={() => setCount(count + 1)}>Add</button>
      <button onClick={() => leaveRoom()}>Leave</button>
      <p id="role">{host ? "host" : "guest"}</p>
      <ul id="players">
        {players.map((p) => (
          <li key={p.id}>{p.getProfile().name}</li>
        ))}
      </ul>
    </main>
  );
}

const params = new URLSearchParams(location.search);
await insertCoin({ relayUrl: params.get("relay"), roomCode: params.get("room"), skipLobby: true, profile: { name: params.get("name") } });
createRoot(document.getElementById("root")).render(<App />);
