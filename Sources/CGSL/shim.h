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
#endif
