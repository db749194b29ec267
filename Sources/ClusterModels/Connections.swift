import SimKernel

/// Connections between one caller instance and one callee instance for one protocol.
struct Pool {
    var protocolIndex: Int
    var callerInstance: Int
    var calleeInstance: Int
    /// Open or opening connections (indices into `Cluster.conns`).
    var conns: [Int32] = []
    /// Attempts waiting for a connection or a stream, in order.
    var waiters = RingQueue()
}

/// One connection: how many requests it carries now, and whether its handshake is done.
struct Connection {
    var pool: Int32 = 0
    var streams: Int32 = 0
    var ready = false
    var open = false
    /// Bumped on every change that cancels a pending idle-close or handshake event.
    var gen: UInt32 = 0
    var next: Int32 = -1
}

extension Cluster {
    /// Sends attempt `x` (a span not yet delivered) over a connection of its pool, opening one or
    /// waiting for one as the protocol allows.
    mutating func sendViaPool(_ x: UInt32, protocol p: Int, from ci: Int, to i: Int, engine: inout Engine) {
        let key = (ci &* instances.count &+ i) &* protocols.count &+ p
        let pi: Int
        if let k = poolIndex[key] { pi = Int(k) } else {
            pi = pools.count
            pools.append(Pool(protocolIndex: p, callerInstance: ci, calleeInstance: i))
            poolIndex[key] = Int32(pi)
        }
        let maxStreams = Int32(protocols[p].maxStreams)
        for c in pools[pi].conns where conns[Int(c)].ready && conns[Int(c)].streams < maxStreams {
            useConnection(c, for: x, engine: &engine)
            return
        }
        requests[Int(x)].flags |= RequestFlag.waitingConn
        pools[pi].waiters.pushBack(x)
        // A new connection only when every open one is full and none is still opening.
        let opening = pools[pi].conns.contains { !conns[Int($0)].ready }
        if !opening && pools[pi].conns.count < protocols[p].connections { openConnection(pool: pi, engine: &engine) }
    }

    mutating func openConnection(pool pi: Int, engine: inout Engine) {
        var conn = Connection()
        conn.pool = Int32(pi)
        conn.open = true
        let c: Int32
        if freeConn >= 0 {
            c = freeConn
            freeConn = conns[Int(c)].next
            conn.gen = conns[Int(c)].gen &+ 1
            conns[Int(c)] = conn
        } else {
            c = Int32(conns.count)
            conns.append(conn)
        }
        pools[pi].conns.append(c)
        let slot = scopes.slotOf[scopes.service(Int(instanceService[pools[pi].callerInstance]))]
        store.counters[slot].connections &+= 1
        scheduleHandshake(c, engine: &engine)
    }

    /// TCP's handshake is one round trip before the first request can go (SYN, SYN-ACK; the request
    /// rides on the ACK); TLS 1.3 adds one more (RFC 8446 §2). A round trip lost to a partition is
    /// tried again after the retransmit timeout.
    mutating func scheduleHandshake(_ c: Int32, engine: inout Engine) {
        let pool = pools[Int(conns[Int(c)].pool)]
        let a = pool.callerInstance, b = pool.calleeInstance
        let trips = protocols[pool.protocolIndex].tls ? 2 : 1
        var total: Int64 = 0
        for _ in 0..<trips {
            guard let there = network.delay(fromZone: instances[a].zone, fromInstance: a, toZone: instances[b].zone, toInstance: b, bytes: 0),
                  let back = network.delay(fromZone: instances[b].zone, fromInstance: b, toZone: instances[a].zone, toInstance: a, bytes: 0)
            else {
                engine.schedule(after: network.retransmitTimeout, kind: ClusterEventKind.connRetry, index: UInt32(c),
                                tag: UInt64(conns[Int(c)].gen))
                return
            }
            total = total.addingReportingOverflow(there.addingReportingOverflow(back).partialValue).partialValue
        }
        engine.schedule(after: total, kind: ClusterEventKind.connReady, index: UInt32(c), tag: UInt64(conns[Int(c)].gen))
    }

    /// Attempt `x` takes a stream of connection `c` and its request message goes out.
    mutating func useConnection(_ c: Int32, for x: UInt32, engine: inout Engine) {
        conns[Int(c)].streams += 1
        conns[Int(c)].gen &+= 1          // cancels an idle close
        requests[Int(x)].conn = c
        requests[Int(x)].flags &= ~RequestFlag.waitingConn
        transmit(x, from: pools[Int(conns[Int(c)].pool)].callerInstance, engine: &engine)
    }

    /// Hands free streams of the pool's ready connections to waiting attempts, skipping those whose
    /// caller gave up while they waited; opens a connection if some still wait and room is left.
    mutating func serveWaiters(pool pi: Int, engine: inout Engine) {
        let p = pools[pi].protocolIndex
        let maxStreams = Int32(protocols[p].maxStreams)
        while !pools[pi].waiters.isEmpty {
            guard let c = pools[pi].conns.first(where: { conns[Int($0)].ready && conns[Int($0)].streams < maxStreams }) else { break }
            let x = pools[pi].waiters.popFront()!
            if requests[Int(x)].flags & RequestFlag.orphan != 0 {
                freeRequest(x)          // timed out while waiting: never sent
                continue
            }
            useConnection(c, for: x, engine: &engine)
        }
        if !pools[pi].waiters.isEmpty {
            let opening = pools[pi].conns.contains { !conns[Int($0)].ready }
            if !opening && pools[pi].conns.count < protocols[p].connections { openConnection(pool: pi, engine: &engine) }
        }
    }

    /// Attempt `x` is done with its connection: its response arrived or was dropped. The stream is
    /// free for a waiting attempt; an idle connection closes after the keep-alive time.
    mutating func releaseConnection(of x: UInt32, engine: inout Engine) {
        let c = requests[Int(x)].conn
        guard c >= 0 else { return }
        requests[Int(x)].conn = -1
        guard conns[Int(c)].open else { return }
        conns[Int(c)].streams -= 1
        let pi = Int(conns[Int(c)].pool)
        serveWaiters(pool: pi, engine: &engine)
        if conns[Int(c)].streams == 0 {
            conns[Int(c)].gen &+= 1
            let keep = protocols[pools[pi].protocolIndex].keepAlive
            engine.schedule(after: keep, kind: ClusterEventKind.connIdle, index: UInt32(c), tag: UInt64(conns[Int(c)].gen))
        }
    }

    /// The caller gave up on attempt `x` (its timeout): HTTP/2 resets the stream (RST_STREAM), which
    /// frees it at once; an HTTP/1.1 client cancels by closing the connection (the next request
    /// pays a new handshake).
    mutating func abandonConnection(of x: UInt32, engine: inout Engine) {
        let c = requests[Int(x)].conn
        guard c >= 0 else { return }
        let pi = Int(conns[Int(c)].pool)
        if protocols[pools[pi].protocolIndex].kind == .http1 {
            requests[Int(x)].conn = -1
            closeConnection(c)
            serveWaiters(pool: pi, engine: &engine)
        } else {
            releaseConnection(of: x, engine: &engine)
        }
    }

    mutating func closeConnection(_ c: Int32) {
        let pi = Int(conns[Int(c)].pool)
        pools[pi].conns.removeAll { $0 == c }
        conns[Int(c)].open = false
        conns[Int(c)].ready = false
        conns[Int(c)].gen &+= 1
        conns[Int(c)].next = freeConn
        freeConn = c
    }

    /// Connection events (kinds 8 to 10).
    mutating func handleConnectionEvent(_ ev: Event, engine: inout Engine) {
        let c = Int32(ev.index)
        guard conns[Int(c)].open, UInt64(conns[Int(c)].gen) == ev.tag else { return }
        switch ev.kind {
        case ClusterEventKind.connReady:
            conns[Int(c)].ready = true
            conns[Int(c)].gen &+= 1
            serveWaiters(pool: Int(conns[Int(c)].pool), engine: &engine)
            if conns[Int(c)].streams == 0 {
                conns[Int(c)].gen &+= 1
                let pi = Int(conns[Int(c)].pool)
                engine.schedule(after: protocols[pools[pi].protocolIndex].keepAlive, kind: ClusterEventKind.connIdle,
                                index: UInt32(c), tag: UInt64(conns[Int(c)].gen))
            }
        case ClusterEventKind.connRetry:
            // Nobody waits for it any more: give up rather than retry for ever.
            if pools[Int(conns[Int(c)].pool)].waiters.isEmpty { closeConnection(c) }
            else { scheduleHandshake(c, engine: &engine) }
        case ClusterEventKind.connIdle:
            if conns[Int(c)].streams == 0 { closeConnection(c) }
        default:
            preconditionFailure("not a connection event: \(ev.kind)")
        }
    }
}
