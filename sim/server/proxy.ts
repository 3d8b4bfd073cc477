// The card-payment agency of the seed (KR101844993): a RADIUS proxy between terminals and the
// payment server. It authenticates terminals with its own shared secrets, forwards each
// Access-Request upstream with its own secret and a Proxy-State of its own (RFC 2865 5.33), and
// relays the answer back. It sees what a terminal sees: opaque EAP, never keys or card numbers.

import { randomBytes } from "node:crypto"
import { RadiusAttribute, RadiusPacket, CODE_ACCESS_REQUEST } from "../../src/radius/packet"
import { ATTR_MESSAGE_AUTHENTICATOR, ATTR_PROXY_STATE, bytesAttribute, withoutAttributes } from "../../src/radius/attributes"
import { RadiusClient } from "../radius/client"
import { RadiusUdpServer } from "../radius/udp-server"
import { RadiusTcpServer } from "../radius/tcp-server"
import type { RadiusPeer, RadiusReply } from "../radius/process"

export interface ProxyConfig {
    host: string
    udpPort: number
    tcpPort: number
    /** Terminal address -> the secret shared with the proxy. */
    secretFor: (address: string) => Buffer | null
    upstream: { transport: "udp" | "tcp"; host: string; port: number; secret: Buffer; localAddress?: string }
    log: (line: string) => void
}

export class PaymentProxy {
    forwarded = 0
    upstreamFailures = 0

    private constructor(
        readonly udp: RadiusUdpServer,
        readonly tcp: RadiusTcpServer,
        private readonly upstream: RadiusClient,
    ) {}

    static async start(config: ProxyConfig): Promise<PaymentProxy> {
        const upstream = await RadiusClient.connect({ ...config.upstream, timeoutMs: 2000, retries: 2 })
        let proxy: PaymentProxy | null = null
        const handler = async (request: RadiusPacket, peer: RadiusPeer): Promise<RadiusReply | null> => {
            if (request.code !== CODE_ACCESS_REQUEST || proxy === null) return null
            // Our own Proxy-State identifies this hop; the terminal's attributes go on unchanged otherwise.
            const hop = randomBytes(8)
            const attrs: RadiusAttribute[] = withoutAttributes(request.attributes, ATTR_MESSAGE_AUTHENTICATOR)
            attrs.push(bytesAttribute(ATTR_PROXY_STATE, hop))
            try {
                const reply = await upstream.request(CODE_ACCESS_REQUEST, attrs)
                proxy.forwarded++
                // Remove the Proxy-State we added (RFC 2865 5.33); the terminal's own come back through buildResponse.
                return { code: reply.code, attributes: withoutAttributes(withoutAttributes(reply.attributes, ATTR_MESSAGE_AUTHENTICATOR), ATTR_PROXY_STATE) }
            } catch (e) {
                proxy.upstreamFailures++
                config.log(`upstream unreachable for ${peer.address}: ${(e as Error).message}`)
                return null // the terminal times out: the same as an unreachable server
            }
        }
        const udp = await RadiusUdpServer.start({ host: config.host, port: config.udpPort, secretFor: config.secretFor, handler })
        const tcp = await RadiusTcpServer.start({ host: config.host, port: config.tcpPort, secretFor: config.secretFor, handler })
        proxy = new PaymentProxy(udp, tcp, upstream)
        return proxy
    }

    async stop(): Promise<void> {
        await this.udp.close()
        await this.tcp.close()
        await this.upstream.close()
    }
}
