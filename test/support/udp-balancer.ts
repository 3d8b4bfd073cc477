// A UDP load balancer on loopback for tests with several server processes: each datagram from a
// client goes to a backend chosen at random among those live now (as a stateless balancer in front
// of RADIUS servers does), and the backend's answer goes back to that client. The servers see the
// balancer's address (127.0.0.1), where the terminal is registered.

import { createSocket, type Socket } from "node:dgram"

export interface Balancer {
    port: number
    close(): Promise<void>
}

export async function udpBalancer(backends: () => number[]): Promise<Balancer> {
    const front = createSocket("udp4")
    const toClient = new Map<string, Socket>()
    front.on("message", (msg, from) => {
        const live = backends()
        if (live.length === 0) return
        const key = `${from.address}:${from.port}`
        let back = toClient.get(key)
        if (!back) {
            const b = createSocket("udp4")
            b.on("message", (answer) => front.send(answer, from.port, from.address))
            b.on("error", () => {})
            b.bind(0, "127.0.0.1")
            toClient.set(key, b)
            back = b
        }
        back.send(msg, live[Math.floor(Math.random() * live.length)], "127.0.0.1")
    })
    front.on("error", () => {})
    await new Promise<void>((r) => front.bind(0, "127.0.0.1", r))
    return {
        port: front.address().port,
        async close() {
            for (const b of toClient.values()) b.close()
            await new Promise<void>((r) => front.close(() => r()))
        },
    }
}
