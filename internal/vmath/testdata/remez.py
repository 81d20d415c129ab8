# Minimax polynomial fits for internal/vmath, by the Remez exchange
# algorithm in mpmath at 60 significant digits.
#
# Each fit minimises max |w(x) (g(x) - p(x))| over [a, b] for a polynomial p
# of the given degree; w is chosen so that the error that matters (relative
# error of the final function) is what is equalised. Coefficients are then
# rounded to float64 and the error of the rounded polynomial is measured on a
# dense grid.
#
# Run: python3 remez.py   (needs mpmath; about a minute)
from mpmath import mp, mpf, cos, pi, exp, log, atanh, matrix, lu_solve, sqrt

mp.dps = 60


def remez(g, w, a, b, n, iters=40):
    a, b = mpf(a), mpf(b)
    m = n + 2
    xs = sorted((a + b) / 2 - (b - a) / 2 * cos(pi * i / (m - 1)) for i in range(m))
    E = mpf(0)
    for _ in range(iters):
        A = matrix(m, m)
        rhs = matrix(m, 1)
        for i, x in enumerate(xs):
            for j in range(n + 1):
                A[i, j] = x ** j
            A[i, n + 1] = (-1) ** i / w(x)
            rhs[i] = g(x)
        sol = lu_solve(A, rhs)
        c = [sol[j] for j in range(n + 1)]
        E = sol[n + 1]

        def err(x):
            return w(x) * (g(x) - sum(cj * x ** j for j, cj in enumerate(c)))

        # Locate the extrema of err: sample, then refine each local extremum
        # of |err| that alternates in sign.
        N = 40 * m
        grid = [a + (b - a) * i / N for i in range(N + 1)]
        vals = [err(x) for x in grid]
        cand = []
        for i in range(N + 1):
            left = vals[i - 1] if i > 0 else None
            right = vals[i + 1] if i < N else None
            v = vals[i]
            if (left is None or abs(v) >= abs(left)) and (right is None or abs(v) >= abs(right)):
                lo = grid[max(i - 1, 0)]
                hi = grid[min(i + 1, N)]
                # golden-section refine on |err|
                for _ in range(60):
                    m1 = lo + (hi - lo) * mpf(0.382)
                    m2 = lo + (hi - lo) * mpf(0.618)
                    if abs(err(m1)) > abs(err(m2)):
                        hi = m2
                    else:
                        lo = m1
                x = (lo + hi) / 2
                if i == 0:
                    x = a if abs(err(a)) >= abs(err(x)) else x
                if i == N:
                    x = b if abs(err(b)) >= abs(err(x)) else x
                cand.append(x)
        # keep an alternating set: merge same-sign neighbours, keeping the larger
        alt = []
        for x in cand:
            e = err(x)
            if alt and (err(alt[-1]) > 0) == (e > 0):
                if abs(e) > abs(err(alt[-1])):
                    alt[-1] = x
            else:
                alt.append(x)
        while len(alt) > m:
            # drop the smaller end
            if abs(err(alt[0])) < abs(err(alt[-1])):
                alt.pop(0)
            else:
                alt.pop()
        if len(alt) < m:
            break
        newmax = max(abs(err(x)) for x in alt)
        xs = alt
        if abs(newmax - abs(E)) < abs(E) * mpf("1e-12"):
            break
    return c, abs(E)


def rounded_error(g, w, a, b, c, N=20000):
    cd = [mpf(float(x)) for x in c]
    worst = mpf(0)
    for i in range(N + 1):
        x = mpf(a) + (mpf(b) - mpf(a)) * i / N
        e = abs(w(x) * (g(x) - sum(cj * x ** j for j, cj in enumerate(cd))))
        worst = max(worst, e)
    return cd, worst


def show(name, c, E, worst):
    print("%s: minimax error %s (2^%.2f), rounded %s (2^%.2f)" % (
        name, mp.nstr(E, 5), float(log(E, 2)), mp.nstr(worst, 5), float(log(worst, 2))))
    for j, cj in enumerate(c):
        print("\t%s // c%d" % (repr(float(cj)), j))


def exp_fits(degs):
    # exp: e^r = 1 + r + r^2 P(r) on |r| <= ln2/2 (with a little slack for a
    # rounded k); P is fitted for relative error so that r + r^2 P(r) keeps
    # full relative accuracy as r -> 0 (expm1 uses it directly).
    h = log(2) / 2 * (1 + mpf("1e-9"))

    def P(r):
        if abs(r) < mpf("1e-20"):
            return mpf(1) / 2 + r / 6
        return (exp(r) - 1 - r) / r ** 2

    for deg in degs:
        c, E = remez(P, lambda r: 1 / P(r), -h, h, deg)
        cd, worst = rounded_error(P, lambda r: 1 / P(r), -h, h, c)
        show("exp P deg %d" % deg, c, E, worst)


def log_fits(degs):
    # log: log((1+s)/(1-s)) = 2s + s z Q(z), z = s^2, |s| <= 3 - 2 sqrt(2)
    # (m in [sqrt(2)/2, sqrt(2)), s = (m-1)/(m+1)). Q is fitted for relative
    # error; its contribution to log is below 0.01 of the result.
    smax = (3 - 2 * sqrt(2)) * (1 + mpf("1e-9"))

    def Q(z):
        if z < mpf("1e-30"):
            return mpf(2) / 3 + 2 * z / 5
        s = sqrt(z)
        return (2 * atanh(s) - 2 * s) / (s * z)

    for deg in degs:
        c, E = remez(Q, lambda z: 1 / Q(z), 0, smax ** 2, deg)
        cd, worst = rounded_error(Q, lambda z: 1 / Q(z), 0, smax ** 2, c)
        show("log Q deg %d" % deg, c, E, worst)


if __name__ == "__main__":
    # The degrees used in exp.go and log.go.
    exp_fits([10])
    log_fits([7])
