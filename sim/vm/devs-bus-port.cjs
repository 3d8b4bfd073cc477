// Preloaded (`node --require`) into a `devs run --tcp` VM process whose bus is not on the CLI's
// fixed 127.0.0.1:8082: the VM's TCP transport calls net.createConnection(8082, "127.0.0.1"),
// and this sends that one connection to ACTIVECARD_BUS_PORT instead. Nothing else is changed.
"use strict"
const net = require("node:net")

const port = Number(process.env.ACTIVECARD_BUS_PORT)
if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError("ACTIVECARD_BUS_PORT is not a TCP port")
const createConnection = net.createConnection
net.createConnection = function (...args) {
    if (args[0] === 8082 && args[1] === "127.0.0.1") args[0] = port
    return createConnection.apply(this, args)
}
