#ifndef CLUSTERSIM_CGSL_SHIM_H
#define CLUSTERSIM_CGSL_SHIM_H
#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_sf_gamma.h>

/* Swift 6 refuses GSL's generator-type globals (mutable C globals): accessors return them. */
static inline const gsl_rng_type *clustersim_rng_mt19937(void) { return gsl_rng_mt19937; }

/* SimDuration(seconds:) for the hot path's draws: seconds to nanoseconds, rounding half up and
 * saturating, 0 for negative, zero and NaN values; the same result bit for bit (a test holds them
 * equal). In C the conversion is one instruction: Swift's Int64(Double) re-checks the range and
 * NaN that the guards here already exclude, nine instructions twice a request. */
/* No fused multiply-add: Swift rounds the product and the sum separately, and clang would fuse
 * them where the target has FMA (arm64), so values could round differently there. */
#pragma STDC FP_CONTRACT OFF
static inline long long clustersim_ns_from_seconds(double seconds) {
    if (!(seconds > 0)) return 0;
    double v = seconds * 1e9 + 0.5;
    return v >= 0x1p63 ? 0x7fffffffffffffffLL : (long long)v;
}

/* The next n exponential draws (mean `mean`, gsl_ran_exponential) of `r` into out[0..<n], each
 * converted by clustersim_ns_from_seconds: the values n single draws would give, in their order.
 * SimRandom's DrawBlocks fills its blocks of exponential draws with it. */
static inline void clustersim_fill_exponential_ns(gsl_rng *r, double mean, long long *out, int n) {
    for (int i = 0; i < n; i++) out[i] = clustersim_ns_from_seconds(gsl_ran_exponential(r, mean));
}
#endif
