// Runs ignis's CUDA kernels under the host emulation of emu.h and checks
// them against plain reference code, launching them the way package cuda
// does (cuda/linalg.go, cuda/kernelmat.go). Build and run: make kernels-emu.
#define IGNIS_EMU 1
#include "emu.h"

#include "kernels.h"

#include <initializer_list>
#include <random>
#include <string>

static int failures = 0;
#define CHECK(cond, ...)                                                                          \
	do {                                                                                          \
		if (!(cond)) {                                                                            \
			std::printf("FAIL %s:%d: ", __FILE__, __LINE__);                                      \
			std::printf(__VA_ARGS__);                                                             \
			std::printf("\n");                                                                    \
			++failures;                                                                           \
		}                                                                                         \
	} while (0)

static std::mt19937_64 rng(42);
static double normal() { return std::normal_distribution<double>()(rng); }
static double uniform() { return std::uniform_real_distribution<double>()(rng); }

// Host launch sequence of cuda.Device.cholesky; returns info and bad.
template <typename T>
static void cholesky(const std::vector<T> &src, std::vector<T> &dst, std::vector<int> &info,
                     unsigned long long &bad, int batch, int n, void (*small)(const T *, T *, int *, unsigned long long *, i64),
                     void (*init)(const T *, T *, int *, unsigned long long *, i64, i64), void (*diag)(T *, int *, i64, i64),
                     void (*panel)(T *, const int *, i64, i64), void (*update)(T *, const int *, i64, i64)) {
	info.assign(batch, 12345);
	bad = ~0ull;
	dst.assign(src.size(), T(NAN));
	if (n <= 64) {
		launch(small, {(unsigned)batch}, {256}, src.data(), dst.data(), info.data(), &bad, (i64)n);
		return;
	}
	const int total = batch * n * n, blocks = std::min((total + 255) / 256, 1 << 16);
	launch(init, {(unsigned)blocks}, {256}, src.data(), dst.data(), info.data(), &bad, (i64)batch, (i64)n);
	for (int p = 0; p < n; p += TB) {
		const int w = std::min(TB, n - p);
		launch(diag, {(unsigned)batch}, {256}, dst.data(), info.data(), (i64)n, (i64)p);
		const int rows = n - p - w;
		if (rows <= 0) break;
		launch(panel, {(unsigned)((rows + PANEL_ROWS - 1) / PANEL_ROWS), (unsigned)batch}, {PANEL_ROWS}, dst.data(),
		       (const int *)info.data(), (i64)n, (i64)p);
		const int t = (rows + TB - 1) / TB;
		launch(update, {(unsigned)(t * (t + 1) / 2), (unsigned)batch}, {TB, 8}, dst.data(), (const int *)info.data(),
		       (i64)n, (i64)p);
	}
}

static std::vector<double> spd(int batch, int n) {
	std::vector<double> a((size_t)batch * n * n);
	const double sd = 0.5 / std::sqrt((double)n);
	for (int m = 0; m < batch; ++m)
		for (int i = 0; i < n; ++i) {
			for (int j = 0; j < i; ++j) {
				const double v = sd * normal();
				a[(size_t)m * n * n + i * n + j] = v;
				a[(size_t)m * n * n + j * n + i] = 1e3 * normal(); // garbage above: must not be read
			}
			a[(size_t)m * n * n + i * n + i] = 2 + sd * normal();
		}
	return a;
}

// Reference: unblocked Cholesky of the lower triangle, in double.
static int ref_chol(const double *a, double *l, int n) {
	for (int i = 0; i < n * n; ++i) l[i] = 0;
	for (int j = 0; j < n; ++j) {
		double d = a[j * n + j];
		for (int k = 0; k < j; ++k) d -= l[j * n + k] * l[j * n + k];
		if (!(d > 0)) return j;
		l[j * n + j] = std::sqrt(d);
		for (int i = j + 1; i < n; ++i) {
			double s = a[i * n + j];
			for (int k = 0; k < j; ++k) s -= l[i * n + k] * l[j * n + k];
			l[i * n + j] = s / l[j * n + j];
		}
	}
	return -1;
}

template <typename T>
static void test_cholesky(const char *name, double tol, std::initializer_list<int> sizes, void (*small)(const T *, T *, int *, unsigned long long *, i64),
                          void (*init)(const T *, T *, int *, unsigned long long *, i64, i64),
                          void (*diag)(T *, int *, i64, i64), void (*panel)(T *, const int *, i64, i64),
                          void (*update)(T *, const int *, i64, i64)) {
	for (int n : sizes) {
		const int batch = 3;
		std::vector<double> a = spd(batch, n);
		std::vector<T> src(a.begin(), a.end()), dst;
		std::vector<int> info;
		unsigned long long bad;
		cholesky<T>(src, dst, info, bad, batch, n, small, init, diag, panel, update);
		double worst = 0;
		for (int m = 0; m < batch; ++m) {
			std::vector<double> as(src.begin() + (size_t)m * n * n, src.begin() + (size_t)(m + 1) * n * n), l(n * n);
			CHECK(ref_chol(as.data(), l.data(), n) < 0, "%s n=%d: reference failed", name, n);
			CHECK(info[m] == -1, "%s n=%d member %d: info %d", name, n, m, info[m]);
			double scale = 0;
			for (double v : l) scale = std::max(scale, std::fabs(v));
			for (int i = 0; i < n; ++i)
				for (int j = 0; j < n; ++j) {
					const double g = dst[(size_t)m * n * n + i * n + j];
					if (j > i) {
						CHECK(g == 0, "%s n=%d member %d: L[%d][%d] = %g above the diagonal", name, n, m, i, j, g);
						continue;
					}
					const double e = std::fabs(g - l[i * n + j]) / scale;
					worst = std::max(worst, std::isnan(e) ? INFINITY : e);
				}
		}
		CHECK(bad == ~0ull, "%s n=%d: bad index %llu on finite input", name, n, bad);
		CHECK(worst <= tol, "%s n=%d: relative error %.3g > %g", name, n, worst, tol);
		std::printf("%s n=%d: relative error %.2g\n", name, n, worst);

		if (n < 2) continue;
		// Member 1 fails at pivot n/2; member 2 at 0; member 0 has a NaN in its upper triangle.
		std::vector<T> s2 = src;
		s2[(size_t)1 * n * n + (n / 2) * n + n / 2] = -1;
		s2[(size_t)2 * n * n] = -1;
		s2[1] = NAN; // member 0, row 0, column 1
		cholesky<T>(s2, dst, info, bad, batch, n, small, init, diag, panel, update);
		CHECK(info[0] == -1 && info[1] == n / 2 && info[2] == 0, "%s n=%d: info %d %d %d, want -1 %d 0", name, n,
		      info[0], info[1], info[2], n / 2);
		CHECK(bad == 1, "%s n=%d: bad index %llu, want 1", name, n, bad);
	}
}

template <typename T>
static void test_trsm(const char *name, double tol, void (*k)(const T *, T *, i64, i64, i64, i64, i64)) {
	for (int n : {1, 5, 33}) {
		for (int kk : {1, 3}) {
			for (int lower = 0; lower < 2; ++lower) {
				for (int trans = 0; trans < 2; ++trans) {
					const int batch = 2;
					std::vector<T> a((size_t)batch * n * n), x((size_t)batch * n * kk);
					for (auto &v : a) v = T(normal() / n);
					for (int m = 0; m < batch; ++m)
						for (int i = 0; i < n; ++i) {
							a[(size_t)m * n * n + i * n + i] = T(1.5 + uniform());
							for (int j = 0; j < n; ++j)
								if ((j > i) == (lower != 0) && i != j) a[(size_t)m * n * n + i * n + j] = T(1e5); // unread
						}
					for (auto &v : x) v = T(normal());
					std::vector<T> b = x;
					const int tpb = 128, blocks = (batch * kk + tpb - 1) / tpb;
					launch(k, {(unsigned)blocks}, {(unsigned)tpb}, (const T *)a.data(), x.data(), (i64)batch, (i64)n,
					       (i64)kk, (i64)lower, (i64)trans);
					// Residual of op(A) X = B over the read triangle.
					double worst = 0;
					for (int m = 0; m < batch; ++m)
						for (int i = 0; i < n; ++i)
							for (int c = 0; c < kk; ++c) {
								double s = -b[((size_t)m * n + i) * kk + c];
								for (int j = 0; j < n; ++j) {
									const int r = trans ? j : i, q = trans ? i : j;
									if (lower ? q > r : q < r) continue;
									s += a[(size_t)m * n * n + r * n + q] * x[((size_t)m * n + j) * kk + c];
								}
								worst = std::max(worst, std::isnan(s) ? INFINITY : std::fabs(s));
							}
					CHECK(worst <= tol, "%s n=%d k=%d lower=%d trans=%d: residual %.3g", name, n, kk, lower, trans, worst);
				}
			}
		}
	}
	std::printf("%s: done\n", name);
}

// Reference solve of op(A) X = B for one member in double, by substitution
// over the triangle that op(A) reads (row-major n×n a, n×k b).
template <typename T>
static std::vector<double> ref_trsm(const T *a, const T *b, int n, int k, int lower, int trans) {
	std::vector<double> x(b, b + (size_t)n * k);
	const bool forward = (lower != 0) != (trans != 0);
	auto op = [&](int i, int j) { return (double)(trans ? a[(size_t)j * n + i] : a[(size_t)i * n + j]); };
	for (int c = 0; c < k; ++c)
		for (int s = 0; s < n; ++s) {
			const int i = forward ? s : n - 1 - s;
			double v = x[(size_t)i * k + c];
			for (int j = forward ? 0 : i + 1; j < (forward ? i : n); ++j) v -= op(i, j) * x[(size_t)j * k + c];
			x[(size_t)i * k + c] = v / op(i, i);
		}
	return x;
}

// Host launch of cuda.Device.triSolve's blocked path.
template <typename T>
static void launch_blk(void (*kb)(const T *, T *, i64, i64, i64, i64, i64, i64), const T *a, T *x, int batch, int n,
                       int k, int lower, int trans, int lowrhs) {
	const unsigned ct = (unsigned)((k + TS - 1) / TS);
	launch(kb, {(unsigned)batch * ct}, {TS, TS_ROWS}, a, x, (i64)batch, (i64)n, (i64)k, (i64)lower, (i64)trans,
	       (i64)lowrhs);
}

// A batch of triangular matrices with the diagonal in [1.5, 2.5], the
// read triangle N(0, 1/n²) (well conditioned at every n) and 1e5 in the
// triangle that must not be read.
template <typename T>
static std::vector<T> tri(int batch, int n, int lower) {
	std::vector<T> a((size_t)batch * n * n);
	for (int m = 0; m < batch; ++m)
		for (int i = 0; i < n; ++i)
			for (int j = 0; j < n; ++j) {
				T &e = a[(size_t)m * n * n + i * n + j];
				e = i == j ? T(1.5 + uniform()) : (j < i) == (lower != 0) ? T(normal() / n) : T(1e5);
			}
	return a;
}

// trsm_blk against the double reference on the same (rounded) inputs, for
// every (lower, trans), right-hand sides that fill one column tile, two
// (one partial) and a single vector, and the sizes around the tile edges.
template <typename T>
static void test_trsm_blk(const char *name, double tol, std::initializer_list<int> sizes,
                          void (*kb)(const T *, T *, i64, i64, i64, i64, i64, i64)) {
	for (int n : sizes) {
		double worst = 0;
		for (int lower = 0; lower < 2; ++lower)
			for (int trans = 0; trans < 2; ++trans)
				for (int k : {1, 32, 45}) {
					const int batch = k == 32 ? 1 : 3;
					std::vector<T> a = tri<T>(batch, n, lower), x((size_t)batch * n * k);
					for (auto &v : x) v = T(normal());
					const std::vector<T> b = x;
					launch_blk(kb, (const T *)a.data(), x.data(), batch, n, k, lower, trans, 0);
					double err = 0, scale = 0;
					for (int m = 0; m < batch; ++m) {
						const std::vector<double> r =
							ref_trsm(a.data() + (size_t)m * n * n, b.data() + (size_t)m * n * k, n, k, lower, trans);
						for (size_t e = 0; e < r.size(); ++e) {
							const double d = std::fabs((double)x[(size_t)m * n * k + e] - r[e]);
							err = std::max(err, std::isnan(d) ? INFINITY : d);
							scale = std::max(scale, std::fabs(r[e]));
						}
					}
					CHECK(err / scale <= tol, "%s n=%d k=%d batch=%d lower=%d trans=%d: relative error %.3g", name, n, k,
					      batch, lower, trans, err / scale);
					worst = std::max(worst, err / scale);
				}
		std::printf("%s n=%d: relative error %.2g\n", name, n, worst);
	}
}

// The launches of cuda.Device.CholInverse: set_identity, L \ I by trsm_blk
// with lowrhs (the identity is lower triangular), then Lᵀ \ (L⁻¹), against
// the double reference (L Lᵀ)⁻¹ = L⁻ᵀ L⁻¹ computed column by column. The
// row tiles that lowrhs skips must stay zero.
template <typename T>
static void test_cholinverse(const char *name, double tol, std::initializer_list<int> sizes, int batch,
                             void (*kb)(const T *, T *, i64, i64, i64, i64, i64, i64), void (*ident)(T *, i64, i64)) {
	for (int n : sizes) {
		const std::vector<T> l = tri<T>(batch, n, 1);
		std::vector<T> x((size_t)batch * n * n, T(NAN));
		const int nn = batch * n * n;
		launch(ident, {(unsigned)std::min((nn + 255) / 256, 1 << 16)}, {256}, x.data(), (i64)batch, (i64)n);
		launch_blk(kb, l.data(), x.data(), batch, n, n, 1, 0, 1);
		launch_blk(kb, l.data(), x.data(), batch, n, n, 1, 1, 0);
		double err = 0, scale = 0;
		std::vector<T> id((size_t)n * n, T(0));
		for (int i = 0; i < n; ++i) id[(size_t)i * n + i] = T(1);
		for (int m = 0; m < batch; ++m) {
			const T *lm = l.data() + (size_t)m * n * n;
			const std::vector<double> y = ref_trsm(lm, id.data(), n, n, 1, 0);
			const std::vector<T> yt(y.begin(), y.end()); // ref_trsm takes T; y is exact enough for T = double
			std::vector<double> r;
			if constexpr (sizeof(T) == 8) {
				r = ref_trsm(lm, yt.data(), n, n, 1, 1);
			} else {
				// Keep the reference in double: solve Lᵀ R = Y with Y in double.
				std::vector<double> ld(lm, lm + (size_t)n * n);
				r = ref_trsm(ld.data(), y.data(), n, n, 1, 1);
			}
			for (size_t e = 0; e < r.size(); ++e) {
				const double d = std::fabs((double)x[(size_t)m * n * n + e] - r[e]);
				err = std::max(err, std::isnan(d) ? INFINITY : d);
				scale = std::max(scale, std::fabs(r[e]));
			}
		}
		CHECK(err / scale <= tol, "%s n=%d batch=%d: relative error %.3g", name, n, batch, err / scale);
		std::printf("%s n=%d batch=%d: relative error %.2g\n", name, n, batch, err / scale);
	}
}

template <typename T>
static void test_kernelmat(const char *name, double tol,
                           void (*sq)(const T *, const T *, const T *, T *, i64, i64, i64, i64),
                           void (*km)(const T *, const T *, const T *, const T *, T *, i64, i64, i64, i64, i64),
                           void (*kg)(const T *, const T *, const T *, const T *, const T *, double *, double *, i64,
                                      i64, i64, i64),
                           void (*kp)(const T *, const T *, T *, i64, i64, i64)) {
	const int batch = 2, n = 7, m = 300, d = 3; // n·m > 256: two blocks per member
	std::vector<T> x1(batch * n * d), x2(batch * m * d), ls(batch * d), var(batch), g(batch * n * m);
	for (auto &v : x1) v = T(2 * uniform() - 1);
	for (auto &v : x2) v = T(2 * uniform() - 1);
	for (auto &v : ls) v = T(0.5 + 1.5 * uniform());
	for (auto &v : var) v = T(0.5 + 1.5 * uniform());
	for (auto &v : g) v = T(normal());
	std::vector<T> out(batch * n * m, T(NAN));
	launch(sq, {(unsigned)((batch * n * m + 255) / 256)}, {256}, (const T *)x1.data(), (const T *)x2.data(),
	       (const T *)ls.data(), out.data(), (i64)batch, (i64)n, (i64)m, (i64)d);
	auto s_of = [&](int b, int i, int j) {
		double s = 0;
		for (int l = 0; l < d; ++l) {
			const double t = ((double)x1[(b * n + i) * d + l] - x2[(b * m + j) * d + l]) / ls[b * d + l];
			s += t * t;
		}
		return s;
	};
	double worst = 0;
	for (int b = 0; b < batch; ++b)
		for (int i = 0; i < n; ++i)
			for (int j = 0; j < m; ++j) {
				const double e = std::fabs(out[(b * n + i) * m + j] - s_of(b, i, j));
				worst = std::max(worst, std::isnan(e) ? INFINITY : e);
			}
	CHECK(worst <= tol * 10, "%s sqdist: error %.3g", name, worst);
	const std::vector<T> sv(out); // the distances, for kern_profile
	for (int kind = 0; kind < 4; ++kind) {
		std::fill(out.begin(), out.end(), T(NAN));
		launch(km, {(unsigned)((batch * n * m + 255) / 256)}, {256}, (const T *)x1.data(), (const T *)x2.data(),
		       (const T *)ls.data(), (const T *)var.data(), out.data(), (i64)batch, (i64)n, (i64)m, (i64)d, (i64)kind);
		std::vector<double> gls(batch * d, 0), gvar(batch, 0), wls(batch * d, 0), wvar(batch, 0);
		launch(kg, {(unsigned)((n * m + 255) / 256), (unsigned)batch}, {256}, (const T *)x1.data(),
		       (const T *)x2.data(), (const T *)ls.data(), (const T *)var.data(), (const T *)g.data(), gls.data(),
		       gvar.data(), (i64)n, (i64)m, (i64)d, (i64)kind);
		double wk = 0;
		for (int b = 0; b < batch; ++b)
			for (int i = 0; i < n; ++i)
				for (int j = 0; j < m; ++j) {
					const double s = s_of(b, i, j), r = std::sqrt(s);
					double k0, c;
					switch (kind) {
					case 0: k0 = c = std::exp(-s / 2); break;
					case 1: k0 = std::exp(-r); c = r > 0 ? k0 / r : 0; break;
					case 2: k0 = (1 + std::sqrt(3.0) * r) * std::exp(-std::sqrt(3.0) * r); c = 3 * std::exp(-std::sqrt(3.0) * r); break;
					default:
						k0 = (1 + std::sqrt(5.0) * r + 5 * s / 3) * std::exp(-std::sqrt(5.0) * r);
						c = 5.0 / 3 * (1 + std::sqrt(5.0) * r) * std::exp(-std::sqrt(5.0) * r);
					}
					const double e = std::fabs(out[(b * n + i) * m + j] - var[b] * k0);
					wk = std::max(wk, std::isnan(e) ? INFINITY : e);
					const double gv = g[(b * n + i) * m + j];
					wvar[b] += gv * k0;
					for (int l = 0; l < d; ++l) {
						const double dl = (double)x1[(b * n + i) * d + l] - x2[(b * m + j) * d + l], L = ls[b * d + l];
						wls[b * d + l] += gv * var[b] * c * dl * dl / (L * L * L);
					}
				}
		double wg = 0, sc = 0;
		for (int i = 0; i < batch * d; ++i) wg = std::max(wg, std::fabs(gls[i] - wls[i])), sc = std::max(sc, std::fabs(wls[i]));
		for (int i = 0; i < batch; ++i) wg = std::max(wg, std::fabs(gvar[i] - wvar[i])), sc = std::max(sc, std::fabs(wvar[i]));
		// kern_profile from the distances gives kern_matrix's values.
		std::vector<T> prof(batch * n * m, T(NAN));
		launch(kp, {(unsigned)((batch * n * m + 255) / 256)}, {256}, sv.data(), (const T *)var.data(), prof.data(),
		       (i64)batch, (i64)(n * m), (i64)kind);
		double wp = 0;
		for (int e = 0; e < batch * n * m; ++e) {
			const double d = std::fabs((double)prof[e] - (double)out[e]);
			wp = std::max(wp, std::isnan(d) ? INFINITY : d);
		}
		CHECK(wp <= tol, "%s kernel %d: profile from distances differs from the matrix by %.3g", name, kind, wp);
		CHECK(wk <= tol, "%s kernel %d: matrix error %.3g", name, kind, wk);
		CHECK(wg / sc <= tol, "%s kernel %d: gradient relative error %.3g", name, kind, wg / sc);
		std::printf("%s kernel %d: matrix error %.2g, gradient relative error %.2g\n", name, kind, wk, wg / sc);
	}
}

// Reference NLL of one member (double): ½ yᵀK⁻¹y + Σ log L_ii + (n/2) log 2π.
static double ref_nll(int kind, const std::vector<double> &x, const std::vector<double> &y, const double *ls,
                      double var, double noise, int n, int d) {
	std::vector<double> k(n * n), l(n * n);
	for (int i = 0; i < n; ++i)
		for (int j = 0; j < n; ++j) {
			double s = 0;
			for (int q = 0; q < d; ++q) {
				const double t = (x[i * d + q] - x[j * d + q]) / ls[q];
				s += t * t;
			}
			const double r = std::sqrt(s);
			double k0;
			switch (kind) {
			case 0: k0 = std::exp(-s / 2); break;
			case 1: k0 = std::exp(-r); break;
			case 2: k0 = (1 + std::sqrt(3.0) * r) * std::exp(-std::sqrt(3.0) * r); break;
			default: k0 = (1 + std::sqrt(5.0) * r + 5 * s / 3) * std::exp(-std::sqrt(5.0) * r);
			}
			k[i * n + j] = var * k0 + (i == j ? noise : 0);
		}
	if (ref_chol(k.data(), l.data(), n) >= 0) return NAN;
	std::vector<double> z(y);
	double out = 0;
	for (int i = 0; i < n; ++i) {
		for (int j = 0; j < i; ++j) z[i] -= l[i * n + j] * z[j];
		z[i] /= l[i * n + i];
		out += 0.5 * z[i] * z[i] + std::log(l[i * n + i]);
	}
	return out + 0.5 * n * std::log(2 * M_PI);
}

// The device chain of an exact GP batch (cuda NewExactGP, NLL; what
// gp.ExactLoss runs on the GPU), in double, against central
// differences of the reference NLL (step 1e-6: truncation and round-off
// both near 1e-9 relative).
static void test_gp() {
	const int batch = 2, n = 40, d = 2;
	std::vector<double> x(batch * n * d), xs(n * d), y(batch * n), hyper(batch * (d + 2));
	for (auto &v : xs) v = uniform();
	for (int b = 0; b < batch; ++b) std::copy(xs.begin(), xs.end(), x.begin() + b * n * d);
	for (auto &v : y) v = normal();
	for (int i = 0; i < batch * d; ++i) hyper[i] = 0.3 + 0.5 * uniform();
	for (int b = 0; b < batch; ++b) hyper[batch * d + b] = 0.5 + uniform(), hyper[batch * d + batch + b] = 0.05 + 0.1 * uniform();
	const double *ls = hyper.data(), *var = ls + batch * d, *noise = var + batch;
	for (int kind = 0; kind < 4; ++kind) {
		std::vector<double> k(batch * n * n), l, kinv(batch * n * n), alpha(y), out(batch * (d + 3), 0);
		std::vector<int> info;
		unsigned long long bad;
		const int nn = batch * n * n;
		launch(kern_matrix_f64, {(unsigned)((nn + 255) / 256)}, {256}, (const double *)x.data(), (const double *)x.data(),
		       ls, var, k.data(), (i64)batch, (i64)n, (i64)n, (i64)d, (i64)kind);
		launch(add_diag_f64, {(unsigned)((batch * n + 255) / 256)}, {256}, k.data(), noise, (i64)batch, (i64)n);
		cholesky<double>(k, l, info, bad, batch, n, chol_small_f64, chol_init_f64, chol_diag_f64, chol_panel_f64,
		                 chol_update_f64);
		CHECK(info[0] == -1 && info[1] == -1, "gp kind %d: cholesky failed", kind);
		launch(set_identity_f64, {(unsigned)((nn + 255) / 256)}, {256}, kinv.data(), (i64)batch, (i64)n);
		for (int trans = 0; trans < 2; ++trans) {
			launch(trsm_cols_f64, {1}, {128}, (const double *)l.data(), alpha.data(), (i64)batch, (i64)n, (i64)1, (i64)1, (i64)trans);
			launch(trsm_cols_f64, {1}, {128}, (const double *)l.data(), kinv.data(), (i64)batch, (i64)n, (i64)n, (i64)1, (i64)trans);
		}
		launch(gp_weights_f64, {(unsigned)((nn + 255) / 256)}, {256}, kinv.data(), (const double *)alpha.data(), (i64)batch, (i64)n);
		double *oNLL = out.data(), *oLS = oNLL + batch, *oVar = oLS + batch * d, *oNoise = oVar + batch;
		launch(kern_grad_f64, {(unsigned)((n * n + 255) / 256), (unsigned)batch}, {256}, (const double *)x.data(),
		       (const double *)x.data(), ls, var, (const double *)kinv.data(), oLS, oVar, (i64)n, (i64)n, (i64)d, (i64)kind);
		launch(gp_terms_f64, {(unsigned)batch}, {256}, (const double *)l.data(), (const double *)y.data(),
		       (const double *)alpha.data(), (const double *)kinv.data(), oNLL, oNoise, (i64)n);
		double worst = 0;
		for (int b = 0; b < batch; ++b) {
			std::vector<double> yb(y.begin() + b * n, y.begin() + (b + 1) * n);
			std::vector<double> lb(ls + b * d, ls + (b + 1) * d);
			double vb = var[b], nb = noise[b];
			auto f = [&] { return ref_nll(kind, xs, yb, lb.data(), vb, nb, n, d); };
			const double want = f();
			worst = std::max(worst, std::fabs(oNLL[b] - want) / std::fabs(want));
			auto fd = [&](double &p) {
				const double h = 1e-6 * p, o = p;
				p = o + h;
				const double up = f();
				p = o - h;
				const double down = f();
				p = o;
				return (up - down) / (2 * h);
			};
			for (int q = 0; q < d; ++q) {
				const double g = fd(lb[q]);
				worst = std::max(worst, std::fabs(oLS[b * d + q] - g) / std::max(1.0, std::fabs(g)));
			}
			const double gv = fd(vb), gn = fd(nb);
			worst = std::max(worst, std::fabs(oVar[b] - gv) / std::max(1.0, std::fabs(gv)));
			worst = std::max(worst, std::fabs(oNoise[b] - gn) / std::max(1.0, std::fabs(gn)));
		}
		CHECK(worst <= 1e-6, "gp kind %d: nll or gradient error %.3g", kind, worst);
		std::printf("gp kind %d: worst nll/gradient error %.2g\n", kind, worst);
	}
}

int main(int argc, char **argv) {
	// make kernels-emu-large: the blocked triangular solves and the
	// inverse from the factor at the large sizes only (minutes, not seconds).
	if (argc > 1 && std::string(argv[1]) == "large") {
		test_trsm_blk<double>("trsm_blk f64", 1e-10, {512, 1000, 2048}, trsm_blk_f64);
		test_trsm_blk<float>("trsm_blk f32", 1e-4, {512, 1000}, trsm_blk_f32);
		test_cholinverse<double>("cholinverse f64", 1e-10, {512, 1000, 2048}, 1, trsm_blk_f64, set_identity_f64);
		test_cholinverse<float>("cholinverse f32", 1e-4, {512, 1000, 2048}, 1, trsm_blk_f32, set_identity_f32);
		std::printf(failures ? "kernels-emu large: %d failures\n" : "kernels-emu large: ok\n", failures);
		return failures ? 1 : 0;
	}
	// Both sides of the small/blocked switch (64) and of the tiles (32).
	test_cholesky<double>("chol f64", 1e-12, {1, 2, 31, 32, 33, 63, 64, 65, 96, 97, 129}, chol_small_f64, chol_init_f64, chol_diag_f64, chol_panel_f64, chol_update_f64);
	test_cholesky<float>("chol f32", 1e-5, {1, 33, 64, 65, 97}, chol_small_f32, chol_init_f32, chol_diag_f32, chol_panel_f32, chol_update_f32);
	test_trsm<double>("trsm f64", 1e-12, trsm_cols_f64);
	test_trsm<float>("trsm f32", 1e-4, trsm_cols_f32);
	test_trsm_blk<double>("trsm_blk f64", 1e-10, {1, 31, 32, 33, 63, 64, 65, 127, 128, 129, 264}, trsm_blk_f64);
	test_trsm_blk<float>("trsm_blk f32", 1e-4, {1, 31, 33, 64, 65, 129}, trsm_blk_f32);
	test_cholinverse<double>("cholinverse f64", 1e-10, {1, 31, 32, 33, 63, 64, 65, 127, 128, 129, 264}, 3, trsm_blk_f64, set_identity_f64);
	test_cholinverse<float>("cholinverse f32", 1e-4, {1, 31, 33, 65, 129, 264}, 2, trsm_blk_f32, set_identity_f32);
	test_kernelmat<double>("kernelmat f64", 1e-12, sqdist_f64, kern_matrix_f64, kern_grad_f64, kern_profile_f64);
	test_kernelmat<float>("kernelmat f32", 1e-5, sqdist_f32, kern_matrix_f32, kern_grad_f32, kern_profile_f32);
	test_gp();
	if (failures) {
		std::printf("kernels-emu: %d failures\n", failures);
		return 1;
	}
	std::printf("kernels-emu: ok\n");
	return 0;
}
