import CGSL

/// A load-balancing policy: picks one of a service's `count` instances (0 ..< count) for a request.
///
/// One file per policy, each citing the system or paper it follows. The cluster keeps each policy's
/// state in flat per-service arrays and calls `pick` in place, so a pick never allocates.
///
/// Whose view: workload requests (roots) go through one balancer per service, like a load balancer
/// in front of it; calls are balanced client-side, each caller instance with its own outstanding
/// counts per callee instance. `outstanding[base ..< base + count]` is the view of the balancer
/// that picks (policies that do not count ignore it). A request is outstanding from the pick until
/// its caller stops waiting for it: its response arrives, its attempt times out, or the caller
/// gives up on the call while it is out (a losing hedge, a call a `wait_for` step no longer needs).
///
/// Policies that draw use the service's own stream `service.NAME.balancer`, so adding a service
/// never changes another service's choices; the others draw nothing.
protocol LoadBalancer {
    /// One of `count` ≥ 2 instances.
    mutating func pick(count: Int, outstanding: inout [Int32], base: Int, rng: UnsafeMutablePointer<gsl_rng>?) -> Int
}
