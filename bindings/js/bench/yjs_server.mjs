// The Yjs yardstick's server: @y/websocket-server's setupWSConnection on a
// Node http server, as its own bin (src/server.js) sets it up, but on a free
// loopback port that it reports to the parent over IPC. Run as a child
// process so its CPU and RSS are measured apart from the clients'.
import http from "node:http";
import { setupWSConnection } from "@y/websocket-server/utils";
import { WebSocketServer } from "ws";

const wss = new WebSocketServer({ noServer: true });
wss.on("connection", setupWSConnection);
const server = http.createServer((_req, res) => {
  res.writeHead(200, { "Content-Type": "text/plain" });
  res.end("okay");
});
server.on("upgrade", (req, socket, head) => {
  wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
});
server.listen(0, "127.0.0.1", () => process.send({ port: server.address().port }));
// The parent going away (or killing us) ends the server.
process.on("disconnect", () => process.exit(0));
