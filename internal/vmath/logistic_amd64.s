//go:build amd64 && !purego

#include "textflag.h"
#include "vmath_amd64.h"

// The logistic kernels compute u = e^-|x| as uh + ul and from it
// 1 + u = dh + dl, then σ(x) and softplus(x) as sigmoidOf and softplusOf
// do.
//
// Blocks of 16 elements within ±708 run in two passes: the first computes
// u for four vectors and keeps it in the frame, the second finishes them.
// In each pass the vectors go in pairs whose instructions interleave: the
// processor looks only a few instructions ahead for work, and a single
// vector's chain of dependent operations would leave it idle. The steps
// are macros on registers named by their arguments. A vector outside a
// block, one with a lane beyond ±708 or NaN, and the last partial vector
// go through the same steps alone, so that each element comes out the
// same whichever way it went; the latter two start from NEG_EXP_WIDE,
// which clamps -|x| at -746, scales by two factors and drops ul in the
// lanes beyond ±708, where it is below the result's precision, so that
// those lanes equal the scalar kernels' shortcuts.
//
// Frame: 96 bytes per vector of a block, s = i·96 for vector i: uh at s,
// ul at s+32; once softplus no longer needs u, c' at s, a at s+32 and e
// at s+64 (see PB_SPILL). A lone vector uses the first slot, and the last
// partial vector's x waits at 384.

// NE1–NE7 compute e^-|x| for one vector as negExp does. X holds -|x|,
// then r, later uh; T = magic + k; W = k, then d = k·(ln2 - Ln2); R2 = r².
// P'(r) is taken as pairs in r joined by Horner's scheme in r²,
// (P1 + P2·r) + r²·((P3 + P4·r) + r²·(…)), which needs no r⁴ and fewer
// registers than Estrin's, in A with B; A then holds q, lo and ul, and C
// is a temporary.
#define NE1(X, T, W) \
	VMOVUPD K(C_MAGIC), T; \
	VFMADD231PD K(C_LOG2E), X, T; \
	VSUBPD K(C_MAGIC), T, W

#define NE2(X, W, R2) \
	VFNMADD231PD K(C_LN2), W, X; \
	VMULPD K(C_LN2TAIL), W, W; \
	VMULPD X, X, R2

#define NE3(X, R2, A, B) \
	VMOVUPD K(C_P10), A; \
	VFMADD213PD K(C_P9), X, A; \
	VMOVUPD K(C_P8), B; \
	VFMADD213PD K(C_P7), X, B; \
	VFMADD213PD B, R2, A

#define NE4(X, R2, A, B) \
	VMOVUPD K(C_P6), B; \
	VFMADD213PD K(C_P5), X, B; \
	VFMADD213PD B, R2, A; \
	VMOVUPD K(C_P4), B; \
	VFMADD213PD K(C_P3), X, B; \
	VFMADD213PD B, R2, A; \
	VMOVUPD K(C_P2), B; \
	VFMADD213PD K(C_P1), X, B; \
	VFMADD213PD B, R2, A

// NE5 sets A = q = r²·(P0 + r·P'(r)).
#define NE5(X, R2, A) \
	VFMADD213PD K(C_P0), X, A; \
	VMULPD R2, A, A

// NE6 sets X + A = 1 + r + lo, lo = q - d·((1 + r) + q), summed as Exp
// does: 1 + r exactly as r - ((1 + r) - 1), then with lo.
#define NE6(X, W, A, B, C) \
	VADDPD K(C_ONE), X, B; \
	VADDPD A, B, C; \
	VFNMADD231PD W, C, A; \
	VSUBPD K(C_ONE), B, C; \
	VSUBPD C, X, C; \
	VADDPD C, A, A; \
	VADDPD A, B, X; \
	VSUBPD B, X, B; \
	VSUBPD B, A, A

// NE7 scales X + A by 2ᵏ, T = magic + k.
#define NE7(X, A, T) \
	VPSLLQ $52, T, T; \
	VPADDQ T, X, X; \
	VPADDQ K(C_ONE), T, T; \
	VMULPD T, A, A

// NE_LOAD loads x from o(SI) into X as -|x| and sets in Y14 the lanes beyond
// ±708 or NaN: the bits of -|x|, read as signed integers, order as |x|
// does, NaN above +Inf, so that one integer comparison with the bits of
// -708 finds them. Clobbers Y15.
#define NE_LOAD(o, X) \
	VMOVUPD (o)(SI), X; \
	VORPD K(C_SIGN), X, X; \
	VPCMPGTQ K(C_NEGFAST), X, Y15; \
	VPOR Y15, Y14, Y14

// EXP_PAIR(i, j) computes u for the vectors at i·32(SI) and j·32(SI) into
// their slots.
#define EXP_PAIR(i, j) \
	NE_LOAD(i*32, Y0); \
	NE_LOAD(j*32, Y7); \
	NE1(Y0, Y6, Y1); \
	NE1(Y7, Y13, Y8); \
	NE2(Y0, Y1, Y2); \
	NE2(Y7, Y8, Y9); \
	NE3(Y0, Y2, Y4, Y5); \
	NE3(Y7, Y9, Y11, Y12); \
	NE4(Y0, Y2, Y4, Y5); \
	NE4(Y7, Y9, Y11, Y12); \
	NE5(Y0, Y2, Y4); \
	NE5(Y7, Y9, Y11); \
	NE6(Y0, Y1, Y4, Y5, Y3); \
	NE6(Y7, Y8, Y11, Y12, Y10); \
	NE7(Y0, Y4, Y6); \
	NE7(Y7, Y11, Y13); \
	VMOVUPD Y0, (i*96)(SP); \
	VMOVUPD Y4, (i*96+32)(SP); \
	VMOVUPD Y7, (j*96)(SP); \
	VMOVUPD Y11, (j*96+32)(SP)

// NEG_EXP computes u for Y0 = x, |x| ≤ 708, into the first slot.
#define NEG_EXP \
	VORPD K(C_SIGN), Y0, Y6; \
	NE1(Y6, Y1, Y2); \
	NE2(Y6, Y2, Y4); \
	NE3(Y6, Y4, Y3, Y7); \
	NE4(Y6, Y4, Y3, Y7); \
	NE5(Y6, Y4, Y3); \
	NE6(Y6, Y2, Y3, Y7, Y8); \
	NE7(Y6, Y3, Y1); \
	VMOVUPD Y6, 0(SP); \
	VMOVUPD Y3, 32(SP)

// NEG_EXP_WIDE is NEG_EXP for Y0 = x of any value.
#define NEG_EXP_WIDE \
	VANDPD K(C_ABS), Y0, Y6; \
	VCMPPD $LE, K(C_EXPFAST), Y6, Y12; \
	VORPD K(C_SIGN), Y6, Y6; \
	VMAXPD K(C_CLAMPLO), Y6, Y6; \
	NE1(Y6, Y1, Y2); \
	NE2(Y6, Y2, Y4); \
	NE3(Y6, Y4, Y3, Y7); \
	NE4(Y6, Y4, Y3, Y7); \
	NE5(Y6, Y4, Y3); \
	NE6(Y6, Y2, Y3, Y7, Y8); \
	VANDPD Y12, Y3, Y3; \
	VSUBPD K(C_MAGIC), Y1, Y2; \
	SCALE_WIDE; \
	VMULPD Y8, Y6, Y6; \
	VMULPD Y9, Y6, Y6; \
	VMULPD Y8, Y3, Y3; \
	VMULPD Y9, Y3, Y3; \
	VMOVUPD Y6, 0(SP); \
	VMOVUPD Y3, 32(SP)

// The PB steps finish a vector from u in slot s (Y15 = 1).
//
// PB_ONE sets D + L = 1 + u, as onePlus, and R = 1/D.
#define PB_ONE(s, D, L, R) \
	VADDPD (s)(SP), Y15, D; \
	VSUBPD D, Y15, L; \
	VADDPD (s)(SP), L, L; \
	VADDPD (s+32)(SP), L, L; \
	VDIVPD D, Y15, R

// PB_X loads x from o(b) into X and sets N = (x < 0), then X = max(x, 0)
// as x & ^N. For x = -0 that is -0 where max gives +0, which changes
// nothing: m then only enters a = m + ln2Hi and e = m - (a - ln2Hi) = ±0,
// and e is added to a nonzero number.
#define PB_X(o, b, X, N) \
	VMOVUPD (o)(b), X; \
	VCMPPD $LT, K(C_ZERO), X, N; \
	VANDNPD X, N, X

// PB_XNEG is PB_X for -x, the argument of Softplus in LogSigmoid.
#define PB_XNEG(o, b, X, N) \
	VMOVUPD (o)(b), X; \
	VXORPD K(C_SIGN), X, X; \
	VCMPPD $LT, K(C_ZERO), X, N; \
	VANDNPD X, N, X

// PB_XSIGN is PB_X for the sigmoid alone, which needs only N.
#define PB_XSIGN(o, b, N) \
	VMOVUPD (o)(b), N; \
	VCMPPD $LT, K(C_ZERO), N, N

// PB_SIG sets N = σ(x) as sigmoidOf: n = 1, or u where N, over D + L,
// corrected by the residual.
#define PB_SIG(s, D, L, R, N, T1, T2) \
	VANDPD (s+32)(SP), N, T1; \
	VBLENDVPD N, (s)(SP), Y15, N; \
	VMULPD R, N, T2; \
	VFNMADD231PD T2, D, N; \
	VFNMADD231PD T2, L, T1; \
	VADDPD T1, N, N; \
	VFMADD213PD T2, R, N

// PB_SPLIT begins softplusOf: M = (dh < √2), the lanes where k = 0;
// F = f, uh or dh/2 - 1; L = c·rd + k·ln2Lo, c = ul or dl; D = s =
// f/(2 + f); and M = k·ln2Hi. k·ln2Lo and k·ln2Hi are the constants
// outside the mask.
#define PB_SPLIT(s, D, L, R, M, F, T) \
	VCMPPD $LT, K(C_SQRT2), D, M; \
	VMOVUPD K(C_HALF), F; \
	VFMSUB213PD Y15, D, F; \
	VBLENDVPD M, (s)(SP), F, F; \
	VBLENDVPD M, (s+32)(SP), L, L; \
	VANDNPD K(C_LN2LO), M, T; \
	VFMADD213PD T, R, L; \
	VANDNPD K(C_LN2HI), M, M; \
	VADDPD K(C_TWO), F, D; \
	VDIVPD D, F, D

// PB_SUM sums m = X and k·ln2Hi = M exactly: T = a, X = e. For x = +Inf,
// e is NaN, which NAN_INF_BLEND mends.
#define PB_SUM(X, M, T) \
	VADDPD M, X, T; \
	VSUBPD M, T, M; \
	VSUBPD M, X, X

// PB_SPILL keeps c', a and e in slot s while the logarithm needs the
// registers.
#define PB_SPILL(s, C, A, E) \
	VMOVUPD C, (s)(SP); \
	VMOVUPD A, (s+32)(SP); \
	VMOVUPD E, (s+64)(SP)

// PB_FIN sets H = a + (e - inner), inner = (hfsq - (s·P + c')) - f.
#define PB_FIN(s, S, F, H, P) \
	VFMADD213PD (s)(SP), S, P; \
	VSUBPD P, H, P; \
	VSUBPD F, P, P; \
	VMOVUPD (s+64)(SP), H; \
	VSUBPD P, H, H; \
	VADDPD (s+32)(SP), H, H

// SP_REST finishes softplus alone after PB_ONE and PB_X in the registers
// Y0–Y6, leaving it in Y2.
#define SP_REST \
	PB_SPLIT(0, Y0, Y1, Y2, Y4, Y5, Y6); \
	PB_SUM(Y3, Y4, Y6); \
	PB_SPILL(0, Y1, Y6, Y3); \
	LOG_POLY1(Y5, Y0, Y1, Y2, Y3, Y4, Y6); \
	LOG_POLY2(Y1, Y2, Y3, Y4, Y6); \
	PB_FIN(0, Y0, Y5, Y2, Y4)

// SP_PAIR_REST finishes softplus for the vectors i and j after PB_ONE and
// PB_X in Y0–Y6 and Y7–Y13, leaving them in Y2 and Y9.
#define SP_PAIR_REST(i, j) \
	PB_SPLIT(i*96, Y0, Y1, Y2, Y4, Y5, Y6); \
	PB_SPLIT(j*96, Y7, Y8, Y9, Y11, Y12, Y13); \
	PB_SUM(Y3, Y4, Y6); \
	PB_SUM(Y10, Y11, Y13); \
	PB_SPILL(i*96, Y1, Y6, Y3); \
	PB_SPILL(j*96, Y8, Y13, Y10); \
	LOG_POLY1(Y5, Y0, Y1, Y2, Y3, Y4, Y6); \
	LOG_POLY1(Y12, Y7, Y8, Y9, Y10, Y11, Y13); \
	LOG_POLY2(Y1, Y2, Y3, Y4, Y6); \
	LOG_POLY2(Y8, Y9, Y10, Y11, Y13); \
	PB_FIN(i*96, Y0, Y5, Y2, Y4); \
	PB_FIN(j*96, Y7, Y12, Y9, Y11)

// FAST_CHECK jumps to wide unless all lanes of Y0 lie within ±708.
#define FAST_CHECK(wide) \
	VANDPD K(C_ABS), Y0, Y1; \
	VCMPPD $LE, K(C_EXPFAST), Y1, Y1; \
	VMOVMSKPD Y1, AX; \
	CMPL AX, $15; \
	JNE wide

// NAN_BLEND returns x (Y13) in the NaN lanes of register r.
#define NAN_BLEND(r) \
	VCMPPD $UNORD, Y13, Y13, Y10; \
	VBLENDVPD Y10, Y13, r, r

// NAN_INF_BLEND returns x (Y13) in the NaN and +Inf lanes of register r.
#define NAN_INF_BLEND(r) \
	VCMPPD $UNORD, Y13, Y13, Y10; \
	VCMPPD $EQ, K(C_INF), Y13, Y11; \
	VORPD Y11, Y10, Y10; \
	VBLENDVPD Y10, Y13, r, r

// LOGISTIC_LOOP is the body of the logistic kernels, with SI = &x[0] and
// CX = the number of elements left. Per kernel:
//   IN        turns Y0 = x, just loaded, into the kernel's argument;
//   PAIR(i,j) finishes and stores the vectors i and j of a block;
//   ONE(o,b)  finishes a lone vector whose x is at o(b), u in the first
//             slot, Y13 = the argument;
//   FIX       mends the special lanes after NEG_EXP_WIDE;
//   ST, MST   store a lone vector, MST through the mask Y14;
//   ADV(n)    advances the output pointers by n bytes.
#define LOGISTIC_LOOP(IN, PAIR, ONE, FIX, ST, MST, ADV) \
block: \
	CMPQ CX, $16; \
	JL one; \
	VPXOR Y14, Y14, Y14; \
	EXP_PAIR(0, 1); \
	EXP_PAIR(2, 3); \
	VMOVUPD K(C_ONE), Y15; \
	VPTEST Y14, Y14; \
	JNZ one; \
	PAIR(0, 1); \
	PAIR(2, 3); \
	ADDQ $128, SI; \
	ADV(128); \
	SUBQ $16, CX; \
	JMP block; \
one: \
	CMPQ CX, $4; \
	JL tail; \
	VMOVUPD (SI), Y0; \
	IN; \
	VMOVAPD Y0, Y13; \
	FAST_CHECK(wide); \
	NEG_EXP; \
	ONE(0, SI); \
	ST; \
	ADDQ $32, SI; \
	ADV(32); \
	SUBQ $4, CX; \
	JMP block; \
wide: \
	NEG_EXP_WIDE; \
	ONE(0, SI); \
	FIX; \
	ST; \
	ADDQ $32, SI; \
	ADV(32); \
	SUBQ $4, CX; \
	JMP block; \
tail: \
	TESTQ CX, CX; \
	JZ done; \
	TAILMASK; \
	VMASKMOVPD (SI), Y14, Y0; \
	VMOVUPD Y0, 384(SP); \
	IN; \
	VMOVAPD Y0, Y13; \
	NEG_EXP_WIDE; \
	ONE(384, SP); \
	FIX; \
	MST; \
done: \
	VZEROUPPER; \
	RET

#define NONE
#define ADV_DI(n) ADDQ $n, DI
#define ADV_DI_DX(n) ADDQ $n, DI; ADDQ $n, DX
#define FLIP_X VXORPD K(C_SIGN), Y0, Y0

// func sigmoidAVX2(dst, x []float64)
#define SG_PAIR(i, j) \
	PB_ONE(i*96, Y0, Y1, Y2); \
	PB_ONE(j*96, Y7, Y8, Y9); \
	PB_XSIGN(i*32, SI, Y4); \
	PB_XSIGN(j*32, SI, Y11); \
	PB_SIG(i*96, Y0, Y1, Y2, Y4, Y5, Y6); \
	PB_SIG(j*96, Y7, Y8, Y9, Y11, Y12, Y13); \
	VMOVUPD Y4, (i*32)(DI); \
	VMOVUPD Y11, (j*32)(DI)
#define SG_ONE(o, b) \
	PB_ONE(0, Y0, Y1, Y2); \
	PB_XSIGN(o, b, Y4); \
	PB_SIG(0, Y0, Y1, Y2, Y4, Y5, Y6)
#define SG_FIX NAN_BLEND(Y4)
#define SG_ST VMOVUPD Y4, (DI)
#define SG_MST VMASKMOVPD Y4, Y14, (DI)

TEXT ·sigmoidAVX2(SB), $416-48
	PROLOGUE
	LOGISTIC_LOOP(NONE, SG_PAIR, SG_ONE, SG_FIX, SG_ST, SG_MST, ADV_DI)

// func softplusAVX2(dst, x []float64)
#define SP_PAIR(i, j) \
	PB_ONE(i*96, Y0, Y1, Y2); \
	PB_ONE(j*96, Y7, Y8, Y9); \
	PB_X(i*32, SI, Y3, Y4); \
	PB_X(j*32, SI, Y10, Y11); \
	SP_PAIR_REST(i, j); \
	VMOVUPD Y2, (i*32)(DI); \
	VMOVUPD Y9, (j*32)(DI)
#define SP_ONE(o, b) \
	PB_ONE(0, Y0, Y1, Y2); \
	PB_X(o, b, Y3, Y4); \
	SP_REST
#define SP_FIX NAN_INF_BLEND(Y2)
#define SP_ST VMOVUPD Y2, (DI)
#define SP_MST VMASKMOVPD Y2, Y14, (DI)

TEXT ·softplusAVX2(SB), $416-48
	PROLOGUE
	LOGISTIC_LOOP(NONE, SP_PAIR, SP_ONE, SP_FIX, SP_ST, SP_MST, ADV_DI)

// func logSigmoidAVX2(dst, x []float64)
//
// -softplus(-x): the sign of each element is flipped on the way in and on
// the way out; u, which depends on |x| only, needs no flip.
#define LS_PAIR(i, j) \
	PB_ONE(i*96, Y0, Y1, Y2); \
	PB_ONE(j*96, Y7, Y8, Y9); \
	PB_XNEG(i*32, SI, Y3, Y4); \
	PB_XNEG(j*32, SI, Y10, Y11); \
	SP_PAIR_REST(i, j); \
	VXORPD K(C_SIGN), Y2, Y2; \
	VXORPD K(C_SIGN), Y9, Y9; \
	VMOVUPD Y2, (i*32)(DI); \
	VMOVUPD Y9, (j*32)(DI)
#define LS_ONE(o, b) \
	PB_ONE(0, Y0, Y1, Y2); \
	PB_XNEG(o, b, Y3, Y4); \
	SP_REST
#define LS_ST VXORPD K(C_SIGN), Y2, Y2; VMOVUPD Y2, (DI)
#define LS_MST VXORPD K(C_SIGN), Y2, Y2; VMASKMOVPD Y2, Y14, (DI)

TEXT ·logSigmoidAVX2(SB), $416-48
	PROLOGUE
	LOGISTIC_LOOP(FLIP_X, LS_PAIR, LS_ONE, SP_FIX, LS_ST, LS_MST, ADV_DI)

// func softplusSigmoidAVX2(sp, sg, x []float64)
//
// Softplus into sp (DI) and Sigmoid into sg (DX) from one u, by the steps
// of the two kernels above, so that the results agree bit for bit. Each
// vector's x is loaded before either result is stored, so that sp or sg
// may be x itself.
#define SPSG_PAIR(i, j) \
	PB_ONE(i*96, Y0, Y1, Y2); \
	PB_ONE(j*96, Y7, Y8, Y9); \
	PB_X(i*32, SI, Y3, Y4); \
	PB_X(j*32, SI, Y10, Y11); \
	PB_SIG(i*96, Y0, Y1, Y2, Y4, Y5, Y6); \
	PB_SIG(j*96, Y7, Y8, Y9, Y11, Y12, Y13); \
	VMOVUPD Y4, (i*32)(DX); \
	VMOVUPD Y11, (j*32)(DX); \
	SP_PAIR_REST(i, j); \
	VMOVUPD Y2, (i*32)(DI); \
	VMOVUPD Y9, (j*32)(DI)
#define SPSG_ONE(o, b) \
	PB_ONE(0, Y0, Y1, Y2); \
	PB_X(o, b, Y3, Y4); \
	PB_SIG(0, Y0, Y1, Y2, Y4, Y5, Y6); \
	VMOVAPD Y4, Y12; \
	SP_REST
#define SPSG_FIX NAN_INF_BLEND(Y2); NAN_BLEND(Y12)
#define SPSG_ST VMOVUPD Y12, (DX); VMOVUPD Y2, (DI)
#define SPSG_MST VMASKMOVPD Y12, Y14, (DX); VMASKMOVPD Y2, Y14, (DI)

TEXT ·softplusSigmoidAVX2(SB), $416-72
	MOVQ sp_base+0(FP), DI
	MOVQ sp_len+8(FP), CX
	MOVQ sg_base+24(FP), DX
	MOVQ x_base+48(FP), SI
	VMOVUPD K(C_ONE), Y15
	LOGISTIC_LOOP(NONE, SPSG_PAIR, SPSG_ONE, SPSG_FIX, SPSG_ST, SPSG_MST, ADV_DI_DX)

// TANH sets Y6 = tanh x for Y0 = x of any value, as tanh: |x| is clamped
// at 20 (NaN reads as 20 and is blended back), n = (e²ᵃ - 1)/2 = Y6 + Y7,
// d = n + 1 = Y8 + Y10 by two-sum, and the sign of x is put back.
#define TANH \
	VMOVAPD Y0, Y13; \
	VANDPD K(C_ABS), Y0, Y0; \
	VMINPD K(C_TWENTY), Y0, Y0; \
	VADDPD Y0, Y0, Y0; \
	EXP_PARTS_SQ; \
	EXPM1_HALF; \
	VADDPD Y15, Y6, Y8; \
	VSUBPD Y6, Y8, Y9; \
	VSUBPD Y9, Y8, Y10; \
	VSUBPD Y10, Y6, Y10; \
	VSUBPD Y9, Y15, Y11; \
	VADDPD Y11, Y10, Y10; \
	VADDPD Y7, Y10, Y10; \
	DIV_HILO; \
	VANDPD K(C_SIGN), Y13, Y10; \
	VORPD Y10, Y6, Y6; \
	NAN_BLEND(Y6)

// func tanhAVX2(dst, x []float64)
TEXT ·tanhAVX2(SB), NOSPLIT, $0-48
	PROLOGUE
loop:
	SUBQ $4, CX
	JL tail
	VMOVUPD (SI), Y0
	TANH
	VMOVUPD Y6, (DI)
	NEXT
	JMP loop
tail:
	ADDQ $4, CX
	JZ done
	TAILMASK
	VMASKMOVPD (SI), Y14, Y0
	TANH
	VMASKMOVPD Y6, Y14, (DI)
done:
	VZEROUPPER
	RET
