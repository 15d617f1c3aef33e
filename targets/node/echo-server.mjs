// An echo server on Node's net module: what a Node.js service does with
// TCP by default. It sends back what it receives, and, since net servers
// are not half-open by default, ends its side when the client ends its own.
import net from 'node:net';

const [addr, port] = process.argv.slice(2);
if (!addr || !port) {
  process.stderr.write('usage: echo-server.mjs ADDR PORT\n');
  process.exit(2);
}
const server = net.createServer((socket) => {
  socket.on('error', (err) => process.stderr.write(`connection: ${err.message}\n`));
  socket.pipe(socket);
});
server.on('error', (err) => {
  process.stderr.write(`listen ${addr}:${port}: ${err.message}\n`);
  process.exit(1);
});
server.listen({ host: addr, port: Number(port) });
process.on('SIGTERM', () => process.exit(0));
