import { useIsHost, useMultiplayerState, usePlayersList, usePlayersState } from "coinop/react";

export function Scoreboard() {
  const [round, setRound] = useMultiplayerState<number>("round", 0);
  const players = usePlayersList();
  const scores = usePlayersState<number>("score");
  const host: boolean = useIsHost();
  return (
    <div onClick={() => host && setRound(round + 1)}>
      {players.length} players, round {round}
      {scores.map(({ player, state }) => (
        <span key={player.id}>{state ?? 0}</span>
      ))}
    </div>
  );
}
