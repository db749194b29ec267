import ClusterModels
import SimRandom

extension DecodeContext {
    /// `network:` — zones, the paths within and across them, per-pair links.
    func network(_ node: YNode) -> NetworkConfig? {
        guard let f = fields(node, "network", schema: Schema.network) else { return nil }
        var net = NetworkConfig()
        var ok = true
        if let z = f["zones"] {
            record("network.zones", key: f.keyNode("zones"), value: z)
            if let items = list(z, "zones") {
                var names: [String] = []
                for item in items {
                    guard let s = string(item, "zone") else { ok = false; continue }
                    if !isValidIdentifier(s) {
                        error("invalid zone name \(quoted(s))", at: item, hint: "use letters, digits, \"_\" and \"-\" (at most 100)")
                        ok = false
                    } else if names.contains(s) {
                        error("zone \(quoted(s)) is listed twice", at: item)
                        ok = false
                    } else { names.append(s) }
                }
                if items.isEmpty { error("\"zones\" is empty", at: z, hint: "write e.g. [a, b, c], or leave \"zones\" out for one zone"); ok = false }
                if names.count > CountLimits.zones { error("more than \(CountLimits.zones) zones", at: z); ok = false }
                if !names.isEmpty { net.zones = names }
            } else { ok = false }
        }
        if let p = f["within_zone"] {
            record("network.within_zone", key: f.keyNode("within_zone"), value: p)
            if let v = path(p, "within_zone", current: net.withinZone) { net.withinZone = v } else { ok = false }
        }
        if let p = f["across_zones"] {
            record("network.across_zones", key: f.keyNode("across_zones"), value: p)
            if let v = path(p, "across_zones", current: net.acrossZones) { net.acrossZones = v } else { ok = false }
        }
        if let r = f["retransmit_timeout"] {
            record("network.retransmit_timeout", key: f.keyNode("retransmit_timeout"), value: r)
            if let v = duration(r, "retransmit_timeout") { net.retransmitTimeout = v } else { ok = false }
        }
        if let p = f["protocol"] {
            record("network.protocol", key: f.keyNode("protocol"), value: p)
            if let v = protocolConfig(p) { net.protocolConfig = v } else { ok = false }
        }
        if let l = f["links"] {
            record("network.links", key: f.keyNode("links"), value: l)
            if let items = list(l, "links") {
                for item in items {
                    if let link = self.link(item, zones: net.zones) { net.links.append(link) } else { ok = false }
                }
            } else { ok = false }
        }
        return ok ? net : nil
    }

    private func path(_ node: YNode, _ what: String, current: NetworkConfig.Path) -> NetworkConfig.Path? {
        guard let f = fields(node, what, schema: Schema.networkPath) else { return nil }
        var p = current
        var ok = true
        if let l = f["latency"] { if let d = distribution(l, "latency") { p.latency = d } else { ok = false } }
        if let b = f["bandwidth"] { if let v = bandwidth(b) { p.bandwidth = v } else { ok = false } }
        if let l = f["loss"] { if let v = loss(l) { p.loss = v } else { ok = false } }
        return ok ? p : nil
    }

    private func bandwidth(_ node: YNode) -> Double? {
        guard let text = scalar(node, "bandwidth", expected: "a bandwidth such as \"10Gbps\"") else { return nil }
        switch Units.bandwidth(text) {
        case .failure(let p): error(p.message, at: node, hint: p.hint); return nil
        case .success(let v): return v
        }
    }

    /// A loss probability below 1 (a link that loses everything is a partition: use a fault).
    private func loss(_ node: YNode) -> Double? {
        guard let v = fraction(node, "loss") else { return nil }
        if v >= 1 {
            error("\"loss\" must be below 100%", at: node, hint: "a link that loses every message is a partition; model it as a fault")
            return nil
        }
        return v
    }

    private func link(_ node: YNode, zones: [String]) -> NetworkConfig.Link? {
        guard let f = fields(node, "link", schema: Schema.link) else { return nil }
        guard let b = f["between"] else {
            missing("between", in: f, "link", hint: "write e.g. \"{between: [a, c], latency: 3ms}\"")
            return nil
        }
        guard let items = list(b, "between") else { return nil }
        guard items.count == 2, let z1 = string(items[0], "zone"), let z2 = string(items[1], "zone") else {
            error("\"between\" must name two zones, found \(items.count) item\(items.count == 1 ? "" : "s")", at: b,
                  hint: "write e.g. \"between: [a, c]\"")
            return nil
        }
        var ok = true
        for (z, n) in [(z1, items[0]), (z2, items[1])] where !zones.contains(z) {
            error("unknown zone \(quoted(z))", at: n, hint: Suggest.hint(for: z, in: zones, listLabel: "network.zones"))
            ok = false
        }
        var link = NetworkConfig.Link(from: z1, to: z2)
        if let l = f["latency"] { if let d = distribution(l, "latency") { link.latency = d } else { ok = false } }
        if let x = f["bandwidth"] { if let v = bandwidth(x) { link.bandwidth = v } else { ok = false } }
        if let x = f["loss"] { if let v = loss(x) { link.loss = v } else { ok = false } }
        if let x = f["one_way"] { if let v = bool(x, "one_way") { link.oneWay = v } else { ok = false } }
        return ok ? link : nil
    }

    /// `protocol: http2` or `protocol: {name: http1, connections: 10, tls: true, …}`.
    func protocolConfig(_ node: YNode) -> ProtocolConfig? {
        if node.pairs == nil {
            guard let name = choice(node, "protocol", Schema.protocols), let kind = ProtocolConfig.Kind(rawValue: name) else { return nil }
            return ProtocolConfig(kind)
        }
        guard let f = fields(node, "protocol", schema: Schema.protocolSettings) else { return nil }
        guard let n = f["name"] else {
            missing("name", in: f, "protocol", hint: "write e.g. \"protocol: {name: http1, connections: 10}\"")
            return nil
        }
        guard let name = choice(n, "protocol", Schema.protocols), let kind = ProtocolConfig.Kind(rawValue: name) else { return nil }
        var p = ProtocolConfig(kind)
        var ok = true
        if let c = f["connections"] {
            if let v = int(c, "connections", in: 1...100_000) { p.connections = v } else { ok = false }
        }
        if let m = f["max_streams"] {
            if kind == .http1 {
                error("\"max_streams\" applies to http2 and grpc", at: m,
                      hint: "HTTP/1.1 carries one request per connection at a time; set \"connections\" instead")
                ok = false
            } else if let v = int(m, "max_streams", in: 1...1_000_000) { p.maxStreams = v } else { ok = false }
        }
        if let t = f["tls"] {
            if let v = bool(t, "tls") { p.tls = v } else { ok = false }
        }
        if let k = f["keep_alive"] {
            if let v = duration(k, "keep_alive") { p.keepAlive = v } else { ok = false }
        }
        if let e = f["encoding"] {
            if let s = choice(e, "encoding", ProtocolConfig.Encoding.allCases.map(\.rawValue)),
               let v = ProtocolConfig.Encoding(rawValue: s) { p.encoding = v } else { ok = false }
        }
        return ok ? p : nil
    }

    /// A service's `zones`, checked against the network's.
    func serviceZones(_ node: YNode, networkZones: [String]) -> [String]? {
        guard let items = list(node, "zones") else { return nil }
        if items.isEmpty { error("\"zones\" is empty", at: node, hint: "leave \"zones\" out to spread over every zone"); return nil }
        var out: [String] = []
        var ok = true
        for item in items {
            guard let z = string(item, "zone") else { ok = false; continue }
            if !networkZones.contains(z) {
                error("unknown zone \(quoted(z))", at: item, hint: Suggest.hint(for: z, in: networkZones, listLabel: "network.zones"))
                ok = false
            } else if out.contains(z) {
                error("zone \(quoted(z)) is listed twice", at: item)
                ok = false
            } else { out.append(z) }
        }
        return ok ? out : nil
    }
}
